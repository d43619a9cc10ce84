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
    process.env.LANCEDB_LOG ??= 'error';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('@lancedb/lancedb') as typeof LanceDb;
  }
  return cached;
}
