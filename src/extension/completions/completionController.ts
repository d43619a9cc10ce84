// vscode-free: the part of the inline completion provider that decides whether to ask the model
// at all (typed-ahead reuse, the cache, a request already in flight), debounces the rest, and
// carries cancellation to the engine. The provider maps editor types onto it.
import type { CompletionResult } from '../../engine/answers/answerTypes';
import { completionCacheKey, LruCache, type CompletionSpot } from '../../engine/completion/completionCache';
import { remainderAfter, typedAheadRemainder, typedSince } from '../../engine/completion/typedAhead';
import { cancellableDelay, realClock, type Clock } from './clock';
import type { ServedFrom } from './completionStats';

export interface CompletionQuery extends CompletionSpot {
  /** The engine's position: line from 1, column from 0 (UTF-16). */
  line: number;
  column: number;
  /** The whole document (`before + after`). */
  text: string;
  /** Asked for explicitly (a keyboard shortcut, the command): no debounce, no cached "nothing". */
  explicit: boolean;
}

export interface Served {
  /** The generation the text comes from: the same for every typed-ahead remainder of it. */
  generationId: string;
  /** What to insert at the cursor. */
  text: string;
  result: CompletionResult;
  from: ServedFrom;
  /** Time spent in the debounce wait. */
  debounceMs: number;
  /** Time spent waiting for engine.complete (a new or an adopted request). */
  engineMs: number;
}

export interface ControllerDeps {
  complete(query: CompletionQuery, signal: AbortSignal): Promise<CompletionResult>;
  debounceMs(): number;
  /** A request reached the model and came back (text or not). */
  onSuccess?(result: CompletionResult, query: CompletionQuery): void;
  /** A request failed, other than by being cancelled; called once per engine call. */
  onError?(err: unknown, query: CompletionQuery): void;
  clock?: Clock;
  cacheSize?: number;
  /**
   * How long a request whose editor request was cancelled keeps running, in case the next
   * keystroke's request can use it (the user typed what it will predict).
   */
  adoptGraceMs?: number;
  newId?: () => string;
}

interface Generation {
  id: string;
  spot: CompletionSpot;
  result: CompletionResult;
}

interface Flight {
  id: string;
  spot: CompletionSpot;
  controller: AbortController;
  promise: Promise<CompletionResult>;
  users: number;
  settled: boolean;
  abortTimer?: unknown;
}

export const DEFAULT_CACHE_SIZE = 200;
export const DEFAULT_ADOPT_GRACE_MS = 50;

let counter = 0;
const defaultId = (): string => `c${Date.now().toString(36)}${(counter++).toString(36)}`;

export class CompletionController {
  private readonly cache: LruCache<CompletionResult>;
  private readonly clock: Clock;
  private readonly graceMs: number;
  private readonly newId: () => string;
  /** The newest generation that came back, for typed-ahead reuse. */
  private last?: Generation;
  private flight?: Flight;

  constructor(private readonly deps: ControllerDeps) {
    this.cache = new LruCache(deps.cacheSize ?? DEFAULT_CACHE_SIZE);
    this.clock = deps.clock ?? realClock;
    this.graceMs = deps.adoptGraceMs ?? DEFAULT_ADOPT_GRACE_MS;
    this.newId = deps.newId ?? defaultId;
  }

  /** The suggestion for `query`, or undefined (nothing to say, cancelled, failed). Never rejects. */
  async provide(query: CompletionQuery, signal: AbortSignal): Promise<Served | undefined> {
    const spot: CompletionSpot = { file: query.file, model: query.model, before: query.before, after: query.after };
    let debounceMs = 0;
    let engineMs = 0;
    const served = (g: Generation, text: string, from: ServedFrom): Served => ({ generationId: g.id, text, result: g.result, from, debounceMs, engineMs });

    const last = this.last;
    if (last) {
      const rest = typedAheadRemainder(last.spot, last.result.text, spot);
      if (rest !== undefined) return served(last, rest, 'typed-ahead');
    }

    const key = completionCacheKey(spot);
    const cached = this.cache.get(key);
    if (cached && (cached.text || !query.explicit)) {
      if (!cached.text) return undefined;
      const g = { id: this.newId(), spot, result: cached };
      this.last = g;
      return served(g, cached.text, 'cache');
    }

    const flight = this.flight;
    if (flight && !flight.controller.signal.aborted) {
      const typed = typedSince(flight.spot, spot);
      if (typed !== undefined) {
        const started = this.clock.now();
        const result = await this.await(flight, signal);
        engineMs = this.clock.now() - started;
        if (signal.aborted) return undefined;
        const rest = result && remainderAfter(result.text, typed);
        if (result && rest) return served({ id: flight.id, spot: flight.spot, result }, rest, 'in-flight');
        // It predicted something else: ask afresh below.
      } else {
        // A newer keystroke elsewhere: the older request is of no use.
        this.abort(flight);
      }
    }

    if (!query.explicit) {
      const started = this.clock.now();
      const waited = await cancellableDelay(this.deps.debounceMs(), signal, this.clock);
      debounceMs = this.clock.now() - started;
      if (!waited) return undefined;
    }
    if (this.flight) this.abort(this.flight);

    const next = this.start(query, spot, key);
    const started = this.clock.now();
    const result = await this.await(next, signal);
    engineMs += this.clock.now() - started;
    if (!result || signal.aborted || !result.text) return undefined;
    return served({ id: next.id, spot, result }, result.text, 'model');
  }

  /** Forgets cached and reusable suggestions (the model or the settings changed). */
  reset(): void {
    this.cache.clear();
    this.last = undefined;
    if (this.flight) this.abort(this.flight);
  }

  dispose(): void {
    this.reset();
  }

  private start(query: CompletionQuery, spot: CompletionSpot, key: string): Flight {
    const controller = new AbortController();
    const flight: Flight = { id: this.newId(), spot, controller, users: 0, settled: false, promise: undefined as unknown as Promise<CompletionResult> };
    flight.promise = this.deps.complete(query, controller.signal).then(
      (result) => {
        this.cache.set(key, result);
        if (result.text) this.last = { id: flight.id, spot, result };
        try {
          this.deps.onSuccess?.(result, query);
        } catch {
          // A reporting failure must not turn a good answer into a failed request.
        }
        return result;
      },
      (err: unknown) => {
        if (!controller.signal.aborted) this.deps.onError?.(err, query);
        throw err;
      },
    );
    flight.promise
      .catch(() => undefined)
      .finally(() => {
        flight.settled = true;
        this.clearTimer(flight);
        if (this.flight === flight) this.flight = undefined;
      });
    this.flight = flight;
    return flight;
  }

  /** The flight's result for one editor request; undefined when it failed or `signal` aborted first. */
  private async await(flight: Flight, signal: AbortSignal): Promise<CompletionResult | undefined> {
    flight.users++;
    this.clearTimer(flight);
    let onAbort: (() => void) | undefined;
    try {
      const aborted = new Promise<undefined>((resolve) => {
        onAbort = () => resolve(undefined);
        if (signal.aborted) resolve(undefined);
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      return await Promise.race([flight.promise.catch(() => undefined), aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      flight.users--;
      if (flight.users === 0 && !flight.settled) {
        if (this.graceMs <= 0) flight.controller.abort();
        else flight.abortTimer = this.clock.setTimeout(() => flight.controller.abort(), this.graceMs);
      }
    }
  }

  private abort(flight: Flight): void {
    this.clearTimer(flight);
    flight.controller.abort();
    if (this.flight === flight) this.flight = undefined;
  }

  private clearTimer(flight: Flight): void {
    if (flight.abortTimer !== undefined) this.clock.clearTimeout(flight.abortTimer);
    flight.abortTimer = undefined;
  }
}
