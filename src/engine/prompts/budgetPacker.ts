import { estimateTokens, rawTokens, type TokenizerFamily } from './tokenEstimate';

/** How a part may shrink when the whole of it does not fit. */
export interface Truncation {
  /** Which end loses text: 'end' keeps the start (a definition's signature), 'start' keeps the end (code before the cursor). */
  cut: 'start' | 'end';
  /**
   * 'lines' keeps whole lines, or part of the first one when not even one fits (a selection on
   * one long line is not lost); 'chars' keeps whole lines and then as much of the next as fits.
   */
  by: 'lines' | 'chars';
  /** Kept text (head, tail and note aside) below this many tokens is not worth it: the part is dropped (or made minimal) instead. */
  minTokens?: number;
  /** A line put on the cut side when text was cut, e.g. "(40 more lines left out)"; counted in the budget. */
  note?: (keptLines: number, totalLines: number) => string;
}

export interface PromptPart {
  id: string;
  /** Higher is kept first. */
  priority: number;
  /** The text that may be cut. */
  text: string;
  /** Text before and after `text` that is never cut (a citation header, a code fence). */
  head?: string;
  tail?: string;
  /** Absent: the part is kept whole or not at all. */
  truncate?: Truncation;
  /** A shorter stand-in when the whole does not fit, e.g. a rule's one-line title. */
  minimal?: string;
  /** At most this many tokens even when the budget has room (a share cap). */
  maxTokens?: number;
  /** Tokens the part costs beyond its text, e.g. a chat message's role framing. */
  overhead?: number;
  /**
   * Parts sharing a chain stay contiguous: once one is dropped, every lower-priority part of the
   * chain is dropped too (conversation history: no gaps, the oldest go first).
   */
  chain?: string;
}

export type PartOutcome = 'whole' | 'truncated' | 'minimal';

export interface PackedPart {
  id: string;
  /** The final text: head + (possibly cut) text + tail, with the note on the cut side. */
  text: string;
  /** Estimated tokens, overhead included. */
  tokens: number;
  outcome: PartOutcome;
  /** Lines of `text` kept (a partly kept line counts) and in all; equal unless truncated. */
  keptLines: number;
  totalLines: number;
}

export interface PackResult {
  /** Kept parts, in the order they were given (never in priority order). */
  parts: PackedPart[];
  /** Ids of dropped parts, in the order they were given. */
  dropped: string[];
  /** Kept parts that were cut or replaced by their minimal form. */
  shrunk: PackedPart[];
  /** Estimated tokens of the kept parts. */
  tokens: number;
  budget: number;
}

/**
 * Fits prompt parts into a token budget: the highest priority first, each whole if it fits,
 * else cut (if it may be) to what is left, else its minimal form, else dropped. Deterministic:
 * ties in priority go to the part given first.
 */
export function packParts(parts: readonly PromptPart[], budget: number, family: TokenizerFamily): PackResult {
  const order = parts.map((p, index) => ({ p, index })).sort((a, b) => b.p.priority - a.p.priority || a.index - b.index);
  const kept = new Map<number, PackedPart>();
  const brokenChains = new Set<string>();
  let left = Math.max(0, Math.floor(budget));

  for (const { p, index } of order) {
    if (p.chain !== undefined && brokenChains.has(p.chain)) continue;
    const packed = fit(p, Math.min(left, p.maxTokens ?? Infinity), family);
    if (!packed) {
      if (p.chain !== undefined) brokenChains.add(p.chain);
      continue;
    }
    kept.set(index, packed);
    left -= packed.tokens;
  }

  const result: PackResult = { parts: [], dropped: [], shrunk: [], tokens: 0, budget };
  parts.forEach((p, index) => {
    const k = kept.get(index);
    if (!k) {
      result.dropped.push(p.id);
      return;
    }
    result.parts.push(k);
    result.tokens += k.tokens;
    if (k.outcome !== 'whole') result.shrunk.push(k);
  });
  return result;
}

function fit(p: PromptPart, room: number, family: TokenizerFamily): PackedPart | undefined {
  const head = p.head ?? '';
  const tail = p.tail ?? '';
  const overhead = p.overhead ?? 0;
  const totalLines = p.text === '' ? 0 : countLines(p.text);
  const whole = head + p.text + tail;
  const wholeTokens = estimateTokens(whole, family) + overhead;
  if (wholeTokens <= room) return { id: p.id, text: whole, tokens: wholeTokens, outcome: 'whole', keptLines: totalLines, totalLines };

  if (p.truncate && p.text !== '') {
    const cut = truncatePart(p, p.truncate, room - overhead, family);
    if (cut && cut.bodyTokens >= (p.truncate.minTokens ?? 1)) {
      return { id: p.id, text: cut.text, tokens: cut.tokens + overhead, outcome: 'truncated', keptLines: cut.keptLines, totalLines };
    }
  }
  if (p.minimal !== undefined) {
    const tokens = estimateTokens(p.minimal, family) + overhead;
    if (tokens <= room) return { id: p.id, text: p.minimal, tokens, outcome: 'minimal', keptLines: countLines(p.minimal), totalLines };
  }
  return undefined;
}

interface Cut {
  text: string;
  tokens: number;
  /** Tokens of the kept part of the text alone. */
  bodyTokens: number;
  keptLines: number;
}

/** The most of `p.text` that fits in `room` tokens with head, tail and note, or undefined if none does. */
function truncatePart(p: PromptPart, t: Truncation, room: number, family: TokenizerFamily): Cut | undefined {
  const head = p.head ?? '';
  const tail = p.tail ?? '';
  const lines = p.text.split('\n');
  const total = lines.length;
  const fromEnd = t.cut === 'start';
  const assemble = (body: string, keptLines: number): string => {
    const inner = head + body + tail;
    if (!t.note) return inner;
    const note = t.note(keptLines, total);
    return fromEnd ? `${note}\n${inner}` : `${inner}\n${note}`;
  };
  // A note's worst case: it names the most lines it ever will.
  const fixed = rawTokens(head + tail, family) + (t.note ? rawTokens(t.note(total, total) + '\n', family) : 0);
  let avail = room - fixed;
  if (avail <= 0) return undefined;

  // Whole lines, nearest the kept end first. Sums of unrounded per-line estimates track the
  // estimate of the joined text closely, and the result is checked against the room below.
  let k = 0;
  for (; k < total; k++) {
    const line = lines[fromEnd ? total - 1 - k : k];
    const cost = rawTokens(line + '\n', family);
    if (cost > avail) break;
    avail -= cost;
  }
  let keptText = fromEnd ? lines.slice(total - k).join('\n') : lines.slice(0, k).join('\n');
  let keptLines = k;
  if (k < total && (t.by === 'chars' || k === 0)) {
    const line = lines[fromEnd ? total - 1 - k : k];
    const chars = fitChars(line, avail, fromEnd, family);
    if (chars > 0) {
      const piece = fromEnd ? line.slice(line.length - chars) : line.slice(0, chars);
      keptText = k === 0 ? piece : fromEnd ? `${piece}\n${keptText}` : `${keptText}\n${piece}`;
      keptLines++;
    }
  }
  // Rounding can still tip the joined text over: give back a line at a time.
  for (;;) {
    if (keptLines === 0) return undefined;
    const text = assemble(keptText, keptLines);
    const tokens = estimateTokens(text, family);
    if (tokens <= room) return { text, tokens, bodyTokens: estimateTokens(keptText, family), keptLines };
    const parts = keptText.split('\n');
    if (parts.length <= 1) return undefined;
    keptText = fromEnd ? parts.slice(1).join('\n') : parts.slice(0, -1).join('\n');
    keptLines--;
  }
}

/** The most characters of `line`, from its kept end, whose estimate fits in `avail`. */
function fitChars(line: string, avail: number, fromEnd: boolean, family: TokenizerFamily): number {
  let lo = 0;
  let hi = line.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const piece = fromEnd ? line.slice(line.length - mid) : line.slice(0, mid);
    if (rawTokens(piece, family) <= avail) lo = mid;
    else hi = mid - 1;
  }
  // Never split a surrogate pair.
  if (lo > 0 && lo < line.length) {
    const edge = fromEnd ? line.charCodeAt(line.length - lo) : line.charCodeAt(lo - 1);
    if (fromEnd ? edge >= 0xdc00 && edge <= 0xdfff : edge >= 0xd800 && edge <= 0xdbff) lo--;
  }
  return lo;
}

export function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
