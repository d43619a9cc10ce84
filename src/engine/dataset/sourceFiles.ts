import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Table } from '@lancedb/lancedb';
import { redactSecrets } from '../indexing/secrets';
import type { FileRow } from '../store/schema';

/** A code chunk as the export reads it from the index. */
export interface CodeChunk {
  id: string;
  fileKey: string;
  path: string;
  source: string;
  language: string;
  kind: string;
  shape: string;
  qualifiedName: string;
  startLine: number;
  endLine: number;
  text: string;
}

/** One indexed file as lines: from disk when unchanged since indexing, else rebuilt from its chunks. */
export interface SourceFile {
  fileKey: string;
  path: string;
  source: string;
  language: string;
  lines: string[];
  fromDisk: boolean;
}

const COLUMNS = ['id', 'file_key', 'path', 'source', 'language', 'kind', 'shape', 'qualified_name', 'start_line', 'end_line', 'text'];
/** Not source code: house rules, markdown sections. */
const NOT_CODE_KINDS = new Set(['rule', 'section']);

/** Every code chunk of the index (rules and markdown sections left out). */
export async function loadCodeChunks(table: Table): Promise<CodeChunk[]> {
  const rows = (await table.query().where(`kind != 'rule' AND kind != 'section' AND language != 'markdown'`).select(COLUMNS).toArray()) as Record<string, unknown>[];
  return rows
    .map((r) => ({
      id: String(r.id),
      fileKey: String(r.file_key),
      path: String(r.path),
      source: String(r.source),
      language: String(r.language),
      kind: String(r.kind),
      shape: String(r.shape),
      qualifiedName: String(r.qualified_name),
      startLine: Number(r.start_line),
      endLine: Number(r.end_line),
      text: String(r.text),
    }))
    .filter((c) => !NOT_CODE_KINDS.has(c.kind))
    .sort((a, b) => sourceRank(a.source) - sourceRank(b.source) || cmp(a.path, b.path) || a.startLine - b.startLine || cmp(a.id, b.id));
}

/** Workspace code first, so of two copies the workspace one is kept. */
export function sourceRank(source: string): number {
  return source === 'workspace' ? 0 : 1;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The files the chunks come from. A file whose bytes on disk still hash to what the catalog
 * recorded is read whole (comments and blank lines included) and redacted exactly as the indexer
 * did; otherwise its lines are rebuilt from the chunks that hold them verbatim, and lines no chunk
 * holds (comments between symbols) stay blank.
 */
export async function loadSourceFiles(
  chunks: readonly CodeChunk[],
  catalog: ReadonlyMap<string, FileRow>,
  read: (absPath: string) => Promise<Uint8Array> = (p) => readFile(p),
): Promise<Map<string, SourceFile>> {
  const byFile = new Map<string, CodeChunk[]>();
  for (const c of chunks) {
    const list = byFile.get(c.fileKey);
    if (list) list.push(c);
    else byFile.set(c.fileKey, [c]);
  }
  const out = new Map<string, SourceFile>();
  for (const [fileKey, list] of byFile) {
    const row = catalog.get(fileKey);
    if (!row || row.status !== 'indexed') continue;
    const first = list[0];
    const base = { fileKey, path: first.path, source: first.source, language: first.language };
    const disk = await readUnchanged(fileKey, row.hash, read);
    if (disk !== undefined) {
      out.set(fileKey, { ...base, lines: splitLines(redactSecrets(disk).text), fromDisk: true });
      continue;
    }
    const lines: string[] = [];
    for (const c of list) {
      if (c.shape === 'outline') continue;
      const text = splitLines(c.text);
      if (text.length !== c.endLine - c.startLine + 1) continue;
      for (let i = 0; i < text.length; i++) lines[c.startLine - 1 + i] = text[i];
    }
    for (let i = 0; i < lines.length; i++) lines[i] ??= '';
    out.set(fileKey, { ...base, lines, fromDisk: false });
  }
  return out;
}

async function readUnchanged(fileKey: string, hash: string, read: (p: string) => Promise<Uint8Array>): Promise<string | undefined> {
  try {
    const bytes = await read(fileKey);
    if (createHash('sha1').update(bytes).digest('hex') !== hash) return undefined;
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}
