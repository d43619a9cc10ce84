import type { Embedder } from '../embed/embedder';
import type { Logger } from '../log';
import type { IndexStore } from '../store/indexStore';
import { chunksByTextHashes, type ChunkFilter, type ChunkHit } from './chunkQueries';
import type { VectorSearch } from './retriever';

/** IVF_PQ probes and re-ranking: recall close to exact search at a few milliseconds. */
const NPROBES = 40;
const REFINE_FACTOR = 10;
/**
 * In object storage every refined candidate is a ranged read of its full vector: factor 10
 * cost 164 requests a query (227 ms against 12 locally). Factor 2 keeps most of the recall
 * gain for a fifth of the reads.
 */
const REMOTE_REFINE_FACTOR = 2;
/**
 * Embedders in a failure streak. Kept per embedder, not per instance: the engine makes a
 * StoreVectorSearch for every query, and an instance flag warned on every one of them.
 */
const failing = new WeakSet<Embedder>();
/** A query is one short text: a search never waits long for its vector. */
const QUERY_EMBED_MS = 5_000;
/** In a failure streak, a hung Ollama costs each search this much, not the full wait. */
const QUERY_EMBED_FAILING_MS = 1_000;

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
    const streak = failing.has(this.embedder);
    let vector: number[];
    try {
      [vector] = await this.embedder.embed([query], AbortSignal.timeout(streak ? QUERY_EMBED_FAILING_MS : QUERY_EMBED_MS));
      // A vector the table cannot hold would fail the query as a damaged index.
      const dim = this.store.embedding?.dim;
      if (dim && vector.length !== dim) {
        throw new Error(
          `The embedding model ${this.embedder.model} now returns ${vector.length}-dimensional vectors, not ${dim}. ` +
            'Re-embed with `inhouse index <folder> --rebuild`, or check inhouse.embedding.model.',
        );
      }
      failing.delete(this.embedder);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (streak) this.log.debug(`Searching without embeddings: ${message}`);
      else this.log.warn(`Searching without embeddings: ${message}`);
      failing.add(this.embedder);
      return [];
    }
    const rows = (await table
      .vectorSearch(vector)
      .distanceType('cosine')
      .nprobes(NPROBES)
      .refineFactor(this.store.remote ? REMOTE_REFINE_FACTOR : REFINE_FACTOR)
      .select(['text_hash'])
      .limit(limit)
      .toArray()) as { text_hash: string }[];
    const order = new Map(rows.map((r, i) => [String(r.text_hash), i]));
    const hits = await chunksByTextHashes(this.store.chunksTable, [...order.keys()], filter);
    return hits.sort((a, b) => (order.get(a.textHash) ?? 0) - (order.get(b.textHash) ?? 0) || a.id.localeCompare(b.id));
  }
}
