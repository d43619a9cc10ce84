import { cancelledError } from './ollamaError';

/**
 * How often a request that is safe to repeat is retried, and how long to wait first. Retries
 * are few and short: they ride out an Ollama that is restarting, not one that is down.
 */
export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** Wait before the first retry; doubled for each further one. */
  delayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, delayMs: 150 };

/** Waits before retry number `attempt` (0-based); rejects with 'cancelled' as soon as `signal` aborts. */
export function backoff(policy: RetryPolicy, attempt: number, signal?: AbortSignal): Promise<void> {
  const ms = policy.delayMs * 2 ** attempt;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelledError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
