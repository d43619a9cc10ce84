/** Shared helpers of the llm tests (not a test file itself). */
import { strict as assert } from 'node:assert';
import { OllamaError, type OllamaErrorKind } from '../../../src/engine/llm/ollamaClient';

/** Short, so the fault tests finish quickly; every bound is a multiple of it. */
export const TIMEOUT_MS = 1_000;
/** Every fault must fail within a bound, never hang: a few timeouts at most. */
export const BOUND_MS = 5 * TIMEOUT_MS;
/** Quick retries, so retry tests stay fast. */
export const TEST_RETRY = { retries: 2, delayMs: 50 };

/** Runs `fn`, which must reject with an OllamaError of `kind`; returns it and how long it took. */
export async function expectOllamaError(fn: () => Promise<unknown>, kind: OllamaErrorKind): Promise<{ error: OllamaError; ms: number }> {
  const started = Date.now();
  try {
    await fn();
  } catch (err) {
    const ms = Date.now() - started;
    assert.ok(err instanceof OllamaError, `expected an OllamaError, got ${String(err)}`);
    assert.equal(err.kind, kind, `kind of: ${err.message}`);
    return { error: err, ms };
  }
  assert.fail(`expected an OllamaError of kind ${kind}, got a result`);
}

/** Reads a stream to its end, keeping every piece it yielded before ending or failing. */
export async function drainPieces(stream: AsyncIterable<string>, pieces: string[]): Promise<void> {
  for await (const piece of stream) pieces.push(piece);
}

/** Waits for a state (polling), never for a fixed time. */
export async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Counts console.warn and console.log calls while `fn` runs (the ollama client logs on bad lines). */
export async function countConsoleNoise(fn: () => Promise<void>): Promise<number> {
  const original = { warn: console.warn, log: console.log };
  let calls = 0;
  console.warn = (): void => {
    calls++;
  };
  console.log = (): void => {
    calls++;
  };
  try {
    await fn();
  } finally {
    console.warn = original.warn;
    console.log = original.log;
  }
  return calls;
}
