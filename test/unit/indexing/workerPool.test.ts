import * as assert from 'node:assert/strict';
import { silentLogger } from '../../../src/engine/log';
import { ParseFailedError, ParsePool } from '../../../src/engine/indexing/workerPool';
import { chunkRowsOf } from '../../support/indexKit';
import { testAssets } from '../../support/testAssets';

/** A dense TypeScript file: many small functions, so parsing it needs a lot of heap. */
function denseFile(bytes: number): Uint8Array {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const fn = `export function getUserById${i}(userId: number): Promise<UserRecord${i % 7}> {\n  return fetchUser(userId, DEFAULT_TIMEOUT_MS) + other${i}(userId);\n}\n`;
    parts.push(fn);
    size += fn.length;
  }
  return new TextEncoder().encode(parts.join(''));
}

const small = new TextEncoder().encode('export function add(a: number, b: number) {\n  return a + b;\n}\n');

function job(path: string, bytes: Uint8Array) {
  return { fileKey: `/r/${path}`, root: '/r', path, source: 'workspace', fileHash: 'h', language: 'typescript', bytes };
}

describe('ParsePool', function () {
  this.timeout(120_000);
  const assets = testAssets();
  const init = { assets, analyzer: { maxLineLength: 2000, maxChunkLines: 150, parseTimeoutMs: 10_000 } };

  it('retries a file that runs a worker out of its heap limit on a roomy worker, and keeps the files queued behind it', async () => {
    // A heap far too small for the dense file, still enough for the small ones.
    const pool = new ParsePool(assets.workerScript, init, 1, silentLogger, { maxOldGenerationSizeMb: 12, maxYoungGenerationSizeMb: 2 });
    try {
      const big = pool.analyze(job('big.ts', denseFile(400_000)));
      const after = [1, 2, 3].map((i) => pool.analyze(job(`small${i}.ts`, small)));
      const outcome = await big;
      assert.ok(outcome.ok, 'the dense file is parsed on the retry');
      assert.ok(outcome.ok && outcome.rows.length > 1000);
      for (const p of after) {
        const o = await p;
        assert.ok(o.ok && o.rows.length === 1 && chunkRowsOf(o.rows)[0].name === 'add');
      }
      // The pool keeps working on its regular worker afterwards.
      const again = await pool.analyze(job('small4.ts', small));
      assert.ok(again.ok && again.rows.length === 1);
    } finally {
      await pool.dispose();
    }
  });

  it('gives up with a ParseFailedError when the file is too much even for a fresh worker', async () => {
    const pool = new ParsePool(assets.workerScript, init, 1, silentLogger, { maxOldGenerationSizeMb: 12, maxYoungGenerationSizeMb: 2 });
    // Stands in for a file too big for any heap: the roomy retry is made to fail as well.
    (pool as unknown as { spawn(roomy: boolean): unknown }).spawn = ((orig) =>
      function (this: unknown) {
        return orig.call(this, false);
      })((pool as unknown as { spawn: (roomy: boolean) => unknown }).spawn);
    try {
      await assert.rejects(pool.analyze(job('big.ts', denseFile(400_000))), (err: Error) => err instanceof ParseFailedError && /out of memory/.test(err.message));
      const o = await pool.analyze(job('small.ts', small));
      assert.ok(o.ok && o.rows.length === 1);
    } finally {
      await pool.dispose();
    }
  });
});
