import { splitIdentifiers } from '../indexing/identifiers';

export const MAX_QUERY_CHARS = 2_000;

/** A query the user must fix: exit code 2 in the CLI. */
export class QueryError extends Error {}

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;
/**
 * Written as code, not as a word: an upper-case letter after the first character
 * (getUserById, HTTP), `_` or `$`, or a digit after a letter. A sentence's capitalised
 * first word ("Convert the bytes…") is English.
 */
const CODE_SHAPED = /^.+[A-Z]|[_$]|[A-Za-z][0-9]/;
/** An all-capitals word in a sentence is emphasis or an acronym ("from FIRST to LAST", "URL"). */
const SHOUTED = /^[A-Z][A-Z0-9]*$/;

export interface ParsedQuery {
  /** Words for BM25: identifiers kept whole and split, punctuation dropped. */
  words: string;
  /** Identifier-like tokens, for exact symbol lookup (in a phrase, only code-shaped ones). */
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
  const tokens = [...new Set(q.match(IDENTIFIER) ?? [])].filter((t) => t.length > 1);
  // In a phrase, a plain lower-case word is English ("user" in "user by id"), not a symbol
  // name: looked up exactly (and case-insensitively) it would outrank getUserById with `User`.
  const identifiers = /\s/.test(q) ? tokens.filter((t) => CODE_SHAPED.test(t) && !SHOUTED.test(t)) : tokens;
  const single = /^[A-Za-z_$][A-Za-z0-9_$.:]*$/.test(q) ? q.split(/[.:]+/).pop() : undefined;
  return { words, identifiers, single };
}
