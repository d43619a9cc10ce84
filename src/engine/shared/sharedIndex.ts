import type { Logger } from '../log';
import { ConventionBook } from '../conventions/conventionBook';
import { ContextCache } from '../retrieval/contextCache';
import { SymbolIndex } from '../retrieval/symbolIndex';
import { IndexError } from '../store/indexError';
import { IndexStore, type Snapshot } from '../store/indexStore';
import { describeStorageOptions, remoteLocation, type IndexLocation } from '../store/location';
import { remoteError } from '../store/remoteStore';

/** The team's shared index of internal libraries, in object storage, read-only. */
export interface SharedIndexConfig {
  /** `s3://bucket/prefix` (or gs://, az://, s3+ddb://). */
  uri: string;
  /** LanceDB storage options: endpoint, region, credentials (never logged). */
  storageOptions: Record<string, string>;
  /** How often to look for a newer published version, in seconds. */
  refreshSeconds: number;
}

/** One published version of the shared index, loaded: every query of a request uses one view. */
export interface SharedView {
  store: IndexStore;
  symbols: SymbolIndex;
  conventions: ConventionBook;
  cache: ContextCache;
  /** Libraries it holds. */
  sources: ReadonlySet<string>;
  snapshot?: Snapshot;
  chunks: number;
}

export type SharedState =
  | { state: 'off' }
  | { state: 'connecting'; uri: string }
  | { state: 'ready'; uri: string; sources: string[]; chunks: number; openedMs: number; refreshedAt: number }
  | { state: 'unavailable'; uri: string; message: string; since: number };

/**
 * An editor must not hang on a store that went away: LanceDB's client retries a failed request
 * three times with backoff by default (a query on an unreachable store took 10 s), and waits
 * on a black-holed one without end. One retry, and a per-request timeout; options the user
 * sets win.
 */
const READER_OPTIONS: Record<string, string> = { client_max_retries: '1', timeout: '30s' };

/** How long a replaced view stays open for queries that started on it. */
const RETIRE_AFTER_MS = 30_000;

/**
 * Reads the shared index: opens it once and keeps the handle, moves to a newer published
 * version on an interval (a timer, never on the query path: a query costs no extra request),
 * and swaps whole views so a request never mixes two versions. When the store cannot be
 * reached, or holds an index of another schema, it reports that once and the engine goes on
 * with the local index alone; it tries again on the next interval.
 */
export class SharedIndex {
  readonly location: IndexLocation & { kind: 'remote' };
  private current?: SharedView;
  private opening?: Promise<SharedView | undefined>;
  private stateNow: SharedState;
  private timer?: NodeJS.Timeout;
  private retired = new Set<NodeJS.Timeout>();
  private disposed = false;
  private readonly listeners = new Set<(state: SharedState) => void>();

  constructor(
    readonly config: SharedIndexConfig,
    private readonly log: Logger,
  ) {
    this.location = remoteLocation(config.uri, { ...READER_OPTIONS, ...config.storageOptions });
    this.stateNow = { state: 'connecting', uri: this.location.uri };
  }

  get state(): SharedState {
    return this.stateNow;
  }

  /** Called on every state change (ready, unavailable, a newer version). */
  onDidChange(listener: (state: SharedState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The current view, opening the index on first use; undefined while the store is
   * unavailable (the caller goes on without it).
   */
  async view(): Promise<SharedView | undefined> {
    if (this.current) return this.current;
    if (this.disposed || this.stateNow.state === 'unavailable') return undefined;
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** A query on the view failed: the store went away. Reported once; retried on the interval. */
  failed(err: unknown): void {
    this.markUnavailable(remoteError(this.location.uri, err));
    const view = this.current;
    this.current = undefined;
    if (view) this.retire(view);
  }

  /** Looks for a newer published version now (the timer calls this). */
  async refresh(): Promise<void> {
    if (this.disposed) return;
    const view = this.current;
    if (!view) {
      // Unavailable (or never opened): try again. The state stays 'unavailable' until it
      // opens, so an outage is reported once however many retries it takes.
      this.opening ??= this.open().finally(() => (this.opening = undefined));
      await this.opening;
      return;
    }
    try {
      const latest = await view.store.latestSnapshot();
      if (sameSnapshot(latest, view.snapshot)) {
        if (this.stateNow.state === 'ready') this.stateNow = { ...this.stateNow, refreshedAt: Date.now() };
        return;
      }
      const next = await this.load();
      if (this.disposed) {
        next.store.close();
        return;
      }
      this.current = next;
      this.retire(view);
      this.log.info(`Shared index ${this.location.uri}: moved to a newer version (${next.chunks} chunks).`);
      this.setReady(next, 0);
    } catch (err) {
      this.failed(err);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.retired) clearTimeout(t);
    this.retired.clear();
    this.current?.store.close();
    this.current = undefined;
    this.listeners.clear();
  }

  private async open(): Promise<SharedView | undefined> {
    const started = performance.now();
    try {
      this.log.info(`Opening the shared index ${this.location.uri} (${describeStorageOptions(this.config.storageOptions) || 'storage options from the environment'}).`);
      const view = await this.load();
      if (this.disposed) {
        view.store.close();
        return undefined;
      }
      this.current = view;
      this.setReady(view, performance.now() - started);
      this.startTimer();
      return view;
    } catch (err) {
      this.markUnavailable(err instanceof IndexError ? err : remoteError(this.location.uri, err));
      this.startTimer();
      return undefined;
    }
  }

  private async load(): Promise<SharedView> {
    const store = await IndexStore.open(this.location, this.log);
    try {
      const [symbols, conventions, stats, catalog] = await Promise.all([
        SymbolIndex.load(store.chunksTable),
        ConventionBook.load(store.chunksTable),
        store.stats(),
        store.loadCatalog(),
      ]);
      const sources = new Set<string>();
      for (const row of catalog.values()) sources.add(row.source);
      return { store, symbols, conventions, cache: new ContextCache(), sources, snapshot: store.snapshot, chunks: stats.chunks };
    } catch (err) {
      store.close();
      throw err;
    }
  }

  private setReady(view: SharedView, openedMs: number): void {
    const was = this.stateNow.state;
    this.stateNow = {
      state: 'ready',
      uri: this.location.uri,
      sources: [...view.sources].sort(),
      chunks: view.chunks,
      openedMs: openedMs || (this.stateNow.state === 'ready' ? this.stateNow.openedMs : 0),
      refreshedAt: Date.now(),
    };
    if (was === 'unavailable') this.log.info(`Shared index ${this.location.uri} is reachable again.`);
    this.emit();
  }

  private markUnavailable(err: Error): void {
    const already = this.stateNow.state === 'unavailable';
    this.stateNow = { state: 'unavailable', uri: this.location.uri, message: err.message, since: already ? (this.stateNow as { since: number }).since : Date.now() };
    // Once per outage, not once per query.
    if (!already) {
      this.log.warn(`Shared index unavailable; searching the local index only. ${err.message}`);
      this.emit();
    }
  }

  private startTimer(): void {
    if (this.timer || this.disposed) return;
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.log.debug(`Shared index refresh failed: ${(err as Error).message}`));
    }, Math.max(1, this.config.refreshSeconds) * 1000);
    this.timer.unref();
  }

  /** Closes a replaced view once the queries that started on it are surely done. */
  private retire(view: SharedView): void {
    const t = setTimeout(() => {
      this.retired.delete(t);
      view.store.close();
    }, RETIRE_AFTER_MS);
    t.unref();
    this.retired.add(t);
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l(this.stateNow);
      } catch (err) {
        this.log.debug(`Shared index listener failed: ${(err as Error).message}`);
      }
    }
  }
}

function sameSnapshot(a: Snapshot | undefined, b: Snapshot | undefined): boolean {
  if (!a || !b) return a === b;
  return a.chunks === b.chunks && a.files === b.files && a.embeddings === b.embeddings;
}
