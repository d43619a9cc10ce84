/**
 * Single-line or multi-line: decided from the cursor's surroundings before the request, so the
 * caller can ask for fewer tokens and stop at the line break (a single-line completion is then
 * fast as well as short), and again after it, to bound what the model wrote.
 */

export type CompletionMode = 'single' | 'multi';

/** The text on the cursor's line before the cursor. */
export function lineBeforeCursor(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf('\n') + 1);
}

/** The text on the cursor's line after the cursor. */
export function lineAfterCursor(suffix: string): string {
  const nl = suffix.indexOf('\n');
  return (nl < 0 ? suffix : suffix.slice(0, nl)).replace(/\r$/, '');
}

const RUBY_BLOCK_START = /^\s*(?:def|class|module|if|unless|while|until|case|begin|for|else|elsif|when|in|rescue|ensure)\b/;

/**
 * `if x:  # why` opens a block and `x = 1  # why:` does not. Crude on purpose (a `#` or `//`
 * inside a string on the same line defeats it), as it only has to read the end of one line.
 */
function withoutTrailingComment(line: string, languageId: string): string {
  const marker = languageId === 'python' || languageId === 'ruby' ? /(?:^|\s)#[^'"`]*$/ : /(?:^|\s)\/\/[^'"`]*$/;
  return line.replace(marker, '');
}

/**
 * Whether `line` (code before the cursor, at the end of its line) opens a block whose body goes
 * on the following lines.
 */
export function opensBlock(line: string, languageId: string): boolean {
  const code = withoutTrailingComment(line, languageId).trimEnd();
  if (code === '') return false;
  // An open bracket at the end starts a body, an argument list or a literal spread over lines.
  if (/[{([]$/.test(code)) return true;
  if (/=>$/.test(code)) return true; // arrow functions, Rust match arms, PHP arrays
  switch (languageId) {
    case 'python':
      return code.endsWith(':');
    case 'ruby':
      if (/\bend$/.test(code)) return false; // a one-liner (`def x = 1`, `if a then b end`)
      return /(?:\bdo|\bdo\s*\|[^|]*\||\bthen)$/.test(code) || RUBY_BLOCK_START.test(code);
    case 'php':
      return code.endsWith(':') && /^\s*(?:if|else|elseif|foreach|for|while|switch|case|default)\b/.test(code);
    case 'markdown':
      return false;
    default:
      // Switch labels: `case 1:`, `default:`.
      return /^\s*(?:case\b.*|default\s*):$/.test(code);
  }
}

/**
 * `single` when the cursor is mid-line (text after it on the line, as in `foo(|)` or
 * `x = |;`) or at the end of a line that does not open a block; `multi` on a blank line (a body
 * to fill), after a line that opens a block, or between `{` and `}`.
 */
export function completionMode(prefix: string, suffix: string, languageId: string): CompletionMode {
  const before = lineBeforeCursor(prefix);
  const after = lineAfterCursor(suffix).trim();
  if (languageId === 'markdown') return before.trim() === '' && after === '' ? 'multi' : 'single';
  if (after !== '') {
    // `{|}`: the editor closed the brace of a block the user is opening.
    return /\{\s*$/.test(before) && after.startsWith('}') ? 'multi' : 'single';
  }
  if (before.trim() === '') return 'multi';
  return opensBlock(before, languageId) ? 'multi' : 'single';
}

export interface CompletionRequestLimits {
  /** For Ollama's `stop`, on top of the model family's own stop tokens. */
  stop: string[];
  /** For Ollama's `num_predict`. */
  numPredict: number;
}

/**
 * Request limits for a mode. Single-line stops at the first line break: everything after it
 * would be thrown away. Multi-line is bounded by tokens here and by the block in post-processing.
 */
export function completionLimits(mode: CompletionMode): CompletionRequestLimits {
  return mode === 'single' ? { stop: ['\n'], numPredict: 64 } : { stop: [], numPredict: 256 };
}
