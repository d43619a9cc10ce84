import type { Chunk } from './chunk';
import { splitOf, startScan } from './identifiers';
import { Stemmer } from './stemming';

/**
 * What BM25 sees for a chunk. Name and qualified name come three times, the signature once,
 * with their identifiers split, so they weigh more than the body. (The signature came three
 * times too: its two extra copies were ≈12% of the text the full-text index tokenizes on the
 * 10k-file benchmark, and dropping them left the retrieval benchmark's figures as they were:
 * doc→code MRR 0.275 → 0.277, call→def 0.978.) The body keeps its words as written and
 * adds the subwords of each distinct compound identifier once: splitting every occurrence
 * cost more than the parse and inflated subword counts.
 *
 * Each word of the body (path, doc, code and subwords) is then kept once, at its first
 * occurrence: a body's term frequencies say more about how code repeats its locals than about
 * what it does. On the retrieval benchmark (same sample, same engine otherwise) doc→code
 * MRR@10 went 0.262 → 0.314 (ratio to the BM25 baseline 1.27 → 1.53) with call→def at 0.970
 * both ways, and the text the index stores and tokenizes shrank to about a third.
 *
 * The result is exactly what this gives, every run of non-word characters made one space:
 *   const n = splitIdentifiers([chunk.name, chunk.qualifiedName].filter(Boolean).join(' '));
 *   const body = `${path} ${chunk.doc} ${chunk.searchBody ?? chunk.text}`;
 *   `${n} ${splitIdentifiers(chunk.signature)} ${n} ${n} ${body} ${compoundSubwords(body)}`
 *     .replace(/[^A-Za-z0-9_$\u0080-\uffff]+/g, ' ');
 * with every word then stemmed (stemming.ts: the full-text index does not stem) and the
 * body's repeats dropped, but written in one pass over each part into a buffer that is
 * decoded once, where the identifier scans, the concatenation and the replace each went over
 * the text again: 4.6 s → 2.1 s per 10k files, and the strings come out flat and one byte per
 * character where they can, which halves encoding them for the store.
 */
export function searchTextOf(chunk: Chunk, path: string, stemmed = true): string {
  const scan = startScan();
  out.reset();
  out.text(namesOf(chunk), 0, true);
  const names = out.length;
  out.separator();
  out.text(chunk.signature, 0, true);
  out.separator();
  out.again(0, names);
  out.separator();
  out.again(0, names);
  out.separator();
  const head = out.length;
  out.text(path, scan, false);
  out.separator();
  out.text(chunk.doc, scan, false);
  out.separator();
  out.text(chunk.searchBody ?? chunk.text, scan, false);
  out.separator();
  out.subwords();
  out.stem(stemmer, head, stemmed);
  return out.toString();
}

/** Name and qualified name, the empty ones left out. */
function namesOf(chunk: Chunk): string {
  if (!chunk.qualifiedName) return chunk.name;
  return chunk.name ? `${chunk.name} ${chunk.qualifiedName}` : chunk.qualifiedName;
}

// ASCII classes. Everything from \u0080 up is a word character that is no identifier's.
const WORD = 1; // [A-Za-z0-9_$]: kept; any other ASCII character is a separator
const START = 2; // [A-Za-z_$]: starts an identifier, which runs on over WORD characters
const LOWER = 4; // [a-z]
const UPPER = 8; // [A-Z]
const DIGIT = 16; // [0-9]
const JOINER = 32; // [_$]: between an identifier's subwords
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_$]/.test(ch)) CLASS[c] |= WORD;
  if (/[A-Za-z_$]/.test(ch)) CLASS[c] |= START;
  if (/[a-z]/.test(ch)) CLASS[c] |= LOWER;
  if (/[A-Z]/.test(ch)) CLASS[c] |= UPPER;
  if (/[0-9]/.test(ch)) CLASS[c] |= DIGIT;
  if (/[_$]/.test(ch)) CLASS[c] |= JOINER;
}
const SPACE = 32;

/**
 * The search text being written: UTF-16 code units, every run of separators one space. The
 * initial 64K units hold the largest chunk of a 10k-file corpus with room to spare; the
 * buffer grows for a larger one and stays (outside the JS heap).
 */
class Writer {
  private units = new Uint16Array(1 << 16);
  private bytes = Buffer.from(this.units.buffer);
  length = 0;
  /** The last unit written is a space, standing for a run of separators. */
  private inRun = false;
  /** Subwords of the compound identifiers met since reset(), each identifier's once. */
  private readonly found: string[] = [];

  reset(): void {
    this.length = 0;
    this.inRun = false;
    this.found.length = 0;
  }

  /** The space between two parts: joins a run either side of it. */
  separator(): void {
    this.room(1);
    if (!this.inRun) {
      this.units[this.length++] = SPACE;
      this.inRun = true;
    }
  }

  /**
   * Writes `text`. In the head (`expand`), each identifier that is not plain lowercase is
   * followed by its subwords; elsewhere, the subwords of compound identifiers not yet marked
   * with `scan` are noted for subwords().
   */
  text(text: string, scan: number, expand: boolean): void {
    const n = text.length;
    // An identifier and its subwords take at most three times its length.
    this.room(expand ? 3 * n : n);
    const units = this.units;
    let at = this.length;
    let inRun = this.inRun;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      const cls = c < 128 ? CLASS[c] : WORD;
      if (!(cls & WORD)) {
        if (!inRun) units[at++] = SPACE;
        inRun = true;
        i++;
        continue;
      }
      inRun = false;
      units[at++] = c;
      i++;
      if (!(cls & START)) continue;
      // An identifier: whether it splits into two subwords or more is tracked on the way
      // (the rules of subwords(), from the classes of the two characters before), as 44% of
      // those that are not plain lowercase do not (None, _name, HTTP) and need no lookup.
      const start = i - 1;
      let prev = cls;
      let before = 0;
      let begun = !(cls & JOINER); // a subword has begun
      let joined = false; // and a joiner followed it
      let splits = false;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 128) break;
        const k = CLASS[d];
        if (!(k & WORD)) break;
        units[at++] = d;
        if (k & JOINER) {
          joined = begun;
        } else {
          if (
            joined ||
            (k & UPPER && prev & (LOWER | DIGIT)) ||
            (k & LOWER && prev & UPPER && before & UPPER) ||
            (k & DIGIT && prev & (LOWER | UPPER))
          ) {
            splits = true;
          }
          begun = true;
        }
        before = prev;
        prev = k;
      }
      if (!splits) continue;
      const split = splitOf(text.slice(start, i));
      if (expand) {
        if (split.parts !== '') {
          units[at++] = SPACE;
          at = this.ascii(split.parts, at);
        }
      } else if (split.seen !== scan) {
        split.seen = scan;
        if (split.parts !== '') this.found.push(split.parts);
      }
    }
    this.length = at;
    this.inRun = inRun;
  }

  /** Writes again what was written from `start` to `end`. */
  again(start: number, end: number): void {
    if (start < end && this.inRun && this.units[start] === SPACE) start++;
    if (start === end) return;
    this.room(end - start);
    this.units.copyWithin(this.length, start, end);
    this.length += end - start;
    this.inRun = this.units[this.length - 1] === SPACE;
  }

  /** Writes the subwords found, a space between identifiers' (they hold only [a-z0-9 ]). */
  subwords(): void {
    const found = this.found;
    let size = found.length;
    for (const parts of found) size += parts.length;
    this.room(size);
    let at = this.length;
    for (let k = 0; k < found.length; k++) {
      if (k > 0) this.units[at++] = SPACE;
      at = this.ascii(found[k], at);
    }
    if (at > this.length) this.inRun = false;
    this.length = at;
  }

  /**
   * Replaces each word by its stem (unless `stems` is false) and, from `distinctFrom` on,
   * keeps each word's first occurrence only (see stemming.ts).
   */
  stem(stemmer: Stemmer, distinctFrom: number, stems: boolean): void {
    this.length = stemmer.stemInPlace(this.units, this.length, distinctFrom, stems);
  }

  /**
   * The units as they are, lone surrogates included (a TextDecoder would replace those); V8
   * stores the string one byte per character when all fit. (Uint16Array is little-endian on
   * every platform VS Code runs on.)
   */
  toString(): string {
    return this.bytes.toString('utf16le', 0, 2 * this.length);
  }

  private ascii(s: string, at: number): number {
    const units = this.units;
    for (let k = 0; k < s.length; k++) units[at++] = s.charCodeAt(k);
    return at;
  }

  private room(n: number): void {
    const need = this.length + n;
    if (need <= this.units.length) return;
    const units = new Uint16Array(Math.max(need, 2 * this.units.length));
    units.set(this.units.subarray(0, this.length));
    this.units = units;
    this.bytes = Buffer.from(units.buffer);
  }
}

const out = new Writer();
const stemmer = new Stemmer();
