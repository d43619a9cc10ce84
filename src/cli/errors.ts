import { RootNotFoundError } from '../engine/indexing/crawler';
import { QueryError } from '../engine/retrieval/queryText';
import { OllamaError } from '../engine/llm/ollamaClient';
import { SettingsError } from '../engine/settings';
import { IndexError } from '../engine/store/indexStore';
import { LockedError } from '../engine/store/writeLock';
import { LocationError } from '../engine/store/location';
import { DatasetError } from '../engine/dataset/exportTrainingSet';
import { UnknownFamilyError } from '../engine/dataset/fimFormat';
import { EvalError } from '../engine/eval/evalRunStore';
import { HouseModelError } from '../engine/houseModel/houseModelError';

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
    err instanceof SettingsError ||
    err instanceof HouseModelError ||
    err instanceof EvalError ||
    err instanceof DatasetError ||
    err instanceof UnknownFamilyError
  ) {
    return { message: err.message, code: 1 };
  }
  const message = (err instanceof Error ? err.message.split('\n')[0] : String(err)).replace(/\.$/, '');
  return { message: `unexpected error: ${message}. Run again with --log-level debug, and report it if it persists.`, code: 1 };
}

/** Prints a failed command's error (usage errors with the pointer to --help) and returns its exit code. */
export function reportError(err: unknown, io: { err(text: string): void }): 1 | 2 {
  const { message, code } = describeError(err);
  io.err(`inhouse: ${message}\n`);
  if (code === 2) io.err('Run inhouse --help for usage.\n');
  return code;
}
