/**
 * Fill-in-the-middle prompt layouts for code models whose Ollama template cannot take a suffix
 * (no `insert` capability), used with `raw: true`. Each family was trained on its own special
 * tokens and order; a wrong layout makes the model write prose, not code.
 *
 * `stop` is what generation halts at; `specialTokens` is every control token of the family, for a
 * post-processor to strip should one leak into the text (a model may emit one the stop list
 * misses, and a model that fills in the middle through its template still leaks them).
 */

export type FimFamily = 'qwen-coder' | 'codellama' | 'deepseek-coder' | 'starcoder' | 'codestral' | 'codegemma';

export interface FimTemplate {
  readonly name: FimFamily;
  /** The raw prompt: the family's tokens around `prefix` and `suffix`, in the family's order. */
  build(prefix: string, suffix: string): string;
  readonly stop: readonly string[];
  readonly specialTokens: readonly string[];
}

const QWEN_TOKENS = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>', '<|endoftext|>'];
// The fullwidth bars (U+FF5C) and the lower one-eighth blocks (U+2581) are part of the tokens.
const DEEPSEEK_TOKENS = ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<｜begin▁of▁sentence｜>', '<|EOT|>'];
const STARCODER_TOKENS = ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<repo_name>', '<file_sep>', '<filename>', '<|endoftext|>'];
const CODELLAMA_TOKENS = ['<PRE>', '<SUF>', '<MID>', '<EOT>'];
const CODESTRAL_TOKENS = ['[SUFFIX]', '[PREFIX]', '[MIDDLE]', '</s>', '<s>'];
const CODEGEMMA_TOKENS = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>', '<end_of_turn>', '<eos>'];

export const FIM_TEMPLATES: Readonly<Record<FimFamily, FimTemplate>> = {
  // https://github.com/QwenLM/Qwen2.5-Coder (file-level fill in the middle)
  'qwen-coder': {
    name: 'qwen-coder',
    build: (p, s) => `<|fim_prefix|>${p}<|fim_suffix|>${s}<|fim_middle|>`,
    stop: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>'],
    specialTokens: QWEN_TOKENS,
  },
  // Code Llama infilling: the spaces around the sentinels are part of the trained layout.
  codellama: {
    name: 'codellama',
    build: (p, s) => `<PRE> ${p} <SUF>${s} <MID>`,
    stop: ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
    specialTokens: CODELLAMA_TOKENS,
  },
  'deepseek-coder': {
    name: 'deepseek-coder',
    build: (p, s) => `<｜fim▁begin｜>${p}<｜fim▁hole｜>${s}<｜fim▁end｜>`,
    stop: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
    specialTokens: DEEPSEEK_TOKENS,
  },
  // StarCoder 1 and 2 (also stable-code and CodeQwen 1.5, which use the same tokens).
  starcoder: {
    name: 'starcoder',
    build: (p, s) => `<fim_prefix>${p}<fim_suffix>${s}<fim_middle>`,
    stop: ['<|endoftext|>', '<file_sep>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<repo_name>'],
    specialTokens: STARCODER_TOKENS,
  },
  // Mistral's FIM puts the suffix first: [SUFFIX]suffix[PREFIX]prefix, then the model writes the middle.
  codestral: {
    name: 'codestral',
    build: (p, s) => `[SUFFIX]${s}[PREFIX]${p}`,
    stop: ['</s>', '[PREFIX]', '[SUFFIX]', '[MIDDLE]'],
    specialTokens: CODESTRAL_TOKENS,
  },
  codegemma: {
    name: 'codegemma',
    build: (p, s) => `<|fim_prefix|>${p}<|fim_suffix|>${s}<|fim_middle|>`,
    stop: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<end_of_turn>', '<eos>'],
    specialTokens: CODEGEMMA_TOKENS,
  },
};

/** Name patterns, first match wins (so `codeqwen` is StarCoder-style, not Qwen2.5-Coder-style). */
const NAME_PATTERNS: readonly [RegExp, FimFamily][] = [
  [/codestral/, 'codestral'],
  [/codegemma/, 'codegemma'],
  [/code-?llama/, 'codellama'],
  [/deepseek[-_.]?coder/, 'deepseek-coder'],
  [/starcoder|stable-?code|codeqwen/, 'starcoder'],
  [/qwen[\d.]*[-_]?coder/, 'qwen-coder'],
];

/** What `/api/show` told us, when the name alone does not say. */
export interface FimModelHints {
  /** `details.family`, e.g. `qwen2`, `starcoder2`. */
  family?: string;
  /** The model's template; a Modelfile written for FIM often names the tokens. */
  template?: string;
}

/**
 * The FIM layout a model was trained on: from its name first (`qwen2.5-coder:1.5b-base`,
 * `house/qwen2.5-coder-lora`, `codellama:7b-code`), else the tokens its template names, else
 * its architecture (`details.family`). Undefined when none of these says (a plain `llama` could
 * be Code Llama or Llama 3, which has no FIM at all).
 */
export function detectFimFamily(model: string, hints: FimModelHints | string = {}): FimFamily | undefined {
  const h: FimModelHints = typeof hints === 'string' ? { family: hints } : hints;
  const name = model.toLowerCase();
  for (const [re, family] of NAME_PATTERNS) if (re.test(name)) return family;
  const arch = (h.family ?? '').toLowerCase();
  const template = h.template ?? '';
  if (template.includes('<|fim_prefix|>')) return arch.startsWith('gemma') ? 'codegemma' : 'qwen-coder';
  if (template.includes('<fim_prefix>')) return 'starcoder';
  if (template.includes('<｜fim▁begin｜>')) return 'deepseek-coder';
  if (template.includes('<PRE>') && template.includes('<SUF>')) return 'codellama';
  if (template.includes('[SUFFIX]') && template.includes('[PREFIX]')) return 'codestral';
  if (/^qwen[23]/.test(arch)) return 'qwen-coder';
  if (/^starcoder/.test(arch)) return 'starcoder';
  return undefined;
}

/** The template for a model (see {@link detectFimFamily}), or undefined when its family is unknown. */
export function fimTemplateFor(model: string, hints: FimModelHints | string = {}): FimTemplate | undefined {
  const family = detectFimFamily(model, hints);
  return family && FIM_TEMPLATES[family];
}
