import { Ollama } from 'ollama';

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

export type OllamaErrorKind = 'unreachable' | 'timeout' | 'model-missing' | 'unsupported' | 'bad-reply' | 'bad-host' | 'cancelled' | 'server';

/** An Ollama failure with a message that names the fix. */
export class OllamaError extends Error {
  constructor(
    message: string,
    readonly kind: OllamaErrorKind,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface OllamaClientOptions {
  host: string;
  /** Per request; a stuck server fails within this bound instead of hanging. */
  timeoutMs: number;
}

/**
 * The official client, with what it lacks: a timeout and cancellation on every call (through
 * its `fetch` hook), and errors turned into messages that say what to do.
 */
export class OllamaClient {
  readonly host: string;

  constructor(private readonly options: OllamaClientOptions) {
    this.host = options.host;
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

  /** Runs one request with the signal of the caller in force, mapping every failure. */
  private async call<T>(model: string, signal: AbortSignal | undefined, fn: (client: Ollama) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new OllamaError('The request to Ollama was cancelled.', 'cancelled');
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
    if (signal?.aborted) {
      // A deadline the caller set is a timeout to the user, not a cancellation.
      if ((signal.reason as Error | undefined)?.name === 'TimeoutError') {
        return new OllamaError(`Ollama at ${this.host} did not answer in time. Check that it is running and not overloaded.`, 'timeout');
      }
      return new OllamaError('The request to Ollama was cancelled.', 'cancelled');
    }
    if (e.name === 'TimeoutError' || (e.name === 'AbortError' && !signal?.aborted)) {
      return new OllamaError(
        `Ollama at ${this.host} did not answer within ${Math.round(this.options.timeoutMs / 1000)} s. Check that it is not overloaded, or raise inhouse.ollama.timeoutSeconds.`,
        'timeout',
      );
    }
    if (e.name === 'ResponseError' && typeof e.status_code === 'number') {
      const text = e.message ?? '';
      if (e.status_code === 404 || /not found/i.test(text)) {
        return new OllamaError(`The model ${model} is not pulled in Ollama at ${this.host}: run \`ollama pull ${model}\`, or pick another model in the settings.`, 'model-missing', 404);
      }
      if (e.status_code === 501 || /does not support/i.test(text)) {
        return new OllamaError(`The model ${model} cannot do this (${text}). Pick a model that can, in the settings.`, 'unsupported', e.status_code);
      }
      return new OllamaError(`Ollama at ${this.host} answered ${e.status_code}: ${text}`, 'server', e.status_code);
    }
    const code = e.cause?.code ?? '';
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|UND_ERR_SOCKET|EAI_AGAIN/.test(code) || e.message === 'fetch failed' || e.message === 'terminated') {
      return new OllamaError(`Ollama is not reachable at ${this.host}. Start it with \`ollama serve\`, or set inhouse.ollama.host.`, 'unreachable');
    }
    return new OllamaError(`Ollama at ${this.host} sent a reply InHouse could not use (${e.message ?? String(err)}).`, 'bad-reply');
  }
}
