const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;
/** An identifier with nothing to split: one run of lowercase letters (most words in code). */
const PLAIN = /^[a-z]+$/;

/**
 * The subwords of an identifier, lowercased: `parseHTTPResponse2` → parse, http, response, 2;
 * `MAX_RETRY_COUNT` → max, retry, count; `kebab-case` is already two words to the tokenizer.
 */
export function subwords(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .split(/[\s_$]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Expansions are cached: a code base repeats the same identifiers endlessly, and splitting
 * was the indexer's hottest function. Bounded so a worker's memory stays flat.
 */
const cache = new Map<string, string>();
const CACHE_LIMIT = 100_000;

/**
 * A copy of `s` that shares no memory with the string it was cut from. V8 represents a
 * match or substring of 13+ characters as a slice that keeps its whole parent alive; the
 * words reaching expand() are cut from a chunk's entire body, so caching them as they are
 * kept up to 100k chunk bodies alive (≈150 MB of heap per parse worker on a 10k-file index).
 * Concatenation then slice() forces V8 to flatten into a fresh string. Only paid on a miss.
 */
function detached(s: string): string {
  return ` ${s}`.slice(1);
}

function expand(word: string): string {
  if (PLAIN.test(word)) return word;
  let out = cache.get(word);
  if (out === undefined) {
    const key = detached(word);
    const parts = subwords(key);
    out = parts.length > 1 ? `${key} ${parts.join(' ')}` : key;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, out);
  }
  return out;
}

/**
 * Text for the full-text index: every identifier is kept whole and also split into its
 * subwords, so `getUserById` is found by "user by id" as well as by its full name.
 */
export function splitIdentifiers(text: string): string {
  return text.replace(WORD, expand);
}

// Character classes of WORD, as a table: compoundSubwords scans bodies of ~100M characters
// per 10k files, and matching every word with a regex allocated a string per word when most
// words (plain lowercase) are skipped anyway.
const START = 1; // [A-Za-z_$]
const PART = 2; // [A-Za-z0-9_$]
const LOWER = 4; // [a-z]
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_$]/.test(ch)) CLASS[c] |= START | PART;
  if (/[0-9]/.test(ch)) CLASS[c] |= PART;
  if (/[a-z]/.test(ch)) CLASS[c] |= LOWER;
}

/**
 * The subwords of every distinct compound identifier in `text`, once each. Same words, same
 * order as `text.match(WORD)` filtered by PLAIN, without cutting out the plain ones.
 */
export function compoundSubwords(text: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128 || !(CLASS[c] & START)) {
      i++;
      continue;
    }
    const start = i;
    let plain = (CLASS[c] & LOWER) !== 0;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i);
      if (d >= 128 || !(CLASS[d] & PART)) break;
      if (!(CLASS[d] & LOWER)) plain = false;
    }
    if (plain) continue;
    const word = text.slice(start, i);
    if (seen.has(word)) continue;
    seen.add(word);
    const expanded = expand(word);
    if (expanded !== word) out.push(expanded.slice(word.length + 1));
  }
  return out.join(' ');
}
