import { RootNotFoundError } from '../engine/indexing/crawler';
import { QueryError } from '../engine/retrieval/queryText';
import { OllamaError } from '../engine/llm/ollamaClient';
import { SettingsError } from '../engine/settings';
import { IndexError } from '../engine/store/indexStore';
import { LockedError } from '../engine/store/writeLock';
import { LocationError } from '../engine/store/location';

/** Bad command-line usage: exit code 2 unless said otherwise. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

/** One line that says what went wrong and what to do, and the exit code. */
export function describeError(err: unknown): { message: string; code: 1 | 2 } {
  if (err instanceof UsageError) return { message: err.message, code: err.exitCode };
  if (err instanceof QueryError || err instanceof LocationError) return { message: err.message, code: 2 };
  if (
    err instanceof IndexError ||
    err instanceof RootNotFoundError ||
    err instanceof LockedError ||
    err instanceof OllamaError ||
    err instanceof SettingsError
  ) {
    return { message: err.message, code: 1 };
  }
  const message = (err instanceof Error ? err.message.split('\n')[0] : String(err)).replace(/\.$/, '');
  return { message: `unexpected error: ${message}. Run again with --log-level debug, and report it if it persists.`, code: 1 };
}
