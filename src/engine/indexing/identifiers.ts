const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;
/** An identifier with nothing to split: one run of lowercase letters (most words in code). */
const PLAIN = /^[a-z]+$/;

// Character classes for subwords(), as a table.
const LOWER = 1; // [a-z]
const UPPER = 2; // [A-Z]
const DIGIT = 4; // [0-9]
const SEPARATOR = 8; // [\s_$]: between subwords
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-z]/.test(ch)) CLASS[c] |= LOWER;
  if (/[A-Z]/.test(ch)) CLASS[c] |= UPPER;
  if (/[0-9]/.test(ch)) CLASS[c] |= DIGIT;
  if (/[\s_$]/.test(ch)) CLASS[c] |= SEPARATOR;
}
const SPACE = /\s/;

function classOf(c: number): number {
  return c < 128 ? CLASS[c] : SPACE.test(String.fromCharCode(c)) ? SEPARATOR : 0;
}

/**
 * The subwords of an identifier, lowercased: `parseHTTPResponse2` → parse, http, response, 2;
 * `MAX_RETRY_COUNT` → max, retry, count; `kebab-case` is already two words to the tokenizer.
 *
 * Splits at `[\s_$]+` and inside the runs between them before an uppercase letter that
 * follows a lowercase letter or digit, before the last of several capitals when a lowercase
 * letter follows it (HTTPResponse), and between a letter and a digit. One scan: the three
 * regex replaces and a split it stands for took 3.3× longer (1.1 µs an identifier).
 */
export function subwords(identifier: string): string[] {
  const out: string[] = [];
  const n = identifier.length;
  let start = -1;
  let prev = 0;
  let cls = n > 0 ? classOf(identifier.charCodeAt(0)) : 0;
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? classOf(identifier.charCodeAt(i + 1)) : 0;
    if (cls & SEPARATOR) {
      if (start >= 0) out.push(identifier.slice(start, i).toLowerCase());
      start = -1;
    } else if (start < 0) {
      start = i;
    } else if (
      (cls & UPPER && (prev & (LOWER | DIGIT) || (prev & UPPER && next & LOWER))) ||
      (cls & DIGIT && prev & (LOWER | UPPER))
    ) {
      out.push(identifier.slice(start, i).toLowerCase());
      start = i;
    }
    prev = cls;
    cls = next;
  }
  if (start >= 0) out.push(identifier.slice(start).toLowerCase());
  return out;
}

/**
 * Splits are cached: a code base repeats the same identifiers endlessly, and splitting was
 * the indexer's hottest function. `parts` is the subwords joined, '' for an identifier that
 * is one word; `seen` marks the scan (startScan()) that last listed it, which spares each
 * scan a set of its own (one hash lookup per word instead of two).
 */
export interface Split {
  parts: string;
  seen: number;
}

const cache = new Map<string, Split>();
/**
 * Bounded so a worker's memory stays flat. Checked when a scan starts, never during one, so
 * a scan never loses the `seen` marks of its own words.
 */
const CACHE_LIMIT = 100_000;
let scans = 0;

/**
 * A copy of `s` that shares no memory with the string it was cut from. V8 represents a
 * match or substring of 13+ characters as a slice that keeps its whole parent alive; the
 * words reaching splitOf() are cut from a chunk's entire body, so caching them as they are
 * kept up to 100k chunk bodies alive (≈150 MB of heap per parse worker on a 10k-file index).
 * Concatenation then slice() forces V8 to flatten into a fresh string. Only paid on a miss.
 */
function detached(s: string): string {
  return ` ${s}`.slice(1);
}

/** The split of an identifier that is not plain lowercase, cached. */
export function splitOf(word: string): Split {
  let split = cache.get(word);
  if (split === undefined) {
    const key = detached(word);
    const parts = subwords(key);
    split = { parts: parts.length > 1 ? parts.join(' ') : '', seen: 0 };
    cache.set(key, split);
  }
  return split;
}

/** Starts a scan listing each compound identifier once: the number to mark them `seen` with. */
export function startScan(): number {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  return ++scans;
}

/**
 * Text for the full-text index: every identifier is kept whole and also split into its
 * subwords, so `getUserById` is found by "user by id" as well as by its full name.
 */
export function splitIdentifiers(text: string): string {
  startScan(); // only to keep the cache bounded
  return text.replace(WORD, (word) => {
    if (PLAIN.test(word)) return word;
    const { parts } = splitOf(word);
    return parts === '' ? word : `${word} ${parts}`;
  });
}

/**
 * The subwords of every distinct compound identifier in `text`, once each, in order of first
 * appearance. searchTextOf() does the same in its own pass over a chunk.
 */
export function compoundSubwords(text: string): string {
  const scan = startScan();
  const out: string[] = [];
  for (const word of text.match(WORD) ?? []) {
    if (PLAIN.test(word)) continue;
    const split = splitOf(word);
    if (split.seen === scan) continue;
    split.seen = scan;
    if (split.parts !== '') out.push(split.parts);
  }
  return out.join(' ');
}
