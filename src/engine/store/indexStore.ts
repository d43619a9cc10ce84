import { promises as fs, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import type * as LanceDb from '@lancedb/lancedb';
import type { Logger } from '../log';
import { blocksToTable, rowsToTable, stringColumn, toStrings } from './arrowRows';
import type { RowBlock } from './columns';
import { inList, sqlString } from './filter';
import { loadLanceDb } from './lancedbModule';
import { CHUNKS_SCHEMA, embeddingsSchema, FILES_SCHEMA, INDEX_FORMAT, SCHEMA_VERSION, type EmbeddingRow, type FileRow } from './schema';
import { WriteLock } from './writeLock';
import { IndexError } from './indexError';
import { locationName, type IndexLocation } from './location';
import { REMOTE_TABLES, RemoteMeta, remoteError, retryOnConflict } from './remoteStore';

const META_FILE = 'inhouse-index.json';
const JOURNAL_FILE = 'journal.json';
const LOCK_FILE = 'write.lock';
const PROBE_PREFIX = '.write-probe-';
/** LanceDB's own catalog of the tables in the folder. */
const LANCE_MANIFEST = '__manifest';
const CHUNKS = 'chunks';
const EMBEDDINGS = 'embeddings';
/** Past this many vectors, exact search gets slow enough to want an ANN index. */
const ANN_MIN_ROWS = 20_000;
const FILES = 'files';
/** Filters with thousands of keys are slow to parse; delete in slices. */
const KEYS_PER_FILTER = 400;
/** Each file update is about three commits. */
const OPTIMIZE_AFTER_COMMITS = 60;
/** Bumped when the full-text index configuration changes; the next write rebuilds it. */
const FTS_VERSION = 3;
/** A write of at least this many chunk rows is bulk loading, not a trickle of small commits. */
const BULK_ROWS = 1_000;
/**
 * Every batch appends its catalog rows as a fragment of their own: ≈130 after a cold 10k-file
 * index, and reading the catalog back (each run starts with it) took 0.7 s instead of 30 ms.
 * Compacting those few thousand rows takes ≈0.1 s.
 */
const CATALOG_MAX_FRAGMENTS = 16;

interface Meta {
  format: typeof INDEX_FORMAT;
  schemaVersion: number;
  state: 'creating' | 'ready';
  createdAt: string;
  writesSinceOptimize: number;
  /** The model the embeddings table holds vectors of, and their dimension. */
  embedding?: { model: string; dim: number };
  /** The full-text index configuration the index was built with (FTS_VERSION). */
  ftsVersion?: number;
  /** Bumped by every write, so readers in other processes know to reload. */
  generation?: number;
  /** Fingerprint of the chunking settings the rows were built with. */
  analysisKey?: string;
  /** The roots of the last index run, so single-file updates know where a file belongs. */
  roots?: { root: string; source: string }[];
  /**
   * Object storage only: the table versions of the last finished write, which readers check
   * out together, so a query never mixes two writers' half-done runs.
   */
  snapshot?: Snapshot;
}

/** Table versions that belong together. */
export interface Snapshot {
  chunks: number;
  files: number;
  embeddings?: number;
}

export type { Meta as IndexMeta };
export { IndexError };


export interface WriteBatch {
  /** Files whose chunk rows are replaced or removed. */
  replaceKeys: string[];
  /** New chunk rows, encoded (CHUNK_COLUMNS) by the parse workers. */
  chunks: RowBlock[];
  /** Catalog rows to update (the file had a row) or insert. */
  files: FileRow[];
  /** Catalog rows of files the catalog does not hold yet: appended, which is cheaper than a merge. */
  newFiles?: FileRow[];
  /** Catalog rows to remove (deleted files). */
  deleteFiles: string[];
}

export interface StoreStats {
  files: number;
  chunks: number;
}

/**
 * The on-disk index: a LanceDB database with a `chunks` table and a `files` catalog, plus a
 * small JSON meta file (format, schema version) and a write journal. The journal names the
 * files a batch is rewriting; if the process dies mid-batch, the next writer drops those
 * files' rows so the following crawl re-indexes them from scratch.
 */
export class IndexStore {
  /** Remote stores keep their meta in a table; local ones in a JSON file. */
  private readonly remoteMeta?: RemoteMeta;
  /** The embeddings table at the snapshot a reader is pinned to. */
  private pinnedEmbeddings?: LanceDb.Table;

  private constructor(
    /** The folder or URI, as messages name it. */
    readonly dir: string,
    readonly location: IndexLocation,
    private readonly db: LanceDb.Connection,
    private readonly chunks: LanceDb.Table,
    private readonly files: LanceDb.Table,
    private meta: Meta,
    private readonly log: Logger,
  ) {
    if (location.kind === 'remote') this.remoteMeta = new RemoteMeta(db);
  }

  get remote(): boolean {
    return this.location.kind === 'remote';
  }

  /**
   * Opens an existing index for reading; fails with an IndexError that says what to do. A
   * remote index is pinned to its last published snapshot (see {@link refreshSnapshot}).
   */
  static async open(where: string | IndexLocation, log: Logger): Promise<IndexStore> {
    const location: IndexLocation = typeof where === 'string' ? { kind: 'local', dir: where } : where;
    if (location.kind === 'remote') return IndexStore.openRemote(location, log);
    const dir = location.dir;
    const meta = await readMeta(dir);
    if (!meta) {
      throw new IndexError(`No InHouse index at ${dir}. Build one with \`inhouse index <folder> --db ${dir}\`.`, 'not-found');
    }
    checkMeta(dir, meta);
    if (meta.state !== 'ready') {
      throw new IndexError(`The index at ${dir} was not finished. Run \`inhouse index <folder> --db ${dir}\` again.`, 'corrupt');
    }
    return IndexStore.connect(location, meta, log);
  }

  /**
   * Opens the index for writing, creating it if needed. `rebuild` deletes an existing
   * InHouse index first (never a directory that is not ours).
   */
  static async openForWrite(where: string | IndexLocation, log: Logger, options: { rebuild?: boolean } = {}): Promise<IndexStore> {
    const location: IndexLocation = typeof where === 'string' ? { kind: 'local', dir: where } : where;
    if (location.kind === 'remote') return IndexStore.openRemoteForWrite(location, log, options);
    const dir = location.dir;
    await ensureWritableDir(dir);
    let meta: Meta | undefined;
    let damagedMeta = false;
    try {
      meta = await readMeta(dir);
    } catch (err) {
      // The meta file has our name but cannot be parsed: --rebuild starts over, as the
      // error message says it will.
      if (!(options.rebuild && err instanceof IndexError && err.code === 'corrupt')) throw err;
      damagedMeta = true;
    }
    if (!meta && !damagedMeta) {
      // Leftovers of our own (a dead writer's lock, an interrupted write probe) are not foreign.
      const entries = (await fs.readdir(dir)).filter((n) => n !== LOCK_FILE && !n.startsWith(PROBE_PREFIX));
      if (entries.length > 0) {
        throw new IndexError(
          `${dir} is not empty and is not an InHouse index. Pick an empty or new folder with --db.`,
          'foreign',
        );
      }
    } else if (meta && meta.format !== INDEX_FORMAT) {
      checkMeta(dir, meta);
    }
    if (damagedMeta || (meta && (options.rebuild || meta.state === 'creating' || meta.schemaVersion !== SCHEMA_VERSION))) {
      if (meta && meta.schemaVersion !== SCHEMA_VERSION && !options.rebuild) checkMeta(dir, meta);
      log.info(`Rebuilding the index at ${dir}.`);
      await removeOurFiles(dir);
      meta = undefined;
    }
    if (!meta) {
      meta = newMeta();
      await writeMeta(dir, meta);
      const lancedb = loadLanceDb();
      const db = await lancedb.connect(dir);
      const chunks = await db.createEmptyTable(CHUNKS, CHUNKS_SCHEMA, { mode: 'overwrite' });
      const files = await db.createEmptyTable(FILES, FILES_SCHEMA, { mode: 'overwrite' });
      meta.state = 'ready';
      await writeMeta(dir, meta);
      return new IndexStore(dir, location, db, chunks, files, meta, log);
    }
    // The journal is repaired in refresh(), under the write lock: another process may be
    // mid-batch right now.
    return IndexStore.connect(location, meta, log);
  }

  private static async connect(location: IndexLocation, meta: Meta, log: Logger, db?: LanceDb.Connection): Promise<IndexStore> {
    const name = locationName(location);
    try {
      db ??= await connectTo(location);
      const names = await db.tableNames();
      if (!names.includes(CHUNKS) || !names.includes(FILES)) throw new Error(`missing table ${names.includes(CHUNKS) ? FILES : CHUNKS}`);
      const chunks = await db.openTable(CHUNKS);
      const files = await db.openTable(FILES);
      // Opening is lazy; touch both tables so corruption surfaces here, not mid-query.
      await Promise.all([chunks.countRows(), files.countRows()]);
      return new IndexStore(name, location, db, chunks, files, meta, log);
    } catch (err) {
      if (err instanceof IndexError) throw err;
      if (location.kind === 'remote') throw remoteError(name, err);
      throw damaged(name, err);
    }
  }

  private static async openRemote(location: IndexLocation & { kind: 'remote' }, log: Logger): Promise<IndexStore> {
    const db = await connectTo(location).catch((err) => {
      throw remoteError(location.uri, err);
    });
    const meta = await new RemoteMeta(db).read().catch((err) => {
      throw remoteError(location.uri, err);
    });
    if (!meta) {
      throw new IndexError(
        `No InHouse index at ${location.uri}. Build it with \`inhouse index --library NAME=PATH --db ${location.uri}\` (in CI), or check the URI.`,
        'not-found',
      );
    }
    checkMeta(location.uri, meta);
    const store = await IndexStore.connect(location, meta, log, db);
    await store.pinTo(meta.snapshot);
    return store;
  }

  private static async openRemoteForWrite(location: IndexLocation & { kind: 'remote' }, log: Logger, options: { rebuild?: boolean }): Promise<IndexStore> {
    const uri = location.uri;
    try {
      const db = await connectTo(location);
      const names = await db.tableNames();
      const remoteMeta = new RemoteMeta(db);
      let meta = names.includes(RemoteMeta.TABLE) ? await remoteMeta.read() : undefined;
      // Tables of ours without a meta row: a first write that stopped before its meta. Ours.
      if (!meta && names.some((n) => !REMOTE_TABLES.includes(n))) {
        throw new IndexError(`${uri} holds tables that are not an InHouse index. Pick another prefix.`, 'foreign');
      }
      if (meta && meta.format !== INDEX_FORMAT) checkMeta(uri, meta);
      if (meta && (options.rebuild || meta.schemaVersion !== SCHEMA_VERSION)) {
        if (meta.schemaVersion !== SCHEMA_VERSION && !options.rebuild) checkMeta(uri, meta);
        log.info(`Rebuilding the index at ${uri}.`);
        // The meta table goes last: until then, an interrupted removal still reads as our index.
        for (const t of [CHUNKS, FILES, EMBEDDINGS, RemoteMeta.TABLE]) if (names.includes(t)) await db.dropTable(t);
        meta = undefined;
      }
      if (!meta) {
        // Two first writers at once both get here. The loser of the race to create a table
        // commits its (empty) creation as a later version; the winner's first append, seconds
        // later, conflicts with it and is retried on top. Rows are only at risk if a creation
        // took longer than the other job's first batch of parsing.
        await db.createEmptyTable(CHUNKS, CHUNKS_SCHEMA, { mode: 'create', existOk: true });
        await db.createEmptyTable(FILES, FILES_SCHEMA, { mode: 'create', existOk: true });
        meta = { ...newMeta(), state: 'ready' };
        await remoteMeta.write(meta);
      }
      return await IndexStore.connect(location, meta, log, db);
    } catch (err) {
      if (err instanceof IndexError) throw err;
      throw remoteError(uri, err);
    }
  }

  /** The write generation this handle has seen or made. */
  get generation(): number {
    return this.meta.generation ?? 0;
  }

  /** The generation on disk now (another process may have written). */
  async readGeneration(): Promise<number> {
    return (await this.loadMeta())?.generation ?? 0;
  }

  /** Moves both tables to their newest version after another process wrote. */
  async checkoutLatest(): Promise<void> {
    if (this.remote) {
      await this.refreshSnapshot();
      return;
    }
    await Promise.all([this.chunks.checkoutLatest(), this.files.checkoutLatest()]);
    const meta = await this.loadMeta();
    if (meta) this.meta = meta;
  }

  /** The snapshot a remote reader is pinned to. */
  get snapshot(): Snapshot | undefined {
    return this.meta.snapshot;
  }

  /**
   * The newest published snapshot (one small read), for readers deciding whether to reload.
   * An index rebuilt meanwhile with another schema is refused (IndexError).
   */
  async latestSnapshot(): Promise<Snapshot | undefined> {
    const meta = await this.loadMeta();
    if (!meta) throw new IndexError(`The index at ${this.dir} was removed. Build it again with \`inhouse index --db ${this.dir}\`.`, 'not-found');
    checkMeta(this.dir, meta);
    return meta.snapshot;
  }

  /**
   * A remote reader: moves to the newest published snapshot, if it changed. Returns true when
   * it moved. An index rebuilt with another schema meanwhile is refused (IndexError).
   */
  async refreshSnapshot(): Promise<boolean> {
    const meta = await this.loadMeta();
    if (!meta) throw new IndexError(`The index at ${this.dir} was removed. Build it again with \`inhouse index --db ${this.dir}\`.`, 'not-found');
    checkMeta(this.dir, meta);
    const before = this.meta.snapshot;
    const after = meta.snapshot;
    this.meta = meta;
    if (before && after && before.chunks === after.chunks && before.files === after.files && before.embeddings === after.embeddings) return false;
    await this.pinTo(after);
    return true;
  }

  /** Checks out the snapshot's versions of every table (the newest when there is none yet). */
  private async pinTo(snapshot: Snapshot | undefined): Promise<void> {
    try {
      if (!snapshot) {
        await Promise.all([this.chunks.checkoutLatest(), this.files.checkoutLatest()]);
      } else {
        await Promise.all([this.chunks.checkout(snapshot.chunks), this.files.checkout(snapshot.files)]);
      }
      this.pinnedEmbeddings = undefined;
      if (snapshot?.embeddings !== undefined && this.meta.embedding && (await this.db.tableNames()).includes(EMBEDDINGS)) {
        const table = await this.db.openTable(EMBEDDINGS);
        await table.checkout(snapshot.embeddings);
        this.pinnedEmbeddings = table;
      }
    } catch (err) {
      throw remoteError(this.dir, err);
    }
  }

  get analysisKey(): string | undefined {
    return this.meta.analysisKey;
  }

  /** Saved with the next maintain(). */
  set analysisKey(key: string | undefined) {
    this.meta.analysisKey = key;
  }

  get roots(): { root: string; source: string }[] {
    return this.meta.roots ?? [];
  }

  async setRoots(roots: { root: string; source: string }[]): Promise<void> {
    this.meta.roots = roots.map((r) => ({ root: r.root, source: r.source }));
    await this.saveMeta();
  }

  /** Before each write: pick up what another process wrote and repair an interrupted batch. */
  async refresh(): Promise<void> {
    const meta = await this.loadMeta();
    if (!meta) throw new IndexError(`The index at ${this.dir} was removed. Run \`inhouse index\` again.`, 'not-found');
    checkMeta(this.dir, meta);
    this.meta = meta;
    await this.recoverJournal();
  }

  get chunksTable(): LanceDb.Table {
    return this.chunks;
  }

  /** The model whose vectors the index holds, if any. */
  get embedding(): { model: string; dim: number } | undefined {
    return this.meta.embedding;
  }

  async embeddingsTable(): Promise<LanceDb.Table | undefined> {
    if (!this.meta.embedding) return undefined;
    if (this.pinnedEmbeddings) return this.pinnedEmbeddings;
    const names = await this.db.tableNames();
    return names.includes(EMBEDDINGS) ? this.db.openTable(EMBEDDINGS) : undefined;
  }

  /**
   * Starts over with another embedding model (vectors of two models never mix). Returns true
   * when there were vectors of another model to drop.
   */
  async useEmbeddingModel(model: string): Promise<boolean> {
    if (this.meta.embedding?.model === model) return false;
    const had = this.meta.embedding !== undefined;
    if ((await this.db.tableNames()).includes(EMBEDDINGS)) await this.db.dropTable(EMBEDDINGS);
    this.meta.embedding = { model, dim: 0 };
    await this.saveMeta();
    return had;
  }

  /** Content hashes that already have a vector. */
  async embeddedHashes(): Promise<Set<string>> {
    const table = await this.embeddingsTable();
    if (!table) return new Set();
    const rows = (await table.query().select(['text_hash']).toArray()) as { text_hash: string }[];
    return new Set(rows.map((r) => String(r.text_hash)));
  }

  /** Distinct content hashes of the chunks. */
  async chunkHashes(): Promise<Set<string>> {
    const rows = (await this.chunks.query().select(['text_hash']).toArray()) as { text_hash: string }[];
    return new Set(rows.map((r) => String(r.text_hash)));
  }

  async addEmbeddings(rows: EmbeddingRow[]): Promise<void> {
    const embedding = this.meta.embedding;
    if (!embedding) throw new Error('addEmbeddings before useEmbeddingModel');
    if (!rows.length) return;
    const dim = rows[0].vector.length;
    if (embedding.dim && dim !== embedding.dim) {
      throw new IndexError(
        `The embedding model ${embedding.model} now returns ${dim}-dimensional vectors, not ${embedding.dim}. ` +
          'Re-embed with `inhouse index <folder> --rebuild`, or check inhouse.embedding.model.',
        'corrupt',
      );
    }
    const table = rowsToTable(embeddingsSchema(dim), rows);
    let existing = await this.embeddingsTable();
    if (!existing && this.remote) {
      // Another writer may create it at the same moment: never replace theirs.
      existing = await this.db.createEmptyTable(EMBEDDINGS, embeddingsSchema(dim), { mode: 'create', existOk: true });
      this.meta.embedding = { model: embedding.model, dim };
      await this.saveMeta();
      await retryOnConflict(() => existing!.add(table), existing);
    } else if (!existing) {
      existing = await this.db.createTable(EMBEDDINGS, table, { mode: 'overwrite' });
      this.meta.embedding = { model: embedding.model, dim };
      await this.saveMeta();
    } else {
      await retryOnConflict(() => existing!.add(table), existing);
    }
  }

  /** Drops the vectors of these contents (none of the chunks has them any more). */
  async deleteEmbeddings(hashes: string[]): Promise<void> {
    const table = await this.embeddingsTable();
    if (!table) return;
    for (const slice of slices(hashes)) await retryOnConflict(() => table.delete(`text_hash IN ${inList(slice)}`), table);
  }

  /**
   * Builds the ANN index once there are enough vectors; after that, optimize() folds new
   * vectors in (unindexed vectors are still searched exactly, so results stay right).
   */
  async maintainEmbeddings(): Promise<'built' | 'folded' | 'none'> {
    const table = await this.embeddingsTable();
    if (!table) return 'none';
    const rows = await table.countRows();
    const indices = await table.listIndices();
    const vectorIndex = indices.find((i) => i.columns.includes('vector'));
    if (!vectorIndex) {
      if (rows < ANN_MIN_ROWS) return 'none';
      const lancedb = loadLanceDb();
      const dim = this.meta.embedding?.dim ?? 0;
      await table.createIndex('vector', {
        config: lancedb.Index.ivfPq({
          distanceType: 'cosine',
          numPartitions: Math.max(1, Math.round(Math.sqrt(rows))),
          numSubVectors: dim % 16 === 0 ? dim / 16 : dim % 8 === 0 ? dim / 8 : undefined,
        }),
        replace: true,
      });
      return 'built';
    }
    const stats = await table.indexStats(vectorIndex.name);
    if (!stats || stats.numUnindexedRows < Math.max(1000, rows * 0.05)) return 'none';
    await retryOnConflict(() => table.optimize({ cleanupOlderThan: this.cleanupCutoff() }), table);
    return 'folded';
  }

  /** Every catalog row, keyed by file key. */
  async loadCatalog(): Promise<Map<string, FileRow>> {
    // Column by column: spreading LanceDB's row proxies cost 0.4 s of a no-change re-index's
    // 1.6 s on 10k files (every field read goes through Arrow's visitor).
    const table = await this.files.query().toArrow();
    const out = new Map<string, FileRow>();
    // An empty result has no columns at all.
    if (table.numRows === 0) return out;
    const col = (name: keyof FileRow) => {
      const v = table.getChild(name);
      if (!v) throw damaged(this.dir, new Error(`the catalog has no column ${name}`));
      return v;
    };
    const [fileKey, path, hash] = (['file_key', 'path', 'hash'] as const).map((name) => stringColumn(col(name)));
    // Columns of a few distinct values keep one copy of each.
    const pool = new Map<string, string>();
    const [root, source, language, status, skipReason, pkg] = (['root', 'source', 'language', 'status', 'skip_reason', 'package'] as const).map(
      (name) => stringColumn(col(name), pool),
    );
    const size = col('size').toArray() as Float64Array;
    const mtime = col('mtime_ms').toArray() as Float64Array;
    const chunkCount = col('chunk_count').toArray() as Int32Array;
    const redactions = col('redactions').toArray() as Int32Array;
    const hasErrors = col('has_errors');
    const imports = col('imports');
    for (let i = 0; i < table.numRows; i++) {
      out.set(fileKey[i], {
        file_key: fileKey[i],
        root: root[i],
        path: path[i],
        source: source[i],
        language: language[i],
        hash: hash[i],
        size: size[i],
        mtime_ms: mtime[i],
        chunk_count: chunkCount[i],
        status: status[i] as FileRow['status'],
        skip_reason: skipReason[i],
        has_errors: Boolean(hasErrors.get(i)),
        redactions: redactions[i],
        imports: toStrings(imports.get(i)),
        package: pkg[i],
      });
    }
    return out;
  }

  async catalogEntry(fileKey: string): Promise<FileRow | undefined> {
    const rows = (await this.files.query().where(`file_key = ${sqlString(fileKey)}`).limit(1).toArray()) as Record<string, unknown>[];
    return rows[0] ? ({ ...rows[0], imports: toStrings(rows[0].imports) } as unknown as FileRow) : undefined;
  }

  /**
   * Applies one batch. Order matters for crash safety: journal, chunk deletes, chunk adds,
   * catalog, journal removal. Lance commits each step atomically.
   */
  async write(batch: WriteBatch): Promise<void> {
    const newFiles = batch.newFiles ?? [];
    const keys = [...new Set([...batch.replaceKeys, ...batch.files.map((f) => f.file_key), ...newFiles.map((f) => f.file_key), ...batch.deleteFiles])];
    if (keys.length === 0) return;
    if (this.remote) return this.writeRemote(batch);
    await this.writeJournal(keys);
    let commits = 0;
    const chunkRows = rowCount(batch.chunks);
    for (const slice of slices(batch.replaceKeys)) {
      await this.chunks.delete(`file_key IN ${inList(slice)}`);
      commits++;
    }
    if (chunkRows) {
      await this.chunks.add(blocksToTable(CHUNKS_SCHEMA, batch.chunks));
      commits++;
    }
    for (const slice of slices(batch.deleteFiles)) {
      await this.files.delete(`file_key IN ${inList(slice)}`);
      commits++;
    }
    if (newFiles.length) {
      await this.files.add(rowsToTable(FILES_SCHEMA, newFiles));
      commits++;
    }
    if (batch.files.length) {
      await this.files
        .mergeInsert('file_key')
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(rowsToTable(FILES_SCHEMA, batch.files));
      commits++;
    }
    // Bulk batches leave few, large fragments; only trickles of small ones slow queries down.
    if (chunkRows < BULK_ROWS) this.meta.writesSinceOptimize += commits;
    this.meta.generation = (this.meta.generation ?? 0) + 1;
    await this.saveMeta();
    await fs.rm(join(this.dir, JOURNAL_FILE), { force: true });
  }

  /**
   * Object storage has no lock file and no journal: several CI jobs may write at once, and a
   * job may die anywhere. So a file's chunk rows are replaced in one commit (a merge that
   * inserts the new rows and deletes the file's other rows), and the catalog follows. A job
   * that dies between the two leaves a catalog row that no longer matches its file, and the
   * next run re-indexes that file. New files are replaced too, not appended: rows a dead job
   * left for them are dropped, never doubled. LanceDB retries commits that conflict with
   * another writer's; what still conflicts is retried here.
   */
  private async writeRemote(batch: WriteBatch): Promise<void> {
    const newFiles = batch.newFiles ?? [];
    const replace = [...new Set([...batch.replaceKeys, ...newFiles.map((f) => f.file_key)])];
    const chunkRows = rowCount(batch.chunks);
    if (replace.length || chunkRows) {
      const where = replace.length ? `file_key IN ${inList(replace)}` : 'false';
      if (chunkRows) {
        const rows = blocksToTable(CHUNKS_SCHEMA, batch.chunks);
        await retryOnConflict(
          () => this.chunks.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().whenNotMatchedBySourceDelete({ where }).execute(rows),
          this.chunks,
        );
      } else {
        await retryOnConflict(() => this.chunks.delete(where), this.chunks);
      }
    }
    if (batch.deleteFiles.length) await retryOnConflict(() => this.files.delete(`file_key IN ${inList(batch.deleteFiles)}`), this.files);
    const catalog = [...batch.files, ...newFiles];
    if (catalog.length) {
      // A merge, not an append: another job may have catalogued the same new file meanwhile.
      const rows = rowsToTable(FILES_SCHEMA, catalog);
      await retryOnConflict(() => this.files.mergeInsert('file_key').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows), this.files);
    }
    if (chunkRows < BULK_ROWS) this.meta.writesSinceOptimize += 3;
    this.meta.generation = (this.meta.generation ?? 0) + 1;
  }

  /** Enough small commits have piled up that queries would slow down without compaction. */
  get needsMaintenance(): boolean {
    return this.meta.writesSinceOptimize >= OPTIMIZE_AFTER_COMMITS;
  }

  /**
   * Keeps queries fast: builds the full-text index once there is data, and compacts once
   * enough small commits have piled up (each save is a few). Compaction also folds rows
   * added since into the full-text index.
   */
  async maintain(options: { force?: boolean } = {}): Promise<{ fts: boolean; optimized: boolean }> {
    let fts = false;
    let optimized = false;
    if (options.force && (await this.chunks.countRows()) > 0) {
      await this.createFtsIndex();
      fts = true;
    }
    if (options.force || this.needsMaintenance) {
      await retryOnConflict(() => this.chunks.optimize({ cleanupOlderThan: this.cleanupCutoff() }), this.chunks);
      await retryOnConflict(() => this.files.optimize({ cleanupOlderThan: this.cleanupCutoff() }), this.files);
      this.meta.writesSinceOptimize = 0;
      optimized = true;
    } else if ((await this.files.stats()).fragmentStats.numFragments > CATALOG_MAX_FRAGMENTS) {
      await retryOnConflict(() => this.files.optimize({ cleanupOlderThan: this.cleanupCutoff() }), this.files);
      optimized = true;
    }
    const { built, folded } = await this.makeSearchable();
    await this.ensureScalarIndexes();
    await this.saveMeta();
    return { fts: fts || built, optimized: optimized || folded };
  }

  /**
   * Makes every chunk row reachable through the full-text index: builds it once there is
   * data, and folds rows written since into it. LanceDB does search unindexed rows by brute
   * force, but (0.31) scores them with term occurrences in place of document counts: once a
   * term is frequent among the unindexed rows its weight turns negative and those rows are
   * silently dropped (a new function in a small project, common words after a large
   * re-index). Costs two metadata reads when every row is indexed.
   */
  async makeSearchable(): Promise<{ built: boolean; folded: boolean }> {
    const fts = (await this.chunks.listIndices()).find((i) => i.columns.includes('search_text'));
    if (!fts || this.meta.ftsVersion !== FTS_VERSION) {
      if ((await this.chunks.countRows()) === 0) return { built: false, folded: false };
      await this.createFtsIndex();
      return { built: true, folded: false };
    }
    const stats = await this.chunks.indexStats(fts.name);
    if (!stats || stats.numUnindexedRows === 0) return { built: false, folded: false };
    // optimize() adds the new rows to the existing index (and compacts small fragments).
    await retryOnConflict(() => this.chunks.optimize({ cleanupOlderThan: this.cleanupCutoff() }), this.chunks);
    return { built: false, folded: true };
  }

  /**
   * B-tree indexes on the keys every save filters by (a file's rows, its catalog entry) and
   * on chunk ids, which retrieval fetches by: without them each is a scan of the table.
   * Rows added later are folded in by optimize() and scanned until then.
   */
  private async ensureScalarIndexes(): Promise<void> {
    const lancedb = loadLanceDb();
    for (const [table, column] of [
      [this.chunks, 'file_key'],
      [this.chunks, 'id'],
      [this.files, 'file_key'],
    ] as const) {
      if ((await table.countRows()) === 0) continue;
      const indices = await table.listIndices();
      if (indices.some((i) => i.columns.length === 1 && i.columns[0] === column)) continue;
      await retryOnConflict(() => table.createIndex(column, { config: lancedb.Index.btree(), replace: true }), table);
    }
  }

  private async createFtsIndex(): Promise<void> {
    const lancedb = loadLanceDb();
    // Stemmed and without stop words, a doc sentence ("Returns the parsed items") meets code
    // subwords ("parse", "item"); identifiers are split first, so their parts stem too. The
    // search text comes stemmed from the parse workers (indexing/stemming.ts: LanceDB's own
    // stemmer was half of this build's CPU), and queries are stemmed the same way.
    await retryOnConflict(
      () =>
        this.chunks.createIndex('search_text', {
          config: lancedb.Index.fts({ withPosition: false, stem: false, removeStopWords: true, asciiFolding: true, language: 'English' }),
          replace: true,
        }),
      this.chunks,
    );
    this.meta.ftsVersion = FTS_VERSION;
  }

  async stats(): Promise<StoreStats> {
    const [files, chunks] = await Promise.all([this.files.countRows("status = 'indexed'"), this.chunks.countRows()]);
    return { files, chunks };
  }

  /**
   * One writer at a time on a local folder. Object storage has no lock: concurrent writers
   * are made safe by LanceDB's conditional commits and by how writeRemote() replaces rows.
   */
  async lock(): Promise<{ release(): Promise<void> }> {
    if (this.location.kind === 'remote') return { release: async () => undefined };
    return WriteLock.acquire(join(this.location.dir, LOCK_FILE));
  }

  /**
   * Object storage: records the tables' current versions as the snapshot readers check out.
   * Called once a run (index, embeddings, maintenance) is complete. Nothing to do locally,
   * where readers follow every commit.
   */
  async publish(): Promise<void> {
    if (!this.remote) return;
    const embeddings = await this.embeddingsTable();
    // Readers pay a ranged read per column per fragment: a run's batches are compacted into
    // few fragments before readers see them (85 requests a search before, 45 after).
    for (const table of [this.chunks, this.files, embeddings]) {
      if (!table) continue;
      const stats = await table.stats();
      if (stats.fragmentStats.numFragments > 1) await retryOnConflict(() => table.optimize({ cleanupOlderThan: this.cleanupCutoff() }), table);
    }
    await Promise.all([this.chunks.checkoutLatest(), this.files.checkoutLatest(), embeddings?.checkoutLatest()]);
    const [chunks, files, emb] = await Promise.all([this.chunks.version(), this.files.version(), embeddings?.version()]);
    this.meta.snapshot = emb === undefined ? { chunks, files } : { chunks, files, embeddings: emb };
    await this.saveMeta();
  }

  /**
   * Versions older than this are removed by optimize(). Readers in other processes may still
   * be on an older one: a few minutes locally, where they follow every commit; an hour in
   * object storage, where editors hold a published snapshot between refreshes.
   */
  private cleanupCutoff(): Date {
    return new Date(Date.now() - (this.remote ? 60 : 5) * 60_000);
  }

  private async loadMeta(): Promise<Meta | undefined> {
    if (this.remoteMeta) {
      try {
        return await this.remoteMeta.read();
      } catch (err) {
        throw remoteError(this.dir, err);
      }
    }
    return readMeta((this.location as { dir: string }).dir);
  }

  private async saveMeta(): Promise<void> {
    if (this.remoteMeta) await this.remoteMeta.write(this.meta);
    else await writeMeta((this.location as { dir: string }).dir, this.meta);
  }

  close(): void {
    this.chunks.close();
    this.files.close();
    this.db.close();
  }

  private async writeJournal(keys: string[]): Promise<void> {
    const path = join(this.dir, JOURNAL_FILE);
    const tmp = `${path}.tmp`;
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify({ keys }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  }

  private async recoverJournal(): Promise<void> {
    if (this.location.kind === 'remote') return;
    const path = join(this.dir, JOURNAL_FILE);
    let keys: string[];
    try {
      const parsed = JSON.parse(await fs.readFile(path, 'utf8')) as { keys?: unknown };
      keys = Array.isArray(parsed.keys) ? parsed.keys.filter((k): k is string => typeof k === 'string') : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      // A torn journal write means the batch itself never started.
      await fs.rm(path, { force: true });
      return;
    }
    this.log.warn(`The last index write was interrupted; re-indexing ${keys.length} file(s).`);
    for (const slice of slices(keys)) {
      await this.chunks.delete(`file_key IN ${inList(slice)}`);
      await this.files.delete(`file_key IN ${inList(slice)}`);
    }
    await fs.rm(path, { force: true });
  }
}

function newMeta(): Meta {
  return { format: INDEX_FORMAT, schemaVersion: SCHEMA_VERSION, state: 'creating', createdAt: new Date().toISOString(), writesSinceOptimize: 0 };
}

function connectTo(location: IndexLocation): Promise<LanceDb.Connection> {
  const lancedb = loadLanceDb();
  return location.kind === 'remote' ? lancedb.connect(location.uri, { storageOptions: location.storageOptions }) : lancedb.connect(location.dir);
}

function damaged(dir: string, err: unknown): IndexError {
  return new IndexError(
    `The index at ${dir} is damaged (${firstLine(err)}). Rebuild it with \`inhouse index <folder> --db ${dir} --rebuild\`.`,
    'corrupt',
  );
}

/**
 * For errors from reads and writes on an index that opened fine. A failure inside LanceDB
 * (its native errors carry code GenericFailure) means files of the index are damaged or
 * missing: a data file overwritten or truncated shows up only when it is read. Rebuilding
 * is the fix, so the error says so instead of "unexpected error". Other errors pass through.
 */
export function asIndexError(dir: string, err: unknown): unknown {
  if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'GenericFailure') return damaged(dir, err);
  return err;
}

function slices<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += KEYS_PER_FILTER) out.push(items.slice(i, i + KEYS_PER_FILTER));
  return out;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200);
}

async function readMeta(dir: string): Promise<Meta | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(join(dir, META_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new IndexError(`Cannot read the index at ${dir}: ${firstLine(err)}. Check its permissions or pick another --db.`, 'not-writable');
  }
  try {
    return JSON.parse(raw) as Meta;
  } catch {
    throw new IndexError(
      `The index at ${dir} is damaged (unreadable ${META_FILE}). Rebuild it with \`inhouse index <folder> --db ${dir} --rebuild\`.`,
      'corrupt',
    );
  }
}

function checkMeta(dir: string, meta: Meta): void {
  if (meta.format !== INDEX_FORMAT) {
    throw new IndexError(`${dir} does not hold an InHouse index. Pick another folder with --db.`, 'foreign');
  }
  if (meta.schemaVersion !== SCHEMA_VERSION) {
    const age = meta.schemaVersion < SCHEMA_VERSION ? 'an older' : 'a newer';
    throw new IndexError(
      `The index at ${dir} was built by ${age} InHouse (schema ${meta.schemaVersion}, this one reads ${SCHEMA_VERSION}). ` +
        `Rebuild it with \`inhouse index <folder> --db ${dir} --rebuild\`, or pick another --db.`,
      'old-schema',
    );
  }
}

async function writeMeta(dir: string, meta: Meta): Promise<void> {
  const path = join(dir, META_FILE);
  await fs.writeFile(`${path}.tmp`, JSON.stringify(meta, null, 2));
  await fs.rename(`${path}.tmp`, path);
}

/** The meta file goes last: until then, an interrupted removal still reads as our index. */
async function removeOurFiles(dir: string): Promise<void> {
  for (const name of [`${CHUNKS}.lance`, `${FILES}.lance`, `${EMBEDDINGS}.lance`, LANCE_MANIFEST, JOURNAL_FILE, META_FILE]) {
    await fs.rm(join(dir, name), { recursive: true, force: true });
  }
}

async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.access(dir, fsConstants.W_OK);
    const probe = join(dir, `${PROBE_PREFIX}${process.pid}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe);
  } catch (err) {
    throw new IndexError(
      `Cannot write the index at ${dir} (${(err as NodeJS.ErrnoException).code ?? firstLine(err)}). ` +
        'Fix the folder permissions or pick another folder with --db.',
      'not-writable',
    );
  }
}

function rowCount(blocks: readonly RowBlock[]): number {
  return blocks.reduce((n, b) => n + b.length, 0);
}
