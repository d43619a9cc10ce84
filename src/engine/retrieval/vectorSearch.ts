import type { Embedder } from '../embed/embedder';
import type { Logger } from '../log';
import type { IndexStore } from '../store/indexStore';
import { chunksByTextHashes, type ChunkFilter, type ChunkHit } from './chunkQueries';
import type { VectorSearch } from './retriever';

/** IVF_PQ probes and re-ranking: recall close to exact search at a few milliseconds. */
const NPROBES = 40;
const REFINE_FACTOR = 10;
/**
 * Embedders in a failure streak. Kept per embedder, not per instance: the engine makes a
 * StoreVectorSearch for every query, and an instance flag warned on every one of them.
 */
const failing = new WeakSet<Embedder>();

/**
 * Nearest chunks by embedding. A failing embedder (Ollama down, model missing) degrades search
 * to keyword and symbol results, with one warning per failure streak.
 */
export class StoreVectorSearch implements VectorSearch {
  constructor(
    private readonly store: IndexStore,
    private readonly embedder: Embedder,
    private readonly log: Logger,
  ) {}

  async search(query: string, filter: ChunkFilter, limit: number): Promise<ChunkHit[]> {
    const table = await this.store.embeddingsTable();
    if (!table || this.store.embedding?.model !== this.embedder.model) return [];
    let vector: number[];
    try {
      [vector] = await this.embedder.embed([query]);
      failing.delete(this.embedder);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!failing.has(this.embedder)) {
        failing.add(this.embedder);
        this.log.warn(`Searching without embeddings: ${message}`);
      }
      return [];
    }
    const rows = (await table
      .vectorSearch(vector)
      .distanceType('cosine')
      .nprobes(NPROBES)
      .refineFactor(REFINE_FACTOR)
      .select(['text_hash'])
      .limit(limit)
      .toArray()) as { text_hash: string }[];
    const order = new Map(rows.map((r, i) => [String(r.text_hash), i]));
    const hits = await chunksByTextHashes(this.store.chunksTable, [...order.keys()], filter);
    return hits.sort((a, b) => (order.get(a.textHash) ?? 0) - (order.get(b.textHash) ?? 0) || a.id.localeCompare(b.id));
  }
}
