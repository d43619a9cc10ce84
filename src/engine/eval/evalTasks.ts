import { createHash } from 'node:crypto';
import { buildTrainingSet, DatasetError, type DatasetInputs } from '../dataset/exportTrainingSet';
import type { CompletionSample, DatasetOptions } from '../dataset/datasetTypes';
import { DEFAULT_BASE_MODEL, fimLayoutFor, type FimLayout } from '../dataset/fimFormat';
import { unitHash } from '../dataset/seededRandom';
import type { EvalTask } from './evalTypes';

/** The training-set options that decide the split and the spans; the export's defaults apply. */
export type SplitOptions = Pick<DatasetOptions, 'seed' | 'fimRate' | 'spmRate' | 'validShare' | 'baseModel' | 'maxTokens' | 'samplesPerFunction'>;

export interface TaskOptions extends SplitOptions {
  /** At most this many tasks; default all. */
  count?: number;
  /**
   * Split keys a model was trained on (splits.json of the export that trained it). Tasks never
   * come from them, even when the index changed since and the split here would differ.
   */
  trainKeys?: readonly string[];
}

export interface HeldOutTasks {
  tasks: EvalTask[];
  /** The split as this index gives it, the same as `inhouse dataset` with these options. */
  splits: { train: string[]; valid: string[] };
  /** Validation FIM samples available before `count` picked some. */
  available: number;
}

/**
 * Held-out fill-in-the-middle tasks: the validation half of the training set the export builds
 * from this index with the same options, so the same files and the same spans (its split and
 * its sampling, not a copy of them). Only house-code FIM samples count: plain samples have no
 * suffix, and feedback samples have no file left to check. Which `count` of them are taken
 * depends only on the seed and the task ids.
 */
export function heldOutTasks(inputs: DatasetInputs, options: TaskOptions = {}): HeldOutTasks {
  const seed = options.seed ?? 1;
  const baseModel = options.baseModel ?? DEFAULT_BASE_MODEL;
  const built = buildTrainingSet({ ...inputs, events: [] }, { ...options, seed, baseModel });
  const layout = fimLayoutFor({ baseModel });
  const trained = new Set(options.trainKeys ?? []);
  const validKeys = new Set(built.splits.valid);
  const byId = new Map<string, EvalTask>();
  for (const s of built.valid) {
    if (s.format !== 'completion' || s.source !== 'index' || (s.kind !== 'psm' && s.kind !== 'spm')) continue;
    if (!validKeys.has(s.splitKey) || trained.has(s.splitKey)) continue;
    const task = taskFrom(s, layout);
    if (task && !byId.has(task.id)) byId.set(task.id, task);
  }
  const all = [...byId.values()];
  const count = options.count ?? all.length;
  if (!Number.isInteger(count) || count < 1) throw new DatasetError(`The number of tasks must be a whole number of at least 1; got ${options.count}.`);
  const picked = all
    .map((t) => ({ t, k: unitHash(seed, `eval:${t.id}`) }))
    .sort((a, b) => a.k - b.k || (a.t.id < b.t.id ? -1 : 1))
    .slice(0, count)
    .map((x) => x.t);
  return { tasks: picked, splits: built.splits, available: all.length };
}

/** Prefix, middle and suffix back out of a FIM sample's prompt (special tokens cannot occur in the texts). */
export function taskFrom(s: CompletionSample, layout: FimLayout): EvalTask | undefined {
  const parts = fimParts(s.prompt, layout, s.kind === 'spm' ? 'spm' : 'psm');
  if (!parts || !s.completion.endsWith(layout.eos)) return undefined;
  let middle = s.completion.slice(0, s.completion.length - layout.eos.length);
  let suffix = parts.suffix;
  // A span of whole lines: in the editor the cursor sits on an empty line where the code goes,
  // with the line break still after it, which is what decides the completion mode (multi-line)
  // and how post-processing bounds the answer. Post-processing drops a trailing line break anyway.
  if (middle.endsWith('\n')) {
    middle = middle.slice(0, -1);
    suffix = `\n${suffix}`;
  }
  const id = createHash('sha256')
    .update([s.splitKey, parts.prefix.slice(-400), middle, suffix.slice(0, 200)].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
  return { id, splitKey: s.splitKey, path: s.path ?? s.splitKey.slice(s.splitKey.indexOf(':') + 1), language: s.language, form: s.kind === 'spm' ? 'spm' : 'psm', prefix: parts.prefix, middle, suffix };
}

/** Inverse of fimFormat's fimPrompt. */
export function fimParts(prompt: string, layout: FimLayout, form: 'psm' | 'spm'): { prefix: string; suffix: string } | undefined {
  const { prefixToken: P, suffixToken: S, middleToken: M } = layout;
  if (form === 'psm' && !layout.suffixFirst) {
    if (!prompt.startsWith(P) || !prompt.endsWith(M)) return undefined;
    const body = prompt.slice(P.length, prompt.length - M.length);
    const at = indexOfToken(body, S);
    if (at < 0) return undefined;
    return { prefix: body.slice(0, at), suffix: body.slice(at + S.length) };
  }
  if (layout.suffixFirst) {
    // [SUFFIX]suffix[PREFIX]prefix(middle token)
    if (!prompt.startsWith(S) || !prompt.endsWith(M)) return undefined;
    const body = prompt.slice(S.length, prompt.length - M.length);
    const at = indexOfToken(body, P);
    if (at < 0) return undefined;
    return { suffix: body.slice(0, at), prefix: body.slice(at + P.length) };
  }
  // SPM: <PRE><SUF>suffix<MID>prefix
  const head = P.trimEnd() + S;
  if (!prompt.startsWith(head)) return undefined;
  const body = prompt.slice(head.length);
  const at = indexOfToken(body, M);
  if (at < 0) return undefined;
  return { suffix: body.slice(0, at), prefix: body.slice(at + M.length) };
}

/** Where `token` (which may carry layout spaces around its control text) starts in `text`. */
function indexOfToken(text: string, token: string): number {
  const core = token.trim();
  if (!core) return -1;
  const at = text.indexOf(core);
  if (at < 0) return -1;
  const lead = token.indexOf(core);
  return at - lead;
}
