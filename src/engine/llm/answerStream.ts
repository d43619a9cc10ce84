/**
 * A streamed answer from `/api/chat` or `/api/generate`, read by us rather than by the `ollama`
 * client: that client skips a line that is not JSON with a console warning, so garbage could pass
 * unnoticed and a reply that merely stopped would look finished. Here every line must be JSON,
 * an in-band `{"error"}` line fails the stream, and the stream only ends normally once Ollama's
 * final `done` line arrived. Anything else throws an {@link OllamaError}: the text yielded so
 * far is then incomplete.
 *
 * Timeouts: until the first line, the request has `timeoutMs` in all (Ollama answers only once the
 * model is loaded and has its first token). After that there is no total bound, since a long
 * answer may rightly take longer than any one request should; instead Ollama may not fall silent
 * for more than `timeoutMs` between two chunks. The time the consumer spends between reads does
 * not count. A caller who wants a total bound passes a signal (e.g. `AbortSignal.timeout`), which
 * then fails as 'timeout'.
 */
import { cancelledError, isConnectFailure, isNetworkFailure, OllamaError, statusError, errorText, timeoutError, unreachableError } from './ollamaError';
import { backoff, type RetryPolicy } from './retry';

/** How an answer ended, from Ollama's final line. */
export interface StreamSummary {
  /** `stop` (a stop sequence or the end of the answer), `length` (hit `num_predict`), … */
  doneReason: string;
  /** True when the answer was cut at `num_predict` (`done_reason` `length`): it is not finished. */
  truncated: boolean;
  promptTokens: number;
  outputTokens: number;
  totalDurationMs: number;
  loadDurationMs: number;
  /** Time spent generating the output tokens (tokens/s = outputTokens / this). */
  evalDurationMs: number;
}

/**
 * The text deltas of an answer, iterable once. The request is sent when iteration starts.
 * `summary` is set once the final line arrived (before the iteration ends). Leaving the loop
 * early (`break`) hangs up on Ollama, which stops generating.
 */
export class AnswerStream implements AsyncIterable<string> {
  private started = false;
  private finalSummary: StreamSummary | undefined;

  constructor(private readonly produce: (onSummary: (s: StreamSummary) => void) => AsyncGenerator<string>) {}

  /** Undefined until the answer completed; then how it ended and what it cost. */
  get summary(): StreamSummary | undefined {
    return this.finalSummary;
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.started) throw new Error('An AnswerStream can be read only once.');
    this.started = true;
    return this.produce((s) => {
      this.finalSummary = s;
    });
  }

  /** The whole answer, once complete. */
  async text(): Promise<string> {
    let out = '';
    for await (const piece of this) out += piece;
    return out;
  }
}

export interface StreamRequest {
  host: string;
  path: '/api/chat' | '/api/generate';
  body: Record<string, unknown>;
  /** For error messages (`ollama pull <model>`). */
  model: string;
  timeoutMs: number;
  /** Applied only to a connection refused or reset before any answer. */
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** The text delta of one line (`message.content` for chat, `response` for generate). */
  textOf(line: Record<string, unknown>): string;
}

export function streamAnswer(req: StreamRequest): AnswerStream {
  return new AnswerStream((onSummary) => run(req, onSummary));
}

type Phase = 'first' | 'idle';

async function* run(req: StreamRequest, onSummary: (s: StreamSummary) => void): AsyncGenerator<string> {
  const { host, signal, timeoutMs } = req;
  if (signal?.aborted) throw cancelledError();
  const hangUp = new AbortController();
  const fetchSignal = signal ? AbortSignal.any([hangUp.signal, signal]) : hangUp.signal;
  let timer: NodeJS.Timeout | undefined;
  let timedOut: Phase | undefined;
  const arm = (phase: Phase): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = phase;
      hangUp.abort();
    }, timeoutMs);
  };
  const disarm = (): void => clearTimeout(timer);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let answered = false;
  let complete = false;
  let drained = false;
  try {
    const response = await open(req, fetchSignal, arm, disarm);
    // The 'first' timer still runs: it covers the error body and the first line too.
    if (!response.ok) throw statusError(host, response.status, errorText(await response.text(), response.status), req.model);
    if (!response.body) throw new OllamaError(`Ollama at ${host} answered without a body. Check what listens at inhouse.ollama.host.`, 'bad-reply');
    answered = true;
    reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const decoder = new TextDecoder();
    let buffer = '';
    let summary: StreamSummary | undefined;
    let phase: Phase = 'first';
    for (;;) {
      if (phase === 'idle') arm('idle');
      const { done, value } = await reader.read();
      disarm();
      if (done) {
        drained = true;
        break;
      }
      phase = 'idle';
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while (!summary && (nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const parsed = parseLine(line, host);
        if (!parsed) continue;
        const text = req.textOf(parsed);
        if (parsed.done === true) {
          summary = summaryOf(parsed);
          onSummary(summary);
          complete = true;
        }
        if (text) yield text;
      }
      if (summary) break;
    }
    if (!summary) {
      // A last line without its newline still counts, if it is the final one.
      const rest = buffer + decoder.decode();
      const parsed = rest.trim() ? parseLine(rest, host) : undefined;
      if (parsed?.done === true) {
        const text = req.textOf(parsed);
        onSummary(summaryOf(parsed));
        complete = true;
        if (text) yield text;
        return;
      }
      if (parsed) {
        const text = req.textOf(parsed);
        if (text) yield text;
      }
      throw new OllamaError(
        `The answer from Ollama at ${host} ended before it was complete (no final line). Try again; if it keeps happening, check the Ollama server log.`,
        'bad-reply',
      );
    }
    // Read the end of the response, so the connection goes back to the pool instead of being cut.
    await drain(reader, arm, disarm);
    drained = true;
  } catch (err) {
    if (complete) return;
    throw explainStreamError(err, req, timedOut, answered);
  } finally {
    disarm();
    if (!drained) {
      // Also when the consumer left the loop early: hanging up stops the generation.
      hangUp.abort();
      reader?.cancel().catch(() => undefined);
    }
  }
}

/** Sends the request, retrying only a connection refused or reset before any answer. */
async function open(req: StreamRequest, signal: AbortSignal, arm: (phase: Phase) => void, disarm: () => void): Promise<Response> {
  const body = JSON.stringify(req.body);
  for (let attempt = 0; ; attempt++) {
    arm('first');
    try {
      return await fetch(`${req.host}${req.path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
        body,
        signal,
      });
    } catch (err) {
      if (signal.aborted || attempt >= req.retry.retries || !isConnectFailure(err)) throw err;
      // The wait before a retry is ours, not Ollama's: it does not count against the timeout.
      disarm();
      await backoff(req.retry, attempt, req.signal);
    }
  }
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, arm: (phase: Phase) => void, disarm: () => void): Promise<void> {
  try {
    for (;;) {
      arm('idle');
      const { done } = await reader.read();
      disarm();
      if (done) return;
    }
  } catch {
    // The answer is complete; how the connection ends no longer matters.
  }
}

function parseLine(line: string, host: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OllamaError(
      `Ollama at ${host} sent a line that is not JSON in the middle of an answer; the answer is incomplete. Check what listens at inhouse.ollama.host.`,
      'bad-reply',
    );
  }
  const obj = parsed as Record<string, unknown>;
  if (obj.error !== undefined) {
    const text = typeof obj.error === 'string' ? obj.error : JSON.stringify(obj.error);
    throw new OllamaError(`Ollama at ${host} failed in the middle of an answer: ${text}`, 'server');
  }
  return obj;
}

function summaryOf(line: Record<string, unknown>): StreamSummary {
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const doneReason = typeof line.done_reason === 'string' && line.done_reason ? line.done_reason : 'stop';
  return {
    doneReason,
    truncated: doneReason === 'length',
    promptTokens: num(line.prompt_eval_count),
    outputTokens: num(line.eval_count),
    totalDurationMs: num(line.total_duration) / 1e6,
    loadDurationMs: num(line.load_duration) / 1e6,
    evalDurationMs: num(line.eval_duration) / 1e6,
  };
}

function explainStreamError(err: unknown, req: StreamRequest, timedOut: Phase | undefined, answered: boolean): OllamaError {
  if (err instanceof OllamaError) return err;
  const { host, signal, timeoutMs } = req;
  if (signal?.aborted) {
    // A deadline the caller set is a timeout to the user, not a cancellation.
    if ((signal.reason as Error | undefined)?.name === 'TimeoutError') {
      return new OllamaError(`Ollama at ${host} did not finish the answer in time; the answer is incomplete.`, 'timeout');
    }
    return cancelledError();
  }
  if (timedOut === 'first') return timeoutError(host, timeoutMs);
  if (timedOut === 'idle') {
    return new OllamaError(
      `Ollama at ${host} sent nothing for ${Math.round(timeoutMs / 1000)} s in the middle of an answer; the answer is incomplete. Check that it is not overloaded, or raise inhouse.ollama.timeoutSeconds.`,
      'timeout',
    );
  }
  if (isNetworkFailure(err)) {
    if (!answered) return unreachableError(host);
    return new OllamaError(
      `The connection to Ollama at ${host} broke off in the middle of an answer; the answer is incomplete. Check that Ollama is still running (\`ollama serve\`).`,
      'unreachable',
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new OllamaError(`Ollama at ${host} sent a reply InHouse could not use (${message}).`, 'bad-reply');
}
