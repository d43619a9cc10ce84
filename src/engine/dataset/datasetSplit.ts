import type { Split } from './datasetTypes';
import { unitHash } from './seededRandom';

/**
 * Train/validation by split key (a file, a rule file, a chat prompt), never by sample: every
 * sample drawn from one file lands on the same side, so validation measures code the model has
 * not seen. A key goes to validation when sha256(seed, key), as a number in [0, 1), is below the
 * validation share. When a group of keys (the completion files, the chat files) has at least
 * two keys but none landed in validation, the key nearest the line is moved there, so a small
 * export still has something to validate on; likewise the other way round.
 */
export function assignSplits(groups: readonly (readonly string[])[], seed: number, validShare: number): Map<string, Split> {
  const out = new Map<string, Split>();
  const value = new Map<string, number>();
  for (const keys of groups) {
    for (const key of keys) {
      if (value.has(key)) continue;
      const v = unitHash(seed, `split:${key}`);
      value.set(key, v);
      out.set(key, v < validShare ? 'valid' : 'train');
    }
  }
  for (const keys of groups) {
    const unique = [...new Set(keys)];
    if (unique.length < 2) continue;
    const sorted = unique.sort((a, b) => value.get(a)! - value.get(b)! || (a < b ? -1 : 1));
    if (validShare > 0 && !sorted.some((k) => out.get(k) === 'valid')) out.set(sorted[0], 'valid');
    if (validShare < 1 && !sorted.some((k) => out.get(k) === 'train')) out.set(sorted[sorted.length - 1], 'train');
  }
  return out;
}
