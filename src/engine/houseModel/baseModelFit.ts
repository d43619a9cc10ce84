/**
 * Does the adapter fit the base model? A LoRA adapter only works on the model it was trained on:
 * the same architecture and the same size. PEFT writes the training's base as a Hugging Face name
 * (`Qwen/Qwen2.5-Coder-1.5B`); Ollama reports its model's architecture as a family (`qwen2`) and
 * an approximate size (`1.5B`). Names are matched by pattern: a name we do not recognise is let
 * through with a warning, never refused.
 */
import type { ModelInfo } from '../llm/modelInfo';

/** Hugging Face name patterns → the Ollama families (`details.family`) of that architecture. Most specific first. */
const FAMILIES: [RegExp, string[]][] = [
  [/deepseek-r1-distill-qwen/, ['qwen2']],
  [/deepseek-r1-distill-llama/, ['llama']],
  [/deepseek-(coder-v2|v2|v3|r1)/, ['deepseek2']],
  [/deepseek-coder/, ['llama']],
  [/qwen3/, ['qwen3', 'qwen3moe']],
  [/qwen2|qwen1\.5|codeqwen/, ['qwen2']],
  [/codegemma|gemma-?3/, ['gemma', 'gemma3']],
  [/gemma-?2/, ['gemma2']],
  [/gemma/, ['gemma']],
  [/phi-?[34]/, ['phi3']],
  [/phi-?2/, ['phi2']],
  [/starcoder2/, ['starcoder2']],
  [/starcoder/, ['starcoder']],
  [/granite/, ['granite']],
  // Mistral models report the llama architecture in Ollama; Mistral 3 its own.
  [/mistral|mixtral|codestral|ministral/, ['llama', 'mistral', 'mistral3']],
  [/llama|tinyllama|vicuna/, ['llama']],
];

/** Sizes further apart than this factor are different models (0.5B, 1.5B, 3B, 7B, 14B: ≥ 2×). */
const SIZE_TOLERANCE = 1.6;

export interface BaseFit {
  /** Set when the adapter was evidently trained on another model: the reason, naming both. */
  mismatch?: string;
  /** Things that could not be checked, or look odd without being wrong. */
  warnings: string[];
}

/** The Ollama families a Hugging Face model name belongs to, or undefined when unknown. */
export function familiesForHfName(hfName: string): string[] | undefined {
  const name = hfName.toLowerCase();
  for (const [pattern, families] of FAMILIES) if (pattern.test(name)) return families;
  return undefined;
}

/** Billions of parameters named in a model name (`Qwen2.5-Coder-1.5B`, `llama3.2:3b`, `7.6B`), if any. */
export function billionsIn(name: string): number | undefined {
  const matches = [...name.matchAll(/(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)\s*b(?![a-z])/gi)];
  if (matches.length === 0) return undefined;
  const n = Number(matches[matches.length - 1][1]);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Compares the training's base (from adapter_config.json) with the Ollama base model. `trainedOn`
 * empty (no config, or a GGUF adapter) skips the check with a warning.
 */
export function checkBaseFit(trainedOn: string, base: string, info: Pick<ModelInfo, 'family' | 'families' | 'parameterSize'>): BaseFit {
  const fit: BaseFit = { warnings: [] };
  if (!trainedOn.trim()) {
    fit.warnings.push(`The adapter does not say which model it was trained on, so InHouse cannot check that it fits ${base}. It must be the same model, at the same size.`);
    return fit;
  }
  const baseFamilies = new Set([info.family, ...info.families].filter(Boolean).map((f) => f.toLowerCase()));
  const expected = familiesForHfName(trainedOn);
  const shown = info.family || [...baseFamilies][0] || 'unknown';
  if (!expected) {
    fit.warnings.push(`InHouse does not know the architecture of ${trainedOn}, so it cannot check that the adapter fits ${base} (${shown}).`);
  } else if (baseFamilies.size === 0) {
    fit.warnings.push(`Ollama does not report the architecture of ${base}, so InHouse cannot check that the adapter (trained on ${trainedOn}) fits it.`);
  } else if (!expected.some((f) => baseFamilies.has(f))) {
    fit.mismatch = `The adapter was trained on ${trainedOn} (a ${expected[0]} model), but ${base} is a ${shown} model. Pass the base it was trained on (e.g. \`ollama pull\` the ${expected[0]} model of that size and pass it with --base).`;
    return fit;
  }
  const trainedSize = billionsIn(trainedOn);
  const baseSize = billionsIn(info.parameterSize) ?? billionsIn(base);
  if (trainedSize !== undefined && baseSize !== undefined) {
    const ratio = Math.max(trainedSize, baseSize) / Math.min(trainedSize, baseSize);
    if (ratio >= SIZE_TOLERANCE) {
      fit.mismatch = `The adapter was trained on ${trainedOn} (${trainedSize}B parameters), but ${base} has ${info.parameterSize || `${baseSize}B`}. A LoRA adapter only fits the size it was trained on: pass the ${trainedSize}B model of that family with --base.`;
    }
  }
  return fit;
}
