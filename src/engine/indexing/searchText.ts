import type { Chunk } from './chunk';
import { splitIdentifiers } from './identifiers';

const NOT_WORD = /[^A-Za-z0-9_$\u0080-\uffff]+/g;

/**
 * What BM25 sees for a chunk. Name, qualified name and signature are repeated so they
 * weigh more than the body; the doc comment comes once before the body.
 */
export function searchTextOf(chunk: Chunk, path: string): string {
  const head = [chunk.name, chunk.qualifiedName, chunk.signature].filter(Boolean).join(' ');
  const body = chunk.searchBody ?? chunk.text;
  // Punctuation and layout carry nothing for BM25; dropping them halves what is stored.
  return splitIdentifiers([head, head, head, path, chunk.doc, body].join(' ')).replace(NOT_WORD, ' ');
}
