/**
 * The chat's conversation as the extension keeps and persists it: the turns the view shows plus
 * what only the extension may know (absolute paths, chunk ids, prompt ids). No `vscode` here, so
 * it is unit-tested in Node.
 */
import type { AnswerSources } from '../../engine/answers/answerTypes';
import type { CitationView, ChatState, ContextItemView, RuleView, TurnView } from '../../protocol/chatProtocol';

/** Where `[n]` of a turn points; kept out of the view so a message cannot name any other file. */
export interface CitationTarget {
  n: number;
  fileKey: string;
  startLine: number;
  endLine: number;
  /** Chunk id, for feedback. */
  id: string;
}

export interface StoredTurn extends TurnView {
  targets: CitationTarget[];
  promptId?: string;
  /** For feedback: the file an explain was about. */
  language: string;
  path?: string;
  /** When the user corrected the answer, what they wrote. */
  correctedText?: string;
}

export interface Conversation {
  version: 1;
  turns: StoredTurn[];
}

/** Bounds on what workspaceState holds: the newest turns win. */
export const MAX_STORED_TURNS = 50;
export const MAX_STORED_CHARS = 400_000;
/** Earlier turns passed to the model with a question (the prompt builder cuts to its budget too). */
export const MAX_HISTORY_TURNS = 8;

export function emptyConversation(): Conversation {
  return { version: 1, turns: [] };
}

function turnChars(t: StoredTurn): number {
  return t.question.length + t.answer.length + (t.correctedText?.length ?? 0);
}

/**
 * The turns to keep: at most {@link MAX_STORED_TURNS}, and at most `maxChars` characters of
 * questions and answers, dropping the oldest first. The newest turn always stays, its answer cut
 * if it alone is over the bound.
 */
export function trimTurns(turns: readonly StoredTurn[], maxTurns = MAX_STORED_TURNS, maxChars = MAX_STORED_CHARS): StoredTurn[] {
  const kept: StoredTurn[] = [];
  let chars = 0;
  for (let i = turns.length - 1; i >= 0 && kept.length < maxTurns; i--) {
    const t = turns[i];
    const size = turnChars(t);
    if (kept.length > 0 && chars + size > maxChars) break;
    chars += size;
    kept.push(t);
  }
  kept.reverse();
  if (kept.length === 1 && chars > maxChars) {
    const t = kept[0];
    const room = Math.max(0, maxChars - t.question.length - (t.correctedText?.length ?? 0));
    kept[0] = { ...t, answer: t.answer.slice(0, room), notes: [...t.notes, 'The stored answer was cut to fit the history size.'] };
  }
  return kept;
}

/**
 * A conversation read back from workspaceState, whatever was stored there: malformed turns are
 * dropped, and a turn that was streaming when the window closed is marked stopped.
 */
export function restoreConversation(raw: unknown): Conversation {
  const turns = (raw as { version?: unknown; turns?: unknown } | undefined)?.turns;
  if (!Array.isArray(turns)) return emptyConversation();
  const out: StoredTurn[] = [];
  for (const t of turns as Partial<StoredTurn>[]) {
    if (!t || typeof t.id !== 'string' || typeof t.question !== 'string' || typeof t.answer !== 'string') continue;
    const status = t.status === 'streaming' ? 'stopped' : t.status === 'done' || t.status === 'stopped' || t.status === 'error' ? t.status : 'done';
    out.push({
      id: t.id,
      surface: t.surface === 'explain' ? 'explain' : 'chat',
      question: t.question,
      answer: t.answer,
      status,
      citations: Array.isArray(t.citations) ? t.citations : [],
      rules: Array.isArray(t.rules) ? t.rules : [],
      notes: Array.isArray(t.notes) ? t.notes.filter((n): n is string => typeof n === 'string') : [],
      context: Array.isArray(t.context) ? t.context.filter((n): n is string => typeof n === 'string') : [],
      model: typeof t.model === 'string' ? t.model : undefined,
      rating: t.rating === 'up' || t.rating === 'down' ? t.rating : undefined,
      corrected: t.corrected === true ? true : undefined,
      error: t.error && typeof t.error.message === 'string' ? { message: t.error.message, fixes: Array.isArray(t.error.fixes) ? t.error.fixes : [] } : undefined,
      targets: Array.isArray(t.targets) ? t.targets : [],
      promptId: typeof t.promptId === 'string' ? t.promptId : undefined,
      language: typeof t.language === 'string' ? t.language : '',
      path: typeof t.path === 'string' ? t.path : undefined,
      correctedText: typeof t.correctedText === 'string' ? t.correctedText : undefined,
    });
  }
  return { version: 1, turns: trimTurns(out) };
}

/** The earlier turns, as engine.ask takes them: answered ones only, oldest first, the last few. */
export function historyFor(turns: readonly StoredTurn[], beforeTurnId?: string, maxTurns = MAX_HISTORY_TURNS): { role: 'user' | 'assistant'; content: string }[] {
  const end = beforeTurnId === undefined ? turns.length : turns.findIndex((t) => t.id === beforeTurnId);
  const earlier = turns.slice(0, end < 0 ? turns.length : end).filter((t) => (t.status === 'done' || t.status === 'stopped') && t.answer.trim() !== '');
  return earlier.slice(-maxTurns).flatMap((t) => [
    { role: 'user' as const, content: t.question },
    // A correction is what the answer should have been: the model builds on that.
    { role: 'assistant' as const, content: t.correctedText ?? t.answer },
  ]);
}

/** The view's copy of a turn: no absolute paths, no ids it does not need. */
export function turnView(t: StoredTurn): TurnView {
  return {
    id: t.id,
    surface: t.surface,
    question: t.question,
    answer: t.correctedText ?? t.answer,
    status: t.status,
    citations: t.citations,
    rules: t.rules,
    notes: t.notes,
    context: t.context,
    model: t.model,
    rating: t.rating,
    corrected: t.corrected,
    error: t.error,
  };
}

export function stateView(c: Conversation, context: ContextItemView[], model: string): ChatState {
  return { turns: c.turns.map(turnView), context, model };
}

/** Splits the engine's sources into what the view shows and what the extension keeps. */
export function splitSources(sources: AnswerSources): { citations: CitationView[]; rules: RuleView[]; targets: CitationTarget[] } {
  return {
    citations: sources.citations.map((c) => ({ n: c.n, path: c.path, startLine: c.startLine, endLine: c.endLine, source: c.source, symbol: c.symbol })),
    rules: sources.rules.map((r) => ({ id: r.id, title: r.title, severity: r.severity, source: r.source, path: r.path })),
    targets: sources.citations.map((c) => ({ n: c.n, fileKey: c.fileKey, startLine: c.startLine, endLine: c.endLine, id: c.id })),
  };
}
