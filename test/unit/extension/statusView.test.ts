import { strict as assert } from 'node:assert';
import type { CompletionState, IndexState, ModelState } from '../../../src/extension/status/statusModel';
import { describeStatus, fixesFor, isSafeModelName, type StatusSnapshot } from '../../../src/extension/status/statusView';

const models = { chat: 'qwen2.5-coder:7b', completion: 'qwen2.5-coder:1.5b-base', embedding: '' };

function snap(index: IndexState, model: ModelState = { kind: 'ok', model: models.chat }, completions: CompletionState = { kind: 'on' }): StatusSnapshot {
  return { index, model, completions, models, ollamaHost: 'http://127.0.0.1:11434' };
}

const ids = (s: StatusSnapshot) => fixesFor(s).map((f) => f.id);

describe('status view', () => {
  it('shows indexing n/N with a spinner', () => {
    const v = describeStatus(snap({ kind: 'indexing', done: 3, total: 40 }));
    assert.equal(v.text, '$(sync~spin) InHouse: indexing 3/40');
    assert.equal(v.severity, 'normal');
    assert.match(v.lines[0], /3 of 40 files/);
  });

  it('shows ready with the chunk count in the form the smoke test reads', () => {
    const v = describeStatus(snap({ kind: 'ready', files: 2, chunks: 7 }));
    assert.match(v.text, /InHouse: 7 chunks/);
    assert.equal(v.severity, 'normal');
    assert.deepEqual(ids(snap({ kind: 'ready', files: 2, chunks: 7 })).slice(0, 3), ['searchCode', 'showIndexStatus', 'reindex']);
  });

  it('keeps the chunk count and adds Ollama unreachable, with fixes for it first', () => {
    const s = snap({ kind: 'ready', files: 2, chunks: 7 }, { kind: 'unreachable', message: 'Ollama is not reachable at http://127.0.0.1:11434.' });
    const v = describeStatus(s);
    assert.match(v.text, /InHouse: 7 chunks · .*Ollama unreachable/);
    assert.equal(v.severity, 'warning');
    assert.deepEqual(ids(s).slice(0, 3), ['startOllama', 'openHostSetting', 'recheckOllama']);
  });

  it('offers to pull a missing model, by copy and in a terminal', () => {
    const s = snap({ kind: 'ready', files: 1, chunks: 1 }, { kind: 'model-missing', model: 'qwen2.5-coder:7b', message: 'not pulled' });
    const v = describeStatus(s);
    assert.match(v.text, /model missing/);
    const fixes = fixesFor(s);
    assert.equal(fixes[0].id, 'copyPull');
    assert.match(fixes[0].label, /ollama pull qwen2\.5-coder:7b/);
    assert.equal(fixes[1].id, 'runPull');
    assert.equal(fixes[1].model, 'qwen2.5-coder:7b');
  });

  it('never offers to run an odd model name in a terminal', () => {
    const s = snap({ kind: 'ready', files: 1, chunks: 1 }, { kind: 'model-missing', model: 'x; rm -rf ~', message: 'not pulled' });
    assert.ok(!ids(s).includes('runPull'));
    assert.ok(ids(s).includes('copyPull'));
    assert.ok(isSafeModelName('library/qwen2.5-coder:1.5b-base'));
    assert.ok(!isSafeModelName('$(whoami)'));
  });

  it('explains an untrusted workspace and offers only trust and logs', () => {
    const s = snap({ kind: 'untrusted' }, { kind: 'unreachable', message: 'down' });
    const v = describeStatus(s);
    assert.equal(v.text, '$(shield) InHouse: untrusted');
    assert.match(v.lines[0], /not trusted.*does not index.*no model calls/);
    assert.equal(v.lines.length, 1, 'Ollama is not news in an untrusted workspace');
    assert.deepEqual(ids(s), ['trustWorkspace', 'openLogs']);
  });

  it('shows an index error in red with Reindex first', () => {
    const s = snap({ kind: 'error', message: 'disk full' });
    const v = describeStatus(s);
    assert.equal(v.severity, 'error');
    assert.match(v.text, /index error/);
    assert.equal(ids(s)[0], 'reindex');
    assert.match(v.lines[0], /disk full/);
  });

  it('shows paused and off completions, and offers the toggle', () => {
    const paused = snap({ kind: 'ready', files: 1, chunks: 1 }, { kind: 'ok', model: 'm' }, { kind: 'paused', reason: 'Ollama failed 3 times' });
    assert.match(describeStatus(paused).text, /completions paused/);
    assert.equal(describeStatus(paused).severity, 'warning');
    assert.ok(ids(paused).includes('toggleCompletions'));
    const off = snap({ kind: 'ready', files: 1, chunks: 1 }, { kind: 'ok', model: 'm' }, { kind: 'off' });
    assert.match(describeStatus(off).text, /completions off/);
    assert.match(fixesFor(off).find((f) => f.id === 'toggleCompletions')!.label, /turn on/);
  });

  it('has no duplicate fixes and escapes markdown from messages in the tooltip', () => {
    const s = snap({ kind: 'error', message: 'bad [link](javascript:x) `x`' }, { kind: 'unreachable', message: '<b>x</b>' });
    const f = fixesFor(s);
    assert.equal(new Set(f.map((x) => `${x.id}/${x.model ?? ''}`)).size, f.length);
    const v = describeStatus(s);
    assert.ok(!v.tooltip.includes('[link](javascript'));
    assert.ok(!v.tooltip.includes('<b>'));
  });

  it('names no folder and offers to open one or add a library', () => {
    const s = snap({ kind: 'no-folder' });
    assert.match(describeStatus(s).text, /no folder/);
    assert.deepEqual(ids(s).slice(0, 2), ['openFolder', 'addLibrary']);
  });
});
