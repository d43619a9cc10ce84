import { availableParallelism } from 'node:os';
import type * as LanceDb from '@lancedb/lancedb';

let cached: typeof LanceDb | undefined;

/**
 * LanceDB reads its thread settings when the native module loads: on a 2-core machine
 * building a full-text index of tens of thousands of rows hangs unless LANCE_CPU_THREADS
 * is at least 3. So the module is loaded here, lazily, after the environment is set.
 */
export function loadLanceDb(): typeof LanceDb {
  if (!cached) {
    process.env.LANCE_CPU_THREADS ??= '3';
    // The full-text index build tokenizes in this many parallel shards, each buffering its
    // postings: one shard per four cores (one on a laptop of four or fewer). Two shards put
    // 80 MB more on the 10k-file benchmark's peak RSS for no faster build on 2 cores.
    process.env.LANCE_FTS_NUM_SHARDS ??= String(Math.max(1, Math.floor(availableParallelism() / 4)));
    process.env.LANCEDB_LOG ??= 'error';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('@lancedb/lancedb') as typeof LanceDb;
  }
  return cached;
}
