/**
 * Edit survival: how much of an accepted completion is still in the file some time later. A
 * suggestion the user keeps is worth more, as training data and as a quality measure, than one
 * they accept and then rewrite.
 */

/** How far around the inserted text's (tracked) place to look for what became of it. */
export const SURVIVAL_SLACK_CHARS = 256;
/** Longer insertions are measured on their first part, to bound the work (O(n·m)). */
export const SURVIVAL_MAX_CHARS = 4000;

/** One edit, with offsets in the document as it was before the edit (VS Code's `rangeOffset`/`rangeLength`). */
export interface TextEdit {
  offset: number;
  removed: number;
  inserted: number;
}

/**
 * Where `anchor` is after `edits`, which apply together (offsets refer to the text before any
 * of them). An edit that removes the anchor moves it to where the removal started.
 */
export function shiftOffset(anchor: number, edits: readonly TextEdit[]): number {
  let delta = 0;
  let at = anchor;
  for (const e of edits) {
    // Entirely before the anchor (an insertion exactly at it pushes it along too).
    if (e.offset + e.removed <= anchor) delta += e.inserted - e.removed;
    // Removes the anchor: it lands where the replacement starts. Edits never overlap, so every
    // edit before this one is entirely before the anchor and counted in `delta`.
    else if (e.offset < anchor) at = e.offset;
  }
  return Math.max(0, at + delta);
}

/** Whitespace differences (reformatting, re-indenting) do not count as rewriting. */
function normalise(s: string): string {
  return s.replace(/\s+/g, '');
}

/**
 * The smallest number of edits (insert, delete, substitute one character) that turn `pattern`
 * into some substring of `text` (Sellers' approximate matching).
 */
export function bestSubstringDistance(pattern: string, text: string): number {
  const m = pattern.length;
  if (m === 0) return 0;
  // prev[i]: distance of pattern[0..i) against the best substring ending at the previous text position.
  let prev = new Uint32Array(m + 1);
  let cur = new Uint32Array(m + 1);
  for (let i = 0; i <= m; i++) prev[i] = i;
  let best = prev[m];
  for (let j = 1; j <= text.length; j++) {
    cur[0] = 0; // a match may start anywhere in the text
    const c = text.charCodeAt(j - 1);
    for (let i = 1; i <= m; i++) {
      const sub = prev[i - 1] + (pattern.charCodeAt(i - 1) === c ? 0 : 1);
      const del = prev[i] + 1;
      const ins = cur[i - 1] + 1;
      cur[i] = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
    }
    if (cur[m] < best) best = cur[m];
    [prev, cur] = [cur, prev];
  }
  return best;
}

/** Share (0..1) of `inserted` still present in `region`, ignoring whitespace differences. */
export function survivalShare(inserted: string, region: string): number {
  const pattern = normalise(inserted).slice(0, SURVIVAL_MAX_CHARS);
  if (!pattern) return 1;
  const distance = bestSubstringDistance(pattern, normalise(region));
  return Math.max(0, Math.min(1, 1 - distance / pattern.length));
}

/**
 * Share (0..1) of `inserted`, put at `anchor` (tracked through later edits), still present in
 * `document` around that place.
 */
export function measureSurvival(inserted: string, document: string, anchor: number, slack = SURVIVAL_SLACK_CHARS): number {
  const length = Math.min(inserted.length, SURVIVAL_MAX_CHARS);
  const start = Math.max(0, Math.min(anchor, document.length) - slack);
  const end = Math.min(document.length, anchor + length + slack);
  return survivalShare(inserted, document.slice(start, end));
}
