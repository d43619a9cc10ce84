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
    // postings: one shard per four cores. On the 10k-file benchmark (2 cores) two shards build
    // in 6–7 s instead of 12–15 s, but put the peak RSS at ≈530 MB instead of ≈470 MB with
    // glibc's default malloc arenas (≈410 MB with MALLOC_ARENA_MAX=2, which only a launcher
    // can set, and `#!/usr/bin/env -S` breaks on busybox).
    process.env.LANCE_FTS_NUM_SHARDS ??= String(Math.max(1, Math.floor(availableParallelism() / 4)));
    process.env.LANCEDB_LOG ??= 'error';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('@lancedb/lancedb') as typeof LanceDb;
  }
  return cached;
}
