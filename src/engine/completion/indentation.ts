/**
 * The file's indentation style, and re-indenting a completion to it.
 *
 * Models learn the majority style of their training data (four spaces), so in a tab-indented or
 * two-space file they often drift back to it after the first line. The editor inserts what we
 * return verbatim, so a mismatch would mix styles in the user's file.
 */

export interface IndentStyle {
  useTabs: boolean;
  /** Spaces per level in a space-indented file; undefined when the file does not show one. */
  width?: number;
  /** Columns per tab, for measuring. */
  tabSize: number;
}

export const DEFAULT_TAB_SIZE = 4;

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** Visual width of leading whitespace, tabs advancing to the next stop. */
export function indentColumns(ws: string, tabSize: number): number {
  let col = 0;
  for (const ch of ws) col = ch === '\t' ? col + tabSize - (col % tabSize) : col + 1;
  return col;
}

/** ` * ` lines of block comments are aligned by one space and say nothing about the style. */
function isCommentContinuation(line: string): boolean {
  return /^\s+\*/.test(line);
}

/** The smallest positive step up between consecutive indentations: one level, as written. */
export function smallestStep(columns: readonly number[]): number | undefined {
  let best: number | undefined;
  for (let k = 1; k < columns.length; k++) {
    const d = columns[k] - columns[k - 1];
    if (d > 0 && d <= 8 && (best === undefined || d < best)) best = d;
  }
  return best;
}

/**
 * Tabs or spaces by majority of indented lines; the width is the most frequent step up between
 * consecutive space-indented lines (steps, not absolute columns, so that a file that happens to
 * sit at 8 columns is not taken for 8-wide).
 */
export function detectIndentStyle(lines: readonly string[], tabSize = DEFAULT_TAB_SIZE): IndentStyle {
  let tabs = 0;
  let spaces = 0;
  const steps = new Map<number, number>();
  let prev: number | undefined;
  for (const line of lines) {
    if (line.trim() === '' || isCommentContinuation(line)) continue;
    const ws = leadingWhitespace(line);
    if (ws.startsWith('\t')) tabs++;
    else if (ws.length >= 2) spaces++;
    if (ws.includes('\t')) {
      prev = undefined;
      continue;
    }
    if (prev !== undefined && ws.length > prev && ws.length - prev <= 8) {
      const d = ws.length - prev;
      steps.set(d, (steps.get(d) ?? 0) + 1);
    }
    prev = ws.length;
  }
  let width: number | undefined;
  let count = 0;
  for (const [d, c] of steps) {
    if (c > count || (c === count && width !== undefined && d < width)) {
      width = d;
      count = c;
    }
  }
  return { useTabs: tabs > spaces, width, tabSize };
}

/**
 * Rewrites the leading whitespace of `lines` (the completion's lines after the first) to the
 * file's style. `cursorLine` is the whole line the completion starts on; `baseColumns` its
 * indentation. Lines deeper than the base are re-leveled when the model used another width;
 * lines at or above it line up with code that is already in the file, so only their characters
 * change.
 */
export function toFileStyle(lines: readonly string[], style: IndentStyle, cursorLine: string, baseColumns: number): string[] {
  const spaceIndented = (l: string) => l.trim() !== '' && !leadingWhitespace(l).includes('\t');
  // The model's own level width, from how it stepped in; tabs in a tab file need no measuring.
  const columns = [indentColumns(leadingWhitespace(cursorLine), style.tabSize), ...lines.filter(spaceIndented).map((l) => leadingWhitespace(l).length)];
  const stepped = smallestStep(columns);
  return lines.map((line) => {
    if (line.trim() === '') return '';
    const ws = leadingWhitespace(line);
    const body = line.slice(ws.length);
    if (style.useTabs) {
      if (!ws.includes(' ')) return line;
      const unit = stepped ?? guessUnit(ws.replace(/\t/g, '').length);
      const cols = indentColumns(ws, unit);
      return '\t'.repeat(Math.floor(cols / unit)) + ' '.repeat(cols % unit) + body;
    }
    const width = style.width ?? DEFAULT_TAB_SIZE;
    let cols = indentColumns(ws, ws.includes('\t') ? width : style.tabSize);
    if (!ws.includes('\t') && stepped !== undefined && style.width !== undefined && stepped !== style.width && cols > baseColumns) {
      cols = baseColumns + Math.round((cols - baseColumns) / stepped) * style.width;
    }
    return ' '.repeat(cols) + body;
  });
}

/** A lone indented line does not show its level width; four and two are what models write. */
function guessUnit(spaces: number): number {
  return spaces % 4 === 0 ? 4 : spaces % 2 === 0 ? 2 : DEFAULT_TAB_SIZE;
}
