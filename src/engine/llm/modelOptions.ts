/**
 * The model options InHouse sends with every generation, derived so they stay the same from one
 * request to the next: Ollama reloads a model whenever `num_ctx` changes, which costs seconds.
 */

/** `num_ctx` is rounded up to a multiple of this. */
export const NUM_CTX_BUCKET = 2048;

/**
 * The context window to ask for: room for the prompt budget plus the longest answer, rounded UP
 * to a multiple of {@link NUM_CTX_BUCKET}, and never beyond what the model was trained for.
 * Call it with the settings (not with the size of the prompt at hand), so it is stable.
 */
export function numCtxFor(promptBudgetTokens: number, maxOutputTokens: number, modelContextLength?: number): number {
  const need = Math.max(1, Math.ceil(Math.max(0, promptBudgetTokens) + Math.max(0, maxOutputTokens)));
  const bucketed = Math.ceil(need / NUM_CTX_BUCKET) * NUM_CTX_BUCKET;
  if (modelContextLength !== undefined && Number.isFinite(modelContextLength) && modelContextLength > 0) {
    return Math.min(bucketed, Math.floor(modelContextLength));
  }
  return bucketed;
}

/**
 * The `keep_alive` value for the wire, from the setting (`30m`, `1h`, `90s`, `0`, `-1`). Ollama
 * parses a string with Go's `time.ParseDuration`, which rejects a bare `-1` or `300`, so bare
 * numbers go as numbers (seconds; negative means keep loaded). Empty means Ollama's default.
 */
export function keepAliveValue(setting: string | number | undefined): string | number | undefined {
  if (setting === undefined) return undefined;
  if (typeof setting === 'number') return setting;
  const s = setting.trim();
  if (s === '') return undefined;
  if (/^[-+]?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}
