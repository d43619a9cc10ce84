import { createHash } from 'node:crypto';

/**
 * Near-duplicate removal with MinHash over token shingles and LSH banding.
 *
 * Texts are cut into word/punctuation tokens (whitespace ignored), then into shingles of
 * SHINGLE_TOKENS consecutive tokens. Two texts are near-duplicates when the Jaccard similarity of
 * their shingle sets is at least the threshold (default 0.85: copy-pasted code with a renamed
 * variable or two, reformatting, the same function vendored in two folders). Candidates come from
 * LSH over a MinHash signature (BANDS bands of ROWS rows: pairs at 0.85 collide with probability
 * ~0.99) and are then checked on the exact shingle sets, so the estimate never removes a text on
 * its own. Exact duplicates after whitespace collapsing are caught first, by hash.
 *
 * The first text of a group is kept: callers order their items so the best comes first.
 */

export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.85;
const SHINGLE_TOKENS = 5;
const BANDS = 16;
const ROWS = 4;
const HASHES = BANDS * ROWS;
const TOKEN = /[\p{L}\p{N}_$]+|[^\s\p{L}\p{N}_$]/gu;

export interface DedupeResult<T> {
  kept: T[];
  exact: number;
  near: number;
}

export function normalisedHash(text: string): string {
  return createHash('sha256').update(text.replace(/\s+/g, ' ').trim()).digest('hex');
}

export function shingles(text: string): Set<string> {
  const tokens = text.match(TOKEN) ?? [];
  const out = new Set<string>();
  if (tokens.length < SHINGLE_TOKENS) {
    if (tokens.length) out.add(tokens.join(' '));
    return out;
  }
  for (let i = 0; i + SHINGLE_TOKENS <= tokens.length; i++) out.add(tokens.slice(i, i + SHINGLE_TOKENS).join(' '));
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const s of small) if (large.has(s)) common++;
  return common / (a.size + b.size - common);
}

/** FNV-1a of a string, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// Fixed odd multipliers and offsets: signatures are comparable across runs and seeds.
const PERMUTATIONS: readonly [number, number][] = Array.from({ length: HASHES }, (_, i) => [
  (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0,
  Math.imul(i + 7, 0x85ebca6b) >>> 0,
]);

function signature(set: ReadonlySet<string>): Uint32Array {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  for (const s of set) {
    const h = fnv1a(s);
    for (let i = 0; i < HASHES; i++) {
      const [a, b] = PERMUTATIONS[i];
      const v = (Math.imul(h, a) + b) >>> 0;
      if (v < sig[i]) sig[i] = v;
    }
  }
  return sig;
}

/** Keeps the first of each group of exact or near duplicates, in order. */
export function dedupe<T>(items: readonly T[], textOf: (item: T) => string, threshold = DEFAULT_NEAR_DUPLICATE_THRESHOLD): DedupeResult<T> {
  const kept: T[] = [];
  const seen = new Set<string>();
  const keptShingles: Set<string>[] = [];
  const buckets = new Map<string, number[]>();
  let exact = 0;
  let near = 0;
  for (const item of items) {
    const text = textOf(item);
    const key = normalisedHash(text);
    if (seen.has(key)) {
      exact++;
      continue;
    }
    const set = shingles(text);
    const sig = signature(set);
    const bandKeys: string[] = [];
    const candidates = new Set<number>();
    for (let b = 0; b < BANDS; b++) {
      const bandKey = `${b}:${Array.from(sig.subarray(b * ROWS, (b + 1) * ROWS)).join(',')}`;
      bandKeys.push(bandKey);
      for (const idx of buckets.get(bandKey) ?? []) candidates.add(idx);
    }
    let duplicate = false;
    for (const idx of candidates) {
      if (jaccard(set, keptShingles[idx]) >= threshold) {
        duplicate = true;
        break;
      }
    }
    if (duplicate) {
      near++;
      continue;
    }
    seen.add(key);
    const idx = keptShingles.length;
    keptShingles.push(set);
    for (const bandKey of bandKeys) {
      const list = buckets.get(bandKey);
      if (list) list.push(idx);
      else buckets.set(bandKey, [idx]);
    }
    kept.push(item);
  }
  return { kept, exact, near };
}
