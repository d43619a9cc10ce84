import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { EngineHost, FileStat } from './host';
import { RootNotFoundError, type CrawlRoot } from './indexing/crawler';
import { Indexer, tally, type IndexRunOptions, type IndexSummary } from './indexing/indexer';
import { ParsePool } from './indexing/workerPool';
import type { GrammarAssets } from './languages/grammars';
import type { Logger } from './log';
import { Retriever, type SearchHit, type SearchOptions } from './retrieval/retriever';
import { SymbolIndex, symbolFromRow, SYMBOL_COLUMNS, type SymbolEntry } from './retrieval/symbolIndex';
import { completionContext, type ContextSnippet } from './retrieval/completionContext';
import { FileGraph, graphFile } from './retrieval/fileGraph';
import { QueryError } from './retrieval/queryText';
import { StoreVectorSearch } from './retrieval/vectorSearch';
import type { Embedder } from './embed/embedder';
import { embedPending } from './embed/embedRunner';
import { OllamaEmbedder } from './embed/ollamaEmbedder';
import { OllamaClient, resolveOllamaHost } from './llm/ollamaClient';
import { languageForPath } from './languages/registry';
import { sqlString } from './store/filter';
import { asIndexError, IndexStore } from './store/indexStore';
import type { FileRow } from './store/schema';
import type { Settings } from './settings';
import { Answerer, type AskOptions, type CompleteOptions, type ExplainOptions, type SourceFile } from './answers/answerer';
import type { AnswerEvent, CompletionResult } from './answers/answerTypes';
import { ConventionBook } from './conventions/conventionBook';
import { conventionFileKind } from './conventions/conventionFiles';
import type { ConventionRule } from './conventions/conventionRule';
import { ContextCache } from './retrieval/contextCache';
import type { PromptSnippet } from './prompts/promptTypes';
import { fuse } from './retrieval/fusion';
import type { ChunkHit } from './retrieval/chunkQueries';
import { SharedIndex, type SharedIndexConfig, type SharedState, type SharedView } from './shared/sharedIndex';
import { IndexError } from './store/indexError';
import { remoteError } from './store/remoteStore';
import { locationName, type IndexLocation } from './store/location';

/** What reads need loaded: the store handle and the in-memory views of the index. */
interface Loaded {
  store: IndexStore;
  symbols: SymbolIndex;
  graph: FileGraph;
  conventions: ConventionBook;
  /** Sources with files in the local index: a shared index's copy of one of them is hidden. */
  sources: ReadonlySet<string>;
}

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
  /** Where the index is written and read, when not the folder dbDir (an index in object storage). */
  location?: IndexLocation;
  /** The team's shared index of internal libraries, read beside the local one. */
  shared?: SharedIndexConfig;
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
  /** The shared index, when one is configured. */
  shared?: SharedState;
}

/**
 * Bumped when chunking changes in a way that alters rows; together with the chunking
 * settings it forms the analysis key that makes the next run re-index everything.
 */
const CHUNKER_VERSION = 7;
/** The longest a search (or a context for the CLI, chat or explain) waits for the shared index. */
const SHARED_SEARCH_MS = 5_000;
/** The longest an inline completion's context waits for the shared index (its text is cached after). */
const SHARED_COMPLETION_MS = 150;
const LATE = Symbol('late');
const PARSE_TIMEOUT_MS = 10_000;
const MAINTENANCE_DELAY_MS = 1_000;

/**
 * The engine, wired once per host. Writes are serialised here (one index run or file update
 * at a time) and across processes by the store's write lock.
 */
export class Engine {
  private pool?: ParsePool;
  /** One handle for reads and writes, so reads see this process's writes at once. */
  private store?: IndexStore;
  /** Every chunk's identity in memory, for symbol lookup; reloaded when another process writes. */
  private symbols?: SymbolIndex;
  /** The import graph, loaded and patched with the symbols. */
  private graph?: FileGraph;
  /** Chunk texts and similar-code answers of recent completions; emptied when the index changes. */
  private readonly contextCache = new ContextCache();
  /** The house conventions in the index, loaded with the symbols. */
  private conventions?: ConventionBook;
  /** The local and the shared conventions together, made once per pair of versions. */
  private mergedBook?: { local: ConventionBook; shared: ConventionBook; book: ConventionBook };
  /** The import graph of no files, for context from the shared index alone. */
  private noGraph?: Promise<FileGraph>;
  /** Sources with indexed files, loaded with the symbols. */
  private sources: ReadonlySet<string> = new Set();
  /** In-flight work shared by concurrent readers. */
  private opening?: Promise<IndexStore>;
  private generationRead?: Promise<number>;
  private loading?: Promise<Loaded>;
  /** The store generation the symbols reflect. */
  private seenGeneration = -1;
  /** Present when an embedding model is configured. */
  private embedder?: Embedder;
  private client?: OllamaClient;
  private answerer?: Answerer;
  private writer: Promise<unknown> = Promise.resolve();
  private maintenanceTimer?: NodeJS.Timeout;
  private readonly location: IndexLocation;
  private shared?: SharedIndex;

  constructor(
    private readonly host: EngineHost,
    private settings: Settings,
    private readonly config: EngineConfig,
    private readonly log: Logger,
  ) {
    const model = settings['embedding.model'];
    if (model) this.embedder = new OllamaEmbedder(this.ollama(), model);
    this.location = config.location ?? { kind: 'local', dir: config.dbDir };
    if (config.shared) this.shared = new SharedIndex(config.shared, log);
  }

  /**
   * Points the engine at another shared index, or at none. Unchanged settings keep the open
   * handle. A bad URI throws a LocationError (the caller names the setting).
   */
  setSharedIndex(config: SharedIndexConfig | undefined): SharedIndex | undefined {
    const now = this.shared?.config;
    if (config && now && config.uri === now.uri && config.refreshSeconds === now.refreshSeconds && sameOptions(config.storageOptions, now.storageOptions)) {
      return this.shared;
    }
    const next = config ? new SharedIndex(config, this.log) : undefined;
    this.shared?.dispose();
    this.shared = next;
    return next;
  }

  /** A chunk of the shared index by id (citations of shared code carry it), while it is reachable. */
  async sharedChunk(id: string): Promise<ChunkHit | undefined> {
    const view = await this.shared?.view();
    if (!view) return undefined;
    return this.onShared(async () => (await view.cache.byIds(view.store.chunksTable, [id])).get(id), undefined);
  }

  /** The shared index reader, when one is configured (state, change events). */
  get sharedIndex(): SharedIndex | undefined {
    return this.shared;
  }

  /**
   * Takes new settings for what follows: models, budgets, the Ollama address. Settings that
   * change what is indexed (exclusions, libraries, chunk sizes) take effect with the next index run.
   */
  reconfigure(settings: Settings): void {
    const before = this.settings;
    this.settings = settings;
    const newClient = before['ollama.host'] !== settings['ollama.host'] || before['ollama.timeoutSeconds'] !== settings['ollama.timeoutSeconds'];
    if (newClient) this.client = undefined;
    this.answerer = undefined;
    const model = settings['embedding.model'];
    if (newClient || model !== before['embedding.model']) this.embedder = model ? new OllamaEmbedder(this.ollama(), model) : undefined;
  }

  /** The Ollama client the answers use (model lists, checks), made on first use. */
  get ollamaClient(): OllamaClient {
    return this.ollama();
  }

  /** One Ollama client, made on first use: a bad inhouse.ollama.host only fails what needs Ollama. */
  private ollama(): OllamaClient {
    this.client ??= new OllamaClient({ host: resolveOllamaHost(this.settings['ollama.host']), timeoutMs: this.settings['ollama.timeoutSeconds'] * 1000 });
    return this.client;
  }

  private answers(): Answerer {
    this.answerer ??= new Answerer(
      {
        search: (q, o) => this.search(q, o),
        context: (f, p, o) => this.context(f, p, o),
        readSource: (f, t) => this.readSource(f, t),
        enclosingSymbol: (f, a, b) => this.enclosingSymbol(f, a, b),
        rules: (q) => this.rules(q),
      },
      this.ollama(),
      this.settings,
      this.log,
    );
    return this.answerer;
  }

  get dbDir(): string {
    return this.config.dbDir;
  }

  /** Brings the index in line with `roots`: adds, updates and removes rows as needed. */
  async index(roots: CrawlRoot[], options: IndexRunOptions & { rebuild?: boolean } = {}): Promise<IndexSummary> {
    // Before the store is opened: the default index folder lives inside the first root, so
    // opening it first would create a root that does not exist and index it as empty.
    await checkRoots(this.host, roots);
    return this.exclusive(async (store) => {
      // A shared index holds many CI jobs' libraries: a run replaces only its own roots.
      await store.setRoots(store.remote ? [...store.roots.filter((r) => !roots.some((n) => n.source === r.source)), ...roots] : roots);
      try {
        const summary: IndexSummary = await this.indexer(store).indexRoots(roots, options);
        const book = await ConventionBook.load(store.chunksTable);
        summary.conventions = { rules: book.rules.length, warnings: [...book.warnings] };
        if (this.embedder) {
          summary.embeddings = await embedPending(store, this.embedder, this.log, {
            signal: options.signal,
            onProgress: (p) => options.onProgress?.({ phase: 'embedding', done: p.done, total: p.total }),
          });
        }
        await store.publish();
        return summary;
      } finally {
        this.symbols = undefined;
        this.graph = undefined;
        this.conventions = undefined;
      }
    }, options.rebuild);
  }

  /** Re-indexes one file (editor save); removes it if it no longer exists. */
  updateFile(absPath: string, text?: string): Promise<number | undefined> {
    return this.exclusive(async (store) => {
      const root = rootFor(absPath, store.roots);
      if (!root) return undefined;
      const { chunks: count, row } = await this.indexer(store).updateFile(absPath, root, text);
      await this.patchSymbols(store, absPath, row);
      // New rows reach the full-text index when it is next folded (IndexStore.makeSearchable),
      // which costs about a second on a large index: done once saves pause, not per save.
      this.scheduleMaintenance();
      return count;
    });
  }

  /** Builds the full-text index if missing and compacts small commits; `force` does both now. */
  maintain(force = false): Promise<{ fts: boolean; optimized: boolean }> {
    return this.exclusive(async (store) => {
      const done = await store.maintain({ force });
      // Saved files' new chunks get their vectors here, off the save path.
      if (this.embedder) await embedPending(store, this.embedder, this.log);
      await store.publish();
      return done;
    });
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
    const store = await this.readStore();
    try {
      const [catalog, stats] = await Promise.all([store.loadCatalog(), store.stats()]);
      const sources: Record<string, number> = {};
      for (const row of catalog.values()) if (row.status === 'indexed') sources[row.source] = (sources[row.source] ?? 0) + 1;
      return {
        dbDir: locationName(this.location),
        roots: store.roots.map((r) => r.root),
        files: stats.files,
        chunks: stats.chunks,
        sources,
        ...tally(catalog.values()),
        ...(this.shared ? { shared: await this.sharedStatus() } : {}),
      };
    } catch (err) {
      throw this.indexError(err);
    }
  }

  /** The shared index's state, after opening it if nobody has yet. */
  async sharedStatus(): Promise<SharedState> {
    if (!this.shared) return { state: 'off' };
    await this.shared.view();
    return this.shared.state;
  }

  /**
   * Hybrid search over the local index and, when one is configured, the shared index:
   * both lists fused by rank. A library the local index holds too is taken from the local one.
   */
  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    const sharedView = this.shared?.view();
    const local = this.retriever().then(
      async (retriever) => {
        try {
          return { hits: await retriever.search(query, options), sources: retriever.sources };
        } catch (err) {
          throw this.indexError(err);
        }
      },
      (err: unknown) => ({ error: err }),
    );
    const [mine, view] = await Promise.all([local, sharedView]);
    if (!view) {
      if ('error' in mine) throw mine.error;
      return mine.hits;
    }
    if ('error' in mine && !isMissingIndex(mine.error)) throw mine.error;
    const localHits = 'error' in mine ? [] : mine.hits;
    const localSources = 'error' in mine ? new Set<string>() : mine.sources;
    const sharedHits = ((await this.onShared(() => this.sharedRetriever(view).search(query, options), [], SHARED_SEARCH_MS)) ?? []).filter(
      (h) => !localSources.has(h.source),
    );
    if (!sharedHits.length) return localHits;
    if (!localHits.length) return sharedHits;
    const fused = fuse([
      { items: localHits, weight: 1 },
      { items: sharedHits, weight: 1 },
    ]);
    return fused.slice(0, options.limit).map((f) => ({ ...f.item, score: f.score }));
  }

  /**
   * What an inline completion at `line`:`column` of `absPath` should carry from the rest of
   * the code base (see completionContext). `text` is the file's unsaved content, if any.
   */
  async context(
    absPath: string,
    position: { line: number; column: number },
    options: { limit: number; maxChars: number; text?: string; scanStartLine?: number; similarBudgetMs?: number },
  ): Promise<ContextSnippet[]> {
    // The file and the index's generation are read at once: each read is a few trips through
    // the thread pool, and a busy machine makes every trip wait.
    const [file, mine, view] = await Promise.all([
      this.readSource(absPath, options.text),
      this.localOrError(),
      this.shared?.view(),
    ]);
    if ('error' in mine && (!view || !isMissingIndex(mine.error))) throw mine.error;
    const request = {
      fileKey: absPath,
      file: file.root ? { root: file.root, path: file.relPath, language: file.language } : undefined,
      text: file.text,
      line: position.line,
      column: position.column,
      limit: options.limit,
      maxChars: options.maxChars,
      scanStartLine: options.scanStartLine,
      similarBudgetMs: options.similarBudgetMs,
    };
    if ('error' in mine) {
      // No local index yet: the shared libraries alone.
      this.noGraph ??= FileGraph.load([], [], this.host);
      const graph = await this.noGraph;
      return this.onShared(() => completionContext(request, { chunks: view!.store.chunksTable, symbols: view!.symbols, graph, cache: view!.cache }), []);
    }
    const { store, symbols, graph, sources } = mine;
    const local = { chunks: store.chunksTable, symbols, graph, cache: this.contextCache };
    const localOnly = () =>
      completionContext(request, local).catch((e) => {
        throw this.indexError(e);
      });
    if (!view) return localOnly();
    const shared = { chunks: view.store.chunksTable, symbols: view.symbols, cache: view.cache, hidden: sources };
    // A slow or failing shared store must not cost the request its local context: past the
    // deadline the local answer is given (the shared reads go on and warm the cache).
    const deadline = options.similarBudgetMs !== undefined ? SHARED_COMPLETION_MS : SHARED_SEARCH_MS;
    const both = await this.onShared(() => completionContext(request, { ...local, shared }), undefined, deadline);
    return both ?? localOnly();
  }

  /**
   * A read that involves the shared index. Its failure is reported once (the store went away)
   * and gives `fallback`; so does a read that takes longer than `deadlineMs`, which is left
   * to finish in the background. Bad input (QueryError) is thrown as usual.
   */
  private async onShared<T, F>(read: () => Promise<T>, fallback: F, deadlineMs = SHARED_SEARCH_MS): Promise<T | F> {
    const work = read();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof LATE>((resolve) => {
      timer = setTimeout(() => resolve(LATE), deadlineMs);
    });
    try {
      const result = await Promise.race([work, late]);
      if (result !== LATE) return result;
      this.log.debug(`The shared index took over ${deadlineMs} ms; answering from the local index.`);
      work.catch((err) => {
        if (!(err instanceof QueryError)) this.shared?.failed(err);
      });
      return fallback;
    } catch (err) {
      if (err instanceof QueryError) throw err;
      this.shared?.failed(err);
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A chat answer about the code base, streamed: sources, text deltas, then done. */
  ask(question: string, options?: AskOptions): AsyncGenerator<AnswerEvent> {
    return this.answers().ask(question, options);
  }

  /** "Explain with House Conventions" for lines A..B (1-based, inclusive), streamed. */
  explain(absPath: string, range: { startLine: number; endLine: number }, options?: ExplainOptions): AsyncGenerator<AnswerEvent> {
    return this.answers().explain(absPath, range, options);
  }

  /** The inline completion at a position (line 1-based, column 0-based UTF-16). */
  complete(absPath: string, position: { line: number; column: number }, options?: CompleteOptions): Promise<CompletionResult> {
    return this.answers().complete(absPath, position, options);
  }

  /** The house conventions in the index, after precedence and dedupe, and the problems found in their files. */
  async conventionBook(): Promise<ConventionBook> {
    const [mine, view] = await Promise.all([this.localOrError(), this.shared?.view()]);
    if ('error' in mine) {
      if (view && isMissingIndex(mine.error)) return view.conventions;
      throw mine.error;
    }
    if (!view || !view.conventions.rules.length) return mine.conventions;
    // Workspace rules take precedence over library rules, and copies merge (ConventionBook).
    if (this.mergedBook?.local !== mine.conventions || this.mergedBook.shared !== view.conventions) {
      const shared = view.conventions.rules.filter((r) => !mine.sources.has(r.source));
      this.mergedBook = { local: mine.conventions, shared: view.conventions, book: ConventionBook.fromRules([...mine.conventions.rules, ...shared]) };
    }
    return this.mergedBook.book;
  }

  /**
   * A file the answer surfaces can work on: its text (`text` when unsaved), language and place
   * in the roots. Binary and unknown files are refused with a message.
   */
  async readSource(absPath: string, text?: string): Promise<SourceFile> {
    const language = languageForPath(absPath);
    if (!language) throw new QueryError(`${absPath} is not in a language InHouse indexes (see the README for the list).`);
    if (text === undefined) {
      const bytes = await this.host.readFile(absPath).catch((err: NodeJS.ErrnoException) => {
        throw new QueryError(err.code === 'ENOENT' ? `No such file: ${absPath}.` : `Cannot read ${absPath} (${err.code ?? err.message}).`);
      });
      if (bytes.subarray(0, 8192).includes(0)) throw new QueryError(`${absPath} is a binary file: InHouse works on text source files only.`);
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new QueryError(`${absPath} is not valid UTF-8 text: InHouse works on text source files only.`);
      }
    }
    const roots = await this.readStore().then(
      (store) => store.roots,
      (err: unknown) => {
        // With a shared index there may be no local one yet; files are then outside any root.
        if (this.shared && isMissingIndex(err)) return [];
        throw err;
      },
    );
    const root = rootFor(absPath, roots);
    const relPath = root ? relativeTo(root, absPath) : absPath;
    return { fileKey: absPath, relPath, root: root?.root, source: root?.source ?? 'workspace', language: language.id, text };
  }

  /** The innermost function or class containing lines A..B, with its text, if the index has one. */
  async enclosingSymbol(absPath: string, startLine: number, endLine: number): Promise<(PromptSnippet & { id: string; fileKey: string }) | undefined> {
    const { store, symbols } = await this.reader();
    let best: SymbolEntry | undefined;
    for (const e of symbols.fileChunks(absPath)) {
      if (e.shape === 'block' || e.kind === 'section' || e.kind === 'rule') continue;
      if (e.startLine > startLine || e.endLine < endLine) continue;
      if (!best || e.endLine - e.startLine < best.endLine - best.startLine) best = e;
    }
    if (!best) return undefined;
    const hit = (await this.contextCache.byIds(store.chunksTable, [best.id])).get(best.id);
    if (!hit) return undefined;
    return {
      id: hit.id,
      fileKey: hit.fileKey,
      path: hit.path,
      startLine: hit.startLine,
      endLine: hit.endLine,
      source: hit.source,
      language: hit.language,
      symbol: hit.qualifiedName || hit.name,
      kind: hit.kind,
      text: hit.text,
    };
  }

  /** The conventions that apply to a file (or to none: the rules for everything), most relevant first. */
  async rules(q: { fileKey?: string; relPath?: string; language?: string; query?: string; limit: number }): Promise<ConventionRule[]> {
    const conventions = await this.conventionBook();
    if (!conventions.rules.length) return [];
    return conventions.applicableRules({ path: q.relPath ?? '', language: q.language, query: q.query, limit: q.limit });
  }

  /** A retriever over the index as it is now, reloading what another process changed. */
  private async retriever(): Promise<{ search: Retriever['search']; sources: ReadonlySet<string> }> {
    const { store, symbols, sources } = await this.reader();
    const vectors = this.embedder ? new StoreVectorSearch(store, this.embedder, this.log) : undefined;
    const retriever = new Retriever(store.chunksTable, symbols, vectors);
    return { search: (q, o) => retriever.search(q, o), sources };
  }

  /** A retriever over one version of the shared index; vectors only if it holds this model's. */
  private sharedRetriever(view: SharedView): Retriever {
    const sameModel = this.embedder && view.store.embedding?.model === this.settings['embedding.model'];
    const vectors = sameModel && this.embedder ? new StoreVectorSearch(view.store, this.embedder, this.log) : undefined;
    return new Retriever(view.store.chunksTable, view.symbols, vectors);
  }

  private indexError(err: unknown): unknown {
    if (this.location.kind === 'remote') return err instanceof IndexError || !(err instanceof Error) || (err as NodeJS.ErrnoException).code !== 'GenericFailure' ? err : remoteError(this.location.uri, err);
    return asIndexError(this.location.dir, err);
  }

  /** The local index's views, or why there are none: beside a shared index a missing local one is no failure. */
  private localOrError(): Promise<Loaded | { error: unknown }> {
    return this.reader().then(
      (loaded) => loaded,
      (error: unknown) => ({ error }),
    );
  }

  private async reader(): Promise<Loaded> {
    const store = await this.readStore();
    try {
      // Concurrent readers (a completion asks for context and conventions at once) share one
      // look at the generation and, when it moved, one reload.
      this.generationRead ??= store.readGeneration().finally(() => (this.generationRead = undefined));
      const generation = await this.generationRead;
      if (this.symbols && this.graph && this.conventions && generation === this.seenGeneration) {
        return { store, symbols: this.symbols, graph: this.graph, conventions: this.conventions, sources: this.sources };
      }
      this.loading ??= this.load(store, generation).finally(() => (this.loading = undefined));
      return await this.loading;
    } catch (err) {
      throw this.indexError(err);
    }
  }

  /** Symbols, import graph and conventions of the index as it is at `generation`. */
  private async load(store: IndexStore, generation: number): Promise<Loaded> {
    if (this.symbols) await store.checkoutLatest();
    const [symbols, catalog, conventions] = await Promise.all([
      SymbolIndex.load(store.chunksTable),
      store.loadCatalog(),
      ConventionBook.load(store.chunksTable),
    ]);
    const graph = await FileGraph.load(catalog.values(), store.roots.map((r) => r.root), this.host);
    const sources = new Set<string>();
    for (const row of catalog.values()) if (row.status === 'indexed') sources.add(row.source);
    this.sources = sources;
    this.symbols = symbols;
    this.graph = graph;
    this.conventions = conventions;
    this.contextCache.clear();
    this.seenGeneration = generation;
    return { store, symbols, graph, conventions, sources };
  }

  /**
   * After a one-file write: replace that file's symbols instead of reloading them all.
   * `row` is the file's catalog row as written (undefined: it has none now).
   */
  private async patchSymbols(store: IndexStore, fileKey: string, row: FileRow | undefined): Promise<void> {
    if (!this.symbols) return;
    const rows = (await store.chunksTable
      .query()
      .where(`file_key = ${sqlString(fileKey)}`)
      .select(SYMBOL_COLUMNS)
      .toArray()) as Record<string, unknown>[];
    this.symbols.replaceFile(fileKey, rows.map(symbolFromRow));
    this.contextCache.dropFile(fileKey);
    this.graph?.replaceFile(fileKey, row?.status === 'indexed' ? graphFile(row) : undefined);
    const root = rootFor(fileKey, store.roots);
    if (this.conventions && root && conventionFileKind(relativeTo(root, fileKey))) {
      this.conventions = await ConventionBook.load(store.chunksTable);
    }
    this.seenGeneration = store.generation;
  }

  private async readStore(): Promise<IndexStore> {
    if (this.store) return this.store;
    // One handle however many requests arrive before it is open.
    this.opening ??= IndexStore.open(this.location, this.log)
      .then((opened) => {
        // A writer opened its own handle meanwhile: use that one.
        if (this.store) {
          opened.close();
          return this.store;
        }
        this.store = opened;
        return opened;
      })
      .finally(() => (this.opening = undefined));
    return this.opening;
  }

  async dispose(): Promise<void> {
    if (this.maintenanceTimer) clearTimeout(this.maintenanceTimer);
    this.shared?.dispose();
    this.shared = undefined;
    await this.writer.catch(() => undefined);
    await this.pool?.dispose();
    this.pool = undefined;
    this.store?.close();
    this.store = undefined;
    this.symbols = undefined;
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
        // A shared index is written from CI checkouts anywhere: keys name the library and path.
        ...(store.remote ? { keyOf: sharedKey, ownSourcesOnly: true } : {}),
        // Each worker holds a couple of hundred megabytes; a later save starts a fresh pool.
        onParsed: async () => {
          const pool = this.pool;
          this.pool = undefined;
          await pool?.dispose();
        },
      },
      this.log,
    );
  }

  private exclusive<T>(fn: (store: IndexStore) => Promise<T>, rebuild = false): Promise<T> {
    const run = this.writer.catch(() => undefined).then(async () => {
      if (rebuild || !this.store) {
        this.store?.close();
        this.store = undefined;
        this.symbols = undefined;
        this.store = await IndexStore.openForWrite(this.location, this.log, { rebuild });
      }
      const store = this.store;
      const lock = await store.lock();
      try {
        await store.refresh();
        return await fn(store);
      } catch (err) {
        // A failed write may leave the handle behind the table's state; reopen next time.
        store.close();
        this.store = undefined;
        this.symbols = undefined;
        throw this.indexError(err);
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

/** `absPath` relative to the root that holds it. */
function relativeTo(root: CrawlRoot, absPath: string): string {
  return absPath.slice(root.root.replace(/\/+$/, '').length + 1);
}

function rootFor(absPath: string, roots: CrawlRoot[]): CrawlRoot | undefined {
  let best: CrawlRoot | undefined;
  for (const r of roots) {
    const prefix = r.root.endsWith('/') ? r.root : `${r.root}/`;
    if (absPath.startsWith(prefix) && (!best || r.root.length > best.root.length)) best = r;
  }
  return best;
}

/** A shared index's file key: the library and the path in it, the same from any checkout. */
function sharedKey(file: { relPath: string; source: string }): string {
  return `shared:${file.source}/${file.relPath}`;
}

/** The local index does not exist (yet): with a shared index, search goes on without it. */
function isMissingIndex(err: unknown): boolean {
  return err instanceof IndexError && err.code === 'not-found';
}

function sameOptions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export function createEngine(host: EngineHost, settings: Settings, config: EngineConfig, log: Logger): Engine {
  return new Engine(host, settings, config, log);
}
