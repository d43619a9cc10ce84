import { stem } from 'porter2';

/**
 * English stemming (Porter2) for the full-text index, done here instead of in LanceDB.
 *
 * LanceDB's own stemmer cost ≈8 of the ≈15 CPU seconds of building the full-text index on
 * the 10k-file benchmark, in the finishing phase where nothing else runs. The search texts
 * hold ≈26M tokens but only ≈200k distinct words, so the parse workers stem each distinct
 * word once and rewrite the text in place from a table; the index is built without stemming
 * (FTS_VERSION 3), and queries are stemmed here too (stemQuery).
 *
 * A token is what LanceDB's tokenizer splits out: a run of letters and digits. Only plain
 * ASCII tokens of 3 to 40 characters are stemmed: LanceDB drops longer ones, Porter2 leaves
 * shorter ones alone, and a token with any character from U+0080 up is left as written.
 * Stems come out lowercase; LanceDB lowercases everything anyway.
 */

/** LanceDB's max_token_length: longer tokens are not indexed. */
const MAX_TOKEN = 40;
/** Porter2 returns words of one or two letters unchanged. */
const MIN_TOKEN = 3;
const SPACE = 32;

/** ASCII letters and digits, lowercased; 0 for every other ASCII character. */
const LOWER = new Uint8Array(128);
for (let c = 48; c <= 57; c++) LOWER[c] = c;
for (let c = 65; c <= 90; c++) LOWER[c] = c + 32;
for (let c = 97; c <= 122; c++) LOWER[c] = c;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Past this many distinct words the table starts over, at the next call (a bound on memory,
 * ≈40 MB).
 */
const MAX_WORDS = 1 << 20;

/**
 * Distinct words and their stems, in a hash table over one byte pool, so looking a token up
 * allocates nothing. One per parse worker.
 */
export class Stemmer {
  private slots = new Int32Array(1 << 16); // entry + 1; 0 is empty
  private hash = new Int32Array(1 << 15);
  private keyAt = new Int32Array(1 << 15);
  private keyLength = new Uint8Array(1 << 15);
  private stemLength = new Uint8Array(1 << 15); // the stem follows the key in the pool
  /** The round of stemInPlace that last wrote each entry in its distinct part. */
  private seen = new Int32Array(1 << 15);
  private round = 0;
  private count = 0;
  private pool = Buffer.alloc(1 << 20);
  private poolEnd = 0;

  /** `maxWords`: past this many distinct words the table starts over (tests lower it). */
  constructor(private readonly maxWords = MAX_WORDS) {}

  /** Distinct words held (for tests). */
  get size(): number {
    return this.count;
  }

  /**
   * Rewrites `units[0, length)` with each stemmable token replaced by its stem and returns
   * the new length (a stem is never longer than its word, so this works in place).
   *
   * From `distinctFrom` on, a plain ASCII word already written since `distinctFrom` is
   * dropped, with the space after it: each word of a chunk's body is indexed once (see
   * searchText.ts). Words before `distinctFrom` are kept as they come and do not count.
   *
   * With `stems` false, the words kept stay as written (the retrieval benchmark's ablation).
   */
  stemInPlace(units: Uint16Array, length: number, distinctFrom = length, stems = true): number {
    // Only between calls, so a word seen in this one stays seen.
    if (this.count >= this.maxWords) this.clear();
    const round = this.nextRound();
    let w = 0;
    let i = 0;
    while (i < length) {
      const c = units[i];
      if (c < 128 && LOWER[c] === 0) {
        units[w++] = c;
        i++;
        continue;
      }
      const start = i;
      let ascii = true;
      let h = FNV_OFFSET;
      for (; i < length; i++) {
        const d = units[i];
        if (d < 128) {
          const l = LOWER[d];
          if (l === 0) break;
          h = Math.imul(h ^ l, FNV_PRIME);
        } else {
          ascii = false;
        }
      }
      const n = i - start;
      const distinct = start >= distinctFrom;
      if (!ascii || n > MAX_TOKEN || ((n < MIN_TOKEN || !stems) && !distinct)) {
        if (w !== start) units.copyWithin(w, start, i);
        w += n;
        continue;
      }
      // Words shorter than MIN_TOKEN are their own stems; they enter the table only to be
      // counted once.
      const e = this.entry(units, start, n, h);
      if (distinct) {
        // (this.seen, not a local: entry() may have grown the table.)
        const seen = this.seen;
        if (seen[e] === round) {
          if (i < length && units[i] === SPACE && (w === 0 || units[w - 1] === SPACE)) i++;
          continue;
        }
        seen[e] = round;
      }
      if (!stems) {
        if (w !== start) units.copyWithin(w, start, i);
        w += n;
        continue;
      }
      const pool = this.pool;
      const from = this.keyAt[e] + n;
      const to = from + this.stemLength[e];
      for (let k = from; k < to; k++) units[w++] = pool[k];
    }
    return w;
  }

  /** A new mark for `seen`: every entry counts as unseen again. */
  private nextRound(): number {
    if (this.round === 0x7fffffff) {
      this.seen.fill(0);
      this.round = 0;
    }
    return ++this.round;
  }

  /** The entry of the word at units[start, start + n), added (and stemmed) if it is new. */
  private entry(units: Uint16Array, start: number, n: number, h: number): number {
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const slot = this.slots[s];
      if (slot === 0) return this.add(units, start, n, h, s);
      const e = slot - 1;
      if (this.hash[e] !== h || this.keyLength[e] !== n) continue;
      const at = this.keyAt[e];
      let k = 0;
      while (k < n && this.pool[at + k] === LOWER[units[start + k]]) k++;
      if (k === n) return e;
    }
  }

  private add(units: Uint16Array, start: number, n: number, h: number, slot: number): number {
    if (this.poolEnd + 2 * n > this.pool.length) {
      const grown = Buffer.alloc(this.pool.length * 2);
      this.pool.copy(grown, 0, 0, this.poolEnd);
      this.pool = grown;
    }
    const at = this.poolEnd;
    for (let k = 0; k < n; k++) this.pool[at + k] = LOWER[units[start + k]];
    let stemmed = n < MIN_TOKEN ? this.pool.toString('latin1', at, at + n) : stem(this.pool.toString('latin1', at, at + n));
    // Porter2 never lengthens a word (none of 80k corpus words did); should one, the word
    // stands for itself, and stemQuery does the same.
    if (stemmed.length > n) stemmed = this.pool.toString('latin1', at, at + n);
    const written = this.pool.write(stemmed, at + n, 'latin1');
    this.poolEnd = at + n + written;
    let e = this.count++;
    if (e >= this.hash.length) this.growEntries();
    e = this.count - 1;
    this.hash[e] = h;
    this.keyAt[e] = at;
    this.keyLength[e] = n;
    this.stemLength[e] = written;
    this.slots[slot] = e + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return e;
  }

  private growEntries(): void {
    const size = this.hash.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.hash = grow(this.hash, (n) => new Int32Array(n));
    this.keyAt = grow(this.keyAt, (n) => new Int32Array(n));
    this.keyLength = grow(this.keyLength, (n) => new Uint8Array(n));
    this.stemLength = grow(this.stemLength, (n) => new Uint8Array(n));
    this.seen = grow(this.seen, (n) => new Int32Array(n));
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let s = this.hash[e] & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.slots = slots;
  }

  private clear(): void {
    this.slots.fill(0);
    this.seen.fill(0);
    this.count = 0;
    this.poolEnd = 0;
  }
}

/**
 * A query's words for the full-text index: each stemmable token followed by its stem when
 * that differs. The stem is what an index of FTS_VERSION 3 holds; the word as typed is what
 * an older index (built by LanceDB's stemmer, say a shared index from an older CI job)
 * stems itself, so either kind answers.
 */
export function stemQuery(words: string): string {
  const out: string[] = [];
  const re = /[A-Za-z0-9\u0080-\uffff]+/g;
  let last = 0;
  for (let m = re.exec(words); m; m = re.exec(words)) {
    const token = m[0];
    out.push(words.slice(last, m.index), token);
    last = m.index + token.length;
    if (token.length < MIN_TOKEN || token.length > MAX_TOKEN || /[^\x00-\x7f]/.test(token)) continue;
    const lower = token.toLowerCase();
    const stemmed = stem(lower);
    if (stemmed !== lower && stemmed.length <= lower.length) out.push(' ', stemmed);
  }
  out.push(words.slice(last));
  return out.join('');
}
