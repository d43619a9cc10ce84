import type { Table } from '@lancedb/lancedb';
import { inList, sqlString } from '../store/filter';
import { symbolFromRow } from './symbolIndex';
import { stemQuery } from '../indexing/stemming';

/** A chunk as retrieval returns it: identity, place and text. */
export interface ChunkHit {
  id: string;
  fileKey: string;
  root: string;
  path: string;
  source: string;
  language: string;
  kind: string;
  shape: string;
  name: string;
  qualifiedName: string;
  startLine: number;
  endLine: number;
  signature: string;
  doc: string;
  text: string;
  textHash: string;
}

export interface ChunkFilter {
  /** 'workspace', a library name, or CONVENTIONS_SOURCE for house rules from any root. */
  source?: string;
  language?: string;
}

/**
 * The search source that selects house convention rules (kind 'rule') whatever root they
 * come from; a rule's own `source` column keeps its origin, for precedence.
 */
export const CONVENTIONS_SOURCE = 'conventions';

const COLUMNS = [
  'id', 'file_key', 'root', 'path', 'source', 'language', 'kind', 'shape', 'name', 'qualified_name', 'start_line', 'end_line', 'signature', 'doc', 'text', 'text_hash',
];
/** Large IN lists are slow to plan; callers never need more. */
const MAX_KEYS = 500;

export function whereOf(filter: ChunkFilter): string | undefined {
  const parts: string[] = [];
  if (filter.source === CONVENTIONS_SOURCE) parts.push(`kind = 'rule'`);
  else if (filter.source) parts.push(`source = ${sqlString(filter.source)}`);
  if (filter.language) parts.push(`language = ${sqlString(filter.language)}`);
  return parts.length ? parts.join(' AND ') : undefined;
}

/** The same test as whereOf, for entries already in memory (symbols, fused hits). */
export function matchesFilter(e: { source: string; language: string; kind: string }, filter: ChunkFilter): boolean {
  if (filter.source === CONVENTIONS_SOURCE ? e.kind !== 'rule' : filter.source && e.source !== filter.source) return false;
  return !filter.language || e.language === filter.language;
}

function hitFromRow(r: Record<string, unknown>): ChunkHit {
  const { parent: _parent, ...identity } = symbolFromRow(r);
  return { ...identity, doc: String(r.doc), text: String(r.text), textHash: String(r.text_hash) };
}

/** A BM25 query over the search text, its words stemmed as the index's are. */
export function fullText(table: Table, words: string) {
  return table.query().fullTextSearch(stemQuery(words), { columns: ['search_text'] });
}

/** BM25 over the search text, best first. */
export async function ftsChunks(table: Table, words: string, filter: ChunkFilter, limit: number): Promise<ChunkHit[]> {
  let q = fullText(table, words).select(COLUMNS).limit(limit);
  const where = whereOf(filter);
  if (where) q = q.where(where);
  const rows = (await q.toArray()) as Record<string, unknown>[];
  return rows.map(hitFromRow);
}

/**
 * A BM25 hit as its id, file and text only. Every column LanceDB reads costs per row (all sixteen
 * took about twice as long as these three): callers that hold the symbol index take the rest
 * of the chunk's identity from it.
 */
export interface TextHit {
  id: string;
  fileKey: string;
  text: string;
}

const TEXT_HIT_COLUMNS = ['id', 'file_key', 'text'];

/** {@link ftsChunks} over all sources, returning {@link TextHit}s. */
export async function ftsTexts(table: Table, words: string, limit: number): Promise<TextHit[]> {
  const rows = (await fullText(table, words).select(TEXT_HIT_COLUMNS).limit(limit).toArray()) as Record<
    string,
    unknown
  >[];
  return rows.map((r) => ({ id: String(r.id), fileKey: String(r.file_key), text: String(r.text) }));
}

/** The text of the chunks with these ids (those that exist), for callers that know the rest from the symbol index. */
export async function textsByIds(table: Table, ids: readonly string[]): Promise<Map<string, TextHit>> {
  const out = new Map<string, TextHit>();
  const unique = [...new Set(ids)].slice(0, MAX_KEYS);
  if (!unique.length) return out;
  const rows = (await table.query().where(`id IN ${inList(unique)}`).select(TEXT_HIT_COLUMNS).limit(unique.length).toArray()) as Record<string, unknown>[];
  for (const r of rows) out.set(String(r.id), { id: String(r.id), fileKey: String(r.file_key), text: String(r.text) });
  return out;
}

export async function chunksByIds(table: Table, ids: readonly string[]): Promise<Map<string, ChunkHit>> {
  const out = new Map<string, ChunkHit>();
  const unique = [...new Set(ids)].slice(0, MAX_KEYS);
  if (!unique.length) return out;
  const rows = (await table.query().where(`id IN ${inList(unique)}`).select(COLUMNS).limit(unique.length).toArray()) as Record<string, unknown>[];
  for (const r of rows) out.set(String(r.id), hitFromRow(r));
  return out;
}

export async function chunksByTextHashes(table: Table, hashes: readonly string[], filter: ChunkFilter): Promise<ChunkHit[]> {
  const unique = [...new Set(hashes)].slice(0, MAX_KEYS);
  if (!unique.length) return [];
  const where = [`text_hash IN ${inList(unique)}`, whereOf(filter)].filter(Boolean).join(' AND ');
  const rows = (await table.query().where(where).select(COLUMNS).limit(unique.length * 4).toArray()) as Record<string, unknown>[];
  return rows.map(hitFromRow);
}

/** Every house convention rule in the index; rules are few (tens to hundreds). */
export async function loadRuleRows(table: Table): Promise<ChunkHit[]> {
  const rows = (await table.query().where(`kind = 'rule'`).select(COLUMNS).toArray()) as Record<string, unknown>[];
  return rows.map(hitFromRow);
}
