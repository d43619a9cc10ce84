/** Which button an answer's failure offers, from what failed. No `vscode` here (unit-tested). */
import { AnswerInputError } from '../../engine/answers/answerer';
import { OllamaError } from '../../engine/llm/ollamaError';
import { IndexError } from '../../engine/store/indexStore';
import type { FixAction } from '../../protocol/chatProtocol';

export function fixesFor(err: unknown): FixAction[] {
  if (err instanceof OllamaError) {
    switch (err.kind) {
      case 'unreachable':
      case 'timeout':
      case 'bad-host':
      case 'bad-reply':
        return ['openHostSetting', 'openLogs'];
      case 'model-missing':
      case 'unsupported':
        return ['selectModel', 'openModelSetting'];
      case 'cancelled':
        return [];
      default:
        return ['openLogs'];
    }
  }
  if (err instanceof AnswerInputError) return [];
  if (err instanceof IndexError) return err.code === 'locked' ? ['openLogs'] : ['reindex', 'openLogs'];
  return ['openLogs'];
}

/** What the user sees when there is no message worth showing. */
export function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.trim() || 'The answer failed for a reason InHouse could not tell; see InHouse: Open Logs.';
}

export function isCancellation(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  if (err instanceof OllamaError && err.kind === 'cancelled') return true;
  return err instanceof Error && err.name === 'AbortError';
}
