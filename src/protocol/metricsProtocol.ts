/**
 * The usage-metrics view's typed messages, shared by the extension (src/extension/metrics) and
 * the webview (media/metrics, which imports the types through JSDoc). Names are `area/verb`, as
 * in the chat protocol.
 *
 * - The webview sends requests `{ id, type, ...params }`; the extension answers each with
 *   exactly one `reply` carrying `re: id`. Every successful reply carries a whole MetricsView.
 * - The extension pushes `metrics/updated` when it redraws on its own (the command run again
 *   while the panel is open).
 *
 * The charts are drawn on the extension side (escaped SVG inside `html`), so the page needs no
 * chart code and no second bundle. Messages from the webview are untrusted: the extension
 * passes every one through {@link parseMetricsMessage}. Nothing here imports `vscode` or the DOM.
 */

export type RangeId = '7d' | '30d' | '90d' | '365d' | 'all';
export const RANGE_IDS: readonly RangeId[] = ['7d', '30d', '90d', '365d', 'all'];
/** How far back each range reaches, in days (the start then snaps to its bucket's first day). */
export const RANGE_DAYS: Readonly<Record<Exclude<RangeId, 'all'>, number>> = { '7d': 7, '30d': 30, '90d': 90, '365d': 365 };
export const RANGE_LABELS: Readonly<Record<RangeId, string>> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  '365d': 'Last 12 months',
  all: 'All time',
};

/** The same values as the engine's BucketSize (kept apart so the view never reaches into the engine). */
export type MetricsBucket = 'day' | 'week';
export const METRICS_BUCKETS: readonly MetricsBucket[] = ['day', 'week'];

export type GroupBy = 'model' | 'language';
export const GROUP_BYS: readonly GroupBy[] = ['model', 'language'];

export interface MetricsQuery {
  range: RangeId;
  bucket: MetricsBucket;
  groupBy: GroupBy;
}

export const DEFAULT_METRICS_QUERY: MetricsQuery = { range: '30d', bucket: 'day', groupBy: 'model' };

/** Everything the view needs to draw itself from scratch. */
export interface MetricsView {
  query: MetricsQuery;
  /** The report body: headline figures, SVG charts and their data tables, escaped by the extension. */
  html: string;
  /** One sentence for the live region (read out after a refresh). */
  summary: string;
  /** ISO time the events were read. */
  generatedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Requests (webview → extension) and their results
// ---------------------------------------------------------------------------------------------

export interface MetricsRequestMap {
  /** The script has loaded: draw with the current query. */
  'view/ready': [Record<string, never>, MetricsView];
  /** Reads the events again. */
  'metrics/refresh': [Record<string, never>, MetricsView];
  /** Changes the range, bucket or grouping, and redraws. */
  'metrics/query': [MetricsQuery, MetricsView];
}

export type MetricsRequestType = keyof MetricsRequestMap;
export type MetricsRequestParams<K extends MetricsRequestType> = MetricsRequestMap[K][0];
export type MetricsRequestResult<K extends MetricsRequestType> = MetricsRequestMap[K][1];

export type MetricsRequest = { [K in MetricsRequestType]: { id: string; type: K } & MetricsRequestParams<K> }[MetricsRequestType];

// ---------------------------------------------------------------------------------------------
// Events (extension → webview)
// ---------------------------------------------------------------------------------------------

export type MetricsReply =
  | { type: 'reply'; re: string; ok: true; result: MetricsView }
  | { type: 'reply'; re: string; ok: false; error: string };

export type MetricsEvent = MetricsReply | { type: 'metrics/updated'; view: MetricsView };

// ---------------------------------------------------------------------------------------------
// Validation of what the webview sends
// ---------------------------------------------------------------------------------------------

const MAX_ID_CHARS = 100;
const ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;

export type MetricsParseResult = { ok: true; message: MetricsRequest } | { ok: false; error: string; id?: string };

type Check = (value: unknown) => string | undefined;
const oneOf = (values: readonly string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);

/** Each request's fields; anything else on the message is dropped, not passed on. */
const SCHEMAS: { [K in MetricsRequestType]: Record<string, Check> } = {
  'view/ready': {},
  'metrics/refresh': {},
  'metrics/query': { range: oneOf(RANGE_IDS), bucket: oneOf(METRICS_BUCKETS), groupBy: oneOf(GROUP_BYS) },
};

export const METRICS_REQUEST_TYPES = Object.keys(SCHEMAS) as MetricsRequestType[];

/**
 * Checks a message from the webview and returns a fresh object holding only the known fields,
 * or why it was refused (with its id when it had a usable one, so the refusal can be replied to).
 */
export function parseMetricsMessage(raw: unknown): MetricsParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'message is not an object' };
  const m = raw as Record<string, unknown>;
  if (typeof m.id !== 'string' || m.id.length > MAX_ID_CHARS || !ID_PATTERN.test(m.id)) return { ok: false, error: 'id must be a short string of letters, digits and _.:-' };
  const id = m.id;
  if (typeof m.type !== 'string' || !Object.prototype.hasOwnProperty.call(SCHEMAS, m.type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(String(m.type)).slice(0, 60)}`, id };
  }
  const type = m.type as MetricsRequestType;
  const out: Record<string, unknown> = { id, type };
  for (const [field, check] of Object.entries(SCHEMAS[type])) {
    const value = Object.prototype.hasOwnProperty.call(m, field) ? m[field] : undefined;
    const problem = check(value);
    if (problem) return { ok: false, error: `${type}: ${field} ${problem}`, id };
    out[field] = value;
  }
  return { ok: true, message: out as MetricsRequest };
}

/** The view's guard for what arrives from the extension (it trusts the shapes, not the presence). */
export function isMetricsEvent(raw: unknown): raw is MetricsEvent {
  if (typeof raw !== 'object' || raw === null) return false;
  const m = raw as { type?: unknown; re?: unknown; ok?: unknown; view?: unknown };
  if (m.type === 'reply') return typeof m.re === 'string' && typeof m.ok === 'boolean';
  return m.type === 'metrics/updated' && typeof m.view === 'object' && m.view !== null;
}

/** Keeps a stored query usable after an upgrade changed the choices. */
export function sanitizeMetricsQuery(raw: unknown): MetricsQuery {
  const m = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const pick = <T extends string>(value: unknown, values: readonly T[], fallback: T): T => (values.includes(value as T) ? (value as T) : fallback);
  return {
    range: pick(m.range, RANGE_IDS, DEFAULT_METRICS_QUERY.range),
    bucket: pick(m.bucket, METRICS_BUCKETS, DEFAULT_METRICS_QUERY.bucket),
    groupBy: pick(m.groupBy, GROUP_BYS, DEFAULT_METRICS_QUERY.groupBy),
  };
}
