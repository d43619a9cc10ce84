import { hash } from 'node:crypto';
import type { ChunkRow } from '../store/schema';
import type { Chunk } from './chunk';
import type { FileIdentity } from './parseProtocol';
import { searchTextOf } from './searchText';

/** One-shot hashing: 0.55 s → 0.33 s per 10k files against createHash().update().digest(). */
export function sha1(data: string | Uint8Array): string {
  return hash('sha1', data, 'hex');
}

/** Store rows for one file's chunks; ids are stable for the same file and chunk order. */
export function chunkRows(file: FileIdentity, language: string, chunks: Chunk[]): ChunkRow[] {
  const prefix = sha1(file.fileKey).slice(0, 16);
  return chunks.map((c, i) => ({
    id: `${prefix}:${i}`,
    file_key: file.fileKey,
    root: file.root,
    path: file.path,
    source: file.source,
    language,
    kind: c.kind,
    shape: c.shape,
    name: c.name,
    qualified_name: c.qualifiedName,
    parent: c.parent,
    start_line: c.startLine,
    end_line: c.endLine,
    signature: c.signature,
    doc: c.doc,
    text: c.text,
    refs: c.refs,
    search_text: searchTextOf(c, file.path),
    file_hash: file.fileHash,
    // The embedding cache key: everything embedInput() sends for this chunk.
    text_hash: sha1(`${c.doc}\u0000${c.text}`),
  }));
}
