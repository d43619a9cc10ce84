import { relative, sep } from 'node:path';
import type { EmbedSummary } from '../embed/embedRunner';
import type { EngineHost } from '../host';
import { languageForPath } from '../languages/registry';
import type { Logger } from '../log';
import type { IndexStore } from '../store/indexStore';
import { NO_ROWS, type RowBlock } from '../store/columns';
import type { FileRow } from '../store/schema';
import { classifyPath, crawl, isCrawlSkip, type CrawlFile, type CrawlOptions, type CrawlRoot, type CrawlSkip } from './crawler';
import type { AnalyzeOutcome } from './parseProtocol';
import { sha1 } from './rows';
import { ParseFailedError, type ParsePool } from './workerPool';

export interface IndexProgress {
  phase: 'crawling' | 'indexing' | 'finishing' | 'embedding';
  done: number;
  total: number;
}

export interface IndexSummary {
  roots: CrawlRoot[];
  /** Files in the index after the run. */
  files: number;
  chunks: number;
  added: number;
  changed: number;
  unchanged: number;
  removed: number;
  skipped: Record<string, number>;
  secretsRedacted: number;
  filesWithSyntaxErrors: number;
  seconds: number;
  /** Present when an embedding model is configured. */
  embeddings?: EmbedSummary;
  /** The house conventions found (after precedence and dedupe), and problems in their files. */
  conventions?: { rules: number; warnings: string[] };
}

export interface IndexRunOptions {
  onProgress?(p: IndexProgress): void;
  signal?: AbortSignal;
}

export interface IndexerOptions {
  crawl: Omit<CrawlOptions, 'signal' | 'isIndexable'>;
  /** Changes when chunking settings or code change; a different key re-indexes everything. */
  analysisKey: string;
  /** Called once a full run has parsed everything, before the search indexes are rebuilt. */
  onParsed?(): Promise<void>;
  /**
   * The key a file's rows are stored under; default its absolute path. A shared index keys
   * files by library and relative path, so CI jobs on different machines write the same keys.
   */
  keyOf?(file: { absPath: string; relPath: string; source: string }): string;
  /**
   * Files a run no longer finds are removed only if they belong to these sources; default
   * every source. A shared index is written by one CI job per library: each job owns its own.
   */
  ownSourcesOnly?: boolean;
}

/** Catalog mtime of a file indexed from an unsaved buffer: never equal to a real one. */
const UNSAVED_MTIME = -1;
/**
 * Rows per store write: large enough for few commits, small enough to keep memory flat.
 * A write holds its rows several times over (the workers' encoded blocks, the Arrow batch,
 * LanceDB's IPC copy and its Buffer copy, the native encoder). On the 10k-file benchmark
 * the peak RSS was 709 MB with 5k rows, 571 MB with 2.5k and 513 MB with 1.5k when the
 * main thread still held row objects; with encoded blocks, 4k rows still put 50 MB more on
 * the peak for no faster index. Still above IndexStore's BULK_ROWS, so a cold index is not
 * compacted.
 */
const FLUSH_ROWS = 1_500;
const FLUSH_FILES = 1_000;

/** One file's new state, ready to be written. */
interface FileUpdate {
  file: FileRow;
  /** Absent for a stat-only update, which keeps the existing rows. */
  rows?: RowBlock;
  /** The file had rows before (changed, not new). */
  replaces: boolean;
  /** The catalog has no row for this file yet. */
  isNew?: boolean;
}

/** Crawl → diff against the catalog → parse in workers → batched store writes. */
export class Indexer {
  constructor(
    private readonly host: EngineHost,
    private readonly store: IndexStore,
    private readonly pool: ParsePool,
    private readonly options: IndexerOptions,
    private readonly log: Logger,
  ) {}

  async indexRoots(roots: CrawlRoot[], run: IndexRunOptions = {}): Promise<IndexSummary> {
    const started = performance.now();
    const catalog = await this.store.loadCatalog();
    const forceAll = this.store.analysisKey !== this.options.analysisKey;
    if (forceAll && catalog.size) this.log.info('Indexing settings changed since the last run; re-indexing every file.');

    const crawlOptions: CrawlOptions = {
      ...this.options.crawl,
      isIndexable: (rel) => languageForPath(rel) !== undefined,
      signal: run.signal,
    };

    const counts = { added: 0, changed: 0, unchanged: 0, removed: 0 };
    const batch = new BatchWriter(this.store);
    const seen = new Set<string>();
    let found = 0;
    let done = 0;
    let crawling = true;
    const report = () =>
      run.onProgress?.(crawling ? { phase: 'crawling', done: found, total: 0 } : { phase: 'indexing', done, total: found });

    const work = async (item: CrawlFile | CrawlSkip): Promise<void> => {
      const key = this.keyOf(item);
      seen.add(key);
      const prior = catalog.get(key);
      const update = await this.examine(item, prior, forceAll);
      if (!update) counts.unchanged++;
      else {
        if (!prior) counts.added++;
        // Touched but with the same content (a fresh checkout): only the catalog's stat moves.
        else if (update.rows === undefined) counts.unchanged++;
        else counts.changed++;
        catalog.set(key, update.file);
        await batch.add(update);
      }
      done++;
      if (!crawling && (done % 50 === 0 || done === found)) report();
    };

    // Files are parsed as the crawl finds them (the workers would otherwise wait 1–2 s per
    // 10k files for it), with bounded concurrency: enough to keep every worker busy while
    // the main thread reads; the crawl waits while the bound is reached.
    const limit = this.pool.size * 4 + 4;
    const running = new Set<Promise<void>>();
    try {
      for await (const item of crawl(this.host, roots, crawlOptions, this.log)) {
        if (run.signal?.aborted) break;
        found++;
        if (found % 500 === 0) report();
        const p = work(item).finally(() => running.delete(p));
        running.add(p);
        if (running.size >= limit) await Promise.race(running);
      }
    } catch (err) {
      // The files already handed out finish (or fail) before the crawl's error is reported.
      await Promise.allSettled(running);
      throw err;
    }
    crawling = false;
    report();
    await Promise.all(running);
    if (run.signal?.aborted) {
      await batch.flush();
      throw new Error('Indexing was cancelled; the next run continues where it stopped.');
    }

    const owned = this.options.ownSourcesOnly ? new Set(roots.map((r) => r.source)) : undefined;
    const gone = [...catalog.entries()].filter(([k, row]) => !seen.has(k) && (!owned || owned.has(row.source))).map(([k]) => k);
    for (const key of gone) {
      catalog.delete(key);
      await batch.remove(key);
    }
    counts.removed = gone.length;
    await batch.flush();

    run.onProgress?.({ phase: 'finishing', done, total: found });
    // Parsing is over: the workers' memory is better given back before the index build.
    await this.options.onParsed?.();
    this.store.analysisKey = this.options.analysisKey;
    await this.store.maintain();
    const stats = await this.store.stats();
    return {
      roots,
      files: stats.files,
      chunks: stats.chunks,
      ...counts,
      ...tally(catalog.values()),
      seconds: (performance.now() - started) / 1000,
    };
  }

  /**
   * Re-indexes one file, for the editor's save events. `text`, when given, is the content
   * to index (an unsaved buffer); otherwise the file is read. A file that no longer exists
   * is removed. Returns the file's chunk count (undefined if it is not indexed) and its
   * catalog row as it now stands, which the caller needs and need not read back.
   */
  async updateFile(absPath: string, root: CrawlRoot, text?: string): Promise<{ chunks: number | undefined; row: FileRow | undefined }> {
    const relPath = relative(root.root, absPath).split(sep).join('/');
    const prior = await this.store.catalogEntry(absPath);
    const verdict = await classifyPath(this.host, root, relPath, {
      extraExcludes: this.options.crawl.extraExcludes,
      isIndexable: (rel) => languageForPath(rel) !== undefined,
      isSecretFile: this.options.crawl.isSecretFile,
    });
    const stat = verdict === 'ignored' ? undefined : await this.host.stat(absPath);
    if (!stat || stat.kind !== 'file') {
      if (prior) await new BatchWriter(this.store).remove(absPath).then((b) => b.flush());
      return { chunks: undefined, row: undefined };
    }
    const item: CrawlFile | CrawlSkip =
      verdict === 'secret-file'
        ? { root: root.root, source: root.source, absPath, relPath, reason: 'secret-file' }
        : stat.size > this.options.crawl.maxFileBytes
          ? { root: root.root, source: root.source, absPath, relPath, reason: 'too-large' }
          : { root: root.root, source: root.source, absPath, relPath, size: stat.size, mtimeMs: stat.mtimeMs };
    const bytes = text === undefined ? undefined : new TextEncoder().encode(text);
    const update = await this.examine(item, prior, false, bytes);
    if (!update) return { chunks: prior?.chunk_count, row: prior };
    const batch = new BatchWriter(this.store);
    await batch.add(update);
    await batch.flush();
    // Compaction is left to the caller's idle time (Engine.scheduleMaintenance): a save
    // must be searchable at once and must not pay for it.
    return { chunks: update.file.chunk_count, row: update.file };
  }

  private keyOf(item: { absPath: string; relPath: string; source: string }): string {
    return this.options.keyOf ? this.options.keyOf(item) : item.absPath;
  }

  private async examine(item: CrawlFile | CrawlSkip, prior: FileRow | undefined, force: boolean, content?: Uint8Array): Promise<FileUpdate | undefined> {
    const base = {
      file_key: this.keyOf(item),
      root: item.root,
      path: item.relPath,
      source: item.source,
      language: languageForPath(item.relPath)?.id ?? '',
    };
    if (isCrawlSkip(item)) {
      if (!force && prior?.status === 'skipped' && prior.skip_reason === item.reason && prior.source === item.source) return undefined;
      return { file: skippedRow(base, item.reason, 0, 0, ''), rows: NO_ROWS, replaces: prior !== undefined, isNew: prior === undefined };
    }
    const sameStat = prior && prior.size === item.size && prior.mtime_ms === item.mtimeMs && prior.source === item.source;
    if (!force && !content && sameStat) return undefined;
    // Rows from an unsaved buffer do not match the file on disk: record a stat no file has,
    // so the next crawl reads the file again instead of keeping the buffer's rows.
    const mtimeMs = content ? UNSAVED_MTIME : item.mtimeMs;

    let bytes = content;
    if (!bytes) {
      try {
        bytes = await this.host.readFile(item.absPath);
      } catch (err) {
        this.log.debug(`Cannot read ${item.absPath}: ${(err as Error).message}`);
        return { file: skippedRow(base, 'unreadable', item.size, item.mtimeMs, ''), rows: NO_ROWS, replaces: prior !== undefined, isNew: prior === undefined };
      }
    }
    const hash = sha1(bytes);
    if (!force && prior && prior.hash === hash && prior.source === item.source) {
      // Touched but not changed: only the catalog's stat fields move.
      if (sameStat || (prior.size === item.size && prior.mtime_ms === mtimeMs)) return undefined;
      return { file: { ...prior, size: item.size, mtime_ms: mtimeMs }, replaces: false };
    }
    let outcome: AnalyzeOutcome;
    try {
      outcome = await this.pool.analyze({
        fileKey: base.file_key,
        root: item.root,
        path: item.relPath,
        source: item.source,
        fileHash: hash,
        language: base.language,
        bytes,
      });
    } catch (err) {
      if (!(err instanceof ParseFailedError)) throw err;
      this.log.warn(`Could not parse ${item.relPath}: ${err.message}`);
      outcome = { ok: false, reason: 'parse-failed', detail: err.message };
    }
    if (!outcome.ok) {
      return { file: skippedRow(base, outcome.reason, item.size, mtimeMs, hash), rows: NO_ROWS, replaces: prior !== undefined, isNew: prior === undefined };
    }
    for (const w of outcome.warnings ?? []) this.log.warn(item.source === 'workspace' ? w : `[${item.source}] ${w}`);
    return {
      file: {
        ...base,
        language: outcome.language,
        hash,
        size: item.size,
        mtime_ms: mtimeMs,
        chunk_count: outcome.rows.length,
        status: 'indexed',
        skip_reason: '',
        has_errors: outcome.hasErrors,
        redactions: outcome.redactions,
        imports: outcome.imports,
        package: outcome.packageName,
      },
      rows: outcome.rows,
      replaces: prior !== undefined,
      isNew: prior === undefined,
    };
  }
}

function skippedRow(
  base: Pick<FileRow, 'file_key' | 'root' | 'path' | 'source' | 'language'>,
  reason: string,
  size: number,
  mtimeMs: number,
  hash: string,
): FileRow {
  return {
    ...base,
    hash,
    size,
    mtime_ms: mtimeMs,
    chunk_count: 0,
    status: 'skipped',
    skip_reason: reason,
    has_errors: false,
    redactions: 0,
    imports: [],
    package: '',
  };
}

/** Current skip counts and redactions, from the catalog as it stands after the run. */
export function tally(rows: Iterable<FileRow>): Pick<IndexSummary, 'skipped' | 'secretsRedacted' | 'filesWithSyntaxErrors'> {
  const skipped: Record<string, number> = {};
  let secretsRedacted = 0;
  let filesWithSyntaxErrors = 0;
  for (const r of rows) {
    if (r.status === 'skipped') skipped[r.skip_reason] = (skipped[r.skip_reason] ?? 0) + 1;
    secretsRedacted += r.redactions;
    if (r.has_errors) filesWithSyntaxErrors++;
  }
  return { skipped, secretsRedacted, filesWithSyntaxErrors };
}

/** Accumulates file updates and writes them to the store in large batches. */
class BatchWriter {
  private replaceKeys: string[] = [];
  private blocks: RowBlock[] = [];
  private rowCount = 0;
  private files: FileRow[] = [];
  private newFiles: FileRow[] = [];
  private deleteFiles: string[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: IndexStore) {}

  async add(update: FileUpdate): Promise<void> {
    (update.isNew ? this.newFiles : this.files).push(update.file);
    // A stat-only update carries no rows and must keep the existing ones.
    if (update.rows !== undefined) {
      if (update.replaces) this.replaceKeys.push(update.file.file_key);
      if (update.rows.length) this.blocks.push(update.rows);
      this.rowCount += update.rows.length;
    }
    if (this.rowCount >= FLUSH_ROWS || this.files.length + this.newFiles.length >= FLUSH_FILES) await this.flush();
  }

  async remove(key: string): Promise<this> {
    this.replaceKeys.push(key);
    this.deleteFiles.push(key);
    if (this.deleteFiles.length >= FLUSH_FILES) await this.flush();
    return this;
  }

  /** Writes are serialised: concurrent adds that trigger a flush queue behind it. */
  flush(): Promise<void> {
    const batch = { replaceKeys: this.replaceKeys, chunks: this.blocks, files: this.files, newFiles: this.newFiles, deleteFiles: this.deleteFiles };
    this.replaceKeys = [];
    this.blocks = [];
    this.rowCount = 0;
    this.files = [];
    this.newFiles = [];
    this.deleteFiles = [];
    this.writing = this.writing.then(() => this.store.write(batch));
    return this.writing;
  }
}
