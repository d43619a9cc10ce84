/**
 * An in-process stand-in for an Ollama server, for tests only (never shipped).
 *
 * It speaks Ollama's HTTP wire protocol (the `/api/*` routes the official `ollama` npm client
 * uses) on 127.0.0.1 at an ephemeral port, with scripted or deterministic replies, and can inject
 * the faults a real deployment shows: refused connections, slow responses, streams cut halfway,
 * non-JSON lines, in-band error lines, HTTP errors, models that are not pulled, embeddings of the
 * wrong size.
 *
 * Wire details follow Ollama's `docs/api.md` and its Go handlers (`server/routes.go`,
 * `server/images.go`, `server/create.go`): status codes, error texts, content types
 * (`application/json; charset=utf-8` for single objects, `application/x-ndjson` for streams),
 * and the shapes of every object. Where it knowingly departs from Ollama:
 * - Token counts are approximations (whitespace words for prompts, identifier subtokens for
 *   embeddings); durations are fixed formulas, not measurements.
 * - A body that is not JSON gets a 400 `{"error"}` whose text is not Go's `encoding/json` wording.
 * - Capabilities come from the {@link ModelSpec}, not from a GGUF and a template; only
 *   `/api/create` derives `insert` and `tools` from a template (`.Suffix`, `.Tools`), as Ollama does.
 * - Blobs are stored, not parsed: any bytes serve as "GGUF". `/api/create` still accepts
 *   `adapters` (recent Ollama releases reject them); `quantize` only relabels the quantization.
 * - `/api/push` and the OpenAI-compatible `/v1/*` routes are not served; `created_at` has
 *   millisecond precision.
 *
 * Everything is bounded: every timer is tracked and cleared by {@link OllamaTestServer.close},
 * which also destroys every open socket, so a test can never hang on it.
 *
 * Quick start:
 * ```ts
 * const server = await OllamaTestServer.start({ models: standardModels() });
 * const client = new Ollama({ host: server.url });
 * server.script({ endpoint: 'chat', chunks: ['Hel', 'lo'] });
 * ...
 * await server.close();
 * ```
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** What a model can do, as `/api/show` reports it in `capabilities`. */
export type Capability = 'completion' | 'insert' | 'embedding' | 'tools' | 'vision' | 'thinking';

/** A model the server has installed (or can pull). */
export interface ModelSpec {
  /** `name[:tag]`, optionally `namespace/name` or `host/namespace/name`; the tag defaults to `latest`. */
  name: string;
  /** Architecture, e.g. `qwen2`, `llama`, `nomic-bert`. Default `bert` for embedding-only models, else `llama`. */
  family?: string;
  capabilities: Capability[];
  /** e.g. `1.5B`. Default `22.6M` for embedding-only models, else `1.5B`. */
  parameterSize?: string;
  /** e.g. `Q4_K_M`. Default `F16` for embedding-only models, else `Q4_K_M`. */
  quantization?: string;
  /** `<family>.context_length` in `/api/show`. Default 2048 for embedding-only models, else 8192. */
  contextLength?: number;
  /** The prompt template `/api/show` returns. Default: a small Go template that mentions `.Suffix` for insert models and `.Tools` for tools models. */
  template?: string;
  /** The model's system prompt, if any. */
  system?: string;
  /** Modelfile parameters (`/api/show` `parameters`), e.g. `{ num_ctx: 4096, stop: ['<|im_end|>'] }`. */
  parameters?: Record<string, unknown>;
  /** Size of the vectors `/api/embed` returns and `<family>.embedding_length`. Default 384. */
  embeddingDim?: number;
  /** Bytes, as `/api/tags` reports. Default 45 MB for embedding-only models, else 1 GB. */
  size?: number;
  /** `modified_at`; default the moment the model was added. */
  modifiedAt?: Date;
}

/** One HTTP request as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/api/chat`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names are lower-case, as Node gives them. */
  readonly headers: Readonly<http.IncomingHttpHeaders>;
  /**
   * The parsed JSON body, `undefined` when the body was empty or not JSON. Typed `any` on
   * purpose, so a test can reach straight into it (`body.options.num_ctx`).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly rawBody: Buffer;
  /** The HTTP status the server answered with (undefined while it has not answered, or if it dropped the connection). */
  status?: number;
  /** True when the client closed the connection before the response was complete (an abort). */
  aborted: boolean;
}

/** The token and duration counts of a finished generation. Durations are nanoseconds, as in Ollama. */
export interface GenerationStats {
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
}

/** A tool call, as Ollama returns it in `message.tool_calls`. */
export interface ScriptedToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

/**
 * A scripted answer to a `/api/chat` or `/api/generate` request.
 *
 * Replies wait in a FIFO queue; a request takes the first queued reply whose filters
 * (`endpoint`, `model`, `when`) all match it. A reply serves one request, unless `repeat`.
 * A request no reply matches gets the default reply (see {@link OllamaTestServer.script}).
 */
export interface ScriptedReply {
  /** Only for this endpoint; default either. */
  endpoint?: 'chat' | 'generate';
  /** Only for this model (compared as Ollama does: case-insensitive, `:latest` implied). */
  model?: string;
  /** Only when this returns true for the request. */
  when?: (request: RecordedRequest) => boolean;
  /** Text pieces: one NDJSON line each when streaming, concatenated when not. Default none. */
  chunks?: string[];
  /** Thinking pieces, streamed (in `message.thinking` / `thinking`) before the content. */
  thinking?: string[];
  /** Chat only: tool calls, sent in one line after the content (and in the single object when not streaming). */
  toolCalls?: ScriptedToolCall[];
  /** `done_reason` of the final line. Default `stop`, or `length` when `options.num_predict` cut the reply. */
  doneReason?: string;
  /** Overrides of the computed stats. */
  stats?: Partial<GenerationStats>;
  /** Generate only: the `context` array of the final line (ignored in raw mode, which returns none). */
  context?: number[];
  /** Answer with this HTTP error (`{"error": ...}`) instead of a generation. */
  httpError?: { status: number; error: string };
  /** Keep serving every matching request instead of one. */
  repeat?: boolean;
}

/** An HTTP error to answer with, instead of handling the request. */
export interface HttpErrorFault {
  status: number;
  /** The `error` text (or the whole body with `plainText`). */
  error: string;
  /** Only for these paths (e.g. `['/api/chat']`); default every path. */
  paths?: string[];
  /** Only this many times, then the fault clears itself; default every time. */
  times?: number;
  /** Send `error` as a `text/plain` body instead of `{"error": ...}` (what a proxy in front of Ollama would do). */
  plainText?: boolean;
}

/**
 * Faults applied to every request until changed or {@link OllamaTestServer.resetFaults}.
 * Stream faults count NDJSON lines: "after N" fires once N lines have been written, and only
 * when the stream had more than N lines to write. They apply to every stream (chat, generate,
 * pull, create).
 *
 * Refusing connections is not a field here: it needs a listener change, see
 * {@link OllamaTestServer.refuseConnections}.
 */
export interface Faults {
  /** Wait this long before answering (before the status line). A client that disconnects meanwhile gets nothing written. */
  delayMs: number;
  /** Wait this long between stream lines. */
  chunkDelayMs: number;
  /** Destroy the socket after N lines (0: right after the headers): the client sees the body end abnormally. */
  cutStreamAfterChunks?: number;
  /** End the response cleanly after N lines, so the stream lacks its final `done` line. */
  endStreamAfterChunks?: number;
  /** Write one line that is not JSON after N lines, then carry on. */
  garbageLineAfterChunks?: number;
  /** Write an in-band `{"error": ...}` line after N lines and end the stream, as Ollama does when a runner fails mid-generation. */
  errorLineAfterChunks?: { after: number; error: string };
  /** `/api/embed` and `/api/embeddings` return vectors of this size instead of the model's. */
  wrongEmbeddingDim?: number;
  /** Act as if these models were not pulled: absent from `/api/tags` and `/api/ps`, "not found" on use. A successful pull of one clears it. */
  missingModel?: string | string[];
  /** Answer with this HTTP error. */
  httpError?: HttpErrorFault;
  /** Destroy the connection as soon as a request has arrived, answering nothing. */
  dropRequests?: boolean;
}

export interface OllamaTestServerOptions {
  /** Models installed from the start. Default none (see {@link standardModels}). */
  models?: ModelSpec[];
  /** Models `/api/pull` can fetch (and `/api/create` `from` can name without having them). Installed models can always be re-pulled. */
  registry?: ModelSpec[];
  /** What `/api/version` reports. Default {@link DEFAULT_OLLAMA_VERSION}. */
  version?: string;
  /** The clock for `created_at`, `modified_at` and `expires_at`. Default the real one. */
  now?: () => Date;
  /** Largest request body accepted (413 beyond). Default 64 MiB. */
  maxBodyBytes?: number;
}

/** The `/api/version` this server reports unless told otherwise. */
export const DEFAULT_OLLAMA_VERSION = '0.12.0';

/** The line {@link Faults.garbageLineAfterChunks} writes. */
export const GARBAGE_LINE = 'this line is not JSON <garbage>';

/**
 * A typical installation: a code model that can fill in the middle, a chat model with tools, and
 * an embedding model. Fresh objects each call.
 */
export function standardModels(): ModelSpec[] {
  return [
    {
      name: 'qwen2.5-coder:1.5b',
      family: 'qwen2',
      capabilities: ['completion', 'insert', 'tools'],
      parameterSize: '1.5B',
      quantization: 'Q4_K_M',
      contextLength: 32768,
    },
    {
      name: 'llama3.2:3b',
      family: 'llama',
      capabilities: ['completion', 'tools'],
      parameterSize: '3.2B',
      quantization: 'Q4_K_M',
      contextLength: 131072,
    },
    {
      name: 'nomic-embed-text:latest',
      family: 'nomic-bert',
      capabilities: ['embedding'],
      parameterSize: '137M',
      quantization: 'F16',
      contextLength: 2048,
      embeddingDim: 384,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Deterministic embeddings
// ---------------------------------------------------------------------------------------------

/**
 * The identifier subtokens of a text: split on anything that is not a letter or digit, then at
 * camelCase and PascalCase humps (`HTTPServer` → `http`, `server`) and at letter/digit
 * boundaries (`utf8` → `utf`, `8`), lower-cased. `snake_case`, `kebab-case` and dotted names split
 * at their separators.
 */
export function identifierSubtokens(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    const parts = word
      .replace(/(\p{Ll})(\p{Lu})/gu, '$1\u0000$2')
      .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1\u0000$2')
      .replace(/(\p{L})(\p{N})/gu, '$1\u0000$2')
      .replace(/(\p{N})(\p{L})/gu, '$1\u0000$2')
      .split('\u0000');
    for (const part of parts) if (part) out.push(part.toLowerCase());
  }
  return out;
}

/** 32-bit FNV-1a over the UTF-8 bytes of `s`. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser, to draw a sign bit independent of the bucket. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The subtoken a text without any letters or digits is embedded as, so its vector is still a unit vector. */
export const EMPTY_TEXT_TOKEN = '<no-identifiers>';

/**
 * The vector `/api/embed` returns for `text`: a hashed bag of its {@link identifierSubtokens}.
 * Each subtoken adds ±1 to bucket `fnv1a32(token) % dim`, the sign taken from a bit of a second
 * mix of that hash; the sum is L2-normalised and each component rounded to float32, as Ollama's
 * are. So texts that share identifiers have a high cosine similarity and unrelated texts one near
 * 0. A text with no subtokens (empty, or only punctuation) is embedded as the single subtoken
 * {@link EMPTY_TEXT_TOKEN}: a fixed unit vector, never all zeros (a real model never returns zeros
 * either). `maxTokens` keeps only the first subtokens (truncation to the context length).
 */
export function hashedEmbedding(text: string, dim: number, maxTokens = Infinity): number[] {
  let tokens = identifierSubtokens(text);
  if (tokens.length === 0) tokens = [EMPTY_TEXT_TOKEN];
  if (tokens.length > maxTokens) tokens = tokens.slice(0, Math.max(1, maxTokens));
  const v = new Array<number>(dim).fill(0);
  for (const t of tokens) {
    const h = fnv1a32(t);
    v[h % dim] += mix32(h) & 1 ? -1 : 1;
  }
  return normalise(v);
}

function normalise(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const scale = 1 / Math.max(norm, 1e-12);
  return v.map((x) => Math.fround(x * scale));
}

/** Cosine similarity of two vectors of one size. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

// ---------------------------------------------------------------------------------------------
// Model names, as Ollama parses them (types/model/name.go)
// ---------------------------------------------------------------------------------------------

const DEFAULT_HOST = 'registry.ollama.ai';
const DEFAULT_NAMESPACE = 'library';
const DEFAULT_TAG = 'latest';

interface ParsedName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

function parseName(raw: string): ParsedName | undefined {
  if (typeof raw !== 'string' || raw.trim() === '' || /\s/.test(raw)) return undefined;
  let rest = raw;
  let tag = DEFAULT_TAG;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  if (parts.length > 3 || parts.some((p) => p === '') || tag === '') return undefined;
  const model = parts[parts.length - 1];
  const namespace = parts.length >= 2 ? parts[parts.length - 2] : DEFAULT_NAMESPACE;
  const host = parts.length === 3 ? parts[0] : DEFAULT_HOST;
  return { host, namespace, model, tag };
}

/** `registry.ollama.ai/library/x:latest`, as Ollama names a model in capability errors. */
function fullName(n: ParsedName): string {
  return `${n.host}/${n.namespace}/${n.model}:${n.tag}`;
}

/** `x:latest`, `ns/x:tag` or `host/ns/x:tag`, as `/api/tags` names a model. */
function shortName(n: ParsedName): string {
  if (n.host === DEFAULT_HOST && n.namespace === DEFAULT_NAMESPACE) return `${n.model}:${n.tag}`;
  if (n.host === DEFAULT_HOST) return `${n.namespace}/${n.model}:${n.tag}`;
  return fullName(n);
}

/** The key two names are the same model under (Ollama matches names case-insensitively). */
function nameKey(raw: string): string | undefined {
  const n = parseName(raw);
  return n && fullName(n).toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

interface InstalledModel {
  spec: ModelSpec;
  parsed: ParsedName;
  key: string;
  digest: string;
  modifiedAt: Date;
  parentModel: string;
}

interface LoadedModel {
  expiresAt: Date;
  contextLength: number;
}

type Json = Record<string, unknown>;
type Endpoint = 'chat' | 'generate';

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON_TYPE = 'application/x-ndjson';
const DIGEST_RE = /^sha256[:-][0-9a-fA-F]{64}$/;
/** The most a `keep_alive` may hold a model "loaded" in `/api/ps`; negative means forever, shown as this far ahead. */
const FOREVER_MS = 300 * 365 * 24 * 3600 * 1000;
const DEFAULT_KEEP_ALIVE_MS = 5 * 60 * 1000;
/** How long {@link OllamaTestServer.refuseConnections} waits for clients to close idle keep-alive sockets. */
const GRACEFUL_CLOSE_MS = 500;

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Fixed durations (ns) so tests can assert stats exactly. */
function computeStats(promptTokens: number, evalTokens: number): GenerationStats {
  const load = 1_000_000;
  const promptEval = 1_000_000 * promptTokens;
  const evalDuration = 10_000_000 * evalTokens;
  return {
    total_duration: load + promptEval + evalDuration,
    load_duration: load,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: promptEval,
    eval_count: evalTokens,
    eval_duration: evalDuration,
  };
}

/** Rough token count for stats: whitespace-separated words. */
function roughTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Splits text into word-sized pieces that concatenate back to it. */
function wordPieces(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

/**
 * Parses a Go-style `keep_alive` (api.Duration): a number is seconds, a string a Go duration
 * (`300ms`, `5m`, `1h30m`, `0`); negative means "forever". Returns milliseconds, or an error text.
 */
function parseKeepAlive(value: unknown): number | { error: string } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value < 0 ? -1 : value * 1000;
  if (typeof value !== 'string') return { error: `Unsupported type: '${typeof value}'` };
  if (value === '0') return 0;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(value);
  if (!m) {
    return /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(value)
      ? { error: `time: missing unit in duration ${JSON.stringify(value)}` }
      : { error: `time: invalid duration ${JSON.stringify(value)}` };
  }
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of value.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * unitMs[part[2]];
  }
  return m[1] === '-' ? -1 : total;
}

/** Go's `%#v` of a Modelfile parameter value, as `/api/show` prints it. */
function goValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function defaultTemplate(caps: readonly Capability[]): string {
  let t = '';
  if (caps.includes('tools')) t += '{{- if .Tools }}Tools: {{ .Tools }}\n{{ end }}';
  if (caps.includes('insert')) t += '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ else }}';
  t += '{{ if .System }}{{ .System }}\n{{ end }}{{ .Prompt }}';
  if (caps.includes('insert')) t += '{{ end }}';
  return t;
}

/** The JSON kind of a value, in Go's words. */
function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

type FieldType = 'string' | 'bool' | 'number' | 'object' | 'array';

/** Field → [accepted JSON kinds, Go type named in the error]. */
const FIELD_TYPES: Record<string, [FieldType[], string]> = {
  model: [['string'], 'string'],
  name: [['string'], 'string'],
  prompt: [['string'], 'string'],
  suffix: [['string'], 'string'],
  system: [['string'], 'string'],
  template: [['string'], 'string'],
  from: [['string'], 'string'],
  quantize: [['string'], 'string'],
  source: [['string'], 'string'],
  destination: [['string'], 'string'],
  stream: [['bool'], 'bool'],
  raw: [['bool'], 'bool'],
  insecure: [['bool'], 'bool'],
  truncate: [['bool'], 'bool'],
  messages: [['array'], '[]api.Message'],
  tools: [['array'], 'api.Tools'],
  images: [['array'], '[]api.ImageData'],
  context: [['array'], '[]int'],
  options: [['object'], 'map[string]interface {}'],
  files: [['object'], 'map[string]string'],
  adapters: [['object'], 'map[string]string'],
  parameters: [['object'], 'map[string]interface {}'],
  dimensions: [['number'], 'int'],
};

/** Go's decoding error for the first field of the wrong JSON kind, or undefined. */
function fieldTypeError(body: Json, struct: string): string | undefined {
  for (const [key, value] of Object.entries(body)) {
    const spec = FIELD_TYPES[key];
    if (!spec || value === null) continue;
    const kind = jsonKind(value);
    if (!spec[0].includes(kind as FieldType)) {
      return `json: cannot unmarshal ${kind} into Go struct field ${struct}.${key} of type ${spec[1]}`;
    }
  }
  return undefined;
}

/** The Go request struct each JSON route decodes, for error texts. */
const STRUCTS: Record<string, string> = {
  '/api/chat': 'ChatRequest',
  '/api/generate': 'GenerateRequest',
  '/api/embed': 'EmbedRequest',
  '/api/embeddings': 'EmbeddingRequest',
  '/api/show': 'ShowRequest',
  '/api/create': 'CreateRequest',
  '/api/pull': 'PullRequest',
  '/api/delete': 'DeleteRequest',
  '/api/copy': 'CopyRequest',
};

/**
 * One request/response exchange: the abort-aware helpers every handler writes through.
 * Once `closed` (the client went away, or the server is shutting down) nothing more is written.
 */
class Exchange {
  closed = false;
  /** Set when the server itself drops the connection, so that is not recorded as a client abort. */
  private serverDropped = false;
  private readonly closeWaiters = new Set<() => void>();

  constructor(
    readonly res: http.ServerResponse,
    readonly rec: RecordedRequest,
    private readonly owner: OllamaTestServer,
  ) {
    res.on('close', () => {
      if (!res.writableFinished && !this.serverDropped) rec.aborted = true;
      this.markClosed();
    });
  }

  /** The server is going away (refusing or closing): stop writing; the cut is not a client abort. */
  abandon(): void {
    this.serverDropped = true;
    this.markClosed();
  }

  /** Drops the connection without (finishing) an answer. */
  drop(): void {
    this.serverDropped = true;
    this.res.destroy();
  }

  markClosed(): void {
    this.closed = true;
    for (const wake of this.closeWaiters) wake();
    this.closeWaiters.clear();
  }

  /** Waits `ms`; resolves false (early) if the exchange closed meanwhile. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        this.owner.clearTimer(timer);
        resolve(false);
      };
      const timer = this.owner.setTimer(() => {
        this.closeWaiters.delete(wake);
        resolve(!this.closed);
      }, ms);
      this.closeWaiters.add(wake);
    });
  }

  private head(status: number, headers: http.OutgoingHttpHeaders): void {
    this.rec.status = status;
    this.res.writeHead(status, headers);
  }

  json(status: number, value: unknown): void {
    if (this.closed) return;
    const body = Buffer.from(JSON.stringify(value));
    this.head(status, { 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
    this.res.end(body);
  }

  error(status: number, message: string): void {
    this.json(status, { error: message });
  }

  text(status: number, body: string): void {
    if (this.closed) return;
    const buf = Buffer.from(body);
    this.head(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': buf.length });
    this.res.end(buf);
  }

  empty(status: number): void {
    if (this.closed) return;
    this.head(status, { 'Content-Length': 0 });
    this.res.end();
  }

  /** Writes one chunk and waits until it is handed to the kernel (or the exchange closes). */
  private write(data: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        this.closeWaiters.delete(onClose);
        resolve(ok && !this.closed);
      };
      const onClose = (): void => done(false);
      this.closeWaiters.add(onClose);
      this.res.write(data, (err) => done(!err));
    });
  }

  /** Streams `lines` as NDJSON, applying the stream faults. */
  async ndjson(lines: readonly unknown[], faults: Faults): Promise<void> {
    if (this.closed) return;
    this.head(200, { 'Content-Type': NDJSON_TYPE });
    this.res.flushHeaders();
    const fires = (n: number | undefined, written: number): boolean => n === written && written < lines.length;
    const after = async (written: number): Promise<boolean> => {
      if (fires(faults.garbageLineAfterChunks, written) && !(await this.write(`${GARBAGE_LINE}\n`))) return false;
      if (faults.errorLineAfterChunks && fires(faults.errorLineAfterChunks.after, written)) {
        await this.write(`${JSON.stringify({ error: faults.errorLineAfterChunks.error })}\n`);
        this.res.end();
        return false;
      }
      if (fires(faults.cutStreamAfterChunks, written)) {
        this.drop();
        return false;
      }
      if (fires(faults.endStreamAfterChunks, written)) {
        this.res.end();
        return false;
      }
      return true;
    };
    if (!(await after(0))) return;
    for (let i = 0; i < lines.length; i++) {
      if (i > 0 && faults.chunkDelayMs > 0 && !(await this.sleep(faults.chunkDelayMs))) return;
      if (!(await this.write(`${JSON.stringify(lines[i])}\n`))) return;
      if (!(await after(i + 1))) return;
    }
    if (!this.closed) this.res.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/**
 * A fake Ollama on `http://127.0.0.1:<ephemeral port>`. See the file header for the overview.
 *
 * Routes (as Ollama's router has them; any other path answers 404 `404 page not found` as
 * `text/plain`, a known path with the wrong method 405 `405 method not allowed`):
 * `GET|HEAD /`, `GET|HEAD /api/version`, `GET|HEAD /api/tags`, `GET /api/ps`, `POST /api/show`,
 * `POST /api/chat`, `POST /api/generate`, `POST /api/embed`, `POST /api/embeddings`,
 * `POST /api/create`, `HEAD|POST /api/blobs/:digest`, `POST /api/pull`, `DELETE /api/delete`,
 * `POST /api/copy`. (`/api/push` and the OpenAI-compatible `/v1/*` routes are not served.)
 */
export class OllamaTestServer {
  /** Every request received, in order (cleared by {@link clearRequests}). */
  readonly requests: RecordedRequest[] = [];
  /** The faults in force; mutate fields freely. */
  faults: Faults = { delayMs: 0, chunkDelayMs: 0 };
  /** What `/api/version` reports; may be changed at any time. */
  version: string;

  private readonly server: http.Server;
  private readonly sockets = new Map<Socket, { active: number }>();
  private readonly exchanges = new Set<Exchange>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly installed = new Map<string, InstalledModel>();
  private readonly registry = new Map<string, ModelSpec>();
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly blobs = new Map<string, Buffer>();
  private readonly scripts: ScriptedReply[] = [];
  private readonly now: () => Date;
  private readonly maxBodyBytes: number;
  private port = 0;
  private refusing = false;
  private closing = false;

  private constructor(options: OllamaTestServerOptions) {
    this.version = options.version ?? DEFAULT_OLLAMA_VERSION;
    this.now = options.now ?? (() => new Date());
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    for (const spec of options.models ?? []) this.addModel(spec);
    for (const spec of options.registry ?? []) {
      const key = nameKey(spec.name);
      if (!key) throw new Error(`invalid model name ${JSON.stringify(spec.name)}`);
      this.registry.set(key, { ...spec });
    }
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.set(socket, { active: 0 });
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const state = this.sockets.get(req.socket);
      if (!state) return;
      state.active++;
      res.on('close', () => state.active--);
    });
  }

  /** Starts a server on 127.0.0.1 at an ephemeral port. */
  static async start(options: OllamaTestServerOptions = {}): Promise<OllamaTestServer> {
    const server = new OllamaTestServer(options);
    await server.listen();
    return server;
  }

  /** `http://127.0.0.1:<port>`, for `new Ollama({ host: server.url })`. The port stays the same across {@link refuseConnections}. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** True between {@link refuseConnections} and {@link acceptConnections}. */
  get refusingConnections(): boolean {
    return this.refusing;
  }

  // --- models -------------------------------------------------------------------------------

  /** Installs a model (replacing one of the same name), as if pulled. */
  addModel(spec: ModelSpec): void {
    const parsed = parseName(spec.name);
    if (!parsed) throw new Error(`invalid model name ${JSON.stringify(spec.name)}`);
    const key = fullName(parsed).toLowerCase();
    this.installed.set(key, {
      spec: { ...spec, capabilities: [...spec.capabilities] },
      parsed,
      key,
      digest: sha256Hex(`ollama-test-model:${key}`),
      modifiedAt: spec.modifiedAt ?? this.now(),
      parentModel: '',
    });
  }

  /** Uninstalls a model; returns whether it was installed. */
  removeModel(name: string): boolean {
    const key = nameKey(name);
    if (!key) return false;
    this.loaded.delete(key);
    return this.installed.delete(key);
  }

  /** The spec of an installed model (hidden ones included), or undefined. */
  model(name: string): ModelSpec | undefined {
    const key = nameKey(name);
    return key ? this.installed.get(key)?.spec : undefined;
  }

  /** Names of the installed models as `/api/tags` would list them (hidden ones excluded). */
  modelNames(): string[] {
    return this.visibleModels().map((m) => shortName(m.parsed));
  }

  /** Names of the models `/api/ps` lists as loaded. */
  loadedModelNames(): string[] {
    return this.visibleLoaded().map(([m]) => shortName(m.parsed));
  }

  /** Whether a blob with this digest (`sha256:<hex>`) was uploaded. */
  hasBlob(digest: string): boolean {
    return this.blobs.has(digest);
  }

  // --- scripts ------------------------------------------------------------------------------

  /**
   * Queues scripted replies for `/api/chat` and `/api/generate` (see {@link ScriptedReply}).
   *
   * A request no queued reply matches gets the default reply: the text `echo: <last user
   * message>` (chat) or `echo: <prompt>` (generate), in word-sized chunks; when the request sets
   * `format`, the text is instead the JSON `{"echo":"<same>"}`.
   *
   * For either, `options.stop` cuts the text before the first stop sequence (`done_reason` stop)
   * and `options.num_predict` > 0 keeps at most that many chunks (`done_reason` length), as a
   * model would. Stats are computed: `prompt_eval_count` = whitespace words of the prompt
   * (every message's content for chat), `eval_count` = chunks sent, `load_duration` 1 ms,
   * `prompt_eval_duration` 1 ms per prompt token, `eval_duration` 10 ms per chunk,
   * `total_duration` their sum.
   */
  script(...replies: ScriptedReply[]): void {
    this.scripts.push(...replies);
  }

  /** How many scripted replies are still queued (`repeat` ones included). */
  pendingScripts(): number {
    return this.scripts.length;
  }

  clearScripts(): void {
    this.scripts.length = 0;
  }

  // --- requests -----------------------------------------------------------------------------

  /** The recorded requests to one path (e.g. `/api/chat`), in order. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** The last request (to `path`, if given). */
  lastRequest(path?: string): RecordedRequest | undefined {
    const list = path ? this.requestsTo(path) : this.requests;
    return list[list.length - 1];
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // --- faults and connections ---------------------------------------------------------------

  /**
   * Stops listening, so new connections are refused (ECONNREFUSED) on the same port. Idle
   * keep-alive connections are closed gracefully first, so a client's pool does not hand out a
   * dead socket and every next request is refused cleanly; requests in flight are cut.
   * Undo with {@link acceptConnections} (or {@link resetFaults}).
   */
  async refuseConnections(): Promise<void> {
    if (this.refusing || this.closing) return;
    this.refusing = true;
    for (const x of this.exchanges) x.abandon();
    const closes: Promise<void>[] = [];
    for (const [socket, state] of this.sockets) {
      if (socket.destroyed) continue;
      closes.push(
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          if (state.active > 0) {
            socket.destroy();
          } else {
            socket.end();
            const t = this.setTimer(() => socket.destroy(), GRACEFUL_CLOSE_MS);
            socket.once('close', () => this.clearTimer(t));
          }
        }),
      );
    }
    // Only then close the listener: Node's server.close() destroys idle sockets at once, before
    // the client has seen their FIN, and the client's pool would hand out a dead socket.
    await Promise.all(closes);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port after {@link refuseConnections}. */
  async acceptConnections(): Promise<void> {
    if (!this.refusing || this.closing) return;
    await this.listen();
    this.refusing = false;
  }

  /** Clears every fault and accepts connections again. */
  async resetFaults(): Promise<void> {
    this.faults = { delayMs: 0, chunkDelayMs: 0 };
    await this.acceptConnections();
  }

  /** Stops the server: cancels every timer, destroys every socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const x of this.exchanges) x.abandon();
    for (const socket of this.sockets.keys()) socket.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal A tracked timer, cleared by {@link close}. */
  setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  /** @internal */
  clearTimer(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  // --- request handling ---------------------------------------------------------------------

  private readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const settle = (v: Buffer | 'too-large' | 'aborted'): void => {
        if (!settled) {
          settled = true;
          resolve(v);
        }
      };
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          settle('too-large');
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => settle(Buffer.concat(chunks)));
      req.on('error', () => settle('aborted'));
      req.on('close', () => settle(req.complete ? Buffer.concat(chunks) : 'aborted'));
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await this.readBody(req);
    let body: unknown;
    let bodyText = '';
    if (Buffer.isBuffer(raw) && raw.length > 0) {
      bodyText = raw.toString('utf8');
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
    }
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body,
      rawBody: Buffer.isBuffer(raw) ? raw : Buffer.alloc(0),
      aborted: raw === 'aborted',
    };
    this.requests.push(rec);
    const x = new Exchange(res, rec, this);
    if (this.closing || this.refusing) {
      x.drop();
      return;
    }
    this.exchanges.add(x);
    res.on('close', () => this.exchanges.delete(x));
    if (raw === 'aborted') return;
    if (raw === 'too-large') {
      x.error(413, 'http: request body too large');
      res.once('finish', () => req.socket.destroy());
      return;
    }
    const faults = { ...this.faults };
    if (faults.dropRequests) {
      x.drop();
      return;
    }
    if (faults.delayMs > 0 && !(await x.sleep(faults.delayMs))) return;
    const httpError = this.takeHttpError(url.pathname);
    if (httpError) {
      if (httpError.plainText) x.text(httpError.status, httpError.error);
      else x.error(httpError.status, httpError.error);
      return;
    }
    try {
      await this.route(x, url.pathname, bodyText, faults);
    } catch (err) {
      if (!x.closed && !res.headersSent) x.error(500, err instanceof Error ? err.message : String(err));
      else if (!x.closed) x.drop();
    }
  }

  private takeHttpError(path: string): HttpErrorFault | undefined {
    const f = this.faults.httpError;
    if (!f || (f.paths && !f.paths.includes(path))) return undefined;
    if (f.times !== undefined) {
      if (f.times <= 0) return undefined;
      f.times--;
      if (f.times === 0) this.faults.httpError = undefined;
    }
    return f;
  }

  private async route(x: Exchange, path: string, bodyText: string, faults: Faults): Promise<void> {
    const method = x.rec.method;
    const routes: Record<string, Partial<Record<string, () => Promise<void> | void>>> = {
      '/': { GET: () => x.text(200, 'Ollama is running'), HEAD: () => x.text(200, 'Ollama is running') },
      '/api/version': { GET: () => x.json(200, { version: this.version }), HEAD: () => x.json(200, { version: this.version }) },
      '/api/tags': { GET: () => this.tags(x), HEAD: () => this.tags(x) },
      '/api/ps': { GET: () => this.ps(x) },
      '/api/show': { POST: () => this.withJson(x, bodyText, (b) => this.show(x, b)) },
      '/api/chat': { POST: () => this.withJson(x, bodyText, (b) => this.generation(x, 'chat', b, faults)) },
      '/api/generate': { POST: () => this.withJson(x, bodyText, (b) => this.generation(x, 'generate', b, faults)) },
      '/api/embed': { POST: () => this.withJson(x, bodyText, (b) => this.embed(x, b, faults)) },
      '/api/embeddings': { POST: () => this.withJson(x, bodyText, (b) => this.embeddingsLegacy(x, b, faults)) },
      '/api/create': { POST: () => this.withJson(x, bodyText, (b) => this.create(x, b, faults)) },
      '/api/pull': { POST: () => this.withJson(x, bodyText, (b) => this.pull(x, b, faults)) },
      '/api/delete': { DELETE: () => this.withJson(x, bodyText, (b) => this.delete(x, b)) },
      '/api/copy': { POST: () => this.withJson(x, bodyText, (b) => this.copy(x, b)) },
    };
    const blob = /^\/api\/blobs\/([^/]+)$/.exec(path);
    const handlers: Partial<Record<string, () => Promise<void> | void>> | undefined = blob
      ? { HEAD: () => this.headBlob(x, decodeURIComponent(blob[1])), POST: () => this.postBlob(x, decodeURIComponent(blob[1])) }
      : routes[path];
    if (!handlers) return x.text(404, '404 page not found');
    const handler = handlers[method];
    if (!handler) return x.text(405, '405 method not allowed');
    await handler();
  }

  /** Decodes a JSON object body as Ollama's handlers do (`ShouldBindJSON`), answering 400 on failure. */
  private async withJson(x: Exchange, text: string, fn: (body: Json) => Promise<void> | void): Promise<void> {
    const struct = STRUCTS[x.rec.path] ?? 'Request';
    if (text.trim() === '') return x.error(400, 'missing request body');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      // Go's encoding/json words this differently; the status and the {"error"} shape are what matter.
      return x.error(400, `invalid character in JSON body: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return x.error(400, `json: cannot unmarshal ${jsonKind(parsed)} into Go value of type api.${struct}`);
    }
    const typeError = fieldTypeError(parsed as Json, struct);
    if (typeError) return x.error(400, typeError);
    await fn(parsed as Json);
  }

  private hiddenKeys(): Set<string> {
    const m = this.faults.missingModel;
    const names = m === undefined ? [] : Array.isArray(m) ? m : [m];
    return new Set(names.map((n) => nameKey(n)).filter((k): k is string => !!k));
  }

  /** The installed, not hidden, model of that name. */
  private find(name: unknown): InstalledModel | undefined {
    if (typeof name !== 'string') return undefined;
    const key = nameKey(name);
    if (!key || this.hiddenKeys().has(key)) return undefined;
    return this.installed.get(key);
  }

  private visibleModels(): InstalledModel[] {
    const hidden = this.hiddenKeys();
    return [...this.installed.values()]
      .filter((m) => !hidden.has(m.key))
      .sort((a, b) => Math.floor(b.modifiedAt.getTime() / 1000) - Math.floor(a.modifiedAt.getTime() / 1000));
  }

  private visibleLoaded(): [InstalledModel, LoadedModel][] {
    const now = this.now().getTime();
    const out: [InstalledModel, LoadedModel][] = [];
    for (const [key, l] of this.loaded) {
      const m = this.find(this.installed.get(key)?.spec.name);
      if (m && l.expiresAt.getTime() > now) out.push([m, l]);
    }
    return out.sort((a, b) => b[1].expiresAt.getTime() - a[1].expiresAt.getTime());
  }

  private details(m: InstalledModel): Json {
    const s = m.spec;
    const embeddingOnly = s.capabilities.includes('embedding') && !s.capabilities.includes('completion');
    const family = s.family ?? (embeddingOnly ? 'bert' : 'llama');
    return {
      parent_model: m.parentModel,
      format: 'gguf',
      family,
      families: [family],
      parameter_size: s.parameterSize ?? (embeddingOnly ? '22.6M' : '1.5B'),
      quantization_level: s.quantization ?? (embeddingOnly ? 'F16' : 'Q4_K_M'),
    };
  }

  private size(m: InstalledModel): number {
    const embeddingOnly = m.spec.capabilities.includes('embedding') && !m.spec.capabilities.includes('completion');
    return m.spec.size ?? (embeddingOnly ? 45_000_000 : 1_000_000_000);
  }

  private contextLength(m: InstalledModel): number {
    const embeddingOnly = m.spec.capabilities.includes('embedding') && !m.spec.capabilities.includes('completion');
    return m.spec.contextLength ?? (embeddingOnly ? 2048 : 8192);
  }

  private embeddingDim(m: InstalledModel): number {
    return m.spec.embeddingDim ?? 384;
  }

  private template(m: InstalledModel): string {
    return m.spec.template ?? defaultTemplate(m.spec.capabilities);
  }

  private tags(x: Exchange): void {
    x.json(200, {
      models: this.visibleModels().map((m) => ({
        name: shortName(m.parsed),
        model: shortName(m.parsed),
        modified_at: m.modifiedAt.toISOString(),
        size: this.size(m),
        digest: m.digest,
        details: this.details(m),
      })),
    });
  }

  private ps(x: Exchange): void {
    x.json(200, {
      models: this.visibleLoaded().map(([m, l]) => ({
        name: shortName(m.parsed),
        model: shortName(m.parsed),
        size: this.size(m),
        digest: m.digest,
        details: this.details(m),
        expires_at: l.expiresAt.toISOString(),
        size_vram: this.size(m),
        context_length: l.contextLength,
      })),
    });
  }

  /** Records a model as loaded (for `/api/ps`) after a request that used it. */
  private touch(m: InstalledModel, keepAliveMs: number | undefined, options: Json | undefined): void {
    if (keepAliveMs === 0) {
      this.loaded.delete(m.key);
      return;
    }
    const ms = keepAliveMs === undefined ? DEFAULT_KEEP_ALIVE_MS : keepAliveMs < 0 ? FOREVER_MS : keepAliveMs;
    const numCtx = typeof options?.num_ctx === 'number' ? options.num_ctx : Math.min(4096, this.contextLength(m));
    this.loaded.set(m.key, { expiresAt: new Date(this.now().getTime() + ms), contextLength: numCtx });
  }

  private show(x: Exchange, body: Json): void {
    const name = (body.model as string | undefined) || (body.name as string | undefined);
    if (!name) return x.error(400, 'model is required');
    const m = this.find(name);
    if (!m) return x.error(404, `model '${name}' not found`);
    const s = m.spec;
    const family = this.details(m).family as string;
    const params = Object.entries(s.parameters ?? {}).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((item) => `${k.padEnd(30)} ${goValue(item)}`),
    );
    const template = this.template(m);
    let modelfile =
      `# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n` +
      `# FROM ${shortName(m.parsed)}\n\nFROM /root/.ollama/models/blobs/sha256-${m.digest}\n` +
      `TEMPLATE """${template}"""\n`;
    if (s.system) modelfile += `SYSTEM """${s.system}"""\n`;
    for (const [k, v] of Object.entries(s.parameters ?? {})) {
      for (const item of Array.isArray(v) ? v : [v]) modelfile += `PARAMETER ${k} ${String(item)}\n`;
    }
    const response: Json = {
      modelfile,
      ...(params.length ? { parameters: params.join('\n') } : {}),
      template,
      ...(s.system ? { system: s.system } : {}),
      details: this.details(m),
      model_info: {
        'general.architecture': family,
        'general.file_type': 15,
        'general.parameter_count': 1_543_714_304,
        'general.quantization_version': 2,
        [`${family}.context_length`]: this.contextLength(m),
        [`${family}.embedding_length`]: this.embeddingDim(m),
      },
      capabilities: [...s.capabilities],
      modified_at: m.modifiedAt.toISOString(),
    };
    x.json(200, response);
  }

  // --- chat and generate --------------------------------------------------------------------

  private takeScript(endpoint: Endpoint, body: Json, rec: RecordedRequest): ScriptedReply | undefined {
    const key = typeof body.model === 'string' ? nameKey(body.model) : undefined;
    const i = this.scripts.findIndex(
      (s) =>
        (s.endpoint === undefined || s.endpoint === endpoint) &&
        (s.model === undefined || nameKey(s.model) === key) &&
        (s.when === undefined || s.when(rec)),
    );
    if (i < 0) return undefined;
    const reply = this.scripts[i];
    if (!reply.repeat) this.scripts.splice(i, 1);
    return reply;
  }

  private async generation(x: Exchange, endpoint: Endpoint, body: Json, faults: Faults): Promise<void> {
    const modelName = typeof body.model === 'string' ? body.model : '';
    const isChat = endpoint === 'chat';
    if (isChat && !parseName(modelName)) return x.error(400, 'model is required');
    const m = this.find(modelName);
    if (!m) return x.error(404, `model '${modelName}' not found`);
    const keepAlive = parseKeepAlive(body.keep_alive);
    if (typeof keepAlive === 'object') return x.error(400, keepAlive.error);
    const options = body.options as Json | undefined;
    const caps = m.spec.capabilities;
    const created = (): string => this.now().toISOString();
    const messages = (Array.isArray(body.messages) ? body.messages : []) as Json[];
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    const suffix = typeof body.suffix === 'string' ? body.suffix : '';

    // Unload: empty prompt / no messages and keep_alive 0.
    const empty = isChat ? messages.length === 0 : prompt === '';
    if (empty && keepAlive === 0) {
      this.loaded.delete(m.key);
      const base = { model: modelName, created_at: created() };
      return x.json(200, isChat
        ? { ...base, message: { role: 'assistant', content: '' }, done_reason: 'unload', done: true }
        : { ...base, response: '', done: true, done_reason: 'unload' });
    }
    if (!isChat && body.raw === true && (body.template || body.system || (Array.isArray(body.context) && body.context.length))) {
      return x.error(400, 'raw mode does not support template, system, or context');
    }
    if (body.think === true && !caps.includes('thinking')) {
      return x.error(400, `${JSON.stringify(modelName)} does not support thinking`);
    }
    if (!caps.includes('completion')) {
      return x.error(400, `${JSON.stringify(modelName)} does not support ${isChat ? 'chat' : 'generate'}`);
    }
    const needs: Capability[] = [];
    if (!isChat && suffix !== '') needs.push('insert');
    if (isChat && Array.isArray(body.tools) && body.tools.length > 0) needs.push('tools');
    const missing = needs.filter((c) => !caps.includes(c));
    if (missing.length) return x.error(400, `${fullName(m.parsed)} does not support ${missing.join('\n')}`);

    // Load: nothing to generate from.
    if (empty) {
      this.touch(m, keepAlive, options);
      const base = { model: modelName, created_at: created() };
      return x.json(200, isChat
        ? { ...base, message: { role: 'assistant', content: '' }, done_reason: 'load', done: true }
        : { ...base, response: '', done: true, done_reason: 'load' });
    }

    const reply = this.takeScript(endpoint, body, x.rec);
    if (reply?.httpError) return x.error(reply.httpError.status, reply.httpError.error);

    // What the "model" says.
    let chunks: string[];
    if (reply) {
      chunks = [...(reply.chunks ?? [])];
    } else {
      const lastUser = [...messages].reverse().find((msg) => msg.role === 'user');
      const said = isChat ? (typeof lastUser?.content === 'string' ? lastUser.content : '') : prompt;
      const text = body.format ? JSON.stringify({ echo: `echo: ${said}` }) : `echo: ${said}`;
      chunks = body.format ? [text] : wordPieces(text);
    }
    let doneReason = reply?.doneReason ?? 'stop';
    const stops = Array.isArray(options?.stop) ? (options.stop as unknown[]).filter((s): s is string => typeof s === 'string' && s !== '') : [];
    if (stops.length) {
      const full = chunks.join('');
      const cut = Math.min(...stops.map((s) => (full.includes(s) ? full.indexOf(s) : Infinity)));
      if (cut !== Infinity) {
        const kept: string[] = [];
        let at = 0;
        for (const c of chunks) {
          if (at >= cut) break;
          kept.push(c.slice(0, cut - at));
          at += c.length;
        }
        chunks = kept.filter((c) => c !== '');
      }
    }
    const numPredict = typeof options?.num_predict === 'number' ? options.num_predict : -1;
    if (numPredict > 0 && chunks.length > numPredict) {
      chunks = chunks.slice(0, numPredict);
      doneReason = reply?.doneReason ?? 'length';
    }
    const thinking = reply?.thinking ?? [];
    const toolCalls = isChat ? reply?.toolCalls ?? [] : [];
    const promptText = isChat
      ? messages.map((msg) => (typeof msg.content === 'string' ? msg.content : '')).join(' ')
      : [typeof body.system === 'string' ? body.system : '', prompt, suffix].join(' ');
    const stats: GenerationStats = { ...computeStats(roughTokens(promptText), chunks.length + thinking.length), ...reply?.stats };
    const content = chunks.join('');
    const context =
      isChat || body.raw === true
        ? undefined
        : reply?.context ?? identifierSubtokens(`${prompt} ${content}`).map((t) => (fnv1a32(t) % 32000) + 1);
    this.touch(m, keepAlive, options);

    const stream = body.stream !== false;
    if (!stream) {
      const base = { model: modelName, created_at: created() };
      if (isChat) {
        const message: Json = { role: 'assistant', content };
        if (thinking.length) message.thinking = thinking.join('');
        if (toolCalls.length) message.tool_calls = toolCalls;
        return x.json(200, { ...base, message, done_reason: doneReason, done: true, ...stats });
      }
      return x.json(200, {
        ...base,
        response: content,
        ...(thinking.length ? { thinking: thinking.join('') } : {}),
        done: true,
        done_reason: doneReason,
        ...(context ? { context } : {}),
        ...stats,
      });
    }

    const lines: unknown[] = [];
    const line = (fields: Json): Json => ({ model: modelName, created_at: created(), ...fields });
    for (const t of thinking) {
      lines.push(isChat ? line({ message: { role: 'assistant', content: '', thinking: t }, done: false }) : line({ response: '', thinking: t, done: false }));
    }
    for (const c of chunks) {
      lines.push(isChat ? line({ message: { role: 'assistant', content: c }, done: false }) : line({ response: c, done: false }));
    }
    if (toolCalls.length) lines.push(line({ message: { role: 'assistant', content: '', tool_calls: toolCalls }, done: false }));
    lines.push(
      isChat
        ? line({ message: { role: 'assistant', content: '' }, done_reason: doneReason, done: true, ...stats })
        : line({ response: '', done: true, done_reason: doneReason, ...(context ? { context } : {}), ...stats }),
    );
    await x.ndjson(lines, faults);
  }

  // --- embeddings ---------------------------------------------------------------------------

  private embeddingsFor(m: InstalledModel, texts: string[], faults: Faults, maxTokens: number): number[][] {
    const dim = faults.wrongEmbeddingDim ?? this.embeddingDim(m);
    return texts.map((t) => hashedEmbedding(t, dim, maxTokens));
  }

  private embed(x: Exchange, body: Json, faults: Faults): void {
    let input: string[];
    if (typeof body.input === 'string') input = body.input === '' ? [] : [body.input];
    else if (Array.isArray(body.input)) {
      if (!body.input.every((v) => typeof v === 'string')) return x.error(400, 'invalid input type');
      input = body.input as string[];
    } else if (body.input === undefined || body.input === null) input = [];
    else return x.error(400, 'invalid input type');
    const name = typeof body.model === 'string' ? body.model : '';
    if (!parseName(name)) return x.error(400, 'model is required');
    const keepAlive = parseKeepAlive(body.keep_alive);
    if (typeof keepAlive === 'object') return x.error(400, keepAlive.error);
    const m = this.find(name);
    if (!m) return x.error(404, `model ${JSON.stringify(name)} not found, try pulling it first`);
    const options = body.options as Json | undefined;
    if (input.length === 0) {
      this.touch(m, keepAlive, options);
      return x.json(200, { model: name, embeddings: [] });
    }
    if (!m.spec.capabilities.includes('embedding')) return x.error(501, 'this model does not support embeddings');
    const numCtx = typeof options?.num_ctx === 'number' ? options.num_ctx : Infinity;
    const ctx = Math.min(numCtx, this.contextLength(m));
    const counts = input.map((t) => Math.max(1, identifierSubtokens(t).length));
    if (body.truncate === false && counts.some((c) => c > ctx)) {
      return x.error(400, 'the input length exceeds the context length');
    }
    let embeddings = this.embeddingsFor(m, input, faults, ctx);
    const dims = typeof body.dimensions === 'number' ? body.dimensions : 0;
    if (dims > 0) embeddings = embeddings.map((v) => (dims < v.length ? normalise(v.slice(0, dims)) : v));
    this.touch(m, keepAlive, options);
    const tokens = counts.reduce((a, b) => a + Math.min(b, ctx), 0);
    x.json(200, {
      model: name,
      embeddings,
      total_duration: 1_000_000 + 100_000 * tokens,
      load_duration: 1_000_000,
      prompt_eval_count: tokens,
    });
  }

  private embeddingsLegacy(x: Exchange, body: Json, faults: Faults): void {
    const name = typeof body.model === 'string' ? body.model : '';
    if (!parseName(name)) return x.error(400, 'model is required');
    const keepAlive = parseKeepAlive(body.keep_alive);
    if (typeof keepAlive === 'object') return x.error(400, keepAlive.error);
    const m = this.find(name);
    if (!m) return x.error(404, `model ${JSON.stringify(name)} not found, try pulling it first`);
    const options = body.options as Json | undefined;
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    this.touch(m, keepAlive, options);
    if (prompt === '') return x.json(200, { embedding: [] });
    if (!m.spec.capabilities.includes('embedding')) return x.error(500, 'this model does not support embeddings');
    const [embedding] = this.embeddingsFor(m, [prompt], faults, this.contextLength(m));
    x.json(200, { embedding });
  }

  // --- blobs, create, pull, delete, copy ----------------------------------------------------

  private headBlob(x: Exchange, digest: string): void {
    if (!DIGEST_RE.test(digest)) return x.error(400, 'invalid digest format');
    if (!this.blobs.has(digest)) return x.error(404, `blob ${JSON.stringify(digest)} not found`);
    x.empty(200);
  }

  private postBlob(x: Exchange, digest: string): void {
    if (!DIGEST_RE.test(digest)) return x.error(400, 'invalid digest format');
    if (this.blobs.has(digest)) return x.empty(200);
    const actual = `sha256:${sha256Hex(x.rec.rawBody)}`;
    if (actual !== digest) {
      return x.error(400, `digest mismatch, expected ${JSON.stringify(digest)}, got ${JSON.stringify(actual)}`);
    }
    this.blobs.set(digest, Buffer.from(x.rec.rawBody));
    x.empty(201);
  }

  /** Streams progress lines, or (`stream: false`) answers with the last one; an `error` entry ends it as Ollama does. */
  private async progress(x: Exchange, body: Json, lines: Json[], faults: Faults): Promise<void> {
    if (body.stream === false) {
      const err = lines.find((l) => 'error' in l);
      if (err) return x.error(typeof err.status === 'number' ? err.status : 500, String(err.error));
      return x.json(200, lines[lines.length - 1]);
    }
    const errAt = lines.findIndex((l) => 'error' in l);
    if (errAt === 0) {
      // An error before anything was written becomes the HTTP status, as Ollama's streamResponse does.
      const err = lines[0];
      return x.error(typeof err.status === 'number' ? err.status : 500, String(err.error));
    }
    await x.ndjson(lines.map((l) => ('error' in l ? { error: l.error } : l)), faults);
  }

  private pullLines(spec: ModelSpec, digest: string): Json[] {
    const total = spec.size ?? 1_000_000_000;
    const short = digest.slice(0, 12);
    return [
      { status: 'pulling manifest' },
      { status: `pulling ${short}`, digest: `sha256:${digest}`, total },
      { status: `pulling ${short}`, digest: `sha256:${digest}`, total, completed: total },
      { status: 'verifying sha256 digest' },
      { status: 'writing manifest' },
    ];
  }

  /** Resolves what a pull of `name` installs: a registry entry, or the installed model itself. */
  private pullable(name: string): ModelSpec | undefined {
    const key = nameKey(name);
    if (!key) return undefined;
    const fromRegistry = this.registry.get(key);
    if (fromRegistry) return { ...fromRegistry, name };
    return this.installed.get(key)?.spec;
  }

  /** Installs a pulled model and clears it from the missing-model fault. */
  private installPulled(name: string, spec: ModelSpec): void {
    const key = nameKey(name);
    if (!this.installed.has(key ?? '')) this.addModel({ ...spec, name, modifiedAt: undefined });
    const m = this.faults.missingModel;
    if (m !== undefined) {
      const rest = (Array.isArray(m) ? m : [m]).filter((n) => nameKey(n) !== key);
      this.faults.missingModel = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : rest;
    }
  }

  private async pull(x: Exchange, body: Json, faults: Faults): Promise<void> {
    const name = (body.model as string | undefined) || (body.name as string | undefined) || '';
    if (!parseName(name)) return x.error(400, 'invalid model name');
    const spec = this.pullable(name);
    if (!spec) {
      return this.progress(x, body, [{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }], faults);
    }
    this.installPulled(name, spec);
    const m = this.installed.get(nameKey(name) ?? '');
    const lines = [...this.pullLines(spec, m?.digest ?? sha256Hex(name)), { status: 'success' }];
    await this.progress(x, body, lines, faults);
  }

  private async create(x: Exchange, body: Json, faults: Faults): Promise<void> {
    const name = (body.model as string | undefined) || (body.name as string | undefined) || '';
    const parsed = parseName(name);
    if (!parsed) return x.error(400, 'invalid model name');
    const files = (body.files ?? {}) as Record<string, unknown>;
    const adapters = (body.adapters ?? {}) as Record<string, unknown>;
    // Check every referenced blob up front (Ollama answers 400 before streaming anything).
    for (const [file, digest] of [...Object.entries(files), ...Object.entries(adapters)]) {
      if (typeof digest !== 'string') {
        return x.error(400, `json: cannot unmarshal ${jsonKind(digest)} into Go struct field CreateRequest.files of type string`);
      }
      if (!DIGEST_RE.test(digest)) return x.error(400, `invalid digest for ${file}: invalid digest format`);
      if (!this.blobs.has(digest)) return x.error(400, `blob not found for ${file} (digest ${digest}): file does not exist`);
    }
    const from = typeof body.from === 'string' && body.from !== '' ? body.from : undefined;
    if (!from && Object.keys(files).length === 0) {
      return this.progress(x, body, [{ error: "neither 'from' or 'files' was specified", status: 400 }], faults);
    }

    const lines: Json[] = [];
    let base: ModelSpec | undefined;
    let parent = '';
    if (from) {
      const fromModel = this.find(from);
      if (fromModel) {
        base = fromModel.spec;
        parent = shortName(fromModel.parsed);
        lines.push({ status: `using existing layer sha256:${fromModel.digest}` });
      } else {
        const pulled = this.pullable(from);
        if (!pulled) {
          return this.progress(x, body, [{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }], faults);
        }
        this.installPulled(from, pulled);
        const m = this.installed.get(nameKey(from) ?? '');
        lines.push(...this.pullLines(pulled, m?.digest ?? sha256Hex(from)));
        base = pulled;
        parent = m ? shortName(m.parsed) : from;
      }
    }
    for (const digest of Object.values(files) as string[]) {
      lines.push({ status: 'parsing GGUF' }, { status: `using existing layer ${digest}` });
    }
    for (const digest of Object.values(adapters) as string[]) lines.push({ status: `using existing layer ${digest}` });
    let quantization = base?.quantization;
    if (typeof body.quantize === 'string' && body.quantize !== '') {
      quantization = body.quantize.toUpperCase();
      lines.unshift({ status: `quantizing F16 model to ${quantization}` });
    }
    for (const field of ['template', 'system', 'license', 'parameters', 'messages'] as const) {
      if (body[field] !== undefined) lines.push({ status: `creating new layer sha256:${sha256Hex(JSON.stringify(body[field]))}` });
    }
    lines.push({ status: 'writing manifest' }, { status: 'success' });

    // The new model: capabilities inherited from `from` (plus completion); a template of its own
    // decides insert and tools, as Ollama derives them from the template's variables.
    let caps: Capability[] = [...new Set<Capability>([...(base?.capabilities ?? []), 'completion'])];
    const template = typeof body.template === 'string' ? body.template : undefined;
    if (template !== undefined) {
      caps = caps.filter((c) => c !== 'insert' && c !== 'tools');
      if (template.includes('.Tools')) caps.push('tools');
      if (template.includes('.Suffix')) caps.push('insert');
    }
    const parameters = (body.parameters as Record<string, unknown> | undefined) ?? base?.parameters;
    this.addModel({
      ...(base ?? {}),
      name,
      capabilities: caps,
      template: template ?? base?.template,
      system: typeof body.system === 'string' ? body.system : base?.system,
      parameters,
      quantization,
      modifiedAt: undefined,
    });
    const created = this.installed.get(fullName(parsed).toLowerCase());
    if (created) {
      created.parentModel = parent;
      created.digest = sha256Hex(JSON.stringify(body));
    }
    await this.progress(x, body, lines, faults);
  }

  private delete(x: Exchange, body: Json): void {
    const name = (body.model as string | undefined) || (body.name as string | undefined) || '';
    if (!parseName(name)) return x.error(400, `name ${JSON.stringify(name)} is invalid`);
    const m = this.find(name);
    if (!m) return x.error(404, `model '${name}' not found`);
    this.removeModel(name);
    x.empty(200);
  }

  private copy(x: Exchange, body: Json): void {
    const source = typeof body.source === 'string' ? body.source : '';
    const destination = typeof body.destination === 'string' ? body.destination : '';
    if (!parseName(source)) return x.error(400, `source ${JSON.stringify(source)} is invalid`);
    if (!parseName(destination)) return x.error(400, `destination ${JSON.stringify(destination)} is invalid`);
    const m = this.find(source);
    if (!m) return x.error(404, `model ${JSON.stringify(source)} not found`);
    this.addModel({ ...m.spec, name: destination, modifiedAt: undefined });
    x.empty(200);
  }
}
