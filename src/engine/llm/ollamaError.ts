/** Ollama failures, each with a message that names the fix. */

export type OllamaErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'model-missing'
  | 'unsupported'
  | 'outdated'
  | 'bad-reply'
  | 'bad-host'
  | 'cancelled'
  | 'server';

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

export function cancelledError(): OllamaError {
  return new OllamaError('The request to Ollama was cancelled.', 'cancelled');
}

export function timeoutError(host: string, timeoutMs: number): OllamaError {
  return new OllamaError(
    `Ollama at ${host} did not answer within ${Math.round(timeoutMs / 1000)} s. Check that it is not overloaded, or raise inhouse.ollama.timeoutSeconds.`,
    'timeout',
  );
}

export function unreachableError(host: string): OllamaError {
  return new OllamaError(`Ollama is not reachable at ${host}. Start it with \`ollama serve\`, or set inhouse.ollama.host.`, 'unreachable');
}

export function modelMissingError(host: string, model: string, setting?: string): OllamaError {
  const instead = setting ? `or set ${setting} to a model you have` : 'or pick another model in the settings';
  return new OllamaError(`The model ${model} is not pulled in Ollama at ${host}: run \`ollama pull ${model}\`, ${instead}.`, 'model-missing', 404);
}

/** An HTTP error answer (`{"error": text}` or plain text), as Ollama and proxies in front of it send them. */
export function statusError(host: string, status: number, text: string, model: string): OllamaError {
  if (model && (status === 404 || /model .*not found/i.test(text))) return modelMissingError(host, model);
  if (model && (status === 501 || /does not support/i.test(text))) {
    return new OllamaError(`The model ${model} cannot do this (${text}). Pick a model that can, in the settings.`, 'unsupported', status);
  }
  return new OllamaError(`Ollama at ${host} answered ${status}: ${text}`, 'server', status);
}

/** The `error` of a JSON error body, else the body itself, else the status text. */
export function errorText(body: string, status: number): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (parsed && typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: a proxy's page or plain text
  }
  return body.trim() || `HTTP ${status}`;
}

const CONNECT_CODES = /ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED/;

/**
 * A fetch that failed before any answer because the connection was refused or reset. Only
 * those are worth retrying: the server never started on the request.
 */
export function isConnectFailure(err: unknown): boolean {
  const e = err as { message?: string; cause?: { code?: string } } | undefined;
  return e?.message === 'fetch failed' && CONNECT_CODES.test(e.cause?.code ?? '');
}

/** A network-level failure (no answer, or an answer that broke off). */
export function isNetworkFailure(err: unknown): boolean {
  const e = err as { message?: string; cause?: { code?: string } } | undefined;
  const code = e?.cause?.code ?? '';
  return (
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|EAI_AGAIN/.test(code) ||
    e?.message === 'fetch failed' ||
    e?.message === 'terminated'
  );
}
