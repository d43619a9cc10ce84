import { splitIdentifiers } from '../indexing/identifiers';
import type { IndexStore } from '../store/indexStore';
import { sqlString } from '../store/filter';

export interface SearchOptions {
  limit: number;
  source?: string;
  language?: string;
}

export interface SearchHit {
  path: string;
  root: string;
  source: string;
  language: string;
  kind: string;
  symbol: string;
  startLine: number;
  endLine: number;
  signature: string;
  text: string;
  score: number;
}

export const MAX_QUERY_CHARS = 2_000;

export class QueryError extends Error {}

const COLUMNS = ['path', 'root', 'source', 'language', 'kind', 'qualified_name', 'name', 'start_line', 'end_line', 'signature', 'text'];

/** BM25 over the chunks' search text; identifiers in the query are split like the index's. */
export async function keywordSearch(store: IndexStore, query: string, options: SearchOptions): Promise<SearchHit[]> {
  const q = query.trim();
  if (!q) throw new QueryError('The search query is empty. Pass some words or an identifier to look for.');
  if (q.length > MAX_QUERY_CHARS) {
    throw new QueryError(`The search query has ${q.length} characters; the limit is ${MAX_QUERY_CHARS}. Shorten it.`);
  }
  // The full-text parser treats some punctuation as syntax; words are all BM25 needs.
  const words = splitIdentifiers(q).replace(/[^\p{L}\p{N}_$]+/gu, ' ').trim();
  if (!words) throw new QueryError('The search query has no words or identifiers in it.');
  const filters: string[] = [];
  if (options.source) filters.push(`source = ${sqlString(options.source)}`);
  if (options.language) filters.push(`language = ${sqlString(options.language)}`);
  let search = store.chunksTable.query().fullTextSearch(words, { columns: ['search_text'] }).select(COLUMNS).limit(options.limit);
  if (filters.length) search = search.where(filters.join(' AND '));
  const rows = (await search.toArray()) as Record<string, unknown>[];
  return rows.map((r) => ({
    path: String(r.path),
    root: String(r.root),
    source: String(r.source),
    language: String(r.language),
    kind: String(r.kind),
    symbol: String(r.qualified_name || r.name || ''),
    startLine: Number(r.start_line),
    endLine: Number(r.end_line),
    signature: String(r.signature),
    text: String(r.text),
    score: Number(r._score ?? 0),
  }));
}
