import type { Chunk } from './chunk';
import { splitIdentifiers } from './identifiers';

/**
 * What BM25 sees for a chunk. Name, qualified name and signature are repeated so they
 * weigh more than the body; the doc comment comes once before the body.
 */
export function searchTextOf(chunk: Chunk, path: string): string {
  const head = [chunk.name, chunk.qualifiedName, chunk.signature].filter(Boolean).join(' ');
  return splitIdentifiers([head, head, head, path, chunk.doc, chunk.text].join('\n'));
}
