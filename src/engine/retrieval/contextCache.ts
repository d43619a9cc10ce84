import { chunksByIds, ftsChunks, type ChunkHit } from './chunkQueries';
import type { Table } from '@lancedb/lancedb';

/** Chunk texts kept: the definitions a file's completions keep asking for (a few MB at most). */
const MAX_TEXTS = 2_000;
/** Similar-code answers kept: consecutive completions near one spot ask the same query. */
const MAX_QUERIES = 200;

/**
 * What consecutive completions ask the table again and again: the text of the definitions
 * they carry, and the similar-code search for the words before the cursor. Every LanceDB
 * query costs a few milliseconds however small its answer, and a completion's budget is
 * about twenty. The owner drops a file's entries when the file is re-indexed, and everything
 * when the index changes under it.
 */
export class ContextCache {
  private readonly texts = new Map<string, ChunkHit>();
  private readonly similar = new Map<string, ChunkHit[]>();

  /** The chunks with these ids (those that exist), from memory where possible. */
  async byIds(table: Table, ids: readonly string[]): Promise<Map<string, ChunkHit>> {
    const out = new Map<string, ChunkHit>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.texts.get(id);
      if (hit) {
        // Refresh its place in the LRU order.
        this.texts.delete(id);
        this.texts.set(id, hit);
        out.set(id, hit);
      } else {
        missing.push(id);
      }
    }
    if (missing.length) {
      for (const [id, hit] of await chunksByIds(table, missing)) {
        out.set(id, hit);
        remember(this.texts, id, hit, MAX_TEXTS);
      }
    }
    return out;
  }

  /** The best `limit` BM25 hits for `words` over all sources. */
  async fullText(table: Table, words: string, limit: number): Promise<ChunkHit[]> {
    const key = `${limit}\u0000${words}`;
    const hit = this.similar.get(key);
    if (hit) {
      this.similar.delete(key);
      this.similar.set(key, hit);
      return hit;
    }
    const hits = await ftsChunks(table, words, {}, limit);
    remember(this.similar, key, hits, MAX_QUERIES);
    return hits;
  }

  /** The cached answer of {@link fullText}, if there is one; never searches. */
  peekFullText(words: string, limit: number): ChunkHit[] | undefined {
    return this.similar.get(`${limit}\u0000${words}`);
  }

  /** A file was re-indexed: its chunks' texts may be stale, and any similar-code answer may be. */
  dropFile(fileKey: string): void {
    for (const [id, hit] of this.texts) if (hit.fileKey === fileKey) this.texts.delete(id);
    this.similar.clear();
  }

  clear(): void {
    this.texts.clear();
    this.similar.clear();
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as string);
}
