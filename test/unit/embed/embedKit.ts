import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type Engine } from '../../../src/engine/engine';
import { embedInput } from '../../../src/engine/embed/embedRunner';
import type { Logger } from '../../../src/engine/log';
import { createNodeHost } from '../../../src/engine/nodeHost';
import { DEFAULTS, type Settings } from '../../../src/engine/settings';
import { loadLanceDb } from '../../../src/engine/store/lancedbModule';
import { readRows } from '../../support/indexKit';
import type { OllamaTestServer } from '../../support/ollamaTestServer';
import { testAssets } from '../../support/testAssets';

/** Helpers shared by the embedding tests (not a test file itself). */

export const EMBED = 'nomic-embed-text';
export const EMBED_DIM = 384;

/** A Logger that keeps every call, by level. */
export class RecordingLogger implements Logger {
  readonly calls: { level: string; message: string }[] = [];
  error = (m: string) => void this.calls.push({ level: 'error', message: m });
  warn = (m: string) => void this.calls.push({ level: 'warn', message: m });
  info = (m: string) => void this.calls.push({ level: 'info', message: m });
  debug = (m: string) => void this.calls.push({ level: 'debug', message: m });
  trace = (m: string) => void this.calls.push({ level: 'trace', message: m });

  get warnings(): string[] {
    return this.calls.filter((c) => c.level === 'warn').map((c) => c.message);
  }
  get errors(): string[] {
    return this.calls.filter((c) => c.level === 'error').map((c) => c.message);
  }
  clear(): void {
    this.calls.length = 0;
  }
}

export function embedSettings(server: OllamaTestServer | string, model = EMBED, timeoutSeconds = 2): Settings {
  return {
    ...DEFAULTS,
    'embedding.model': model,
    'ollama.host': typeof server === 'string' ? server : server.url,
    'ollama.timeoutSeconds': timeoutSeconds,
  };
}

export function engineWith(dbDir: string, settings: Settings, log: Logger): Engine {
  return createEngine(createNodeHost(), settings, { dbDir, assets: testAssets() }, log);
}

/** Creates an engine, runs `fn`, always disposes. */
export async function usingEngine<T>(dbDir: string, settings: Settings, log: Logger, fn: (e: Engine) => Promise<T>): Promise<T> {
  const engine = engineWith(dbDir, settings, log);
  try {
    return await fn(engine);
  } finally {
    await engine.dispose();
  }
}

/** The model-switch probe embedPending sends before it drops anything. */
export function isProbe(input: unknown): boolean {
  return Array.isArray(input) && input.length === 1 && input[0] === 'probe';
}

/** Every text sent to /api/embed, in order, probes left out. */
export function embedInputs(server: OllamaTestServer): string[] {
  return server
    .requestsTo('/api/embed')
    .filter((r) => !isProbe(r.body?.input))
    .flatMap((r) => r.body.input as string[]);
}

export function probeCount(server: OllamaTestServer): number {
  return server.requestsTo('/api/embed').filter((r) => isProbe(r.body?.input)).length;
}

/** What each distinct chunk content of the index is embedded as, sorted. */
export async function distinctChunkInputs(dbDir: string): Promise<string[]> {
  const rows = await readRows(dbDir, 'chunks');
  return [...new Set(rows.map((r) => embedInput(String(r.doc), String(r.text))))].sort();
}

export interface StoredVector {
  hash: string;
  vector: number[];
}

/** The embeddings table's rows, or undefined when it does not exist. */
export async function readEmbeddings(dbDir: string): Promise<StoredVector[] | undefined> {
  const db = await loadLanceDb().connect(dbDir);
  try {
    if (!(await db.tableNames()).includes('embeddings')) return undefined;
    const t = await db.openTable('embeddings');
    try {
      const rows = (await t.query().toArray()) as { text_hash: string; vector: { toArray?: () => ArrayLike<number> } | number[] }[];
      return rows.map((r) => ({
        hash: String(r.text_hash),
        vector: Array.from(Array.isArray(r.vector) ? r.vector : (r.vector.toArray?.() ?? []), Number),
      }));
    } finally {
      t.close();
    }
  } finally {
    db.close();
  }
}

/** The `embedding` entry of the index meta file. */
export function metaEmbedding(dbDir: string): { model: string; dim: number } | undefined {
  return (JSON.parse(fs.readFileSync(path.join(dbDir, 'inhouse-index.json'), 'utf8')) as { embedding?: { model: string; dim: number } }).embedding;
}
