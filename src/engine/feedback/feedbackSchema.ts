import { redactSecrets } from '../indexing/secrets';
import { FEEDBACK_KINDS, FEEDBACK_SCHEMA_VERSION, type FeedbackEvent, type FeedbackKind } from './feedbackEvents';

/**
 * The schema of feedback events, checked twice: strictly when a surface records an event (a bad
 * event is a bug in the surface and is refused whole, never half-written), and leniently when
 * the file is read back (older versions and fields we no longer know are kept; only lines that
 * are not events at all are skipped).
 */

export const FEEDBACK_LIMITS = {
  /** Per text field, in UTF-16 units. Longer text is cut and the field named in `truncated`. */
  textChars: 32_000,
  idChars: 256,
  modelChars: 256,
  languageChars: 64,
  pathChars: 1024,
  idListItems: 512,
  maxLatencyMs: 3_600_000,
  maxAfterSeconds: 7 * 86_400,
} as const;

type Field =
  | { type: 'string'; max: number; nonEmpty?: boolean; optional?: boolean }
  | { type: 'enum'; values: readonly string[] }
  /** Free text from the user or the model: redacted and capped, never refused for its size. */
  | { type: 'text'; nonEmpty?: boolean; optional?: boolean; keep: 'start' | 'end' }
  | { type: 'number'; min: number; max: number; integer?: boolean }
  | { type: 'ids' }
  | { type: 'path' };

const BASE_FIELDS: Readonly<Record<string, Field>> = {
  promptId: { type: 'string', max: FEEDBACK_LIMITS.idChars, nonEmpty: true },
  model: { type: 'string', max: FEEDBACK_LIMITS.modelChars, nonEmpty: true },
  contextIds: { type: 'ids' },
  ruleIds: { type: 'ids' },
  language: { type: 'string', max: FEEDBACK_LIMITS.languageChars },
  path: { type: 'path' },
};

const LATENCY: Field = { type: 'number', min: 0, max: FEEDBACK_LIMITS.maxLatencyMs };
const COMPLETION_TEXT: Field = { type: 'text', nonEmpty: true, keep: 'start' };
const TEXT: Field = { type: 'text', keep: 'start' };

const KIND_FIELDS: Readonly<Record<FeedbackKind, Readonly<Record<string, Field>>>> = {
  'completion.shown': { latencyMs: LATENCY, text: COMPLETION_TEXT },
  'completion.accepted': {
    how: { type: 'enum', values: ['full', 'partial'] },
    text: COMPLETION_TEXT,
    acceptedText: { type: 'text', optional: true, keep: 'start' },
    latencyMs: LATENCY,
  },
  'completion.rejected': { text: COMPLETION_TEXT, latencyMs: LATENCY },
  'completion.survival': {
    afterSeconds: { type: 'number', min: 1, max: FEEDBACK_LIMITS.maxAfterSeconds, integer: true },
    survived: { type: 'number', min: 0, max: 1 },
    text: COMPLETION_TEXT,
  },
  'chat.rating': {
    surface: { type: 'enum', values: ['chat', 'explain'] },
    rating: { type: 'enum', values: ['up', 'down'] },
    question: TEXT,
    answer: TEXT,
  },
  correction: {
    surface: { type: 'enum', values: ['chat', 'explain', 'completion'] },
    // For a completion this is the code before the cursor: its end is what matters.
    prompt: { type: 'text', keep: 'end' },
    original: TEXT,
    corrected: TEXT,
  },
};

/** The free-text fields of a kind (the ones redacted and capped). */
export function textFieldsOf(kind: FeedbackKind): string[] {
  return Object.entries(KIND_FIELDS[kind])
    .filter(([, f]) => f.type === 'text')
    .map(([name]) => name);
}

export function isFeedbackKind(value: unknown): value is FeedbackKind {
  return typeof value === 'string' && (FEEDBACK_KINDS as readonly string[]).includes(value);
}

export type Prepared = { ok: true; event: FeedbackEvent } | { ok: false; kind: string; errors: string[] };

/**
 * Checks an event as a surface reports it and turns it into what is written: only known
 * fields, text redacted then capped, stamped with `v`, `id` and `at`. Error messages name
 * fields, never values, so no user code reaches the log.
 */
export function prepareFeedbackEvent(input: unknown, stamp: { id: string; at: string }): Prepared {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, kind: '?', errors: ['an event must be an object'] };
  }
  const raw = input as Record<string, unknown>;
  if (!isFeedbackKind(raw.kind)) {
    return { ok: false, kind: typeof raw.kind === 'string' ? raw.kind.slice(0, 40) : '?', errors: [`\`kind\` must be one of ${FEEDBACK_KINDS.join(', ')}`] };
  }
  const kind = raw.kind;
  const fields: Record<string, Field> = { ...BASE_FIELDS, ...KIND_FIELDS[kind] };
  const errors: string[] = [];
  for (const name of Object.keys(raw)) {
    if (name === 'kind') continue;
    if (!(name in fields)) errors.push(`unknown field \`${name}\``);
  }
  for (const [name, field] of Object.entries(fields)) {
    const problem = checkField(field, raw[name], true);
    if (problem !== undefined) errors.push(`\`${name}\` ${problem}`);
  }
  if (errors.length > 0) return { ok: false, kind, errors };

  const out: Record<string, unknown> = { v: FEEDBACK_SCHEMA_VERSION, id: stamp.id, at: stamp.at, kind };
  const truncated: string[] = [];
  let redactions = 0;
  for (const [name, field] of Object.entries(fields)) {
    const value = raw[name];
    if (value === undefined) continue;
    if (field.type === 'text') {
      const cleaned = cleanText(value as string, field.keep);
      out[name] = cleaned.text;
      redactions += cleaned.redactions;
      if (cleaned.truncated) truncated.push(name);
    } else if (field.type === 'ids') {
      out[name] = [...(value as string[])];
    } else {
      out[name] = value;
    }
  }
  if (truncated.length > 0) out.truncated = truncated;
  if (redactions > 0) out.redactions = redactions;
  return { ok: true, event: out as unknown as FeedbackEvent };
}

export type Parsed = { ok: true; event: FeedbackEvent } | { ok: false; reason: 'corrupt' | 'newer-version' };

/**
 * Upgrades from version n to n + 1, applied in turn. Empty while there is one version: when
 * a field changes meaning, add a step here, bump FEEDBACK_SCHEMA_VERSION, and older lines keep
 * reading.
 */
const UPGRADES: Readonly<Record<number, (event: Record<string, unknown>) => Record<string, unknown>>> = {};

/**
 * Reads back one stored event. Lenient: fields we do not know are kept (a later version may
 * add some), text is not held to the size cap, and older versions are upgraded. Lines from a
 * newer version than this build knows are reported apart from corrupt ones.
 */
export function parseStoredEvent(value: unknown): Parsed {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'corrupt' };
  let raw = value as Record<string, unknown>;
  const v = raw.v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return { ok: false, reason: 'corrupt' };
  if (v > FEEDBACK_SCHEMA_VERSION) return { ok: false, reason: 'newer-version' };
  for (let from = v; from < FEEDBACK_SCHEMA_VERSION; from++) {
    const step = UPGRADES[from];
    if (step !== undefined) raw = step(raw);
  }
  if (typeof raw.id !== 'string' || raw.id === '') return { ok: false, reason: 'corrupt' };
  if (typeof raw.at !== 'string' || Number.isNaN(Date.parse(raw.at))) return { ok: false, reason: 'corrupt' };
  if (!isFeedbackKind(raw.kind)) return { ok: false, reason: 'corrupt' };
  const fields: Record<string, Field> = { ...BASE_FIELDS, ...KIND_FIELDS[raw.kind] };
  for (const [name, field] of Object.entries(fields)) {
    if (checkField(field, raw[name], false) !== undefined) return { ok: false, reason: 'corrupt' };
  }
  if (raw.truncated !== undefined && !isStringArray(raw.truncated)) return { ok: false, reason: 'corrupt' };
  if (raw.redactions !== undefined && typeof raw.redactions !== 'number') return { ok: false, reason: 'corrupt' };
  return { ok: true, event: { ...raw, v: FEEDBACK_SCHEMA_VERSION } as unknown as FeedbackEvent };
}

/** What is wrong with a value, or undefined. `strict` applies the size limits meant for writing. */
function checkField(field: Field, value: unknown, strict: boolean): string | undefined {
  const optional = field.type === 'path' || ((field.type === 'string' || field.type === 'text') && field.optional === true);
  if (value === undefined) return optional ? undefined : 'is required';
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (field.nonEmpty && value === '') return 'must not be empty';
      if (strict && value.length > field.max) return `must be at most ${field.max} characters`;
      return undefined;
    case 'text':
      if (typeof value !== 'string') return 'must be a string';
      if (field.nonEmpty && value === '') return 'must not be empty';
      return undefined;
    case 'enum':
      return typeof value === 'string' && field.values.includes(value) ? undefined : `must be one of ${field.values.join(', ')}`;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
      if (field.integer && !Number.isInteger(value)) return 'must be an integer';
      if (strict && (value < field.min || value > field.max)) return `must be between ${field.min} and ${field.max}`;
      return undefined;
    case 'ids':
      if (!isStringArray(value)) return 'must be an array of strings';
      if (strict && value.length > FEEDBACK_LIMITS.idListItems) return `must hold at most ${FEEDBACK_LIMITS.idListItems} ids`;
      if (strict && value.some((id) => id.length > FEEDBACK_LIMITS.idChars)) return `must hold ids of at most ${FEEDBACK_LIMITS.idChars} characters`;
      return undefined;
    case 'path':
      if (typeof value !== 'string') return 'must be a string';
      if (strict && value.length > FEEDBACK_LIMITS.pathChars) return `must be at most ${FEEDBACK_LIMITS.pathChars} characters`;
      // Root-relative keeps the user's home and machine layout out of the data set.
      if (strict && /^(?:[\\/]|[A-Za-z]:[\\/]|[A-Za-z][A-Za-z0-9+.-]+:\/\/)/.test(value)) return 'must be relative to the workspace root';
      return undefined;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((x) => typeof x === 'string');
}

/**
 * Redacts first and caps after: a secret cut in half by the cap would no longer be
 * recognised. Text far beyond the cap is shortened before redaction so one huge paste cannot
 * stall the extension host; the margin keeps every secret that reaches the kept part whole.
 */
function cleanText(text: string, keep: 'start' | 'end'): { text: string; truncated: boolean; redactions: number } {
  const cap = FEEDBACK_LIMITS.textChars;
  const margin = cap * 2;
  let working = text;
  if (working.length > margin) working = keep === 'start' ? working.slice(0, margin) : working.slice(working.length - margin);
  const redaction = redactSecrets(working);
  working = redaction.text;
  let truncated = text.length > margin;
  if (working.length > cap) {
    working = keep === 'start' ? cutEnd(working, cap) : cutStart(working, cap);
    truncated = true;
  }
  return { text: working, truncated, redactions: redaction.count };
}

/** The first `n` units, without splitting a surrogate pair. */
function cutEnd(text: string, n: number): string {
  const c = text.charCodeAt(n - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n);
}

/** The last `n` units, without splitting a surrogate pair. */
function cutStart(text: string, n: number): string {
  const start = text.length - n;
  const c = text.charCodeAt(start);
  return text.slice(c >= 0xdc00 && c <= 0xdfff ? start + 1 : start);
}
