import { OllamaError, type OllamaClient } from '../llm/ollamaClient';
import type { Embedder } from './embedder';

/** Posts batches to Ollama's /api/embed; checks every vector has the first reply's dimension. */
export class OllamaEmbedder implements Embedder {
  private dim?: number;

  constructor(
    private readonly client: OllamaClient,
    readonly model: string,
  ) {}

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (!texts.length) return [];
    const vectors = await this.client.embed(this.model, texts, signal);
    for (const v of vectors) {
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new OllamaError(`The model ${this.model} returned an empty or malformed vector. Check inhouse.embedding.model.`, 'bad-reply');
      }
      this.dim ??= v.length;
      if (v.length !== this.dim) {
        throw new OllamaError(
          `The model ${this.model} returned vectors of ${v.length} dimensions after ${this.dim}. Check inhouse.embedding.model, then re-index.`,
          'bad-reply',
        );
      }
    }
    return vectors;
  }
}
