/**
 * Just enough lexing to count brackets outside strings and comments, per language family.
 *
 * Bracket balancing of a completion is only trustworthy if `"("` in a string or `// )` in a
 * comment is not counted. A real parser is far too slow for every keystroke and would choke on
 * the partial code around a cursor anyway; quotes, escapes and comment markers get us most of
 * the way. Where the lexer guesses wrong, single-quoted and double-quoted strings end at the line
 * break, so one stray apostrophe cannot swallow the rest of the file.
 */

export type Origin = 'prefix' | 'completion' | 'suffix';

export interface Frame {
  open: '(' | '[' | '{' | '${';
  origin: Origin;
  /** Leading whitespace of the line the bracket was opened on, when known. */
  indent: string | undefined;
}

export interface Syntax {
  lineComments: readonly string[];
  blockComment?: readonly [string, string];
  /** Quotes that open a string. */
  quotes: readonly string[];
  /** Quotes whose strings may span lines (everything else ends at the line break). */
  multiLine: readonly string[];
  /** Python's `"""` and `'''`. */
  tripleQuotes: boolean;
  /** JS/TS template literals: `${` inside backticks returns to code until its `}`. */
  templates: boolean;
  /** `'` starts a char literal only when one follows (`'a'`, `'\n'`); else it is a Rust lifetime. */
  charQuote: boolean;
}

const C_LIKE: Syntax = { lineComments: ['//'], blockComment: ['/*', '*/'], quotes: ['"', "'"], multiLine: [], tripleQuotes: false, templates: false, charQuote: true };

const SYNTAX: Readonly<Record<string, Syntax>> = {
  typescript: { ...C_LIKE, quotes: ['"', "'", '`'], multiLine: ['`'], templates: true, charQuote: false },
  tsx: { ...C_LIKE, quotes: ['"', "'", '`'], multiLine: ['`'], templates: true, charQuote: false },
  javascript: { ...C_LIKE, quotes: ['"', "'", '`'], multiLine: ['`'], templates: true, charQuote: false },
  javascriptreact: { ...C_LIKE, quotes: ['"', "'", '`'], multiLine: ['`'], templates: true, charQuote: false },
  typescriptreact: { ...C_LIKE, quotes: ['"', "'", '`'], multiLine: ['`'], templates: true, charQuote: false },
  go: { ...C_LIKE, quotes: ['"', "'", '`'], multiLine: ['`'] },
  java: C_LIKE,
  rust: C_LIKE,
  c: C_LIKE,
  cpp: C_LIKE,
  csharp: C_LIKE,
  php: { ...C_LIKE, lineComments: ['//', '#'], charQuote: false },
  python: { lineComments: ['#'], quotes: ['"', "'"], multiLine: ['"""', "'''"], tripleQuotes: true, templates: false, charQuote: false },
  ruby: { lineComments: ['#'], quotes: ['"', "'"], multiLine: [], tripleQuotes: false, templates: false, charQuote: false },
};

/**
 * The lexing rules for a language id, or undefined where brackets mean nothing we can check
 * (Markdown prose: apostrophes everywhere, and `[x](y)` links are not code). Unknown ids get the
 * C rules, which fit most of what else an editor may hand us.
 */
export function syntaxFor(languageId: string): Syntax | undefined {
  if (languageId === 'markdown' || languageId === 'plaintext') return undefined;
  return SYNTAX[languageId] ?? C_LIKE;
}

export interface LexState {
  stack: Frame[];
  /**
   * Match a closer that starts its line to the open bracket whose line has the same
   * indentation, rather than to the innermost one. In code being written, the innermost bracket
   * is often the one not closed yet (`void f() {` typed above the class's `}`), and indentation
   * says which one a `}` belongs to better than nesting does.
   */
  alignByIndent: boolean;
  mode: 'code' | 'string' | 'lineComment' | 'blockComment';
  /** The quote that closes the current string. */
  quote: string;
  stringOrigin: Origin;
}

export function initialState(): LexState {
  return { stack: [], alignByIndent: true, mode: 'code', quote: '', stringOrigin: 'prefix' };
}

export function cloneState(s: LexState): LexState {
  // Frames are shared on purpose: callers recognise the prefix's frames by identity.
  return { ...s, stack: [...s.stack] };
}

export type LexEvent =
  | {
      kind: 'close';
      ch: ')' | ']' | '}';
      offset: number;
      stack: readonly Frame[];
      /** Index in `stack` of the frame this closer will close, or -1 for none. */
      target: number;
    }
  | { kind: 'stringEnd'; offset: number; origin: Origin };

/** Return true to stop before the event's character; the state then stays as it was before it. */
export type Visitor = (ev: LexEvent) => boolean | void;

const OPENER_OF = { ')': '(', ']': '[', '}': '{' } as const;
const CHAR_LITERAL = /'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|.)|[^'\\\n])'/y;

/**
 * Advances `state` over `text`, calling `visit` at each closing bracket in code and at the end
 * of each string. Returns the offset a visitor stopped at, or -1 when all of `text` was read.
 * `firstLineIndent` is what precedes `text` on its first line when that is only whitespace
 * ('' when `text` starts a line), undefined when it is code.
 */
export function lex(text: string, syntax: Syntax, state: LexState, origin: Origin, visit?: Visitor, firstLineIndent?: string): number {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (state.mode === 'lineComment') {
      if (c === '\n') state.mode = 'code';
      i++;
      continue;
    }
    if (state.mode === 'blockComment') {
      const end = syntax.blockComment![1];
      if (text.startsWith(end, i)) {
        state.mode = 'code';
        i += end.length;
      } else i++;
      continue;
    }
    if (state.mode === 'string') {
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '\n' && !syntax.multiLine.includes(state.quote)) {
        state.mode = 'code'; // unterminated: recover at the line break
        i++;
        continue;
      }
      if (syntax.templates && state.quote === '`' && c === '$' && text[i + 1] === '{') {
        state.stack.push({ open: '${', origin, indent: lineIndent(text, i, firstLineIndent) });
        state.mode = 'code';
        i += 2;
        continue;
      }
      if (text.startsWith(state.quote, i)) {
        if (visit?.({ kind: 'stringEnd', offset: i, origin: state.stringOrigin })) return i;
        state.mode = 'code';
        i += state.quote.length;
        continue;
      }
      i++;
      continue;
    }
    // code
    const lineComment = syntax.lineComments.find((m) => text.startsWith(m, i));
    if (lineComment) {
      state.mode = 'lineComment';
      i += lineComment.length;
      continue;
    }
    if (syntax.blockComment && text.startsWith(syntax.blockComment[0], i)) {
      state.mode = 'blockComment';
      i += syntax.blockComment[0].length;
      continue;
    }
    if (syntax.quotes.includes(c)) {
      if (syntax.charQuote && c === "'") {
        CHAR_LITERAL.lastIndex = i;
        const m = CHAR_LITERAL.exec(text);
        i += m ? m[0].length : 1; // no literal: a lifetime (`'a`), not a string
        continue;
      }
      const triple = syntax.tripleQuotes && text.startsWith(c + c + c, i) ? c + c + c : c;
      state.mode = 'string';
      state.quote = triple;
      state.stringOrigin = origin;
      i += triple.length;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      state.stack.push({ open: c, origin, indent: lineIndent(text, i, firstLineIndent) });
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      const target = targetOf(state, c, text, i, firstLineIndent);
      if (visit?.({ kind: 'close', ch: c, offset: i, stack: state.stack, target })) return i;
      popTo(state, target);
      i++;
      continue;
    }
    i++;
  }
  return -1;
}

/** Whether `closer` closes `frame` (a template's `${` is closed by `}`). */
export function closes(closer: ')' | ']' | '}', frame: Frame): boolean {
  return frame.open === OPENER_OF[closer] || (closer === '}' && frame.open === '${');
}

/**
 * Leading whitespace of the line holding `text[offset]`, given what precedes `text` on its
 * first line (undefined: code, or unknown). Undefined when that is not known.
 */
function lineIndent(text: string, offset: number, firstLineIndent: string | undefined): string | undefined {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const lead = /^[ \t]*/.exec(text.slice(start, offset))![0];
  if (start > 0) return lead;
  return firstLineIndent === undefined ? undefined : firstLineIndent + lead;
}

/**
 * The frame `closer` closes: with {@link LexState.alignByIndent}, for a closer that starts its
 * line, the one opened on a line of the same indentation; else the innermost of its kind. A
 * mismatched closer thus closes the frames above its own too (they were left open); one that
 * matches nothing is ignored (-1), since a prefix window can start inside a construct.
 */
function targetOf(state: LexState, closer: ')' | ']' | '}', text: string, offset: number, firstLineIndent: string | undefined): number {
  const stack = state.stack;
  if (state.alignByIndent) {
    const start = text.lastIndexOf('\n', offset - 1) + 1;
    const indent = lineIndent(text, offset, firstLineIndent);
    const startsLine = indent !== undefined && /^[ \t]*$/.test(text.slice(start, offset));
    if (startsLine) {
      for (let k = stack.length - 1; k >= 0; k--) if (closes(closer, stack[k]) && stack[k].indent === indent) return k;
    }
  }
  for (let k = stack.length - 1; k >= 0; k--) if (closes(closer, stack[k])) return k;
  return -1;
}

function popTo(state: LexState, target: number): void {
  if (target < 0) return;
  const frame = state.stack[target];
  state.stack.length = target;
  if (frame.open === '${') {
    state.mode = 'string';
    state.quote = '`';
  }
}
