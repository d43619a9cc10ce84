import { strict as assert } from 'node:assert';
import type { CompletionResult } from '../../../src/engine/answers/answerTypes';
import { OllamaError } from '../../../src/engine/llm/ollamaError';
import { CompletionController, type CompletionQuery } from '../../../src/extension/completions/completionController';
import { FakeClock, settle } from './fakeClock';

interface Call {
  query: CompletionQuery;
  signal: AbortSignal;
  resolve(text: string): void;
  reject(err: unknown): void;
}

function result(text: string): CompletionResult {
  return { text, model: 'm', promptId: 'p', mode: 'single', contextIds: [], ruleIds: [], raw: text, ms: { prompt: 3, total: 10 } };
}

const BEFORE = 'function add(a: number, b: number): number {\n  ';
const AFTER = '\n}\n';

function query(typed = '', over: Partial<CompletionQuery> = {}): CompletionQuery {
  const before = BEFORE + typed;
  const lines = before.split('\n');
  return { file: '/w/add.ts', model: 'm', before, after: AFTER, text: before + AFTER, line: lines.length, column: lines.at(-1)!.length, explicit: false, ...over };
}

function setup(debounceMs = 100, adoptGraceMs = 50) {
  const clock = new FakeClock();
  const calls: Call[] = [];
  const errors: unknown[] = [];
  let ids = 0;
  const controller = new CompletionController({
    complete: (q, signal) =>
      new Promise((res, rej) => {
        calls.push({ query: q, signal, resolve: (t) => res(result(t)), reject: rej });
      }),
    debounceMs: () => debounceMs,
    onError: (err) => errors.push(err),
    clock,
    adoptGraceMs,
    newId: () => `g${++ids}`,
  });
  return { clock, calls, errors, controller };
}

describe('completion controller', () => {
  it('waits for the debounce before asking the engine', async () => {
    const { clock, calls, controller } = setup();
    const served = controller.provide(query(), new AbortController().signal);
    await clock.advance(99);
    assert.equal(calls.length, 0);
    await clock.advance(1);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].query.line, 2);
    calls[0].resolve('return a + b;');
    const s = await served;
    assert.equal(s?.text, 'return a + b;');
    assert.equal(s?.from, 'model');
    assert.equal(s?.debounceMs, 100);
  });

  it('asks at once when invoked explicitly', async () => {
    const { calls, controller } = setup();
    void controller.provide(query('', { explicit: true }), new AbortController().signal);
    await settle();
    assert.equal(calls.length, 1);
  });

  it('never asks the engine for a request cancelled during the debounce', async () => {
    const { clock, calls, controller } = setup();
    const first = new AbortController();
    const a = controller.provide(query('r'), first.signal);
    await clock.advance(50);
    first.abort(); // the editor cancels it: a newer keystroke
    const b = controller.provide(query('x'), new AbortController().signal);
    assert.equal(await a, undefined);
    await clock.advance(100);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].query.before, BEFORE + 'x');
    calls[0].resolve('y');
    assert.equal((await b)?.text, 'y');
  });

  it('carries a cancellation to the engine once no newer request can use the answer', async () => {
    const { clock, calls, controller } = setup();
    const editor = new AbortController();
    const served = controller.provide(query(), editor.signal);
    await clock.advance(100);
    assert.equal(calls.length, 1);
    editor.abort();
    assert.equal(await served, undefined);
    assert.equal(calls[0].signal.aborted, false, 'kept for the grace period');
    await clock.advance(50);
    assert.equal(calls[0].signal.aborted, true);
  });

  it('aborts the older request at once when a newer one is elsewhere', async () => {
    const { clock, calls, controller } = setup();
    void controller.provide(query(), new AbortController().signal);
    await clock.advance(100);
    void controller.provide(query('', { before: 'const x = ' , after: '' }), new AbortController().signal);
    await settle();
    assert.equal(calls[0].signal.aborted, true);
  });

  it('serves the rest of the last suggestion while the user types it, without the engine', async () => {
    const { clock, calls, controller } = setup();
    const first = controller.provide(query(), new AbortController().signal);
    await clock.advance(100);
    calls[0].resolve('return a + b;');
    const s1 = await first;
    const s2 = await controller.provide(query('ret'), new AbortController().signal);
    assert.deepEqual([s2?.text, s2?.from, s2?.generationId], ['urn a + b;', 'typed-ahead', s1?.generationId]);
    assert.equal(calls.length, 1);
    assert.equal(s2?.debounceMs, 0);
  });

  it('lets the next keystroke adopt the request in flight when it types what may be predicted', async () => {
    const { clock, calls, controller } = setup();
    const editor = new AbortController();
    const first = controller.provide(query(), editor.signal);
    await clock.advance(100);
    editor.abort(); // the editor cancels it when the user types 'r'
    await first;
    const second = controller.provide(query('r'), new AbortController().signal);
    await clock.advance(200);
    assert.equal(calls[0].signal.aborted, false, 'adopted before the grace ran out');
    calls[0].resolve('return a + b;');
    const s = await second;
    assert.deepEqual([s?.text, s?.from], ['eturn a + b;', 'in-flight']);
    assert.equal(calls.length, 1);
  });

  it('asks again when the adopted request predicted something else', async () => {
    const { clock, calls, controller } = setup();
    void controller.provide(query(), new AbortController().signal);
    await clock.advance(100);
    const second = controller.provide(query('x'), new AbortController().signal);
    calls[0].resolve('return a + b;');
    await clock.advance(100);
    assert.equal(calls.length, 2);
    calls[1].resolve(' * 2;');
    assert.equal((await second)?.text, ' * 2;');
  });

  it('serves a spot it has seen from the cache', async () => {
    const { clock, calls, controller } = setup();
    const first = controller.provide(query(), new AbortController().signal);
    await clock.advance(100);
    calls[0].resolve('return a + b;');
    await first;
    // Elsewhere, then back.
    const other = controller.provide(query('', { before: 'let y = ', after: '' }), new AbortController().signal);
    await clock.advance(100);
    calls[1].resolve('2;');
    await other;
    const back = await controller.provide(query(), new AbortController().signal);
    assert.deepEqual([back?.text, back?.from], ['return a + b;', 'cache']);
    assert.equal(calls.length, 2);
    controller.reset();
    void controller.provide(query(), new AbortController().signal);
    await clock.advance(100);
    assert.equal(calls.length, 3, 'reset forgets the cache');
  });

  it('remembers "nothing to say" except when asked explicitly', async () => {
    const { clock, calls, controller } = setup();
    const first = controller.provide(query(), new AbortController().signal);
    await clock.advance(100);
    calls[0].resolve('');
    assert.equal(await first, undefined);
    assert.equal(await controller.provide(query(), new AbortController().signal), undefined);
    assert.equal(calls.length, 1);
    void controller.provide(query('', { explicit: true }), new AbortController().signal);
    await settle();
    assert.equal(calls.length, 2);
  });

  it('reports a failure once and resolves undefined', async () => {
    const { clock, calls, errors, controller } = setup();
    const first = controller.provide(query(), new AbortController().signal);
    await clock.advance(100);
    calls[0].reject(new OllamaError('not reachable', 'unreachable'));
    assert.equal(await first, undefined);
    assert.equal(errors.length, 1);
  });

  it('does not report the failure of a request it aborted', async () => {
    const { clock, calls, errors, controller } = setup(100, 0);
    const editor = new AbortController();
    const first = controller.provide(query(), editor.signal);
    await clock.advance(100);
    editor.abort();
    await first;
    assert.ok(calls[0].signal.aborted, 'no grace: aborted at once');
    calls[0].reject(new OllamaError('cancelled', 'cancelled'));
    await settle();
    assert.equal(errors.length, 0);
  });
});
