import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine, type Engine } from '../../src/engine/engine';
import type { EngineHost } from '../../src/engine/host';
import { silentLogger } from '../../src/engine/log';
import { createNodeHost } from '../../src/engine/nodeHost';
import { DEFAULTS, type Settings } from '../../src/engine/settings';
import { blocksToTable } from '../../src/engine/store/arrowRows';
import type { ColumnSpec, RowBlock } from '../../src/engine/store/columns';
import { loadLanceDb } from '../../src/engine/store/lancedbModule';
import { CHUNKS_SCHEMA, type ChunkRow } from '../../src/engine/store/schema';
import { testAssets } from './testAssets';

/** Helpers shared by the indexing integration tests: temp trees, engines, table snapshots. */

export function makeTmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `inhouse-${prefix}-`));
}

export function removeTmp(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `files` (relative path → content) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

export function newEngine(dbDir: string, settings: Settings = DEFAULTS, host: EngineHost = createNodeHost()): Engine {
  return createEngine(host, settings, { dbDir, assets: testAssets() }, silentLogger);
}

/** Creates an engine, runs `fn`, always disposes. */
export async function withEngine<T>(dbDir: string, fn: (e: Engine) => Promise<T>, settings?: Settings, host?: EngineHost): Promise<T> {
  const engine = newEngine(dbDir, settings, host);
  try {
    return await fn(engine);
  } finally {
    await engine.dispose();
  }
}

export type Row = Record<string, unknown>;

/** Arrow values → plain JSON values (lists become string arrays, bigints numbers). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object') {
    const v = value as { toArray?: () => unknown[] };
    if (typeof v.toArray === 'function') return Array.from(v.toArray(), (x) => plain(x));
    if (Array.isArray(value)) return value.map(plain);
  }
  return value;
}

function toPlain(row: unknown): Row {
  const r = row as { toJSON?: () => Row };
  const obj = typeof r.toJSON === 'function' ? r.toJSON() : (row as Row);
  const out: Row = {};
  for (const [k, v] of Object.entries(obj)) out[k] = plain(v);
  return out;
}

/** All rows of one table (optionally filtered), as plain objects. */
export async function readRows(dbDir: string, table: 'chunks' | 'files', where?: string): Promise<Row[]> {
  const db = await loadLanceDb().connect(dbDir);
  try {
    const t = await db.openTable(table);
    try {
      let q = t.query();
      if (where) q = q.where(where);
      return ((await q.toArray()) as unknown[]).map(toPlain);
    } finally {
      t.close();
    }
  } finally {
    db.close();
  }
}

export async function tableVersions(dbDir: string): Promise<{ chunks: number; files: number }> {
  const db = await loadLanceDb().connect(dbDir);
  try {
    const [c, f] = [await db.openTable('chunks'), await db.openTable('files')];
    try {
      return { chunks: await c.version(), files: await f.version() };
    } finally {
      c.close();
      f.close();
    }
  } finally {
    db.close();
  }
}

/** Every column that a clean rebuild of the same tree must reproduce exactly. */
const CHUNK_COLUMNS = [
  'id', 'file_key', 'root', 'path', 'source', 'language', 'kind', 'shape', 'name', 'qualified_name', 'parent',
  'start_line', 'end_line', 'signature', 'doc', 'text', 'refs', 'search_text', 'file_hash', 'text_hash',
];
const FILE_COLUMNS = [
  'file_key', 'root', 'path', 'source', 'language', 'hash', 'size', 'mtime_ms', 'chunk_count', 'status',
  'skip_reason', 'has_errors', 'redactions', 'imports',
];

function canonical(rows: Row[], columns: string[]): string[] {
  return rows.map((r) => JSON.stringify(columns.map((c) => [c, r[c]]))).sort();
}

export interface Snapshot {
  /** One canonical JSON line per chunk row, sorted (duplicates stay visible). */
  chunks: string[];
  files: string[];
}

/** The whole index content in a canonical, order-free form, for equality with a clean rebuild. */
export async function snapshot(dbDir: string): Promise<Snapshot> {
  return {
    chunks: canonical(await readRows(dbDir, 'chunks'), CHUNK_COLUMNS),
    files: canonical(await readRows(dbDir, 'files'), FILE_COLUMNS),
  };
}

/** Chunk rows per relative path: path → sorted qualified names (or kind@line for blocks). */
export async function symbolsByPath(dbDir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const r of await readRows(dbDir, 'chunks')) {
    const p = String(r.path);
    (out[p] ??= []).push(String(r.qualified_name || `${r.kind}@${r.start_line}`));
  }
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

/** Compares two snapshots with a readable diff of the first differing rows. */
export function diffSnapshots(actual: Snapshot, expected: Snapshot): string | undefined {
  const problems: string[] = [];
  for (const table of ['chunks', 'files'] as const) {
    const a = new Map<string, number>();
    for (const r of actual[table]) a.set(r, (a.get(r) ?? 0) + 1);
    for (const r of expected[table]) a.set(r, (a.get(r) ?? 0) - 1);
    const extra = [...a].filter(([, n]) => n > 0).map(([r, n]) => `  + (${n}x) ${r.slice(0, 300)}`);
    const missing = [...a].filter(([, n]) => n < 0).map(([r, n]) => `  - (${-n}x) ${r.slice(0, 300)}`);
    if (extra.length || missing.length) {
      problems.push(
        `${table}: ${actual[table].length} rows vs ${expected[table].length} in the clean rebuild`,
        ...extra.slice(0, 5),
        ...missing.slice(0, 5),
      );
    }
  }
  return problems.length ? problems.join('\n') : undefined;
}

/** A worker's encoded chunk rows as plain objects (tests only: the indexer never decodes them). */
export function chunkRowsOf(block: RowBlock): ChunkRow[] {
  return blocksToTable(CHUNKS_SCHEMA, [block])
    .toArray()
    .map((r) => {
      const o = r.toJSON() as Record<string, unknown>;
      return { ...o, refs: Array.from(o.refs as Iterable<string>) } as unknown as ChunkRow;
    });
}

/** The strings of one utf8 column of an encoded block, decoded (tests only). */
export function columnStrings(columns: readonly ColumnSpec[], block: RowBlock, name: string): string[] {
  if (block.length === 0) return [];
  const col = block.columns[columns.findIndex((c) => c.name === name)];
  if (!col || col.kind !== 'utf8') throw new Error(`columnStrings: no string column ${name}`);
  const decoder = new TextDecoder();
  return Array.from({ length: block.length }, (_, r) => decoder.decode(col.bytes.subarray(col.offsets[r], col.offsets[r + 1])));
}
