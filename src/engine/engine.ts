import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { EngineHost, FileStat } from './host';
import { RootNotFoundError, type CrawlRoot } from './indexing/crawler';
import { Indexer, tally, type IndexRunOptions, type IndexSummary } from './indexing/indexer';
import { ParsePool } from './indexing/workerPool';
import type { GrammarAssets } from './languages/grammars';
import type { Logger } from './log';
import { keywordSearch, type SearchHit, type SearchOptions } from './retrieval/keywordSearch';
import { asIndexError, IndexStore } from './store/indexStore';
import type { Settings } from './settings';

/** Where the built engine finds its grammars, queries and worker script. */
export interface EngineAssets extends GrammarAssets {
  workerScript: string;
}

/** Assets laid out by esbuild.mjs next to a bundle in `dir`. */
export function assetsIn(dir: string): EngineAssets {
  return { wasmDir: join(dir, 'wasm'), queryDir: join(dir, 'queries'), workerScript: join(dir, 'parseWorker.js') };
}

export interface EngineConfig {
  /** The index directory. */
  dbDir: string;
  assets: EngineAssets;
}

export interface IndexStatus {
  dbDir: string;
  roots: string[];
  files: number;
  chunks: number;
  skipped: Record<string, number>;
  secretsRedacted: number;
  filesWithSyntaxErrors: number;
  sources: Record<string, number>;
}

/**
 * Bumped when chunking changes in a way that alters rows; together with the chunking
 * settings it forms the analysis key that makes the next run re-index everything.
 */
const CHUNKER_VERSION = 1;
const PARSE_TIMEOUT_MS = 10_000;
const MAINTENANCE_DELAY_MS = 1_000;

/**
 * The engine, wired once per host. Writes are serialised here (one index run or file update
 * at a time) and across processes by the store's write lock.
 */
export class Engine {
  private pool?: ParsePool;
  private writeStore?: IndexStore;
  private writer: Promise<unknown> = Promise.resolve();
  private maintenanceTimer?: NodeJS.Timeout;

  constructor(
    private readonly host: EngineHost,
    private readonly settings: Settings,
    private readonly config: EngineConfig,
    private readonly log: Logger,
  ) {}

  get dbDir(): string {
    return this.config.dbDir;
  }

  /** Brings the index in line with `roots`: adds, updates and removes rows as needed. */
  async index(roots: CrawlRoot[], options: IndexRunOptions & { rebuild?: boolean } = {}): Promise<IndexSummary> {
    // Before the store is opened: the default index folder lives inside the first root, so
    // opening it first would create a root that does not exist and index it as empty.
    await checkRoots(this.host, roots);
    return this.exclusive(async (store) => {
      await store.setRoots(roots);
      return this.indexer(store).indexRoots(roots, options);
    }, options.rebuild);
  }

  /** Re-indexes one file (editor save); removes it if it no longer exists. */
  updateFile(absPath: string, text?: string): Promise<number | undefined> {
    return this.exclusive(async (store) => {
      const root = rootFor(absPath, store.roots);
      if (!root) return undefined;
      const count = await this.indexer(store).updateFile(absPath, root, text);
      // New rows reach the full-text index when it is next folded (IndexStore.makeSearchable),
      // which costs about a second on a large index: done once saves pause, not per save.
      this.scheduleMaintenance();
      return count;
    });
  }

  /** Builds the full-text index if missing and compacts small commits; `force` does both now. */
  maintain(force = false): Promise<{ fts: boolean; optimized: boolean }> {
    return this.exclusive((store) => store.maintain({ force }));
  }

  /** Runs any maintenance a recent save scheduled now, and resolves once it is done. */
  async settle(): Promise<void> {
    if (this.maintenanceTimer) {
      clearTimeout(this.maintenanceTimer);
      this.maintenanceTimer = undefined;
      await this.maintain();
    } else {
      await this.writer.catch(() => undefined);
    }
  }

  /** Folding and compaction run once saves pause, never inside a save. */
  private scheduleMaintenance(): void {
    if (this.maintenanceTimer) clearTimeout(this.maintenanceTimer);
    this.maintenanceTimer = setTimeout(() => {
      this.maintenanceTimer = undefined;
      this.maintain().catch((err) => this.log.warn(`Index maintenance failed: ${(err as Error).message}`));
    }, MAINTENANCE_DELAY_MS);
    this.maintenanceTimer.unref();
  }

  async status(): Promise<IndexStatus> {
    const store = await IndexStore.open(this.config.dbDir, this.log);
    try {
      const [catalog, stats] = await Promise.all([store.loadCatalog(), store.stats()]).catch((err) => {
        throw asIndexError(this.config.dbDir, err);
      });
      const sources: Record<string, number> = {};
      for (const row of catalog.values()) if (row.status === 'indexed') sources[row.source] = (sources[row.source] ?? 0) + 1;
      return {
        dbDir: this.config.dbDir,
        roots: store.roots.map((r) => r.root),
        files: stats.files,
        chunks: stats.chunks,
        sources,
        ...tally(catalog.values()),
      };
    } finally {
      store.close();
    }
  }

  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    const store = await IndexStore.open(this.config.dbDir, this.log);
    try {
      return await keywordSearch(store, query, options);
    } catch (err) {
      throw asIndexError(this.config.dbDir, err);
    } finally {
      store.close();
    }
  }

  async dispose(): Promise<void> {
    if (this.maintenanceTimer) clearTimeout(this.maintenanceTimer);
    await this.writer.catch(() => undefined);
    await this.pool?.dispose();
    this.pool = undefined;
    this.writeStore?.close();
    this.writeStore = undefined;
  }

  private indexer(store: IndexStore): Indexer {
    const s = this.settings;
    this.pool ??= new ParsePool(
      this.config.assets.workerScript,
      {
        assets: this.config.assets,
        analyzer: { maxLineLength: s['index.maxLineLength'], maxChunkLines: s['index.maxChunkLines'], parseTimeoutMs: PARSE_TIMEOUT_MS },
      },
      s['index.workers'] || Math.min(4, availableParallelism()),
      this.log,
    );
    return new Indexer(
      this.host,
      store,
      this.pool,
      {
        crawl: { maxFileBytes: s['index.maxFileBytes'], extraExcludes: s['index.exclude'] },
        analysisKey: JSON.stringify([CHUNKER_VERSION, s['index.maxLineLength'], s['index.maxChunkLines']]),
      },
      this.log,
    );
  }

  private exclusive<T>(fn: (store: IndexStore) => Promise<T>, rebuild = false): Promise<T> {
    const run = this.writer.catch(() => undefined).then(async () => {
      if (rebuild || !this.writeStore) {
        this.writeStore?.close();
        this.writeStore = undefined;
        this.writeStore = await IndexStore.openForWrite(this.config.dbDir, this.log, { rebuild });
      }
      const store = this.writeStore;
      const lock = await store.lock();
      try {
        await store.refresh();
        return await fn(store);
      } catch (err) {
        // A failed write may leave the handle behind the table's state; reopen next time.
        store.close();
        this.writeStore = undefined;
        throw asIndexError(this.config.dbDir, err);
      } finally {
        await lock.release();
      }
    });
    this.writer = run;
    return run;
  }
}

/** Every root must be an existing folder; fails with the crawler's RootNotFoundError. */
async function checkRoots(host: EngineHost, roots: CrawlRoot[]): Promise<void> {
  for (const r of roots) {
    let st: FileStat | undefined;
    try {
      st = await host.stat(r.root);
    } catch (err) {
      throw new RootNotFoundError(r.root, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    if (st?.kind !== 'directory') throw new RootNotFoundError(r.root);
  }
}

function rootFor(absPath: string, roots: CrawlRoot[]): CrawlRoot | undefined {
  let best: CrawlRoot | undefined;
  for (const r of roots) {
    const prefix = r.root.endsWith('/') ? r.root : `${r.root}/`;
    if (absPath.startsWith(prefix) && (!best || r.root.length > best.root.length)) best = r;
  }
  return best;
}

export function createEngine(host: EngineHost, settings: Settings, config: EngineConfig, log: Logger): Engine {
  return new Engine(host, settings, config, log);
}
