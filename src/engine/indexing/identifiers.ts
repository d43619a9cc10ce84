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

function expand(word: string): string {
  if (PLAIN.test(word)) return word;
  let out = cache.get(word);
  if (out === undefined) {
    const parts = subwords(word);
    out = parts.length > 1 ? `${word} ${parts.join(' ')}` : word;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(word, out);
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

/** The subwords of every distinct compound identifier in `text`, once each. */
export function compoundSubwords(text: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const word of text.match(WORD) ?? []) {
    if (PLAIN.test(word) || seen.has(word)) continue;
    seen.add(word);
    const expanded = expand(word);
    if (expanded !== word) out.push(expanded.slice(word.length + 1));
  }
  return out.join(' ');
}
