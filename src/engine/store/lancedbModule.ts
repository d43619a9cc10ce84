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
    process.env.LANCE_FTS_NUM_SHARDS ??= String(ftsShards(availableParallelism(), process.env.MALLOC_ARENA_MAX));
    process.env.LANCEDB_LOG ??= 'error';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('@lancedb/lancedb') as typeof LanceDb;
  }
  return cached;
}

/**
 * The full-text index build tokenizes in this many parallel shards, each buffering its
 * postings: one per four cores, and two from two cores up when glibc's malloc arenas are
 * capped (`inhouse index` runs so, see src/cli/arenaCap.ts). On the 10k-file benchmark
 * (2 cores) two shards build in 6–7 s instead of 12–15 s; with glibc's default arenas they
 * put the peak RSS at ≈530 MB instead of ≈470 MB, capped at ≈400 MB.
 */
export function ftsShards(cores: number, mallocArenaMax: string | undefined): number {
  const byCores = Math.max(1, Math.floor(cores / 4));
  const arenas = Number(mallocArenaMax);
  const capped = Number.isInteger(arenas) && arenas >= 1 && arenas <= 2;
  return capped && cores >= 2 ? Math.max(2, byCores) : byCores;
}
