import { Ollama } from 'ollama';
import { streamAnswer, type AnswerStream } from './answerStream';
import { fimTemplateFor } from './fimTemplates';
import { MIN_OLLAMA_VERSION, modelInfoFromShow, modelNameKey, sameModelName, versionSupported, type ModelInfo } from './modelInfo';
import { keepAliveValue } from './modelOptions';
import {
  cancelledError,
  errorText,
  isConnectFailure,
  isNetworkFailure,
  modelMissingError,
  OllamaError,
  statusError,
  timeoutError,
  unreachableError,
} from './ollamaError';
import { backoff, DEFAULT_RETRY, type RetryPolicy } from './retry';

export { OllamaError, type OllamaErrorKind } from './ollamaError';

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

/** The setting, else OLLAMA_HOST (as the Ollama CLI reads it), else the local default. */
export function resolveOllamaHost(setting: string, env: NodeJS.ProcessEnv = process.env): string {
  // A blank setting (a stray space) means unset, as an empty one does.
  const raw = setting.trim() || env.OLLAMA_HOST?.trim() || DEFAULT_OLLAMA_HOST;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
  const withScheme = hasScheme ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new OllamaError(`"${raw}" is not a valid Ollama address. Set inhouse.ollama.host to something like ${DEFAULT_OLLAMA_HOST}.`, 'bad-host');
  }
  // Like Ollama's own OLLAMA_HOST parsing: a bare host name means the default port. URL drops
  // a port equal to the scheme's default (`host:80`), so look for one in what was written.
  const explicitPort = /^(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):\d+(?:[/?#]|$)/.test(raw);
  if (!hasScheme && !explicitPort) url.port = '11434';
  return url.toString().replace(/\/$/, '');
}

export interface OllamaClientOptions {
  host: string;
  /**
   * Per request; a stuck server fails within this bound instead of hanging. For a streamed
   * answer it bounds the wait for the first line and each silence between lines, not the whole
   * answer (see answerStream.ts).
   */
  timeoutMs: number;
  /** Retries of requests that are safe to repeat; default {@link DEFAULT_RETRY}. */
  retry?: RetryPolicy;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The options of one generation, as the settings give them. */
export interface GenerationOptions {
  /** `num_ctx`: derive it with `numCtxFor` from the settings, so it does not change between requests. */
  numCtx: number;
  /** `num_predict`: the longest answer, in tokens. */
  numPredict: number;
  /** The inhouse.ollama.keepAlive setting (`30m`, `0`, `-1`); omitted means Ollama's default. */
  keepAlive?: string | number;
  temperature?: number;
  stop?: readonly string[];
}

export interface ChatRequest extends GenerationOptions {
  model: string;
  messages: readonly ChatMessage[];
}

export interface GenerateRequest extends GenerationOptions {
  model: string;
  prompt: string;
  /** Only for a model with the `insert` capability. */
  suffix?: string;
  /** The prompt goes to the model as is, without its template. */
  raw?: boolean;
}

/**
 * What a model is needed for, by the capability Ollama names it with: `completion` to chat,
 * `insert` to fill in the middle (natively, or through a FIM layout InHouse knows for the
 * model's family), `embedding` to embed.
 */
export type ModelNeed = 'completion' | 'insert' | 'embedding';

/** The setting that picks the model for each need, named in error messages. */
const SETTING_FOR: Record<ModelNeed, string> = {
  completion: 'inhouse.chat.model',
  insert: 'inhouse.completion.model',
  embedding: 'inhouse.embedding.model',
};

/** Answers worth one more try for an idempotent request: Ollama busy or restarting behind a proxy. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * The official client for embeddings, with what it lacks: a timeout and cancellation on every
 * call (through its `fetch` hook), and errors turned into messages that say what to do. Streamed
 * answers (chat, fill in the middle) and the checks (`/api/version`, `/api/tags`, `/api/show`)
 * go through our own fetch, see answerStream.ts for why.
 *
 * Retries: only idempotent reads (`version`, `tags`, `show`) are retried, on a refused or reset
 * connection and on 502/503/504; a streamed answer only on a connection refused or reset before
 * any answer. Never after an answer started, never after a timeout or a cancellation.
 */
export class OllamaClient {
  readonly host: string;
  private readonly retry: RetryPolicy;
  private readonly infos = new Map<string, Promise<ModelInfo>>();
  private checkedVersion: string | undefined;

  constructor(private readonly options: OllamaClientOptions) {
    this.host = options.host;
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  async embed(model: string, input: string[], signal?: AbortSignal): Promise<number[][]> {
    return this.call(model, signal, async (client) => {
      const reply = await client.embed({ model, input, truncate: true });
      if (!Array.isArray(reply.embeddings) || reply.embeddings.length !== input.length) {
        throw new OllamaError(
          `Ollama at ${this.host} returned ${reply.embeddings?.length ?? 0} embeddings for ${input.length} inputs. Check the model ${model}.`,
          'bad-reply',
        );
      }
      return reply.embeddings;
    });
  }

  // --- checks ---------------------------------------------------------------------------------

  /** The server's version, from `/api/version`. */
  async version(signal?: AbortSignal): Promise<string> {
    const reply = (await this.requestJson('GET', '/api/version', undefined, '', signal)) as { version?: unknown };
    if (typeof reply?.version !== 'string') {
      throw new OllamaError(`${this.host} answered /api/version without a version. Check that inhouse.ollama.host points at Ollama.`, 'bad-reply');
    }
    return reply.version;
  }

  /** The version, or an 'outdated' error naming the upgrade. Remembered once it passed. */
  async checkVersion(signal?: AbortSignal): Promise<string> {
    if (this.checkedVersion !== undefined) return this.checkedVersion;
    const version = await this.version(signal);
    if (!versionSupported(version)) {
      throw new OllamaError(
        `Ollama ${version} at ${this.host} is older than ${MIN_OLLAMA_VERSION}, which InHouse needs: upgrade Ollama (https://ollama.com/download).`,
        'outdated',
      );
    }
    this.checkedVersion = version;
    return version;
  }

  /** The names of the pulled models, as `/api/tags` lists them. */
  async listModels(signal?: AbortSignal): Promise<string[]> {
    const reply = (await this.requestJson('GET', '/api/tags', undefined, '', signal)) as { models?: unknown };
    if (!Array.isArray(reply?.models)) {
      throw new OllamaError(`${this.host} answered /api/tags without a model list. Check that inhouse.ollama.host points at Ollama.`, 'bad-reply');
    }
    return reply.models
      .map((m: { name?: unknown; model?: unknown }) => (typeof m?.name === 'string' ? m.name : typeof m?.model === 'string' ? m.model : ''))
      .filter((n: string) => n !== '');
  }

  /** Whether the model is pulled, matching names as Ollama does (case-insensitive, `:latest` implied). */
  async hasModel(name: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.listModels(signal)).some((m) => sameModelName(m, name));
  }

  /**
   * Family, capabilities, context length and template of a model, from `/api/show`. Cached per
   * client; {@link invalidateModelInfo} forgets it (after a pull or a create).
   */
  modelInfo(model: string, signal?: AbortSignal): Promise<ModelInfo> {
    const key = modelNameKey(model);
    let pending = this.infos.get(key);
    if (!pending) {
      pending = this.requestJson('POST', '/api/show', { model }, model, signal).then((reply) => modelInfoFromShow(model, reply));
      this.infos.set(key, pending);
      // A failure is not cached: the model may be pulled a minute later.
      pending.catch(() => {
        if (this.infos.get(key) === pending) this.infos.delete(key);
      });
    }
    return pending;
  }

  /** Forgets what {@link modelInfo} learnt about one model, or about all, and the version check. */
  invalidateModelInfo(model?: string): void {
    if (model === undefined) {
      this.infos.clear();
      this.checkedVersion = undefined;
    } else {
      this.infos.delete(modelNameKey(model));
    }
  }

  /**
   * Everything a feature needs before its first request: a recent enough Ollama, the model
   * pulled, and able to do what it is needed for. Throws an OllamaError that names the fix
   * ('unreachable', 'outdated', 'model-missing', 'unsupported'); returns the model's info.
   */
  async check(model: string, need: ModelNeed, signal?: AbortSignal): Promise<ModelInfo> {
    const setting = SETTING_FOR[need];
    if (!model.trim()) throw new OllamaError(`No model is set: set ${setting}.`, 'model-missing');
    await this.checkVersion(signal);
    let info: ModelInfo;
    try {
      info = await this.modelInfo(model, signal);
    } catch (err) {
      if (err instanceof OllamaError && err.kind === 'model-missing') throw modelMissingError(this.host, model, setting);
      throw err;
    }
    const caps = info.capabilities;
    const can = caps.join(', ') || 'nothing InHouse uses';
    if (need === 'embedding' && !caps.includes('embedding')) {
      throw new OllamaError(
        `The model ${model} cannot embed text (it can: ${can}). Set ${setting} to an embedding model such as nomic-embed-text.`,
        'unsupported',
      );
    }
    if (need === 'completion' && !caps.includes('completion')) {
      throw new OllamaError(`The model ${model} cannot chat (it can: ${can}). Set ${setting} to a chat model such as qwen2.5-coder:7b.`, 'unsupported');
    }
    if (need === 'insert' && !caps.includes('insert')) {
      if (!caps.includes('completion') || !fimTemplateFor(model, info)) {
        throw new OllamaError(
          `The model ${model} cannot fill in the middle: it lacks the insert capability and InHouse knows no fill-in-the-middle layout for its family (${info.family || 'unknown'}). Set ${setting} to a code model such as qwen2.5-coder:1.5b-base.`,
          'unsupported',
        );
      }
    }
    return info;
  }

  // --- answers --------------------------------------------------------------------------------

  /**
   * A chat answer, streamed as text deltas from `/api/chat`. The request is sent when iteration
   * starts. The loop ends normally only after Ollama's final line; then `summary` says how the
   * answer ended (`truncated` when it hit `numPredict`). Any failure, also mid-answer, throws an
   * OllamaError, so the text so far is known to be incomplete. Aborting `signal` hangs up on
   * Ollama and throws 'cancelled'.
   */
  chatStream(req: ChatRequest, signal?: AbortSignal): AnswerStream {
    const body: Record<string, unknown> = {
      model: req.model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      ...this.generationFields(req),
    };
    return streamAnswer({
      host: this.host,
      path: '/api/chat',
      body,
      model: req.model,
      timeoutMs: this.options.timeoutMs,
      retry: this.retry,
      signal,
      textOf: (line) => {
        const message = line.message as { content?: unknown } | undefined;
        return typeof message?.content === 'string' ? message.content : '';
      },
    });
  }

  /** A streamed `/api/generate` answer; as {@link chatStream}. For fill in the middle, see fim.ts. */
  generateStream(req: GenerateRequest, signal?: AbortSignal): AnswerStream {
    const body: Record<string, unknown> = { model: req.model, prompt: req.prompt };
    if (req.suffix !== undefined) body.suffix = req.suffix;
    if (req.raw) body.raw = true;
    body.stream = true;
    Object.assign(body, this.generationFields(req));
    return streamAnswer({
      host: this.host,
      path: '/api/generate',
      body,
      model: req.model,
      timeoutMs: this.options.timeoutMs,
      retry: this.retry,
      signal,
      textOf: (line) => (typeof line.response === 'string' ? line.response : ''),
    });
  }

  private generationFields(req: GenerationOptions): Record<string, unknown> {
    const options: Record<string, unknown> = { num_ctx: req.numCtx, num_predict: req.numPredict };
    if (req.temperature !== undefined) options.temperature = req.temperature;
    if (req.stop && req.stop.length > 0) options.stop = [...req.stop];
    const keepAlive = keepAliveValue(req.keepAlive);
    return keepAlive === undefined ? { options } : { keep_alive: keepAlive, options };
  }

  // --- transport ------------------------------------------------------------------------------

  /**
   * One idempotent JSON request with the timeout and the caller's signal in force, retried on a
   * refused or reset connection and on 502/503/504.
   */
  private async requestJson(method: 'GET' | 'POST', path: string, body: unknown, model: string, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw this.aborted(signal);
      const deadline = AbortSignal.timeout(this.options.timeoutMs);
      const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
      let retryable = false;
      try {
        const res = await fetch(`${this.host}${path}`, {
          method,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: combined,
        });
        const text = await res.text();
        if (!res.ok) {
          retryable = RETRYABLE_STATUS.has(res.status);
          if (!retryable || attempt >= this.retry.retries) throw statusError(this.host, res.status, errorText(text, res.status), model);
        } else {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw new OllamaError(`Ollama at ${this.host} sent a reply InHouse could not use (not JSON from ${path}). Check what listens at inhouse.ollama.host.`, 'bad-reply');
          }
        }
      } catch (err) {
        if (err instanceof OllamaError) throw err;
        if (signal?.aborted) throw this.aborted(signal);
        if (deadline.aborted) throw timeoutError(this.host, this.options.timeoutMs);
        if (!isConnectFailure(err) || attempt >= this.retry.retries) {
          if (isNetworkFailure(err)) throw unreachableError(this.host);
          throw new OllamaError(`Ollama at ${this.host} sent a reply InHouse could not use (${(err as Error)?.message ?? String(err)}).`, 'bad-reply');
        }
        retryable = true;
      }
      if (retryable) await backoff(this.retry, attempt, signal);
    }
  }

  private aborted(signal: AbortSignal): OllamaError {
    // A deadline the caller set is a timeout to the user, not a cancellation.
    if ((signal.reason as Error | undefined)?.name === 'TimeoutError') {
      return new OllamaError(`Ollama at ${this.host} did not answer in time. Check that it is running and not overloaded.`, 'timeout');
    }
    return cancelledError();
  }

  /** Runs one request with the signal of the caller in force, mapping every failure. */
  private async call<T>(model: string, signal: AbortSignal | undefined, fn: (client: Ollama) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw cancelledError();
    try {
      return await fn(this.clientFor(signal));
    } catch (err) {
      throw this.explain(err, model, signal);
    }
  }

  /**
   * A client whose every request carries the timeout and the caller's signal. The client
   * itself cannot cancel a non-streaming call; its fetch hook can. Its own signal is kept
   * alongside, since replacing it breaks the client's abort() for streams.
   */
  private clientFor(signal: AbortSignal | undefined): Ollama {
    const timeoutMs = this.options.timeoutMs;
    return new Ollama({
      host: this.host,
      fetch: (input, init) => {
        const signals = [AbortSignal.timeout(timeoutMs)];
        if (init?.signal) signals.push(init.signal);
        if (signal) signals.push(signal);
        return fetch(input, { ...init, signal: AbortSignal.any(signals) });
      },
    });
  }

  private explain(err: unknown, model: string, signal: AbortSignal | undefined): OllamaError {
    if (err instanceof OllamaError) return err;
    const e = err as { name?: string; message?: string; status_code?: number; cause?: { code?: string } };
    if (signal?.aborted) return this.aborted(signal);
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return timeoutError(this.host, this.options.timeoutMs);
    // The client's ResponseError is not exported; its name and status_code identify it.
    if (e.name === 'ResponseError' && typeof e.status_code === 'number') return statusError(this.host, e.status_code, e.message ?? '', model);
    if (isNetworkFailure(err)) return unreachableError(this.host);
    return new OllamaError(`Ollama at ${this.host} sent a reply InHouse could not use (${e.message ?? String(err)}).`, 'bad-reply');
  }
}
