import type { Logger } from '../log';
import type { IndexStore } from '../store/indexStore';
import { inList } from '../store/filter';
import type { Embedder } from './embedder';

export interface EmbedProgress {
  done: number;
  total: number;
}

export interface EmbedSummary {
  model: string;
  /** Chunks whose content needed a vector this run. */
  pending: number;
  embedded: number;
  /** Set when embedding stopped early; keyword and symbol search are unaffected. */
  error?: string;
  /** Vectors of a previous model were dropped. */
  modelChanged: boolean;
  ann: 'built' | 'folded' | 'none';
  /** Vectors of content no longer in the index that were dropped. */
  dropped?: number;
}

const BATCH = 32;
/**
 * Embedders whose last run failed. The engine runs this after every pause in saving, so with
 * Ollama down each save would warn again: a failure streak warns once (the rest go to debug),
 * and the summary still carries every error.
 */
const failing = new WeakSet<Embedder>();

function warnOnce(log: Logger, embedder: Embedder, message: string): void {
  if (failing.has(embedder)) {
    log.debug(message);
  } else {
    failing.add(embedder);
    log.warn(message);
  }
}

/** Stale vectors (content no chunk has any more) are dropped once there are more than this many and this share of the chunks' contents. */
const STALE_MIN = 1_000;
const STALE_SHARE = 0.2;

/** What is embedded of a chunk: enough to place it, short enough for small embedding models. */
const MAX_INPUT_CHARS = 2_000;

/**
 * Gives every chunk content a vector, after parsing: keyword and symbol search work before
 * this starts and whatever happens here. Content already embedded (by hash) is never sent
 * again, across re-indexes and renames.
 */
export async function embedPending(
  store: IndexStore,
  embedder: Embedder,
  log: Logger,
  options: { signal?: AbortSignal; onProgress?(p: EmbedProgress): void; staleLimit?: number } = {},
): Promise<EmbedSummary> {
  if (store.embedding?.model !== embedder.model) {
    // Vectors of the old model are only dropped once the new one is known to answer.
    try {
      await embedder.embed(['probe'], options.signal);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      warnOnce(log, embedder, `Embeddings not updated: ${error} Keyword and symbol search still work.`);
      return { model: embedder.model, pending: 0, embedded: 0, error, modelChanged: false, ann: 'none' };
    }
  }
  const modelChanged = await store.useEmbeddingModel(embedder.model);
  if (modelChanged) log.warn(`The embedding model is now ${embedder.model}: re-embedding every chunk.`);
  const [wanted, have] = await Promise.all([store.chunkHashes(), store.embeddedHashes()]);
  const pending = [...wanted].filter((h) => !have.has(h));
  const summary: EmbedSummary = { model: embedder.model, pending: pending.length, embedded: 0, modelChanged, ann: 'none' };
  // Vectors of content no chunk has any more stay a while (a reverted edit, a file moved back
  // in finds its vector), but not forever: past a fifth of the table they are dropped.
  const stale = [...have].filter((h) => !wanted.has(h));
  if (stale.length > (options.staleLimit ?? Math.max(STALE_MIN, wanted.size * STALE_SHARE))) {
    await store.deleteEmbeddings(stale);
    summary.dropped = stale.length;
    log.info(`Dropped ${stale.length} vectors of content no longer in the index.`);
  }
  options.onProgress?.({ done: 0, total: pending.length });
  try {
    for (let i = 0; i < pending.length; i += BATCH) {
      options.signal?.throwIfAborted();
      const hashes = pending.slice(i, i + BATCH);
      const rows = (await store.chunksTable
        .query()
        .where(`text_hash IN ${inList(hashes)}`)
        .select(['text_hash', 'doc', 'text'])
        .toArray()) as { text_hash: string; doc: string; text: string }[];
      const byHash = new Map(rows.map((r) => [String(r.text_hash), embedInput(String(r.doc), String(r.text))]));
      // A chunk may have been removed since the hashes were read.
      const present = hashes.filter((h) => byHash.has(h));
      const vectors = await embedder.embed(present.map((h) => byHash.get(h) as string), options.signal);
      await store.addEmbeddings(present.map((h, j) => ({ text_hash: h, vector: vectors[j] })));
      summary.embedded += present.length;
      options.onProgress?.({ done: Math.min(pending.length, i + BATCH), total: pending.length });
    }
    summary.ann = await store.maintainEmbeddings();
    failing.delete(embedder);
  } catch (err) {
    summary.error = err instanceof Error ? err.message : String(err);
    warnOnce(log, embedder, `Embeddings stopped after ${summary.embedded} of ${pending.length}: ${summary.error} Keyword and symbol search still work.`);
  }
  return summary;
}

export function embedInput(doc: string, text: string): string {
  const input = doc ? `${doc}\n${text}` : text;
  return input.length > MAX_INPUT_CHARS ? input.slice(0, MAX_INPUT_CHARS) : input;
}
