import type { Chunk } from './chunk';
import { compoundSubwords, splitIdentifiers } from './identifiers';

const NOT_WORD = /[^A-Za-z0-9_$\u0080-\uffff]+/g;

/**
 * What BM25 sees for a chunk. Name, qualified name and signature come three times, with their
 * identifiers split, so they weigh more than the body. The body keeps its words as written
 * and adds the subwords of each distinct compound identifier once: splitting every
 * occurrence cost more than the parse and inflated subword counts.
 */
export function searchTextOf(chunk: Chunk, path: string): string {
  const head = splitIdentifiers([chunk.name, chunk.qualifiedName, chunk.signature].filter(Boolean).join(' '));
  const body = `${path} ${chunk.doc} ${chunk.searchBody ?? chunk.text}`;
  return `${head} ${head} ${head} ${body} ${compoundSubwords(body)}`.replace(NOT_WORD, ' ');
}
