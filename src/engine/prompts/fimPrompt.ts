import { packParts, type PromptPart } from './budgetPacker';
import { commentLines, commentStyleFor, type CommentStyle } from './commentStyle';
import { oneLine } from './houseIdentity';
import { rankRules, snippetId, type PromptRule, type PromptSnippet } from './promptTypes';
import { estimateTokens, rawTokens, type TokenizerFamily } from './tokenEstimate';

export interface FimPromptInput {
  /** The file's path as shown to the model (relative to its root). */
  path: string;
  /** Registry language id of the file; its extension decides when the id is unknown. */
  language: string;
  /** The file's current text. */
  text: string;
  /** 1-based line and 0-based column (UTF-16) of the cursor. */
  line: number;
  column: number;
  /** Repository context, best first (completionContext's snippets). */
  snippets: readonly PromptSnippet[];
  /** Conventions that apply to the file; the most binding few are used. */
  rules: readonly PromptRule[];
  /** completion.contextTokens. */
  budget: number;
  family?: TokenizerFamily;
  /** At most this many rules (default 3). */
  maxRules?: number;
}

export interface FimPrompt {
  /** Context comments, then the file text before the cursor. No FIM tokens: the client adds them. */
  prefix: string;
  /** The file text after the cursor. */
  suffix: string;
  /** Ids of the snippets included, in prompt order. */
  contextIds: string[];
  ruleIds: string[];
  /** estimateTokens(prefix) + estimateTokens(suffix); at most the budget. */
  estimatedTokens: number;
  /** 1-based lines of the file the prefix and suffix cover. */
  window: { startLine: number; endLine: number };
  notes: string[];
}

/** Shares of the budget: the code before the cursor first, then after it, then context. */
const PREFIX_SHARE = 0.5;
const SUFFIX_SHARE = 0.15;
const CONTEXT_SHARE = 0.3;
const DEFAULT_MAX_RULES = 3;

/**
 * A fill-in-the-middle prompt. The code nearest the cursor matters most, so windows grow line by
 * line outwards from it: the prefix up to half the budget, the suffix up to 15%; then
 * repository context and the few most binding conventions, as comments in the file's language,
 * take up to 30%; whatever is left extends the prefix, then the suffix. Deterministic.
 */
export function buildFimPrompt(input: FimPromptInput): FimPrompt {
  const family = input.family ?? 'unknown';
  const budget = Math.max(0, Math.floor(input.budget));
  const lines = input.text.split('\n');
  const row = clamp(input.line - 1, 0, lines.length - 1);
  const current = lines[row];
  const column = clamp(input.column, 0, current.length);
  const cost = (s: string) => rawTokens(s, family);
  const notes: string[] = [];

  // The cursor line is always there, cut by characters (nearest kept) only if it is enormous.
  let before = keepChars(current.slice(0, column), budget * PREFIX_SHARE, true, family);
  let after = keepChars(current.slice(column), budget * SUFFIX_SHARE, false, family);
  let prefixCost = cost(before);
  let suffixCost = cost(after);
  if (before.length < column || after.length < current.length - column) notes.push('The cursor line was cut to fit.');

  let first = row; // first prefix line, lines[first..row-1] are in
  let last = row; // last suffix line, lines[row+1..last] are in
  const growPrefix = (cap: number) => {
    while (first > 0) {
      const c = cost(lines[first - 1] + '\n');
      if (prefixCost + c > cap) break;
      prefixCost += c;
      first--;
    }
  };
  const growSuffix = (cap: number) => {
    while (last < lines.length - 1) {
      const c = cost('\n' + lines[last + 1]);
      if (suffixCost + c > cap) break;
      suffixCost += c;
      last++;
    }
  };
  growPrefix(budget * PREFIX_SHARE);
  growSuffix(budget * SUFFIX_SHARE);

  const style = commentStyleFor(input.language, input.path);
  const wanted = input.snippets.length > 0 || input.rules.length > 0;
  if (!style && wanted) notes.push(`No comment syntax for ${input.language || input.path}: repository context and conventions left out.`);
  const contextRoom = Math.min(budget * CONTEXT_SHARE, budget - prefixCost - suffixCost);
  const context = style && wanted ? contextBlock(input, style, Math.floor(contextRoom), family) : undefined;
  const contextCost = context ? cost(context.text) : 0;

  // Leftovers: more code before the cursor, then after it.
  growPrefix(budget - suffixCost - contextCost);
  growSuffix(budget - prefixCost - contextCost);

  const assemble = () => {
    const head = lines.slice(first, row);
    // A shebang or `<?php` must stay the first line: context goes after it.
    const preamble = first === 0 && row > 0 && /^(#!|<\?php)/.test(head[0]) ? head.shift()! + '\n' : '';
    const prefix = preamble + (context?.text ?? '') + head.map((l) => l + '\n').join('') + before;
    const suffix = after + lines.slice(row + 1, last + 1).map((l) => '\n' + l).join('');
    return { prefix, suffix };
  };
  let { prefix, suffix } = assemble();
  // Rounding may tip the total over: give back the farthest lines.
  while (estimateTokens(prefix, family) + estimateTokens(suffix, family) > budget) {
    if (first < row) first++;
    else if (last > row) last--;
    else if (before.length > 0) before = before.slice(1);
    else if (after.length > 0) after = after.slice(0, -1);
    else break;
    ({ prefix, suffix } = assemble());
  }
  if (context?.dropped) notes.push(`Left out ${context.dropped} of ${input.snippets.length} context snippets.`);
  return {
    prefix,
    suffix,
    contextIds: context?.contextIds ?? [],
    ruleIds: context?.ruleIds ?? [],
    estimatedTokens: estimateTokens(prefix, family) + estimateTokens(suffix, family),
    window: { startLine: first + 1, endLine: last + 1 },
    notes,
  };
}

interface ContextBlock {
  text: string;
  contextIds: string[];
  ruleIds: string[];
  dropped: number;
}

/**
 * Snippets (each under a `Path:` line), then the conventions as `rule-id: title`, then the
 * current file's `Path:` line, all commented; undefined when nothing fits.
 */
function contextBlock(input: FimPromptInput, style: CommentStyle, room: number, family: TokenizerFamily): ContextBlock | undefined {
  const block = style.kind === 'block';
  const join = (ls: string[]) => ls.map((l) => l + '\n').join('');
  const comment = (text: string) => join(commentLines(text, style));
  // Fixed costs, reserved up front and spent only if something else fits.
  const open = block ? `${style.open}\n` : '';
  const close = block ? `${style.close}\n` : '';
  const here = comment(`Path: ${input.path}`);
  const fixed = estimateTokens(open + here + close, family);
  if (room <= fixed) return undefined;

  const parts: PromptPart[] = [];
  const snippets = input.snippets.filter((s) => s.text.trim() !== '');
  snippets.forEach((s, i) => {
    const body = commentLines(s.text, style);
    parts.push({
      id: `snippet:${i}`,
      priority: 100 - (i + 1) / 1000,
      head: comment(`Path: ${s.path}`),
      text: body.join('\n'),
      tail: '\n',
      maxTokens: Math.floor(room * 0.6),
      truncate: { cut: 'end', by: 'lines', minTokens: 16, note: () => (block ? '…' : `${(style as { marker: string }).marker} …`) },
    });
  });
  const rules = rankRules(input.rules)
    .filter((r, i, all) => all.findIndex((o) => o.id === r.id) === i)
    .slice(0, input.maxRules ?? DEFAULT_MAX_RULES);
  if (rules.length) {
    parts.push({
      id: 'rules',
      priority: 200,
      head: comment('House conventions:'),
      text: commentLines(rules.map((r) => `${r.id}: ${oneLine(r.title)}`).join('\n'), style).join('\n'),
      tail: '\n',
      truncate: { cut: 'end', by: 'lines', minTokens: 4 },
    });
  }
  const packed = packParts(parts, room - fixed, family);
  if (packed.parts.length === 0) return undefined;
  const rulePart = packed.parts.find((p) => p.id === 'rules');
  const keptSnippets = packed.parts.filter((p) => p.id.startsWith('snippet:'));
  return {
    text: open + packed.parts.map((p) => p.text).join('') + here + close,
    contextIds: keptSnippets.map((p) => snippetId(snippets[Number(p.id.slice('snippet:'.length))])),
    ruleIds: rulePart ? rules.slice(0, rulePart.keptLines).map((r) => r.id) : [],
    dropped: snippets.length - keptSnippets.length,
  };
}

/** The characters of `text` nearest the cursor whose estimate fits in `cap` tokens. */
function keepChars(text: string, cap: number, keepEnd: boolean, family: TokenizerFamily): string {
  if (rawTokens(text, family) <= cap) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const piece = keepEnd ? text.slice(text.length - mid) : text.slice(0, mid);
    if (rawTokens(piece, family) <= cap) lo = mid;
    else hi = mid - 1;
  }
  // Never split a surrogate pair.
  const edge = keepEnd ? text.charCodeAt(text.length - lo) : text.charCodeAt(lo - 1);
  if (lo > 0 && (keepEnd ? edge >= 0xdc00 && edge <= 0xdfff : edge >= 0xd800 && edge <= 0xdbff)) lo--;
  return keepEnd ? text.slice(text.length - lo) : text.slice(0, lo);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.trunc(Number.isFinite(n) ? n : lo)));
}
