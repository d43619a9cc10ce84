// vscode-free: timings of the completion requests, for the debug log and benchmark reports.

export type ServedFrom = 'model' | 'cache' | 'typed-ahead' | 'in-flight';

export interface CompletionTiming {
  from: ServedFrom;
  /** Time the provider spent outside the debounce wait and the engine call. */
  overheadMs: number;
  /** Time in engine.complete (0 when nothing was asked). */
  engineMs: number;
  /** The engine's own split: retrieval and prompt building, and everything. */
  promptMs?: number;
  totalMs: number;
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface CompletionStatsReport {
  requests: number;
  served: Record<ServedFrom, number>;
  /** The extension's own cost per request (outside debounce and the engine). */
  overheadMs: Percentiles;
  /** engine.complete for requests that asked the model. */
  engineMs: Percentiles;
  /** Retrieval and prompt building inside the engine. */
  promptMs: Percentiles;
  /** From the editor's request to the suggestion, debounce included, for suggestions shown. */
  latencyMs: Percentiles;
}

/** Keeps the last `capacity` timings and summarises them. */
export class CompletionStats {
  private readonly samples: CompletionTiming[] = [];
  private requests = 0;

  constructor(private readonly capacity = 1000) {}

  /** Any request, served or not (cancelled, nothing to say). */
  countRequest(): void {
    this.requests++;
  }

  add(t: CompletionTiming): void {
    this.samples.push(t);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  report(): CompletionStatsReport {
    const served: Record<ServedFrom, number> = { model: 0, cache: 0, 'typed-ahead': 0, 'in-flight': 0 };
    for (const s of this.samples) served[s.from]++;
    const model = this.samples.filter((s) => s.from === 'model');
    return {
      requests: this.requests,
      served,
      overheadMs: percentiles(this.samples.map((s) => s.overheadMs)),
      engineMs: percentiles(model.map((s) => s.engineMs)),
      promptMs: percentiles(model.flatMap((s) => (s.promptMs === undefined ? [] : [s.promptMs]))),
      latencyMs: percentiles(this.samples.map((s) => s.totalMs)),
    };
  }
}

export function percentiles(values: readonly number[]): Percentiles {
  if (!values.length) return { count: 0, p50: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const r = (x: number): number => Math.round(x * 100) / 100;
  return { count: sorted.length, p50: r(at(0.5)), p95: r(at(0.95)), max: r(sorted[sorted.length - 1]) };
}
