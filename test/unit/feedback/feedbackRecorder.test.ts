import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FeedbackInput } from '../../../src/engine/feedback/feedbackEvents';
import { FeedbackRecorder, percentile, type FeedbackRecorderOptions } from '../../../src/engine/feedback/feedbackRecorder';
import { formatFeedbackSummary } from '../../../src/engine/feedback/feedbackSummary';
import type { Logger } from '../../../src/engine/log';

const BASE = { model: 'house:1', contextIds: ['chunk:a'], ruleIds: [], language: 'typescript', path: 'src/a.ts' };
const GH_TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

function shown(n: number, latencyMs = 100, extra: Partial<FeedbackInput> = {}): FeedbackInput {
  return { ...BASE, promptId: `p${n}`, kind: 'completion.shown', latencyMs, text: `value${n}`, ...extra } as FeedbackInput;
}

interface CapturedLog extends Logger {
  lines: Array<[string, string]>;
}

function captureLog(): CapturedLog {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (message: string) => void lines.push([level, message]);
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') };
}

describe('feedback recorder', () => {
  let tmp: string;
  let dir: string;
  let log: CapturedLog;
  const make = (options: Partial<FeedbackRecorderOptions> = {}) => new FeedbackRecorder({ dir, log, ...options });
  const live = () => path.join(dir, 'feedback.jsonl');
  const lines = (file = live()) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inhouse-feedback-'));
    dir = path.join(tmp, 'workspaceStorage', 'feedback');
    log = captureLog();
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('creates its directory on the first event and appends one JSON line per event', async () => {
    const r = make({ now: () => new Date('2025-05-01T10:00:00Z') });
    assert.deepEqual((await r.read()).events, []);
    assert.equal(fs.existsSync(dir), false, 'reading creates nothing');
    await r.record(shown(1));
    await r.record(shown(2));
    const stored = lines().map((l) => JSON.parse(l));
    assert.equal(stored.length, 2);
    assert.equal(stored[0].v, 1);
    assert.equal(stored[0].at, '2025-05-01T10:00:00.000Z');
    assert.match(stored[0].id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(stored[0].id, stored[1].id);
    assert.deepEqual(stored.map((e) => e.promptId), ['p1', 'p2']);
  });

  it('refuses an invalid event with a logged error and writes nothing', async () => {
    const r = make();
    const bad = { ...BASE, promptId: 'p', kind: 'completion.shown', latencyMs: -5, text: 'secret code here' } as FeedbackInput;
    await r.record(bad); // resolves: surfaces fire and forget
    const result = await r.tryRecord({ kind: 'nope' });
    assert.equal(result.ok, false);
    const errors = log.lines.filter(([level]) => level === 'error').map(([, m]) => m);
    assert.equal(errors.length, 2);
    assert.match(errors[0], /Feedback event rejected \(completion\.shown\): `latencyMs` must be between 0 and/);
    assert.ok(!errors[0].includes('secret code here'), 'no user text in the log');
    assert.equal(fs.existsSync(live()), false);
    await r.record(shown(1));
    assert.equal(lines().length, 1);
  });

  it('redacts secrets in text fields before anything reaches the disk', async () => {
    const r = make();
    await r.record({ ...BASE, promptId: 'p', kind: 'completion.accepted', how: 'full', text: `const t = "${GH_TOKEN}";`, latencyMs: 9 });
    await r.record({ ...BASE, promptId: 'q', kind: 'chat.rating', surface: 'chat', rating: 'up', question: `why does ${GH_TOKEN} fail`, answer: 'password = "hunter2Xq9!zR"' });
    const raw = fs.readFileSync(live(), 'utf8');
    assert.ok(!raw.includes(GH_TOKEN));
    assert.ok(!raw.includes('hunter2Xq9!zR'));
    assert.equal((await r.stats()).redactions, 3);
  });

  it('recovers from a torn last line: the bad line is skipped and counted, the next event starts a fresh line', async () => {
    const r = make();
    await r.record(shown(1));
    await r.record(shown(2));
    // A crash halfway through an append.
    fs.appendFileSync(live(), '{"v":1,"id":"x","at":"2025-');
    await r.record(shown(3));
    const read = await r.read();
    assert.deepEqual(read.events.map((e) => e.promptId), ['p1', 'p2', 'p3']);
    assert.equal(read.corruptLines, 1);
    assert.ok(log.lines.some(([level, m]) => level === 'warn' && /Skipped 1 corrupt feedback line/.test(m)));
    // A second reader (a fresh window) sees the same, and keeps appending cleanly.
    const again = make();
    await again.record(shown(4));
    const read2 = await again.read();
    assert.deepEqual(read2.events.map((e) => e.promptId), ['p1', 'p2', 'p3', 'p4']);
    assert.equal(read2.corruptLines, 1);
  });

  it('skips garbage, blank lines and hand edits, and counts newer versions apart', async () => {
    const r = make();
    await r.record(shown(1));
    const good = JSON.parse(lines()[0]);
    fs.appendFileSync(live(), ['', 'not json', '[1,2]', '{"v":1}', JSON.stringify({ ...good, v: 7, id: 'future' }), '   ', JSON.stringify({ ...good, id: 'ok2' }), ''].join('\n'));
    const read = await r.read();
    assert.deepEqual(read.events.map((e) => e.id), [good.id, 'ok2']);
    assert.equal(read.corruptLines, 3);
    assert.equal(read.newerVersionLines, 1);
  });

  it('keeps every event when many are recorded at once', async () => {
    const r = make();
    await Promise.all(Array.from({ length: 300 }, (_, i) => r.record(shown(i))));
    const raw = lines();
    assert.equal(raw.length, 300);
    for (const l of raw) JSON.parse(l); // no interleaved or glued lines
    const read = await r.read();
    assert.equal(read.corruptLines, 0);
    assert.deepEqual(new Set(read.events.map((e) => e.promptId)), new Set(Array.from({ length: 300 }, (_, i) => `p${i}`)));
    assert.equal(new Set(read.events.map((e) => e.id)).size, 300);
  });

  it('keeps every event from two recorders on the same files (two windows)', async () => {
    const a = make();
    const b = make();
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).record(shown(i))));
    const read = await a.read();
    assert.equal(read.events.length, 100);
    assert.equal(read.corruptLines, 0);
  });

  it('rotates at the size limit, keeps a few older files, and reads them oldest first', async () => {
    const r = make({ maxFileBytes: 2000, keepFiles: 2 });
    for (let i = 0; i < 60; i++) await r.record(shown(i));
    const names = fs.readdirSync(dir).sort();
    assert.deepEqual(names, ['feedback-1.jsonl', 'feedback-2.jsonl', 'feedback.jsonl']);
    for (const name of names) assert.ok(fs.statSync(path.join(dir, name)).size <= 2000, name);
    const read = await r.read();
    assert.equal(read.files, 3);
    const seq = read.events.map((e) => Number(e.promptId.slice(1)));
    assert.equal(seq[seq.length - 1], 59, 'the newest event is kept');
    assert.ok(seq[0] > 0, 'the oldest events went with the oldest file');
    assert.deepEqual(seq, Array.from({ length: seq.length }, (_, i) => seq[0] + i), 'in order, none missing in between');
    assert.equal(read.events.length, lines(path.join(dir, 'feedback-2.jsonl')).length + lines(path.join(dir, 'feedback-1.jsonl')).length + lines().length);
  });

  it('keeps every concurrent event across rotations while nothing is dropped by the limit', async () => {
    const r = make({ maxFileBytes: 4000, keepFiles: 50 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => r.record(shown(i))));
    const read = await r.read();
    assert.equal(read.events.length, 200);
    assert.equal(read.corruptLines, 0);
    assert.ok(read.files > 2);
    for (const name of fs.readdirSync(dir)) assert.ok(fs.statSync(path.join(dir, name)).size <= 4000, `${name} stays under the limit`);
  });

  it('works out counts, acceptance rate, latency percentiles and survival', async () => {
    const r = make();
    const latencies = [50, 100, 150, 200, 250, 300, 350, 400, 450, 1000];
    for (const [i, ms] of latencies.entries()) await r.record(shown(i, ms, i >= 8 ? { model: 'big:70b', language: 'python' } : {}));
    await r.record({ ...BASE, promptId: 'p0', kind: 'completion.accepted', how: 'full', text: 'value0', latencyMs: 50 });
    await r.record({ ...BASE, promptId: 'p1', kind: 'completion.accepted', how: 'full', text: 'value1', latencyMs: 100 });
    await r.record({ ...BASE, promptId: 'p2', kind: 'completion.accepted', how: 'partial', text: 'value2', acceptedText: 'val', latencyMs: 150 });
    await r.record({ ...BASE, promptId: 'p3', kind: 'completion.rejected', text: 'value3', latencyMs: 200 });
    await r.record({ ...BASE, model: 'big:70b', language: 'python', promptId: 'p8', kind: 'completion.rejected', text: 'value8', latencyMs: 450 });
    await r.record({ ...BASE, promptId: 'p0', kind: 'completion.survival', afterSeconds: 30, survived: 1, text: 'value0' });
    await r.record({ ...BASE, promptId: 'p1', kind: 'completion.survival', afterSeconds: 30, survived: 0.5, text: 'value1' });
    await r.record({ ...BASE, promptId: 'p0', kind: 'completion.survival', afterSeconds: 300, survived: 0.25, text: 'value0' });
    await r.record({ ...BASE, promptId: 'c1', kind: 'chat.rating', surface: 'chat', rating: 'up', question: 'q', answer: 'a' });
    await r.record({ ...BASE, promptId: 'c2', kind: 'chat.rating', surface: 'explain', rating: 'down', question: '', answer: 'a' });
    await r.record({ ...BASE, promptId: 'c2', kind: 'correction', surface: 'explain', prompt: 'p', original: 'a', corrected: 'b' });
    const s = await r.stats();
    assert.equal(s.total, 21);
    assert.deepEqual(s.byKind, {
      'completion.shown': 10,
      'completion.accepted': 3,
      'completion.rejected': 2,
      'completion.survival': 3,
      'chat.rating': 2,
      correction: 1,
    });
    assert.equal(s.completions.shown, 10);
    assert.equal(s.completions.accepted, 3);
    assert.equal(s.completions.acceptedFull, 2);
    assert.equal(s.completions.acceptedPartial, 1);
    assert.equal(s.completions.rejected, 2);
    assert.equal(s.completions.acceptanceRate, 0.3);
    assert.deepEqual(s.completions.latencyMs, { count: 10, p50: 250, p95: 1000 });
    assert.deepEqual(s.survival, { '30': { count: 2, mean: 0.75 }, '300': { count: 1, mean: 0.25 } });
    assert.deepEqual(s.ratings, { up: 1, down: 1 });
    assert.equal(s.corrections, 1);
    assert.deepEqual(s.byModel['house:1'], { shown: 8, accepted: 3, rejected: 1, acceptanceRate: 3 / 8 });
    assert.deepEqual(s.byModel['big:70b'], { shown: 2, accepted: 0, rejected: 1, acceptanceRate: 0 });
    assert.deepEqual(Object.keys(s.byLanguage).sort(), ['python', 'typescript']);
    assert.equal(s.corruptLines, 0);
    assert.equal(s.files, 1);
    assert.equal(s.bytes, fs.statSync(live()).size);

    const md = formatFeedbackSummary(s, (await r.read()).events.slice(-5), { location: dir });
    assert.match(md, /\| 10 \| 3 \(2 \/ 1\) \| 2 \| 30\.0% \| 250 ms \| 1000 ms \|/);
    assert.match(md, /after 30 s: 75% of the text kept \(2 checks\)/);
    assert.match(md, /### By model/);
    assert.match(md, /Ratings: 1 up, 1 down/);
    assert.match(md, /## Latest 5 events \(newest first\)/);
  });

  it('uses accept and reject decisions when nothing was recorded as shown', async () => {
    const r = make();
    await r.record({ ...BASE, promptId: 'a', kind: 'completion.accepted', how: 'full', text: 'x', latencyMs: 10 });
    await r.record({ ...BASE, promptId: 'b', kind: 'completion.rejected', text: 'y', latencyMs: 30 });
    const s = await r.stats();
    assert.equal(s.completions.acceptanceRate, 0.5);
    assert.deepEqual(s.completions.latencyMs, { count: 2, p50: 10, p95: 30 });
    const empty = await make({ dir: path.join(tmp, 'none') }).stats();
    assert.equal(empty.total, 0);
    assert.equal(empty.completions.acceptanceRate, undefined);
    assert.equal(empty.completions.latencyMs, undefined);
  });

  it('computes nearest-rank percentiles', () => {
    assert.equal(percentile([5], 50), 5);
    assert.equal(percentile([1, 2], 50), 1);
    assert.equal(percentile([1, 2, 3, 4], 95), 4);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('exports readable events as JSONL, leaving corrupt lines out', async () => {
    const r = make({ maxFileBytes: 1500, keepFiles: 3 });
    for (let i = 0; i < 12; i++) await r.record(shown(i));
    fs.appendFileSync(live(), '{"torn');
    const target = path.join(tmp, 'out', 'export.jsonl');
    const result = await r.export(target);
    assert.deepEqual(result, { events: 12, skipped: 1 });
    const exported = fs.readFileSync(target, 'utf8');
    assert.ok(exported.endsWith('\n'));
    const events = exported.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.promptId), Array.from({ length: 12 }, (_, i) => `p${i}`));
    await assert.rejects(r.export(live()), /outside the feedback store/);
  });

  it('clears every event file, and records again afterwards', async () => {
    const r = make({ maxFileBytes: 1000, keepFiles: 2 });
    for (let i = 0; i < 20; i++) await r.record(shown(i));
    fs.writeFileSync(path.join(dir, 'feedback-9.jsonl'), '{}\n'); // left by a larger keepFiles
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    const cleared = await r.clear();
    assert.equal(cleared.files, 4);
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
    assert.equal((await r.read()).events.length, 0);
    await r.record(shown(99));
    assert.deepEqual((await r.read()).events.map((e) => e.promptId), ['p99']);
  });

  it('orders clear after the records before it, and records after it survive', async () => {
    const r = make();
    const before = Array.from({ length: 20 }, (_, i) => r.record(shown(i)));
    const clearing = r.clear();
    await Promise.all(before);
    await clearing;
    await r.record(shown(100));
    assert.deepEqual((await r.read()).events.map((e) => e.promptId), ['p100']);
  });

  it('logs a failed write and never rejects', async () => {
    fs.mkdirSync(tmp, { recursive: true });
    const blocker = path.join(tmp, 'blocker');
    fs.writeFileSync(blocker, 'a file where the directory should be');
    const r = make({ dir: path.join(blocker, 'feedback') });
    await r.record(shown(1));
    const result = await r.tryRecord(shown(2));
    assert.equal(result.ok, false);
    assert.ok(log.lines.some(([level, m]) => level === 'error' && /Could not write a feedback event/.test(m)));
  });
});
