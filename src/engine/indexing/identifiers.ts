const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;

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
 * Text for the full-text index: every identifier is kept whole and also split into its
 * subwords, so `getUserById` is found by "user by id" as well as by its full name.
 */
export function splitIdentifiers(text: string): string {
  return text.replace(WORD, (word) => {
    const parts = subwords(word);
    return parts.length > 1 ? `${word} ${parts.join(' ')}` : word;
  });
}
