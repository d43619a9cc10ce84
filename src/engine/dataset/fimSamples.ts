import { rawTokens, type TokenizerFamily } from '../prompts/tokenEstimate';
import { containsSpecialToken, effectiveForm, fimPrompt, type FimForm, type FimLayout } from './fimFormat';
import { rngFor, type Rng } from './seededRandom';
import type { CodeChunk, SourceFile } from './sourceFiles';
import type { CompletionSample, SampleSource } from './datasetTypes';

/** Tokens kept free for the FIM sentinels and the end token. */
const SENTINEL_TOKENS = 16;
/** Share of the context budget the prefix may take; the suffix gets the rest. */
const PREFIX_SHARE = 0.7;
/** A middle of more than this share of the budget leaves too little context to learn from. */
const MAX_MIDDLE_SHARE = 0.5;
const MAX_MIDDLE_LINES = 6;
const FUNCTION_KINDS = new Set(['function', 'method']);
/** A line that only closes the body (`}`, `};`, `end`, `})`). */
const CLOSER = /^\s*(?:[}\])]+[;,)]*|end)\s*$/;
/** A line that opens a body: ends with `{`, `:` (Python), `=>`, `do` or `->`. */
const OPENER = /(?:\{|:|=>|\bdo|->)\s*(?:\/\/.*|#.*)?$/;

export interface FimConfig {
  seed: number;
  fimRate: number;
  spmRate: number;
  maxTokens: number;
  layout: FimLayout;
  tokenizer: TokenizerFamily;
}

export type SpanOutcome = { ok: true; sample: CompletionSample } | { ok: false; reason: 'no-body' | 'too-long' | 'special-token' };

/** The body of a whole function chunk as 0-based line indexes in its file, inclusive. */
export function bodyRange(chunk: CodeChunk, file: SourceFile): { start: number; end: number } | undefined {
  const a = chunk.startLine - 1;
  const b = Math.min(chunk.endLine - 1, file.lines.length - 1);
  if (b <= a) return undefined;
  let start = a + 1;
  for (let i = a; i <= Math.min(b - 1, a + 5); i++) {
    if (OPENER.test(file.lines[i])) {
      start = i + 1;
      break;
    }
  }
  let end = b;
  if (CLOSER.test(file.lines[b])) end = b - 1;
  for (let i = start; i <= end; i++) if (file.lines[i].trim()) return { start, end };
  return undefined;
}

/** The FIM (or plain) samples drawn from one function or method. */
export function functionSamples(chunk: CodeChunk, file: SourceFile, config: FimConfig, count: number): SpanOutcome[] {
  if (!FUNCTION_KINDS.has(chunk.kind) || chunk.shape !== 'whole') return [];
  const body = bodyRange(chunk, file);
  if (!body) return [{ ok: false, reason: 'no-body' }];
  const out: SpanOutcome[] = [];
  for (let k = 0; k < count; k++) {
    const rng = rngFor(config.seed, `${chunk.id}#${k}`);
    out.push(sampleSpan(chunk, file, body, rng, config));
  }
  return out;
}

function sampleSpan(chunk: CodeChunk, file: SourceFile, body: { start: number; end: number }, rng: Rng, config: FimConfig): SpanOutcome {
  const lines = file.lines;
  const candidates: number[] = [];
  for (let i = body.start; i <= body.end; i++) if (lines[i].trim()) candidates.push(i);
  const s = candidates[rng.int(0, candidates.length - 1)];
  let before: string;
  let middle: string;
  let after: string;
  // Whole lines most of the time (a completion of the next lines); otherwise the rest of a line
  // or a piece of it (a completion mid-line).
  if (rng.chance(0.6)) {
    const length = rng.int(1, Math.min(MAX_MIDDLE_LINES, body.end - s + 1));
    before = joinLines(lines.slice(0, s), true);
    middle = joinLines(lines.slice(s, s + length), true);
    after = lines.slice(s + length).join('\n');
  } else {
    const line = lines[s];
    const indent = line.length - line.trimStart().length;
    const col = rng.int(indent, Math.max(indent, line.trimEnd().length - 1));
    const endCol = rng.chance(0.6) ? line.length : rng.int(col + 1, line.length);
    before = joinLines(lines.slice(0, s), true) + line.slice(0, col);
    middle = line.slice(col, endCol);
    after = line.slice(endCol) + (s + 1 < lines.length ? '\n' + lines.slice(s + 1).join('\n') : '');
  }
  if (!middle.trim()) return { ok: false, reason: 'no-body' };
  const fim = rng.chance(config.fimRate);
  const form: FimForm = rng.chance(config.spmRate) ? 'spm' : 'psm';
  if (!fim) {
    // Plain left-to-right: the code up to the span, then the rest of the function.
    const rest = (middle + after).split('\n').slice(0, chunk.endLine - s).join('\n');
    return plainSample(chunk, file, before, `${rest}\n`, 'index', config);
  }
  return fimSample({ splitKey: splitKeyOf(file), language: file.language, path: file.path }, before, middle, after, form, 'index', config);
}

export function splitKeyOf(file: { source: string; path: string }): string {
  return `${file.source}:${file.path}`;
}

function joinLines(lines: string[], trailingNewline: boolean): string {
  if (!lines.length) return '';
  return lines.join('\n') + (trailingNewline ? '\n' : '');
}

/** A FIM sample with prefix and suffix cut (at line boundaries, far ends first) to the budget. */
export function fimSample(
  where: { splitKey: string; language: string; path?: string },
  prefix: string,
  middle: string,
  suffix: string,
  form: FimForm,
  source: SampleSource,
  config: FimConfig,
): SpanOutcome {
  const { layout } = config;
  if ([prefix, middle, suffix].some((t) => containsSpecialToken(layout, t))) return { ok: false, reason: 'special-token' };
  const fitted = fitContext(prefix, middle, suffix, config);
  if (!fitted) return { ok: false, reason: 'too-long' };
  const kind = effectiveForm(layout, form);
  const prompt = fimPrompt(layout, fitted.prefix, fitted.suffix, kind);
  return {
    ok: true,
    sample: {
      format: 'completion',
      source,
      kind,
      ...where,
      prompt,
      completion: middle + layout.eos,
      dedupeText: `${tail(fitted.prefix, 400)}\u0000${middle}\u0000${head(fitted.suffix, 200)}`,
    },
  };
}

function plainSample(chunk: CodeChunk, file: SourceFile, prefix: string, completion: string, source: SampleSource, config: FimConfig): SpanOutcome {
  if ([prefix, completion].some((t) => containsSpecialToken(config.layout, t))) return { ok: false, reason: 'special-token' };
  const fitted = fitContext(prefix, completion, '', config);
  if (!fitted) return { ok: false, reason: 'too-long' };
  return {
    ok: true,
    sample: {
      format: 'completion',
      source,
      kind: 'plain',
      splitKey: splitKeyOf(file),
      language: chunk.language,
      path: file.path,
      prompt: fitted.prefix,
      completion,
      dedupeText: `${tail(fitted.prefix, 400)}\u0000${completion}`,
    },
  };
}

/** Cuts the prefix from its start and the suffix from its end, whole lines at a time, to fit. */
export function fitContext(prefix: string, middle: string, suffix: string, config: Pick<FimConfig, 'maxTokens' | 'tokenizer'>): { prefix: string; suffix: string } | undefined {
  const budget = config.maxTokens - SENTINEL_TOKENS;
  const middleTokens = rawTokens(middle, config.tokenizer);
  if (middleTokens > budget * MAX_MIDDLE_SHARE) return undefined;
  const room = budget - middleTokens;
  const keptPrefix = keepEnd(prefix, room * PREFIX_SHARE, config.tokenizer);
  const keptSuffix = keepStart(suffix, room - rawTokens(keptPrefix, config.tokenizer), config.tokenizer);
  return { prefix: keptPrefix, suffix: keptSuffix };
}

/** The longest run of whole lines from the end of `text` within `budget` tokens (the partial last line always kept). */
function keepEnd(text: string, budget: number, family: TokenizerFamily): string {
  if (rawTokens(text, family) <= budget) return text;
  const lines = text.split('\n');
  let used = rawTokens(lines[lines.length - 1], family);
  let i = lines.length - 1;
  while (i > 0) {
    const cost = rawTokens(lines[i - 1], family) + 1;
    if (used + cost > budget) break;
    used += cost;
    i--;
  }
  return lines.slice(i).join('\n');
}

/** The longest run of whole lines from the start of `text` within `budget` tokens (the partial first line always kept). */
function keepStart(text: string, budget: number, family: TokenizerFamily): string {
  if (rawTokens(text, family) <= budget) return text;
  const lines = text.split('\n');
  let used = rawTokens(lines[0], family);
  let i = 1;
  while (i < lines.length) {
    const cost = rawTokens(lines[i], family) + 1;
    if (used + cost > budget) break;
    used += cost;
    i++;
  }
  return lines.slice(0, i).join('\n') + (i < lines.length ? '\n' : '');
}

function tail(text: string, n: number): string {
  return text.length > n ? text.slice(text.length - n) : text;
}

function head(text: string, n: number): string {
  return text.length > n ? text.slice(0, n) : text;
}
