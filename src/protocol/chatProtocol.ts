/**
 * The chat view's typed messages, shared by the extension (src/extension/chat) and the webview
 * (media/chat). Names are `area/verb`.
 *
 * - The webview sends requests `{ id, type, ...params }`; `id` is its correlation id and the
 *   extension answers each one with exactly one `reply` carrying `re: id`.
 * - The extension pushes events. An answer streams as `answer/start`, `answer/sources`,
 *   `answer/chunk`..., then exactly one of `answer/done` or `answer/error`, all carrying the
 *   turn id (and `answer/start` also the id of the `chat/ask` that caused it, if any).
 *
 * Messages from the webview are untrusted: the extension passes every one through
 * {@link parseWebviewMessage} and acts on the typed result only. Nothing in here imports
 * `vscode` or the DOM.
 */

// ---------------------------------------------------------------------------------------------
// Shapes shown in the view
// ---------------------------------------------------------------------------------------------

/** A retrieved chunk as the view shows it; the answer cites it as `[n]`. */
export interface CitationView {
  n: number;
  /** Relative to its root. */
  path: string;
  startLine: number;
  endLine: number;
  /** `workspace` or the library's name. */
  source: string;
  symbol: string;
}

/** A house convention the answer may cite as `[rule-id]`. */
export interface RuleView {
  id: string;
  title: string;
  severity: string;
  source: string;
  path: string;
}

/** Something attached to the next question (a selection, a `#file`). */
export interface ContextItemView {
  id: string;
  /** What the chip shows, e.g. `api.ts:12-30` or `api.ts`. */
  label: string;
  /** The tooltip: the full path. */
  detail: string;
  kind: 'selection' | 'file';
}

/** What an error's button does; the extension maps each to a fixed action (never a command URI). */
export type FixAction = 'openHostSetting' | 'openModelSetting' | 'selectModel' | 'openLogs' | 'reindex';
export const FIX_ACTIONS: readonly FixAction[] = ['openHostSetting', 'openModelSetting', 'selectModel', 'openLogs', 'reindex'];

export type TurnStatus = 'streaming' | 'done' | 'stopped' | 'error';

/** One question and its answer, as the view shows it (also the persisted shape, minus private fields). */
export interface TurnView {
  id: string;
  surface: 'chat' | 'explain';
  /** The question as typed, or for explain a title such as `Explain parse (src/a.ts:3-9)`. */
  question: string;
  answer: string;
  status: TurnStatus;
  citations: CitationView[];
  rules: RuleView[];
  /** Notes from the engine (selection truncated, context cut) and the answer's own (cut short). */
  notes: string[];
  /** Labels of the context attached to the question. */
  context: string[];
  model?: string;
  rating?: 'up' | 'down';
  corrected?: boolean;
  error?: { message: string; fixes: FixAction[] };
}

/** Everything the view needs to draw itself from scratch. */
export interface ChatState {
  turns: TurnView[];
  context: ContextItemView[];
  model: string;
}

// ---------------------------------------------------------------------------------------------
// Requests (webview → extension) and their results
// ---------------------------------------------------------------------------------------------

export type Rating = 'up' | 'down';

export interface RequestMap {
  /** The script has loaded: send the state. */
  'view/ready': [Record<string, never>, ChatState];
  'chat/ask': [{ question: string }, { turnId: string }];
  /** Stops the streaming answer (the one named, or whichever is streaming). */
  'chat/stop': [{ turnId?: string }, { stopped: boolean }];
  'chat/rate': [{ turnId: string; rating: Rating }, Record<string, never>];
  'chat/correct': [{ turnId: string; corrected: string }, Record<string, never>];
  'chat/newConversation': [Record<string, never>, ChatState];
  'model/list': [Record<string, never>, { models: string[]; current: string }];
  'model/select': [{ model: string }, { current: string }];
  'code/copy': [{ code: string }, Record<string, never>];
  'code/insert': [{ code: string }, { inserted: boolean }];
  /** Replaces the active editor's selection with `code`, after a diff preview and a confirm. */
  'code/apply': [{ code: string }, { applied: boolean }];
  /** Opens what `[n]` or `[rule-id]` of a turn cites; the extension looks the target up itself. */
  'citation/open': [{ turnId: string; n?: number; ruleId?: string }, Record<string, never>];
  'context/addSelection': [Record<string, never>, { added: boolean }];
  /** Offers open editors and workspace files in a quick pick (the `#file` flow). */
  'context/addFile': [Record<string, never>, { added: boolean }];
  'context/remove': [{ itemId: string }, Record<string, never>];
  'history/restore': [Record<string, never>, ChatState];
  /** The button under an error. */
  'fix/run': [{ action: FixAction }, Record<string, never>];
}

export type RequestType = keyof RequestMap;
export type RequestParams<K extends RequestType> = RequestMap[K][0];
export type RequestResult<K extends RequestType> = RequestMap[K][1];

/** A request as it travels: its correlation id, its type and its parameters side by side. */
export type WebviewRequest = { [K in RequestType]: { id: string; type: K } & RequestParams<K> }[RequestType];
export type WebviewRequestOf<K extends RequestType> = Extract<WebviewRequest, { type: K }>;

// ---------------------------------------------------------------------------------------------
// Events (extension → webview)
// ---------------------------------------------------------------------------------------------

export type ReplyMessage =
  | { type: 'reply'; re: string; ok: true; result: unknown }
  | { type: 'reply'; re: string; ok: false; error: string };

export type ExtensionEvent =
  | ReplyMessage
  | { type: 'answer/start'; turn: TurnView; re?: string }
  | { type: 'answer/sources'; turnId: string; citations: CitationView[]; rules: RuleView[]; notes: string[] }
  | { type: 'answer/chunk'; turnId: string; text: string }
  | { type: 'answer/done'; turnId: string; model: string; promptId: string; cutShort: boolean; notes: string[] }
  | {
      type: 'answer/error';
      turnId: string;
      /** Names the fix (OllamaError messages do). */
      message: string;
      /** The text already shown is only part of an answer. */
      incomplete: boolean;
      /** The user stopped it: not an error to alarm about. */
      stopped: boolean;
      fixes: FixAction[];
    }
  | { type: 'state/reset'; state: ChatState }
  | { type: 'context/changed'; items: ContextItemView[] }
  | { type: 'model/changed'; current: string }
  | { type: 'turn/updated'; turnId: string; rating?: Rating; corrected?: boolean }
  /** Moves the focus to the question box (after `inhouse.chat.focus`, an explain, a new conversation). */
  | { type: 'composer/focus' };

export type ExtensionEventType = ExtensionEvent['type'];

// ---------------------------------------------------------------------------------------------
// Validation of what the webview sends
// ---------------------------------------------------------------------------------------------

/** Longest question, correction or code block accepted from the view. */
export const MAX_TEXT_CHARS = 200_000;
const MAX_ID_CHARS = 100;
const MAX_MODEL_CHARS = 200;
const ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;
/** Rule ids as the convention parser makes them (`errors`, `go/style/wrap-errors`). */
const RULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;

export type ParseResult = { ok: true; message: WebviewRequest } | { ok: false; error: string; id?: string };

type Check = (value: unknown) => string | undefined;

const str = (max: number, pattern?: RegExp): Check => (v) => {
  if (typeof v !== 'string') return 'must be a string';
  if (v.length > max) return `must be at most ${max} characters`;
  if (pattern && !pattern.test(v)) return 'has characters that are not allowed';
  return undefined;
};
const nonEmpty = (max: number): Check => (v) => str(max)(v) ?? ((v as string).trim() === '' ? 'must not be empty' : undefined);
const oneOf = (values: readonly string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);
const positiveInt: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 1_000_000 ? undefined : 'must be a positive integer');
const optional = (check: Check): Check => (v) => (v === undefined ? undefined : check(v));

/** Each request's fields; anything else on the message is dropped, not passed on. */
const SCHEMAS: { [K in RequestType]: Record<string, Check> } = {
  'view/ready': {},
  'chat/ask': { question: nonEmpty(MAX_TEXT_CHARS) },
  'chat/stop': { turnId: optional(str(MAX_ID_CHARS, ID_PATTERN)) },
  'chat/rate': { turnId: str(MAX_ID_CHARS, ID_PATTERN), rating: oneOf(['up', 'down']) },
  'chat/correct': { turnId: str(MAX_ID_CHARS, ID_PATTERN), corrected: nonEmpty(MAX_TEXT_CHARS) },
  'chat/newConversation': {},
  'model/list': {},
  'model/select': { model: str(MAX_MODEL_CHARS, /^[A-Za-z0-9][A-Za-z0-9_.:/@+-]*$/) },
  'code/copy': { code: str(MAX_TEXT_CHARS) },
  'code/insert': { code: str(MAX_TEXT_CHARS) },
  'code/apply': { code: str(MAX_TEXT_CHARS) },
  'citation/open': { turnId: str(MAX_ID_CHARS, ID_PATTERN), n: optional(positiveInt), ruleId: optional(str(MAX_ID_CHARS * 2, RULE_ID_PATTERN)) },
  'context/addSelection': {},
  'context/addFile': {},
  'context/remove': { itemId: str(MAX_ID_CHARS, ID_PATTERN) },
  'history/restore': {},
  'fix/run': { action: oneOf(FIX_ACTIONS) },
};

export const REQUEST_TYPES = Object.keys(SCHEMAS) as RequestType[];

/**
 * Checks a message from the webview and returns a fresh object holding only the known fields,
 * or why it was refused (with its id when it had a usable one, so the refusal can be replied to).
 */
export function parseWebviewMessage(raw: unknown): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'message is not an object' };
  const m = raw as Record<string, unknown>;
  const idProblem = str(MAX_ID_CHARS, ID_PATTERN)(m.id);
  const id = idProblem ? undefined : (m.id as string);
  if (idProblem) return { ok: false, error: `id ${idProblem}` };
  if (typeof m.type !== 'string' || !Object.prototype.hasOwnProperty.call(SCHEMAS, m.type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(String(m.type)).slice(0, 60)}`, id };
  }
  const type = m.type as RequestType;
  const out: Record<string, unknown> = { id, type };
  for (const [field, check] of Object.entries(SCHEMAS[type])) {
    const value = Object.prototype.hasOwnProperty.call(m, field) ? m[field] : undefined;
    const problem = check(value);
    if (problem) return { ok: false, error: `${type}: ${field} ${problem}`, id };
    if (value !== undefined) out[field] = value;
  }
  if (type === 'citation/open' && (out.n === undefined) === (out.ruleId === undefined)) {
    return { ok: false, error: 'citation/open: give exactly one of n and ruleId', id };
  }
  return { ok: true, message: out as WebviewRequest };
}

/** Extension-side guard for events it posts (the webview trusts its own extension's shapes). */
export function isExtensionEvent(raw: unknown): raw is ExtensionEvent {
  return typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string';
}
