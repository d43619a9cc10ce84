/**
 * `POST /api/create` with its progress streamed: one NDJSON line per step (`using existing
 * layer …`, `writing manifest`, `success`). The request only succeeds once the `success` line
 * arrived; an `{"error"}` line, an HTTP error, or a stream that stops short fails with a
 * {@link HouseModelError} that names the fix.
 *
 * Not retried: creating twice is harmless, but a create that failed in the middle failed for a
 * reason the user should read. Running the registration again is the retry.
 */
import { cancelledError, errorText, isNetworkFailure, OllamaError, timeoutError, unreachableError } from '../llm/ollamaError';
import type { BlobDigest } from './fileDigest';
import { HouseModelError } from './houseModelError';
import type { ModelParameters } from './modelfile';

/** The `/api/create` body InHouse sends (Ollama ≥ 0.5.5 field names). */
export interface CreateRequestBody {
  model: string;
  from: string;
  /** File name → `sha256:<hex>` of an uploaded blob. */
  adapters: Record<string, BlobDigest>;
  system?: string;
  template?: string;
  parameters?: ModelParameters;
  stream: true;
}

/** One progress line of `/api/create`. */
export interface CreateProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface CreateTransport {
  host: string;
  /**
   * The longest wait for the first line and between two lines. Converting a large adapter can be
   * silent for a while, so callers give more than for a chat answer.
   */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

/** Runs the create, calling `onProgress` per line; resolves with every status line once `success` arrived. */
export async function createModel(t: CreateTransport, body: CreateRequestBody, onProgress?: (p: CreateProgress) => void): Promise<string[]> {
  if (t.signal?.aborted) throw cancelledError();
  const stall = new AbortController();
  const signal = t.signal ? AbortSignal.any([stall.signal, t.signal]) : stall.signal;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), t.idleTimeoutMs);
  };
  const statuses: string[] = [];
  let answered = false;
  try {
    arm();
    const res = await fetch(`${t.host}/api/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
      body: JSON.stringify(body),
      signal,
    });
    answered = true;
    if (!res.ok) throw createFailed(t.host, body, errorText(await res.text(), res.status), res.status);
    if (!res.body) throw new HouseModelError(`Ollama at ${t.host} answered the create without a body. Check what listens at inhouse.ollama.host.`, 'create');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const handle = (line: string): boolean => {
      if (!line.trim()) return false;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new HouseModelError(`Ollama at ${t.host} sent a line that is not JSON while creating ${body.model}. Check what listens at inhouse.ollama.host, then run again.`, 'create');
      }
      if (parsed.error !== undefined) {
        throw createFailed(t.host, body, typeof parsed.error === 'string' ? parsed.error : JSON.stringify(parsed.error));
      }
      const status = typeof parsed.status === 'string' ? parsed.status : '';
      if (!status) return false;
      statuses.push(status);
      const progress: CreateProgress = { status };
      if (typeof parsed.digest === 'string') progress.digest = parsed.digest;
      if (typeof parsed.total === 'number') progress.total = parsed.total;
      if (typeof parsed.completed === 'number') progress.completed = parsed.completed;
      onProgress?.(progress);
      return status === 'success';
    };
    let succeeded = false;
    for (;;) {
      arm();
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (handle(line)) succeeded = true;
      }
    }
    if (handle(buffer + decoder.decode())) succeeded = true;
    if (!succeeded) {
      throw new HouseModelError(
        `Creating ${body.model} in Ollama at ${t.host} stopped before it finished (last step: ${statuses[statuses.length - 1] ?? 'none'}). Run the registration again; uploaded files are kept.`,
        'create',
      );
    }
    return statuses;
  } catch (err) {
    if (err instanceof HouseModelError || err instanceof OllamaError) throw err;
    if (t.signal?.aborted) throw cancelledError();
    if (stall.signal.aborted) {
      if (!answered) throw timeoutError(t.host, t.idleTimeoutMs);
      throw new HouseModelError(
        `Ollama at ${t.host} sent nothing for ${Math.round(t.idleTimeoutMs / 1000)} s while creating ${body.model} (last step: ${statuses[statuses.length - 1] ?? 'none'}). Check the Ollama server log, then run again.`,
        'create',
      );
    }
    if (isNetworkFailure(err)) {
      if (!answered) throw unreachableError(t.host);
      throw new HouseModelError(`The connection to Ollama at ${t.host} broke off while creating ${body.model}. Check that Ollama is still running (\`ollama serve\`), then run again.`, 'create');
    }
    throw new HouseModelError(`Creating ${body.model} in Ollama at ${t.host} failed (${(err as Error)?.message ?? String(err)}).`, 'create');
  } finally {
    clearTimeout(timer);
  }
}

/** An error from Ollama while creating, with what to do about the ones we recognise. */
function createFailed(host: string, body: CreateRequestBody, text: string, status?: number): HouseModelError {
  const at = status ? ` (${status})` : '';
  const base = `Ollama at ${host} could not create ${body.model}${at}: ${text}.`;
  let fix: string;
  if (/blob not found|file does not exist.*digest|digest .*not found/i.test(text) && !/manifest/i.test(text)) {
    fix = 'An adapter file is missing in Ollama: run the registration again; it uploads what is missing.';
  } else if (/pull model manifest|model .*not found/i.test(text)) {
    fix = `The base model is not available: run \`ollama pull ${body.from}\`, then run again.`;
  } else if (/adapter_config/i.test(text)) {
    fix = 'Ollama needs adapter_config.json next to the safetensors adapter: copy it from the training output folder.';
  } else if (/unsupported (architecture|content type)|invalid file magic|convert/i.test(text)) {
    fix = `Ollama cannot convert this safetensors adapter for ${body.from}. Convert it to GGUF with llama.cpp's convert_lora_to_gguf.py (against the same base) and pass the .gguf file as the adapter.`;
  } else if (/invalid model name|name .*invalid/i.test(text)) {
    fix = 'Pick a name of letters, digits, "-", "_" and ".", with an optional ":tag".';
  } else if (/adapters?.*(not supported|unsupported)|unknown field/i.test(text)) {
    fix = `This Ollama does not take adapters through its API: upgrade Ollama, or write the Modelfile (--modelfile) and run \`ollama create ${body.model} -f Modelfile\` in the adapter folder.`;
  } else {
    fix = 'Check the Ollama server log, then run again; uploaded files are kept.';
  }
  return new HouseModelError(`${base.replace(/\.\.$/, '.')} ${fix}`, 'create');
}
