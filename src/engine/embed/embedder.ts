/** Turns texts into vectors. The dimension is whatever the model returns. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
