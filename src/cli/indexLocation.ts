import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors';

/** Where `inhouse index` puts the index, under the first root. */
export const DEFAULT_DB = join('.inhouse', 'index');

/** --db, else the nearest .inhouse/index from the current folder upward. */
export function findDb(db: string | undefined, cwd: string): string {
  if (db) return resolve(cwd, db);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_DB);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new UsageError(`No index found in ${cwd} or above. Build one with \`inhouse index <folder>\`, or pass --db DIR.`, 1);
}
