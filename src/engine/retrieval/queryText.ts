import { splitIdentifiers } from '../indexing/identifiers';

export const MAX_QUERY_CHARS = 2_000;

/** A query the user must fix: exit code 2 in the CLI. */
export class QueryError extends Error {}

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;

export interface ParsedQuery {
  /** Words for BM25: identifiers kept whole and split, punctuation dropped. */
  words: string;
  /** Identifier-like tokens, for exact symbol lookup. */
  identifiers: string[];
  /** The query is one identifier (or a prefix of one). */
  single?: string;
}

/** Checks a search query and turns it into what each retriever needs. */
export function parseQuery(raw: string): ParsedQuery {
  const q = raw.trim();
  if (!q) throw new QueryError('The search query is empty. Pass some words or an identifier to look for.');
  if (q.length > MAX_QUERY_CHARS) {
    throw new QueryError(`The search query has ${q.length} characters; the limit is ${MAX_QUERY_CHARS}. Shorten it.`);
  }
  // The full-text parser treats some punctuation as syntax; words are all BM25 needs.
  const words = splitIdentifiers(q).replace(/[^A-Za-z0-9_$\u0080-\uffff]+/g, ' ').trim();
  if (!words) throw new QueryError('The search query has no words or identifiers in it.');
  const identifiers = [...new Set(q.match(IDENTIFIER) ?? [])].filter((t) => t.length > 1);
  const single = /^[A-Za-z_$][A-Za-z0-9_$.:]*$/.test(q) ? q.split(/[.:]+/).pop() : undefined;
  return { words, identifiers, single };
}
