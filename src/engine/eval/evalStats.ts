import type { ModelSummary, Recommendation, TaskResult } from './evalTypes';

/** The default margin: a model within 0.02 edit similarity (2 points) of the best is as good. */
export const DEFAULT_MARGIN = 0.02;

/** Nearest-rank percentile (p in 0..100) of the values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** `1.5B`, `7b`, `137M`, `22.6M`, `1.2T`, `500K` as a number of parameters; undefined when unreadable. */
export function parseParameterSize(size: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMBT])?\s*$/i.exec(size);
  if (!m) return undefined;
  const scale = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[(m[2] ?? '').toUpperCase()] ?? 1;
  return Number(m[1]) * scale;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/**
 * One model's figures. Failed tasks count as misses (similarity 0) in the quality figures, since
 * a completion that never came is worth nothing to the user; latency and speed are over the tasks
 * that answered.
 */
export function summarise(model: string, parameterSize: string, results: readonly TaskResult[]): ModelSummary {
  const ok = results.filter((r) => !r.error);
  const rates = ok.filter((r) => r.outputTokens > 0 && r.evalMs > 0);
  const tokens = rates.reduce((n, r) => n + r.outputTokens, 0);
  const evalMs = rates.reduce((n, r) => n + r.evalMs, 0);
  return {
    model,
    parameterSize,
    parameters: parseParameterSize(parameterSize),
    tasks: results.length,
    failed: results.length - ok.length,
    exactMatch: mean(results.map((r) => (r.exact && !r.error ? 1 : 0))),
    editSimilarity: mean(results.map((r) => (r.error ? 0 : r.similarity))),
    violations: ok.reduce((n, r) => n + r.violations.length, 0),
    tasksWithViolations: ok.filter((r) => r.violations.length > 0).length,
    latencyP50Ms: percentile(ok.map((r) => r.latencyMs), 50),
    latencyP95Ms: percentile(ok.map((r) => r.latencyMs), 95),
    // Tokens over time, not a mean of per-task rates: a two-token answer says little about speed.
    tokensPerSecond: evalMs > 0 ? tokens / (evalMs / 1000) : 0,
  };
}

/**
 * The smallest model whose edit similarity is within `margin` of the best one's. A model of
 * unknown size counts as larger than any known; equal sizes go to the better score, then the name.
 */
export function recommend(models: readonly ModelSummary[], margin: number): Recommendation | undefined {
  const scored = models.filter((m) => m.tasks > 0);
  if (!scored.length) return undefined;
  const best = [...scored].sort((a, b) => b.editSimilarity - a.editSimilarity || a.model.localeCompare(b.model))[0];
  // A hair of float error must not push a model that ties the margin out of it.
  const within = scored.filter((m) => m.editSimilarity >= best.editSimilarity - margin - 1e-9);
  const size = (m: ModelSummary) => m.parameters ?? Number.POSITIVE_INFINITY;
  const pick = within.sort((a, b) => size(a) - size(b) || b.editSimilarity - a.editSimilarity || a.model.localeCompare(b.model))[0];
  const pts = (x: number) => (x * 100).toFixed(1);
  const sizeText = (m: ModelSummary) => (m.parameterSize ? `${m.parameterSize} parameters` : 'size unknown');
  let reason: string;
  if (pick.model === best.model) {
    reason =
      within.length === 1
        ? `${pick.model} (${sizeText(pick)}) scores best, ${pts(pick.editSimilarity)} edit similarity; no other model is within ${pts(margin)} points.`
        : `${pick.model} (${sizeText(pick)}) scores best, ${pts(pick.editSimilarity)} edit similarity, and no model within ${pts(margin)} points is smaller.`;
  } else {
    reason =
      `${pick.model} (${sizeText(pick)}) scores ${pts(pick.editSimilarity)} edit similarity, within ${pts(margin)} points of the best, ` +
      `${best.model} (${sizeText(best)}, ${pts(best.editSimilarity)}), and is the smallest such model.`;
  }
  if (pick.violations > 0) reason += ` It broke checked conventions ${pick.violations} time${pick.violations === 1 ? '' : 's'}.`;
  return { model: pick.model, best: best.model, margin, reason };
}
