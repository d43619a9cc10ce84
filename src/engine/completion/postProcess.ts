/**
 * From a fill-in-the-middle model's raw text to what the editor shows, or nothing.
 *
 * Small local models fill the gap well most of the time, but fail in a handful of recurring
 * ways: leaked control tokens, re-writing the code after the cursor, closing brackets the file
 * already closes, indenting in their own style, looping. Each step below removes one of these,
 * cutting rather than repairing: a shorter suggestion the user can extend costs less than a
 * wrong one they have to notice and undo. An empty string means "show nothing".
 *
 * Runs on every completion, so everything here is linear in the text and looks at bounded
 * windows of the prefix and suffix.
 */
import { closes, cloneState, initialState, lex, syntaxFor, type Frame, type LexEvent } from './codeLexer';
import { completionMode, lineAfterCursor, lineBeforeCursor, opensBlock, type CompletionMode } from './completionMode';
import { cutAtSpecialTokens } from './fimTokens';
import { detectIndentStyle, indentColumns, leadingWhitespace, toFileStyle, type IndentStyle } from './indentation';

export interface CompletionContext {
  /** Text before the cursor (the window the model saw is enough). */
  prefix: string;
  /** Text after the cursor. */
  suffix: string;
  /** VS Code language id: typescript, tsx, javascript, python, go, java, rust, c, cpp, csharp, ruby, php, markdown. */
  languageId: string;
  /** Stop strings of the request; text from the first one on is cut. */
  stop?: readonly string[];
  /** The model family's control tokens (see FimTemplate.specialTokens), on top of the generic ones. */
  specialTokens?: readonly string[];
  /** Defaults to {@link completionMode} of the prefix and suffix. */
  mode?: CompletionMode;
  /** Longest multi-line completion, in lines; default {@link DEFAULT_MAX_LINES}. */
  maxLines?: number;
  /** Longest completion, in characters; default {@link DEFAULT_MAX_CHARS}. */
  maxChars?: number;
}

export const DEFAULT_MAX_LINES = 16;
export const DEFAULT_MAX_CHARS = 2000;
/** A line longer than this is minified data or a runaway, not a suggestion. */
const MAX_LINE_CHARS = 500;
/** How much of the prefix and suffix the bracket and style analysis reads. */
const PREFIX_WINDOW = 8000;
const SUFFIX_WINDOW = 4000;
const STYLE_PREFIX_LINES = 200;
const STYLE_SUFFIX_LINES = 100;

/** Control characters (other than tab and line breaks) and U+FFFD: a decoding failure or binary. */
const JUNK = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;

/**
 * Turns `raw` into the text to insert at the cursor, or '' when nothing worth showing is left.
 * The result uses `\n` line breaks; the editor converts them to the document's.
 */
export function postProcessCompletion(raw: string, ctx: CompletionContext): string {
  const prefix = ctx.prefix.replace(/\r\n?/g, '\n');
  const suffix = ctx.suffix.replace(/\r\n?/g, '\n');
  const lang = ctx.languageId;
  let text = cutAtSpecialTokens(raw.replace(/\r\n?/g, '\n'), ctx.stop, ctx.specialTokens, prefix);
  if (JUNK.test(text) || text.trim() === '') return '';

  const mode = ctx.mode ?? completionMode(prefix, suffix, lang);
  const lineBefore = lineBeforeCursor(prefix);
  const lineAfter = lineAfterCursor(suffix);
  const style = detectIndentStyle([...prefix.split('\n').slice(-STYLE_PREFIX_LINES), ...suffix.split('\n').slice(0, STYLE_SUFFIX_LINES)]);

  // On a blank line a leading line break would leave the cursor's line as trailing whitespace.
  if (lineBefore.trim() === '') text = text.replace(/^(?:[ \t]*\n)+/, '');
  let lines = text.split('\n');
  if (mode === 'single') lines = lines.slice(0, 1);
  lines[0] = fixFirstLine(lines[0], lineBefore, style);
  if (lines.length > 1) lines = reindent(lines, lineBefore, style, lang);
  lines = cutSuffixRepeat(lines, lineBefore, suffix, style);
  lines = cutLoop(lines, prefix, lineBefore);
  if (mode === 'multi') lines = boundToBlock(lines, lineBefore, lang, style);
  lines = limitSize(lines, mode === 'single' ? 1 : (ctx.maxLines ?? DEFAULT_MAX_LINES), ctx.maxChars ?? DEFAULT_MAX_CHARS);

  text = cutUnbalanced(lines.join('\n'), prefix, suffix, lang);
  if (mode === 'single' && lineAfter.trim() !== '') text = dropSuffixOverlap(text, lineAfter);
  text = tidyEnd(text, lineAfter);

  const t = text.trim();
  if (t === '') return '';
  // What is left is already in the file right after the cursor: mid-line, any start of the
  // rest of the line; at a line end, whole lines only (`x` is not a repeat of `x = 2` below).
  const rest = suffix.trimStart();
  if (lineAfter.trim() !== '' ? rest.startsWith(t) : rest === t || rest.startsWith(`${t}\n`)) return '';
  return text;
}

// ---------------------------------------------------------------------------------------------
// Indentation

/**
 * On a line holding only indentation, the model often writes that indentation again (it counts
 * columns from the line start); drop up to as many columns as the cursor already has. After
 * other text ending in a space, a leading space would double it.
 */
function fixFirstLine(first: string, lineBefore: string, style: IndentStyle): string {
  const lead = leadingWhitespace(first);
  if (lead === '') return first;
  if (lineBefore.trim() !== '') return /[ \t]$/.test(lineBefore) ? first.slice(lead.length) : first;
  const have = indentColumns(lineBefore, style.tabSize);
  let removed = 0;
  let k = 0;
  while (k < lead.length && removed < have) {
    removed = indentColumns(lead.slice(0, k + 1), style.tabSize);
    k++;
  }
  return first.slice(k);
}

const DEDENT_KEYWORD = /^(?:else|elif|except|finally|case|default|catch|when|rescue|ensure|in)\b/;

/**
 * Lines after the first, in the file's style. Some models, given a cursor after indentation,
 * indent the following lines as if the first started at column 0 (`if x:` at the cursor, then
 * `    return` at four columns, which is not inside the `if`); those lines get the cursor's
 * indentation added. Seen mostly in Python, but the signs are the same in any language.
 */
function reindent(lines: string[], lineBefore: string, style: IndentStyle, lang: string): string[] {
  const cursorLine = lineBefore + lines[0];
  const base = indentColumns(leadingWhitespace(cursorLine), style.tabSize);
  const next = lines.findIndex((l, k) => k > 0 && l.trim() !== '');
  let shift = '';
  if (next > 0) {
    const nextCols = indentColumns(leadingWhitespace(lines[next]), style.tabSize);
    const nextCode = lines[next].trim();
    if (lineBefore.trim() === '' && base > 0) {
      // After a line opening a block, the body must be deeper than the opener.
      const bodyNotDeeper = opensBlock(cursorLine, lang) && nextCols <= base && !isCloserLine(lines[next], lang);
      // Code at column 0 straight after a statement inside a body, with no closer between,
      // would end the body (Python) or sit outside it (braces); written that way, it was meant
      // relative to the cursor. Preprocessor lines are at column 0 wherever they are.
      const atZero =
        lang !== 'markdown' && nextCols === 0 && next === 1 && !DEDENT_KEYWORD.test(nextCode) && !isCloserLine(lines[next], lang) && !isPreprocessorLine(lines[next], lang);
      if (bodyNotDeeper || atZero) shift = leadingWhitespace(lineBefore);
    } else if (lang === 'python' && lines[0].trim() === '' && opensBlock(lineBefore, lang) && nextCols <= base) {
      // `def f():` then a body at the opener's own column: a syntax error, unless indented.
      shift = leadingWhitespace(lineBefore) + (style.useTabs ? '\t' : ' '.repeat(style.width ?? 4));
    }
  }
  const rest = lines.slice(1).map((l) => (l.trim() === '' ? '' : shift + l));
  return [lines[0], ...toFileStyle(rest, style, cursorLine, base)];
}

/** C and C# directives sit at column 0 inside bodies; they say nothing about the block. */
function isPreprocessorLine(line: string, lang: string): boolean {
  return (lang === 'c' || lang === 'cpp' || lang === 'csharp') && /^\s*#/.test(line);
}

function isCloserLine(line: string, lang: string): boolean {
  if (/^\s*[)\]}]/.test(line)) return true;
  if (lang === 'ruby') return /^\s*end\b/.test(line);
  if (lang === 'php') return /^\s*end(?:if|foreach|for|while|switch)\b/.test(line);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Repetition

function dropTrailingBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1].trim() === '') end--;
  return lines.slice(0, end);
}

/** Lines that say too little to identify a place on their own: `}`, `});`, `end`. */
function isWeakLine(code: string): boolean {
  return /^[)\]};,\s]*$/.test(code) || code === 'end' || code.length < 3;
}

/**
 * Models that write the gap often carry on into the code after the cursor. Cut where the
 * completion reaches the suffix's first non-blank line, at the same indentation. A bare `}` or
 * `end` matches too much (every block has one), so it must be followed by the suffix's next
 * line as well, when both texts go on.
 */
function cutSuffixRepeat(lines: string[], lineBefore: string, suffix: string, style: IndentStyle): string[] {
  const suffixLines = suffix.split('\n', 64);
  const targets: { code: string; cols?: number }[] = [];
  // Text after the cursor on its line has no indentation of its own to compare.
  if (suffixLines[0].trim() !== '') targets.push({ code: suffixLines[0].trim() });
  for (let k = 1; k < suffixLines.length && targets.length < 2; k++) {
    const l = suffixLines[k];
    if (l.trim() !== '') targets.push({ code: l.trim(), cols: indentColumns(leadingWhitespace(l), style.tabSize) });
  }
  if (targets.length === 0) return lines;
  const same = (line: string, t: { code: string; cols?: number }) =>
    line.trim() === t.code && (t.cols === undefined || indentColumns(leadingWhitespace(line), style.tabSize) === t.cols);
  for (let i = 0; i < lines.length; i++) {
    // The cursor's line starts with the user's own text; only a blank start can be compared.
    if (i === 0 && lineBefore.trim() !== '') continue;
    const line = i === 0 ? lineBefore + lines[0] : lines[i];
    if (line.trim() === '' || !same(line, targets[0])) continue;
    if (isWeakLine(targets[0].code) && targets.length > 1) {
      const after = lines.slice(i + 1).find((l) => l.trim() !== '');
      if (after !== undefined && !same(after, targets[1])) continue;
    }
    return dropTrailingBlank(lines.slice(0, i));
  }
  return lines;
}

/**
 * A model stuck in a loop writes the same line (or the same two or three lines) over and over,
 * often continuing a run that started in the prefix. Three repetitions in a row, reaching into
 * the completion, and the completion is cut where it joins the run: none of the run is kept.
 */
function cutLoop(lines: string[], prefix: string, lineBefore: string): string[] {
  const before = prefix.slice(-4000).split('\n');
  before.pop(); // the cursor's line, which is part of the completion's first line
  const seq: { key: string; line: number }[] = [];
  for (const l of before.filter((x) => x.trim() !== '').slice(-6)) seq.push({ key: l.trim(), line: -1 });
  lines.forEach((l, i) => {
    const key = (i === 0 ? lineBefore + l : l).trim();
    if (key !== '') seq.push({ key, line: i });
  });
  const trivial = (key: string) => /^[\s)\]}{([;,]*$/.test(key) || key === 'end';
  let cut = lines.length;
  for (let p = 1; p <= 3; p++) {
    for (let s = 0; s + 3 * p <= seq.length; s++) {
      if (seq[s + 3 * p - 1].line < 0) continue;
      let repeats = true;
      for (let k = 0; k < 2 * p && repeats; k++) repeats = seq[s + k].key === seq[s + k + p].key;
      if (!repeats || seq.slice(s, s + p).every((e) => trivial(e.key))) continue;
      const first = seq.slice(s, s + 3 * p).find((e) => e.line >= 0)!;
      cut = Math.min(cut, first.line);
    }
  }
  return cut < lines.length ? dropTrailingBlank(lines.slice(0, cut)) : lines;
}

// ---------------------------------------------------------------------------------------------
// Bounds

/**
 * A multi-line completion ends with the block it was asked to fill. After a line opening a
 * block, that is the first line back at the opener's indentation (kept when it closes the block,
 * `}` or `end`, dropped otherwise: Python's next statement, an `else:`). On a blank line inside a
 * body, it is the first line that leaves the cursor's indentation.
 */
function boundToBlock(lines: string[], lineBefore: string, lang: string, style: IndentStyle): string[] {
  const opener = lineBefore.trim() !== '' && opensBlock(lineBefore, lang);
  const base = indentColumns(leadingWhitespace(lineBefore), style.tabSize);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || isPreprocessorLine(line, lang)) continue;
    const cols = indentColumns(leadingWhitespace(line), style.tabSize);
    if (opener ? cols > base : cols >= base) continue;
    if (isCloserLine(line, lang) && (!opener || cols === base)) return lines.slice(0, i + 1);
    return dropTrailingBlank(lines.slice(0, i));
  }
  return lines;
}

/** At most `maxLines` lines and `maxChars` characters, cut at a line boundary. */
function limitSize(lines: string[], maxLines: number, maxChars: number): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const line of lines.slice(0, Math.max(1, maxLines))) {
    chars += line.length + 1;
    if (chars > maxChars + 1 || line.length > MAX_LINE_CHARS) break;
    out.push(line);
  }
  return dropTrailingBlank(out);
}

// ---------------------------------------------------------------------------------------------
// Brackets and strings

/** The prefix window starts at a line boundary, so the lexer does not start inside a token. */
function prefixWindow(prefix: string): string {
  if (prefix.length <= PREFIX_WINDOW) return prefix;
  const cut = prefix.length - PREFIX_WINDOW;
  const nl = prefix.indexOf('\n', cut);
  return nl < 0 ? prefix.slice(cut) : prefix.slice(nl + 1);
}

/**
 * Cuts the completion at the first closer it has no business writing: one that closes a bracket
 * the suffix already closes (the editor's auto-closed `)`, the function's `}` below the cursor),
 * one that closes nothing, or one of the wrong kind. Likewise a quote that ends a string the
 * suffix already ends. Brackets the prefix opened and the suffix leaves open (`foo(a, ` at the
 * end of a line) may be closed: the cursor's line needs them.
 */
function cutUnbalanced(text: string, prefix: string, suffix: string, lang: string): string {
  const syntax = syntaxFor(lang);
  if (!syntax || text === '') return text;
  const atCursor = initialState();
  lex(prefixWindow(prefix), syntax, atCursor, 'prefix', undefined, '');
  const lineBefore = lineBeforeCursor(prefix);

  // Which of the prefix's open brackets the suffix closes, as the code will read when the
  // completion adds none (by indentation where a closer starts its line, see LexState).
  const closedBySuffix = new Set<Frame>();
  let suffixEndsString = false;
  const visitSuffix = (ev: LexEvent) => {
    if (ev.kind === 'stringEnd') {
      if (ev.origin === 'prefix') suffixEndsString = true;
    } else if (ev.target >= 0 && ev.stack[ev.target].origin === 'prefix') {
      closedBySuffix.add(ev.stack[ev.target]);
    }
  };
  lex(suffix.slice(0, SUFFIX_WINDOW), syntax, cloneState(atCursor), 'suffix', visitSuffix, lineBefore.trim() === '' ? lineBefore : undefined);

  // The completion is judged by plain nesting: it has to close what it opened, innermost first.
  const inCompletion = cloneState(atCursor);
  inCompletion.alignByIndent = false;
  const stopAt = lex(text, syntax, inCompletion, 'completion', (ev) => {
    if (ev.kind === 'stringEnd') return ev.origin === 'prefix' && suffixEndsString;
    const top = ev.stack[ev.stack.length - 1];
    if (!top || !closes(ev.ch, top)) return true;
    return top.origin !== 'completion' && closedBySuffix.has(top);
  });
  return stopAt < 0 ? text : cutAt(text, stopAt);
}

/** Text before `offset`; a line that would be left holding only indentation goes too. */
function cutAt(text: string, offset: number): string {
  const head = text.slice(0, offset);
  const lineStart = head.lastIndexOf('\n') + 1;
  if (head.slice(lineStart).trim() === '') return dropTrailingBlank(head.slice(0, Math.max(0, lineStart - 1)).split('\n')).join('\n');
  return head.replace(/[ \t]+$/, '');
}

/**
 * Mid-line, the model tends to end with what already follows the cursor (`;` after
 * `return |;`, or the whole rest of the line). Brackets and quotes are not touched here: whether
 * they are extra depends on what the completion opened, which {@link cutUnbalanced} knows.
 */
function dropSuffixOverlap(text: string, lineAfter: string): string {
  const rest = lineAfter.trimEnd();
  if (rest.trim().length >= 4 && text.endsWith(rest)) return text.slice(0, text.length - rest.length);
  for (let k = Math.min(text.length, rest.length); k > 0; k--) {
    const piece = rest.slice(0, k);
    if (/^[;,:]+$/.test(piece) && text.endsWith(piece)) return text.slice(0, text.length - k);
  }
  return text;
}

/**
 * No trailing blank lines or spaces, except a space before text that follows the cursor on its
 * line (`return| b;` needs `a +` and its space).
 */
function tidyEnd(text: string, lineAfter: string): string {
  const lines = dropTrailingBlank(text.split('\n'));
  if (lines.length === 0) return '';
  const last = lines.length - 1;
  const keepSpace = lines.length === 1 && lineAfter !== '' && !/^\s/.test(lineAfter);
  if (!keepSpace) lines[last] = lines[last].replace(/[ \t]+$/, '');
  return lines.join('\n');
}
