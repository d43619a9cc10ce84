import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import type { AnswerEvent } from '../../../src/engine/answers/answerTypes';
import type { Engine } from '../../../src/engine/engine';
import { OllamaError } from '../../../src/engine/llm/ollamaClient';
import { numCtxFor } from '../../../src/engine/llm/modelOptions';
import { QueryError } from '../../../src/engine/retrieval/queryText';
import { DEFAULTS, validateSettings, type Settings } from '../../../src/engine/settings';
import { makeTmp, newEngine, removeTmp, writeTree } from '../../support/indexKit';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { testAssets } from '../../support/testAssets';

const CONVENTION = [
  '---',
  'id: errors-name-the-fix',
  'title: Errors name the fix',
  'applies: ["**/*.ts"]',
  'severity: must',
  '---',
  'Every error message says what the user should do next, naming the setting or command.',
  '',
].join('\n');

const FILES: Record<string, string> = {
  '.inhouse/conventions/errors.md': CONVENTION,
  'src/util/money.ts': [
    '/** Formats a whole number of cents as a price, e.g. 1234 → "12.34". */',
    'export function formatCents(cents: number): string {',
    '  return (cents / 100).toFixed(2);',
    '}',
    '',
  ].join('\n'),
  'src/billing/invoice.ts': [
    "import { formatCents } from '../util/money';",
    '',
    'export function invoiceTotal(lines: number[]): string {',
    '  const total = lines.reduce((a, b) => a + b, 0);',
    '  return formatCents(total);',
    '}',
    '',
  ].join('\n'),
  'src/math.ts': ['export function add(a: number, b: number): number {', '  return ', '}', ''].join('\n'),
  'src/sub.ts': ['export function sub(a: number, b: number): number {', '  ', '}', ''].join('\n'),
  'notes/logo.png': 'not really a png',
};

async function collect(events: AsyncIterable<AnswerEvent>): Promise<{ events: AnswerEvent[]; text: string }> {
  const out: AnswerEvent[] = [];
  let text = '';
  for await (const e of events) {
    out.push(e);
    if (e.type === 'text') text += e.text;
  }
  return { events: out, text };
}

async function rejects<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T, message: RegExp): Promise<T> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.match((err as Error).message, message);
    return err as T;
  }
  assert.fail('expected a rejection');
}

describe('answers: ask, explain and complete against the Ollama test server', function () {
  this.timeout(60_000);
  let tmp: string;
  let ws: string;
  let db: string;
  let server: OllamaTestServer;
  let engine: Engine;
  let settings: Settings;

  before(async () => {
    tmp = makeTmp('answers');
    ws = path.join(tmp, 'ws');
    db = path.join(tmp, 'db');
    writeTree(ws, FILES);
    writeTree(ws, { 'src/blob.ts': new Uint8Array([0x65, 0x78, 0x00, 0x01, 0x02]) });
    server = await OllamaTestServer.start({
      models: [...standardModels(), { name: 'codellama:7b-code', family: 'llama', capabilities: ['completion'] }],
    });
    settings = validateSettings({ 'ollama.host': server.url, 'ollama.timeoutSeconds': 5, 'chat.model': 'llama3.2:3b', 'completion.model': 'qwen2.5-coder:1.5b' });
    engine = newEngine(db, settings);
    const summary = await engine.index([{ root: ws, source: 'workspace' }]);
    assert.deepEqual(summary.conventions, { rules: 1, warnings: [] });
  });

  after(async () => {
    await engine?.dispose();
    await server?.close();
    removeTmp(tmp);
  });

  beforeEach(async () => {
    server.clearScripts();
    server.clearRequests();
    await server.resetFaults();
  });

  it('ask: sources first (retrieved code and the rule), then the streamed text, then done', async () => {
    server.script({ endpoint: 'chat', chunks: ['Prices go through ', 'formatCents [1] ', '[errors-name-the-fix].'] });
    const { events, text } = await collect(engine.ask('how are cents formatted as a price?', { activeFile: path.join(ws, 'src/billing/invoice.ts') }));
    assert.equal(events[0].type, 'sources');
    const sources = events[0].type === 'sources' ? events[0].sources : undefined;
    const first = sources!.citations[0];
    assert.equal(first.n, 1);
    assert.equal(first.path, 'src/util/money.ts');
    assert.equal(first.fileKey, path.join(ws, 'src/util/money.ts'));
    assert.equal(first.symbol, 'formatCents');
    assert.deepEqual(sources!.rules.map((r) => r.id), ['errors-name-the-fix']);
    assert.equal(text, 'Prices go through formatCents [1] [errors-name-the-fix].');
    const done = events[events.length - 1];
    assert.equal(done.type, 'done');
    assert.ok(done.type === 'done' && /^[0-9a-f]{16}$/.test(done.promptId) && done.model === 'llama3.2:3b' && !done.cutShort);

    const body = server.lastRequest('/api/chat')!.body;
    assert.equal(body.model, 'llama3.2:3b');
    assert.equal(body.stream, true);
    assert.equal(body.keep_alive, '30m');
    assert.equal(body.options.num_ctx, numCtxFor(DEFAULTS['chat.contextTokens'], DEFAULTS['chat.maxTokens']));
    assert.equal(body.options.num_predict, DEFAULTS['chat.maxTokens']);
    assert.equal(body.messages[0].role, 'system');
    assert.match(body.messages[0].content, /errors-name-the-fix/);
    const user = body.messages[body.messages.length - 1];
    assert.equal(user.role, 'user');
    assert.match(user.content, /\[1\][^\n]*src\/util\/money\.ts/);
    assert.match(user.content, /how are cents formatted as a price\?/);
  });

  it('ask: the same question twice has the same prompt id; a different one does not', async () => {
    const ids: string[] = [];
    for (const q of ['where is the invoice total computed?', 'where is the invoice total computed?', 'how do we add numbers?']) {
      const { events } = await collect(engine.ask(q));
      const done = events[events.length - 1];
      ids.push(done.type === 'done' ? done.promptId : '');
    }
    assert.equal(ids[0], ids[1]);
    assert.notEqual(ids[0], ids[2]);
  });

  it('ask: an answer that hits chat.maxTokens is marked cut short', async () => {
    server.script({ endpoint: 'chat', chunks: ['one ', 'two ', 'three'], doneReason: 'length' });
    const { events } = await collect(engine.ask('what does invoiceTotal return?'));
    const done = events[events.length - 1];
    assert.ok(done.type === 'done' && done.cutShort);
  });

  it('explain: the prompt carries the selection, the definitions it calls and the applicable rule', async () => {
    server.script({ endpoint: 'chat', chunks: ['It sums the lines.'] });
    const file = path.join(ws, 'src/billing/invoice.ts');
    const { events, text } = await collect(engine.explain(file, { startLine: 4, endLine: 5 }));
    assert.equal(text, 'It sums the lines.');
    const sources = events[0].type === 'sources' ? events[0].sources : undefined;
    assert.ok(sources!.citations.some((c) => c.path === 'src/util/money.ts' && c.symbol === 'formatCents'), JSON.stringify(sources));
    assert.deepEqual(sources!.rules.map((r) => r.id), ['errors-name-the-fix']);
    const content = server.lastRequest('/api/chat')!.body.messages.map((m: { content: string }) => m.content).join('\n');
    assert.match(content, /const total = lines\.reduce/);
    assert.match(content, /export function formatCents\(cents: number\): string/);
    // The enclosing function is there too, beyond the two selected lines.
    assert.match(content, /export function invoiceTotal\(lines: number\[\]\): string/);
    assert.match(content, /errors-name-the-fix/);
  });

  it('explain: a selection too large for the budget is cut, and the answer says so', async () => {
    const big = path.join(ws, 'src/big.ts');
    const body = Array.from({ length: 1500 }, (_, i) => `  const value${i} = computeSomething(${i}, "padding text to make the line long");`).join('\n');
    fs.writeFileSync(big, `export function huge(): void {\n${body}\n}\n`);
    const small = newEngine(db, validateSettings({ ...settings, 'chat.contextTokens': 2048, 'chat.maxTokens': 256 }));
    try {
      const { events } = await collect(small.explain(big, { startLine: 1, endLine: 1502 }));
      const notes = events[0].type === 'sources' ? events[0].notes : [];
      assert.ok(notes.some((n) => /truncated/i.test(n) && /1502/.test(n)), JSON.stringify(notes));
      const content: string = server.lastRequest('/api/chat')!.body.messages.map((m: { content: string }) => m.content).join('\n');
      assert.ok(!content.includes('value1400 '), 'the end of the selection was cut');
    } finally {
      await small.dispose();
      fs.rmSync(big);
    }
  });

  it('explain: lines outside the file, blank lines, unknown and binary files are refused with a message', async () => {
    const file = path.join(ws, 'src/billing/invoice.ts');
    await rejects(collect(engine.explain(file, { startLine: 40, endLine: 41 })), Error, /not in src\/billing\/invoice\.ts: it has 7 lines/);
    await rejects(collect(engine.explain(file, { startLine: 2, endLine: 2 })), Error, /blank/);
    await rejects(collect(engine.explain(path.join(ws, 'notes/logo.png'), { startLine: 1, endLine: 1 })), QueryError, /not in a language InHouse indexes/);
    await rejects(collect(engine.explain(path.join(ws, 'src/blob.ts'), { startLine: 1, endLine: 1 })), QueryError, /binary file/);
    assert.equal(server.requestsTo('/api/chat').length, 0, 'no model call for bad input');
  });

  it('complete: an insert model gets prompt + suffix; the repeated suffix is dropped', async () => {
    server.script({ endpoint: 'generate', chunks: ['a + b;', '\n}'] });
    const r = await engine.complete(path.join(ws, 'src/math.ts'), { line: 2, column: 9 });
    assert.equal(r.mode, 'single');
    assert.equal(r.text, 'a + b;');
    // Single-line mode stops the model at the line's end.
    assert.equal(r.raw, 'a + b;');
    assert.ok(server.lastRequest('/api/generate')!.body.options.stop.includes('\n'));
    assert.equal(r.model, 'qwen2.5-coder:1.5b');
    const body = server.lastRequest('/api/generate')!.body;
    assert.equal(body.raw, undefined);
    assert.match(body.prompt, /export function add\(a: number, b: number\): number \{\n {2}return $/);
    assert.match(body.suffix, /^\n\}/);
    assert.match(body.prompt, /^\/\/ .*errors-name-the-fix/m, 'the rule rides along as a comment');
    assert.equal(body.options.num_ctx, numCtxFor(DEFAULTS['completion.contextTokens'], DEFAULTS['completion.maxTokens']));
    assert.equal(body.keep_alive, '30m');
    assert.deepEqual(r.ruleIds, ['errors-name-the-fix']);
  });

  it('complete: on an empty line in a body it goes multi-line, and drops the suffix the model repeats', async () => {
    server.script({ endpoint: 'generate', chunks: ['return a - b;', '\n}', '\n'] });
    const r = await engine.complete(path.join(ws, 'src/sub.ts'), { line: 2, column: 2 });
    assert.equal(r.mode, 'multi');
    assert.equal(r.raw, 'return a - b;\n}\n');
    assert.equal(r.text, 'return a - b;');
    assert.ok(!server.lastRequest('/api/generate')!.body.options.stop.includes('\n'));
  });

  it('complete: repository context reaches the prompt as comments, with chunk ids for feedback', async () => {
    const file = path.join(ws, 'src/billing/invoice.ts');
    const text = FILES['src/billing/invoice.ts'].replace('  return formatCents(total);', '  return formatCents(');
    server.script({ endpoint: 'generate', chunks: ['total);'] });
    const r = await engine.complete(file, { line: 5, column: '  return formatCents('.length }, { text });
    const body = server.lastRequest('/api/generate')!.body;
    assert.match(body.prompt, /^\/\/ .*export function formatCents\(cents: number\): string/m);
    assert.equal(r.contextIds.length > 0, true);
    assert.equal(r.text, 'total);');
  });

  it('complete: a position outside the file is refused with the file\'s own message, whatever the context (asked at once) says', async () => {
    const file = path.join(ws, 'src/math.ts');
    // The context's own failure, left behind, must not surface as an unhandled rejection.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await rejects(engine.complete(file, { line: 9, column: 0 }), QueryError, /^Line 9 is not in src\/math\.ts: it has 4 lines/);
      await rejects(engine.complete(file, { line: 2, column: 40 }), QueryError, /^Column 40 is out of range: line 2 has 9 characters/);
      await rejects(engine.complete(path.join(ws, 'src/missing.ts'), { line: 1, column: 0 }), QueryError, /^No such file: /);
      // The same text given as an unsaved buffer: the same checks.
      await rejects(engine.complete(file, { line: 3, column: 5 }, { text: 'x\ny\n' }), QueryError, /^Column 5 is out of range: line 3 has 0 characters/);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled.map(String), []);
    assert.equal(server.requestsTo('/api/generate').length, 0, 'no model call for bad input');
  });

  it('complete: a model without insert gets its family FIM tokens in raw mode', async () => {
    server.script({ endpoint: 'generate', chunks: ['a + b;<EOT>'] });
    const r = await engine.complete(path.join(ws, 'src/math.ts'), { line: 2, column: 9 }, { model: 'codellama:7b-code' });
    const body = server.lastRequest('/api/generate')!.body;
    assert.equal(body.raw, true);
    assert.match(body.prompt, /^<PRE> [\s\S]* <SUF>\n\}[\s\S]* <MID>$/);
    assert.equal(r.text, 'a + b;');
  });

  it('every Ollama failure gives a message that names the fix, within the timeout', async () => {
    await rejects(engine.complete(path.join(ws, 'src/math.ts'), { line: 2, column: 9 }, { model: 'nosuch:1b' }), OllamaError, /ollama pull nosuch:1b[\s\S]*inhouse\.completion\.model/);
    await rejects(collect(engine.ask('what is formatCents?', { model: 'nosuch:1b' })), OllamaError, /ollama pull nosuch:1b/);
    await server.refuseConnections();
    const fresh = newEngine(db, settings);
    try {
      const started = Date.now();
      await rejects(collect(fresh.ask('what is formatCents?')), OllamaError, /not reachable at .*ollama serve.*inhouse\.ollama\.host/);
      await rejects(fresh.complete(path.join(ws, 'src/math.ts'), { line: 2, column: 9 }), OllamaError, /not reachable/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await fresh.dispose();
    }
  });

  it('a stream cut halfway fails instead of passing for a whole answer, and garbage never becomes text', async () => {
    server.script({ endpoint: 'chat', chunks: ['First part. ', 'Second part. ', 'Third part.'] });
    server.faults = { delayMs: 0, chunkDelayMs: 0, cutStreamAfterChunks: 1 };
    const pieces: string[] = [];
    const err = await rejects(
      (async () => {
        for await (const e of engine.ask('what is formatCents?')) if (e.type === 'text') pieces.push(e.text);
      })(),
      OllamaError,
      /./,
    );
    assert.notEqual(err.kind, 'cancelled');
    assert.deepEqual(pieces, ['First part. ']);

    server.script({ endpoint: 'chat', chunks: ['Good. ', 'More.'] });
    server.faults = { delayMs: 0, chunkDelayMs: 0, garbageLineAfterChunks: 1 };
    const seen: string[] = [];
    await rejects(
      (async () => {
        for await (const e of engine.ask('what is formatCents?')) if (e.type === 'text') seen.push(e.text);
      })(),
      OllamaError,
      /./,
    );
    assert.ok(!seen.join('').includes('garbage'));
  });

  it('cancelling aborts the request to Ollama', async () => {
    server.script({ endpoint: 'chat', chunks: ['a ', 'b ', 'c ', 'd '] });
    server.faults = { delayMs: 0, chunkDelayMs: 200 };
    const ctl = new AbortController();
    const err = await rejects(
      (async () => {
        for await (const e of engine.ask('what is formatCents?', { signal: ctl.signal })) if (e.type === 'text') ctl.abort();
      })(),
      OllamaError,
      /cancelled/,
    );
    assert.equal(err.kind, 'cancelled');
    const deadline = Date.now() + 5000;
    while (!server.lastRequest('/api/chat')!.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(server.lastRequest('/api/chat')!.aborted);
  });

  describe('CLI', () => {
    async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
      let out = '';
      let err = '';
      const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTty: false }, tmp, testAssets());
      return { code, out, err };
    }

    it('inhouse ask streams the answer and lists the sources at the end', async () => {
      server.script({ endpoint: 'chat', chunks: ['Use formatCents [1].'] });
      const r = await cli(['ask', 'how are cents formatted?', '--db', 'db', '--host', server.url, '--model', 'llama3.2:3b']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^Use formatCents \[1\]\.\n\nSources:\n {2}\[1\] src\/util\/money\.ts:2-4 {2}formatCents\n/);
      const json = await cli(['ask', 'how are cents formatted?', '--db', 'db', '--host', server.url, '--model', 'llama3.2:3b', '--json']);
      const parsed = JSON.parse(json.out);
      assert.equal(parsed.citations[0].path, 'src/util/money.ts');
      assert.equal(typeof parsed.answer, 'string');
    });

    it('inhouse explain and inhouse complete work; bad ranges are usage errors', async () => {
      server.script({ endpoint: 'chat', chunks: ['Sums lines.'] });
      const e = await cli(['explain', 'ws/src/billing/invoice.ts', '--lines', '3-6', '--db', 'db', '--host', server.url, '--model', 'llama3.2:3b']);
      assert.equal(e.code, 0, e.err);
      assert.match(e.out, /^Sums lines\./);
      assert.match(e.out, /Conventions:\n {2}errors-name-the-fix {2}Errors name the fix/);
      server.script({ endpoint: 'generate', chunks: ['a + b;'] });
      const c = await cli(['complete', 'ws/src/math.ts', '--line', '2', '--column', '9', '--db', 'db', '--host', server.url, '--model', 'qwen2.5-coder:1.5b']);
      assert.equal(c.code, 0, c.err);
      assert.equal(c.out, 'a + b;\n');
      const bad = await cli(['explain', 'ws/src/math.ts', '--lines', '5-2', '--db', 'db']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /--lines must be A-B/);
      const outside = await cli(['complete', 'ws/src/math.ts', '--line', '99', '--column', '0', '--db', 'db', '--host', server.url]);
      assert.equal(outside.code, 2);
      assert.match(outside.err, /Line 99 is not in src\/math\.ts: it has 4 lines/);
      assert.doesNotMatch(outside.err, /unexpected error/);
    });

    it('with Ollama absent, ask fails fast with the fix and exit code 1', async () => {
      await server.refuseConnections();
      const r = await cli(['ask', 'what is formatCents?', '--db', 'db', '--host', server.url]);
      assert.equal(r.code, 1);
      assert.match(r.err, /Ollama is not reachable at .*: start `ollama serve`|Ollama is not reachable at .*ollama serve/);
      assert.equal(r.out, '');
    });

    it('a stream cut halfway says the answer is incomplete', async () => {
      server.script({ endpoint: 'chat', chunks: ['Half ', 'an ', 'answer'] });
      server.faults = { delayMs: 0, chunkDelayMs: 0, cutStreamAfterChunks: 1 };
      const r = await cli(['ask', 'what is formatCents?', '--db', 'db', '--host', server.url, '--model', 'llama3.2:3b']);
      assert.equal(r.code, 1);
      assert.match(r.err, /incomplete/);
      assert.ok(!r.out.includes('Sources:'));
    });
  });
});
