// vscode-free: when to stop asking Ollama for completions, and when to start again.
import { OllamaError } from '../../engine/llm/ollamaError';
import { realClock, type Clock } from './clock';

export type PauseState =
  | { kind: 'running' }
  /** Ollama did not answer `threshold` times in a row: wait until `until`, then try again. */
  | { kind: 'backoff'; reason: string; until: number }
  /** The model is missing or cannot fill in the middle: no use asking until something changes. */
  | { kind: 'blocked'; reason: string; errorKind: 'model-missing' | 'unsupported'; model: string };

export interface PauseOptions {
  /** Consecutive unreachable/timeout failures before pausing. */
  threshold: number;
  /** The first back-off; each failed retry doubles it, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_PAUSE: PauseOptions = { threshold: 3, baseMs: 30_000, maxMs: 5 * 60_000 };

/** What one failure did to the state: the caller notifies the user once, on `blocked`. */
export type FailureEffect = 'ignored' | 'counted' | 'backoff' | 'blocked';

/**
 * Completion requests come with every keystroke, so a dead Ollama would otherwise be asked (and
 * time out, and log) many times a second. Unreachable and timeout failures pause requests for a
 * back-off that doubles while retries fail; a missing or unsupported model blocks them until the
 * settings change, the user toggles completions, or a health check finds the model.
 */
export class FailurePause {
  private current: PauseState = { kind: 'running' };
  private consecutive = 0;
  private backoffMs: number;
  private timer: unknown;

  constructor(
    private readonly onChange: (state: PauseState) => void,
    private readonly options: PauseOptions = DEFAULT_PAUSE,
    private readonly clock: Clock = realClock,
  ) {
    this.backoffMs = options.baseMs;
  }

  get state(): PauseState {
    return this.current;
  }

  /** Whether a request may go to Ollama now. */
  allows(): boolean {
    return this.current.kind === 'running';
  }

  /** A request reached Ollama and got an answer. */
  succeeded(): void {
    this.consecutive = 0;
    this.backoffMs = this.options.baseMs;
    this.set({ kind: 'running' });
  }

  failed(err: unknown, model: string): FailureEffect {
    if (!(err instanceof OllamaError)) return 'ignored';
    switch (err.kind) {
      case 'unreachable':
      case 'timeout': {
        this.consecutive++;
        if (this.consecutive < this.options.threshold) return 'counted';
        const until = this.clock.now() + this.backoffMs;
        this.schedule(this.backoffMs);
        this.backoffMs = Math.min(this.options.maxMs, this.backoffMs * 2);
        this.set({ kind: 'backoff', reason: err.message, until });
        return 'backoff';
      }
      case 'model-missing':
      case 'unsupported':
        if (this.current.kind === 'blocked') return 'counted';
        this.cancelTimer();
        this.set({ kind: 'blocked', reason: err.message, errorKind: err.kind, model });
        return 'blocked';
      default:
        // Cancelled, one bad reply, a server error: nothing says the next request fails too.
        return 'ignored';
    }
  }

  /** Ollama answered someone (a health check, chat) for `model`: a pause it explains is over. */
  healthy(model: string): void {
    if (this.current.kind === 'backoff' || (this.current.kind === 'blocked' && this.current.model === model)) this.reset();
  }

  /** The settings changed or the user toggled completions: start afresh. */
  reset(): void {
    this.cancelTimer();
    this.consecutive = 0;
    this.backoffMs = this.options.baseMs;
    this.set({ kind: 'running' });
  }

  dispose(): void {
    this.cancelTimer();
  }

  private schedule(ms: number): void {
    this.cancelTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // One more failure pauses again, with the doubled back-off.
      this.consecutive = this.options.threshold - 1;
      this.set({ kind: 'running' });
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private set(state: PauseState): void {
    if (JSON.stringify(state) === JSON.stringify(this.current)) return;
    this.current = state;
    this.onChange(state);
  }
}
