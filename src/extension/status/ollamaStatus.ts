import { OllamaError } from '../../engine/llm/ollamaClient';
import type { StatusModel } from './statusModel';

/** Tells the status model what an Ollama call's outcome says about Ollama (not about the request). */
export function reportOllama(status: StatusModel, model: string, err?: unknown): void {
  if (err === undefined) {
    status.setModel({ kind: 'ok', model });
    return;
  }
  if (!(err instanceof OllamaError)) return;
  switch (err.kind) {
    case 'unreachable':
    case 'timeout':
      status.setModel({ kind: 'unreachable', message: err.message });
      break;
    case 'model-missing':
      status.setModel({ kind: 'model-missing', model, message: err.message });
      break;
    case 'unsupported':
      status.setModel({ kind: 'unsupported', model, message: err.message });
      break;
    case 'outdated':
      status.setModel({ kind: 'outdated', message: err.message });
      break;
    default:
      // Cancelled, one bad reply, a server error: no news about Ollama's health.
      break;
  }
}
