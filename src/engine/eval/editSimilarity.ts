/**
 * How close a completion is to the code that was there. Both sides are compared as the editor
 * would leave them: line breaks as `\n`, no trailing spaces on a line, no trailing blank lines
 * (post-processing drops them, and the held-out middle of a whole-line span ends with one).
 */
export function normaliseCode(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

/** Levenshtein distance over UTF-16 code units, in two rows of memory. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length < b.length) [a, b] = [b, a];
  if (b.length === 0) return a.length;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** 1 − distance / longer length, in [0, 1]; 1 when both are empty. Compares normalised texts. */
export function editSimilarity(actual: string, expected: string): number {
  const a = normaliseCode(actual);
  const b = normaliseCode(expected);
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  return 1 - levenshtein(a, b) / longer;
}

export function exactMatch(actual: string, expected: string): boolean {
  return normaliseCode(actual) === normaliseCode(expected);
}
