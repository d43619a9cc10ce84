import { chunksByIds, ftsChunks, ftsTexts, textsByIds, type ChunkHit, type TextHit } from './chunkQueries';
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
 *
 * Two shapes of answer: whole rows ({@link byIds}, {@link fullText}) for callers that need
 * every column, and texts only ({@link textHits}, {@link similarTexts}) for callers that take
 * the rest of a chunk's identity from the symbol index, at about half the cost per query.
 */
export class ContextCache {
  private readonly texts = new Map<string, ChunkHit>();
  private readonly bodies = new Map<string, TextHit>();
  private readonly similar = new Map<string, ChunkHit[]>();
  private readonly similarBodies = new Map<string, TextHit[]>();
  /** Text searches under way: a request that asks while one runs waits for it instead of asking again. */
  private readonly searching = new Map<string, Promise<TextHit[]>>();
  /** Bumped whenever entries are dropped: an answer read before that is not kept. */
  private epoch = 0;

  /** The chunks with these ids (those that exist), from memory where possible. */
  async byIds(table: Table, ids: readonly string[]): Promise<Map<string, ChunkHit>> {
    const out = new Map<string, ChunkHit>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = touch(this.texts, id);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length) {
      const epoch = this.epoch;
      for (const [id, hit] of await chunksByIds(table, missing)) {
        out.set(id, hit);
        if (epoch === this.epoch) remember(this.texts, id, hit, MAX_TEXTS);
      }
    }
    return out;
  }

  /** The text of the chunks with these ids (those that exist), from memory where possible. */
  async textHits(table: Table, ids: readonly string[]): Promise<Map<string, TextHit>> {
    const out = new Map<string, TextHit>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = touch(this.bodies, id) ?? this.texts.get(id);
      if (hit) out.set(id, { id, fileKey: hit.fileKey, text: hit.text });
      else missing.push(id);
    }
    if (missing.length) {
      const epoch = this.epoch;
      for (const [id, hit] of await textsByIds(table, missing)) {
        out.set(id, hit);
        if (epoch === this.epoch) remember(this.bodies, id, hit, MAX_TEXTS);
      }
    }
    return out;
  }

  /** The best `limit` BM25 hits for `words` over all sources. */
  async fullText(table: Table, words: string, limit: number): Promise<ChunkHit[]> {
    const key = `${limit}\u0000${words}`;
    const hit = touch(this.similar, key);
    if (hit) return hit;
    const epoch = this.epoch;
    const hits = await ftsChunks(table, words, {}, limit);
    if (epoch === this.epoch) remember(this.similar, key, hits, MAX_QUERIES);
    return hits;
  }

  /** The cached answer of {@link fullText}, if there is one; never searches. */
  peekFullText(words: string, limit: number): ChunkHit[] | undefined {
    return this.similar.get(`${limit}\u0000${words}`);
  }

  /**
   * {@link fullText} as texts only. Asked again while the search runs (the next keystroke after
   * one that gave up waiting), it waits for that search rather than starting another.
   */
  similarTexts(table: Table, words: string, limit: number): Promise<TextHit[]> {
    const key = `${limit}\u0000${words}`;
    const hit = touch(this.similarBodies, key);
    if (hit) return Promise.resolve(hit);
    const running = this.searching.get(key);
    if (running) return running;
    const epoch = this.epoch;
    const search = ftsTexts(table, words, limit).then(
      (hits) => {
        if (epoch === this.epoch) {
          this.searching.delete(key);
          remember(this.similarBodies, key, hits, MAX_QUERIES);
        }
        return hits;
      },
      (err: unknown) => {
        if (epoch === this.epoch) this.searching.delete(key);
        throw err;
      },
    );
    this.searching.set(key, search);
    return search;
  }

  /** The cached answer of {@link similarTexts}, if there is one; never searches. */
  peekSimilarTexts(words: string, limit: number): TextHit[] | undefined {
    return this.similarBodies.get(`${limit}\u0000${words}`);
  }

  /** A file was re-indexed: its chunks' texts may be stale, and any similar-code answer may be. */
  dropFile(fileKey: string): void {
    for (const [id, hit] of this.texts) if (hit.fileKey === fileKey) this.texts.delete(id);
    for (const [id, hit] of this.bodies) if (hit.fileKey === fileKey) this.bodies.delete(id);
    this.dropSearches();
  }

  clear(): void {
    this.texts.clear();
    this.bodies.clear();
    this.dropSearches();
  }

  private dropSearches(): void {
    this.similar.clear();
    this.similarBodies.clear();
    this.searching.clear();
    this.epoch++;
  }
}

/** The entry for `key`, moved to the newest place in the LRU order. */
function touch<V>(map: Map<string, V>, key: string): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as string);
}
