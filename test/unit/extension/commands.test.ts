import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, unavailable } from '../../../src/extension/commands/availability';
import { indexReport } from '../../../src/extension/commands/indexReport';
import { kindIcon, searchItems } from '../../../src/extension/commands/searchItems';
import { OllamaError } from '../../../src/engine/llm/ollamaClient';
import { IndexError } from '../../../src/engine/store/indexStore';
import type { SearchHit } from '../../../src/engine/retrieval/retriever';

const ROOT = join(__dirname, '..', '..', '..', '..');

function hit(over: Partial<SearchHit>): SearchHit {
  return {
    id: 'x',
    fileKey: '/ws/src/greeter.ts',
    root: '/ws',
    path: 'src/greeter.ts',
    source: 'workspace',
    language: 'typescript',
    kind: 'function',
    shape: 'symbol',
    name: 'greet',
    qualifiedName: 'greet',
    startLine: 3,
    endLine: 5,
    signature: 'export function greet(g: Greeting): string',
    doc: '',
    text: 'export function greet(g: Greeting): string {\n}',
    textHash: 'h',
    symbol: 'greet',
    score: 1,
    ...over,
  };
}

describe('extension commands (pure parts)', () => {
  it('keeps the pure modules free of vscode, so they run here', () => {
    for (const f of ['commands/availability.ts', 'commands/indexReport.ts', 'commands/searchItems.ts', 'status/statusView.ts', 'indexing/indexRoots.ts']) {
      const text = readFileSync(join(ROOT, 'src', 'extension', f), 'utf8');
      assert.ok(!/from\s+['"]vscode['"]/.test(text), f);
    }
  });

  it('says why a command is unavailable and offers the fix', () => {
    const u = unavailable('InHouse: Search Code', ['trusted', 'index'], { trusted: false, index: { kind: 'untrusted' } });
    assert.match(u!.message, /Search Code is unavailable: this workspace is not trusted/);
    assert.deepEqual(u!.fixes, ['trustWorkspace']);
    const nf = unavailable('InHouse: Reindex', ['trusted', 'roots'], { trusted: true, index: { kind: 'no-folder' } });
    assert.match(nf!.message, /no folder is open and inhouse\.libraries is empty/);
    const err = unavailable('InHouse: Search Code', ['trusted', 'index'], { trusted: true, index: { kind: 'error', message: 'disk full' } });
    assert.match(err!.message, /disk full.*InHouse: Reindex/);
    assert.equal(unavailable('InHouse: Search Code', ['trusted', 'index'], { trusted: true, index: { kind: 'indexing', done: 1, total: 2 } }), undefined);
    assert.equal(unavailable('InHouse: Open Logs', [], { trusted: false, index: { kind: 'untrusted' } }), undefined);
  });

  it('turns engine failures into messages that name the editor fix', () => {
    const notBuilt = describeFailure(new IndexError('No index at /ws/.inhouse/index. Run `inhouse index` first.', 'not-found'), { index: { kind: 'indexing', done: 0, total: 3 } });
    assert.match(notBuilt.message, /not built yet: InHouse is indexing now/);
    assert.match(describeFailure(new IndexError('x', 'not-found')).message, /Run "InHouse: Reindex"/);
    assert.match(describeFailure(new IndexError('Locked; run `inhouse index` again.', 'locked')).message, /run "InHouse: Reindex" again/);
    const down = describeFailure(new OllamaError('Ollama is not reachable at h. Start it with `ollama serve`, or set inhouse.ollama.host.', 'unreachable'));
    assert.deepEqual(down.fixes, ['startOllama', 'openHostSetting']);
    assert.deepEqual(describeFailure(new OllamaError('m', 'model-missing')).fixes, ['selectModel']);
  });

  it('maps search hits to rows with kind icons, path:line and the library', () => {
    const [ws, lib, block] = searchItems([
      hit({}),
      hit({ source: 'shared', kind: 'class', symbol: 'Stack', path: 'stack.py', startLine: 6, fileKey: '/libs/shared/stack.py', signature: 'class Stack:' }),
      hit({ kind: 'block', symbol: '', name: '', qualifiedName: '', signature: '', text: '\n  const x = 1;\n', startLine: 10 }),
    ]);
    assert.equal(ws.label, '$(symbol-function) greet');
    assert.equal(ws.description, 'src/greeter.ts:3');
    assert.equal(ws.detail, 'export function greet(g: Greeting): string');
    assert.equal(lib.label, '$(symbol-class) Stack');
    assert.equal(lib.description, 'stack.py:6 · library shared');
    assert.equal(lib.fileKey, '/libs/shared/stack.py');
    assert.equal(block.label, '$(file-code) src/greeter.ts:10');
    assert.equal(block.detail, 'const x = 1;');
    assert.equal(kindIcon('rule'), 'law');
  });

  it('writes a readable index report whose first line the smoke test reads', () => {
    const r = indexReport({
      status: {
        dbDir: '/ws/.inhouse/index',
        roots: ['/ws', '/libs/shared'],
        files: 12,
        chunks: 80,
        skipped: { 'too-large': 1, binary: 3 },
        secretsRedacted: 2,
        filesWithSyntaxErrors: 1,
        sources: { workspace: 10, shared: 2 },
      },
      conventions: { rules: 4, warnings: ['errors.md: broken frontmatter'] },
      rootWarnings: ['Library "gone" in inhouse.libraries points at /nowhere, which is not a folder.'],
      state: 'Index: ready, 12 files, 80 chunks',
    });
    assert.match(r.summary, /^InHouse index: 12 files, 80 chunks\. Skipped: binary 3, too-large 1\. Conventions: 4 rules, 2 problems\./);
    assert.match(r.markdown, /library \*\*shared\*\*: 2/);
    assert.match(r.markdown, /## Problems\n\n- Library "gone"/);
    assert.match(r.markdown, /errors\.md: broken frontmatter/);
  });
});
