import { resolve } from 'node:path';
import { ConventionBook } from '../conventions/conventionBook';
import type { ConventionRule } from '../conventions/conventionRule';
import type { Engine } from '../engine';
import type { FeedbackEvent } from '../feedback/feedbackEvents';
import type { FeedbackRead } from '../feedback/feedbackRecorder';
import { redactSecrets } from '../indexing/secrets';
import { silentLogger } from '../log';
import { estimateTokens, tokenizerFamily } from '../prompts/tokenEstimate';
import { MESSAGE_OVERHEAD } from '../prompts/houseIdentity';
import { IndexStore } from '../store/indexStore';
import type { FileRow } from '../store/schema';
import { conventionSamples } from './conventionSamples';
import { assignSplits } from './datasetSplit';
import type { CompletionSample, DatasetOptions, DatasetResult, DatasetStats, Split, TrainingSample } from './datasetTypes';
import { writeDataset } from './datasetWriter';
import { feedbackSamples } from './feedbackSamples';
import { DEFAULT_BASE_MODEL, fimLayoutFor } from './fimFormat';
import { functionSamples, type FimConfig } from './fimSamples';
import { dedupe, DEFAULT_NEAR_DUPLICATE_THRESHOLD, normalisedHash } from './nearDuplicates';
import { unitHash } from './seededRandom';
import { loadCodeChunks, loadSourceFiles, sourceRank, type CodeChunk, type SourceFile } from './sourceFiles';

/** What the export reads: the index (an engine, an open store, or its folder) … */
export type DatasetIndex = Engine | IndexStore | string;
/** … and the feedback events (as FeedbackRecorder.read() gives them, or a plain list). */
export type DatasetFeedback = FeedbackRead | readonly FeedbackEvent[] | undefined;

/** Everything the export draws from, already loaded: what buildTrainingSet works on. */
export interface DatasetInputs {
  chunks: readonly CodeChunk[];
  files: ReadonlyMap<string, SourceFile>;
  catalog: ReadonlyMap<string, FileRow>;
  rules: readonly ConventionRule[];
  events: readonly FeedbackEvent[];
  corruptLines?: number;
  newerVersionLines?: number;
}

export interface BuiltDataset {
  train: TrainingSample[];
  valid: TrainingSample[];
  splits: { train: string[]; valid: string[] };
  stats: DatasetStats;
}

export class DatasetError extends Error {}

/**
 * Exports the training set into `options.outDir`: chat and completion JSONL for train and
 * validation, dataset_info.json, stats.json, splits.json and (unless turned off) the LoRA recipe.
 */
export async function exportTrainingSet(index: DatasetIndex, feedback: DatasetFeedback, options: DatasetOptions & { outDir: string }): Promise<DatasetResult> {
  const log = options.log ?? silentLogger;
  const outDir = resolve(options.outDir);
  const inputs = await loadInputs(index, feedback, options);
  checkAborted(options.signal);
  const built = buildTrainingSet(inputs, options);
  checkAborted(options.signal);
  options.onProgress?.({ phase: 'writing', done: 0, total: 1 });
  const files = await writeDataset(outDir, built, options.writeRecipe ?? true);
  options.onProgress?.({ phase: 'writing', done: 1, total: 1 });
  log.info(`Training set written to ${outDir}: ${built.stats.samples.train} train, ${built.stats.samples.valid} validation samples.`);
  return { outDir, files, stats: built.stats };
}

/** Reads the index and the events into memory. */
export async function loadInputs(index: DatasetIndex, feedback: DatasetFeedback, options: DatasetOptions = {}): Promise<DatasetInputs> {
  const log = options.log ?? silentLogger;
  let store: IndexStore;
  let owned = false;
  if (index instanceof IndexStore) store = index;
  else {
    store = await IndexStore.open(typeof index === 'string' ? index : index.dbDir, log);
    owned = true;
  }
  try {
    options.onProgress?.({ phase: 'reading', done: 0, total: 3 });
    const catalog = await store.loadCatalog();
    const chunks = await loadCodeChunks(store.chunksTable);
    options.onProgress?.({ phase: 'reading', done: 1, total: 3 });
    const book = await ConventionBook.load(store.chunksTable);
    options.onProgress?.({ phase: 'reading', done: 2, total: 3 });
    const files = await loadSourceFiles(chunks, catalog, options.readFile);
    options.onProgress?.({ phase: 'reading', done: 3, total: 3 });
    const read = feedback === undefined ? undefined : Array.isArray(feedback) ? undefined : (feedback as FeedbackRead);
    const events = feedback === undefined ? [] : read ? read.events : (feedback as readonly FeedbackEvent[]);
    return { chunks, files, catalog, rules: book.rules, events, corruptLines: read?.corruptLines ?? 0, newerVersionLines: read?.newerVersionLines ?? 0 };
  } finally {
    if (owned) store.close();
  }
}

function rate(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new DatasetError(`${name} must be a number from 0 to 1; got ${value}.`);
  return v;
}

/** The whole export in memory: samples, cleaning, split and figures. Deterministic for a seed. */
export function buildTrainingSet(inputs: DatasetInputs, options: DatasetOptions = {}): BuiltDataset {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new DatasetError(`The seed must be a whole number; got ${seed}.`);
  const fimRate = rate('The FIM rate', options.fimRate, 0.9);
  const spmRate = rate('The SPM rate', options.spmRate, 0.5);
  const validShare = rate('The validation share', options.validShare, 0.1);
  const minSurvival = rate('The minimum survival', options.minSurvival, 0.75);
  const threshold = rate('The near-duplicate threshold', options.nearDuplicateThreshold, DEFAULT_NEAR_DUPLICATE_THRESHOLD);
  const maxTokens = options.maxTokens ?? 2048;
  if (!Number.isInteger(maxTokens) || maxTokens < 256) throw new DatasetError(`The token budget must be a whole number of at least 256; got ${maxTokens}.`);
  const baseModel = options.baseModel ?? DEFAULT_BASE_MODEL;
  const layout = fimLayoutFor({ baseModel, family: options.family });
  const tokenizer = tokenizerFamily(baseModel);
  const config: FimConfig = { seed, fimRate, spmRate, maxTokens, layout, tokenizer };

  const stats: DatasetStats = {
    seed, baseModel, family: layout.family, fimRate, spmRate, validShare, minSurvival, maxTokens,
    samples: { total: 0, train: 0, valid: 0 },
    chat: { train: 0, valid: 0 },
    completion: { train: 0, valid: 0 },
    bySource: {}, byKind: {}, byLanguage: {},
    tokens: { total: 0, train: 0, valid: 0 },
    duplicatesRemoved: { exact: 0, near: 0, threshold },
    secretsRedacted: 0,
    files: { train: 0, valid: 0 },
    leakage: { sharedFiles: 0, sharedTexts: 0 },
    code: { functions: 0, withoutBody: 0, tooLong: 0, filesFromDisk: 0, filesFromIndex: 0 },
    feedback: { events: inputs.events.length, corruptLines: inputs.corruptLines ?? 0, newerVersionLines: inputs.newerVersionLines ?? 0, used: 0, dropped: {} },
    conventions: { rules: inputs.rules.length },
  };
  for (const f of inputs.files.values()) {
    if (f.fromDisk) stats.code.filesFromDisk++;
    else stats.code.filesFromIndex++;
  }

  // House code: functions and methods, one copy of each (a vendored or copy-pasted function
  // would otherwise be learnt twice and could sit on both sides of the split).
  const functions = inputs.chunks.filter((c) => (c.kind === 'function' || c.kind === 'method') && c.shape === 'whole' && inputs.files.has(c.fileKey));
  const uniqueFunctions = dedupe(functions, (c) => c.text, threshold);
  stats.duplicatesRemoved.exact += uniqueFunctions.exact;
  stats.duplicatesRemoved.near += uniqueFunctions.near;
  stats.code.functions = uniqueFunctions.kept.length;
  const codeSamples: CompletionSample[] = [];
  for (const chunk of uniqueFunctions.kept) {
    for (const out of functionSamples(chunk, inputs.files.get(chunk.fileKey)!, config, options.samplesPerFunction ?? 1)) {
      if (out.ok) codeSamples.push(out.sample);
      else if (out.reason === 'no-body') stats.code.withoutBody++;
      else stats.code.tooLong++;
    }
  }

  // Feedback: the workspace copy of a path wins when a library has a file of the same name.
  const filesByPath = new Map<string, SourceFile>();
  for (const f of [...inputs.files.values()].sort((a, b) => sourceRank(a.source) - sourceRank(b.source))) if (!filesByPath.has(f.path)) filesByPath.set(f.path, f);
  const indexedPaths = new Set<string>();
  for (const row of inputs.catalog.values()) if (row.status === 'indexed') indexedPaths.add(row.path);
  const fromFeedback = feedbackSamples(inputs.events, filesByPath, indexedPaths, { ...config, minSurvival, includeUnchecked: options.includeUnchecked ?? false, organization: options.organization });
  stats.feedback.used = fromFeedback.used;
  stats.feedback.dropped = fromFeedback.dropped;
  const fromRules = conventionSamples(inputs.rules, { seed, organization: options.organization });

  // Secrets: the index and the recorder already mask them; every text is masked again here, so
  // a file or event written before a rule was added cannot slip one through.
  const all: TrainingSample[] = [...fromFeedback.samples, ...codeSamples, ...fromRules];
  for (const s of all) stats.secretsRedacted += redactSample(s);

  // Near-duplicates, per format; expert feedback comes first, so it is what a group keeps.
  const rank = (s: TrainingSample) => ({ correction: 0, accepted: 1, index: 2, convention: 3 })[s.source];
  const ordered = all.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map((x) => x.s);
  const kept: TrainingSample[] = [];
  for (const format of ['completion', 'chat'] as const) {
    const result = dedupe(ordered.filter((s) => s.format === format), (s) => s.dedupeText, threshold);
    stats.duplicatesRemoved.exact += result.exact;
    stats.duplicatesRemoved.near += result.near;
    kept.push(...result.kept);
  }

  // Split by file.
  const splitOf = assignSplits(
    [kept.filter((s) => s.format === 'completion').map((s) => s.splitKey), kept.filter((s) => s.format === 'chat').map((s) => s.splitKey)],
    seed,
    validShare,
  );
  const train: TrainingSample[] = [];
  const valid: TrainingSample[] = [];
  for (const s of kept) (splitOf.get(s.splitKey) === 'valid' ? valid : train).push(s);
  const order = (s: TrainingSample) => unitHash(seed, `order:${s.format}:${s.splitKey}:${s.dedupeText}`);
  const shuffle = (list: TrainingSample[]) => list.map((s) => ({ s, k: order(s) })).sort((a, b) => a.k - b.k).map((x) => x.s);

  const keys: Record<Split, Set<string>> = { train: new Set(), valid: new Set() };
  const texts: Record<Split, Set<string>> = { train: new Set(), valid: new Set() };
  for (const [split, list] of [['train', train], ['valid', valid]] as const) {
    for (const s of list) {
      keys[split].add(s.splitKey);
      texts[split].add(normalisedHash(s.format === 'chat' ? s.messages.map((m) => m.content).join('\n') : s.prompt + s.completion));
      stats.samples[split]++;
      stats[s.format][split]++;
      stats.bySource[s.source] = (stats.bySource[s.source] ?? 0) + 1;
      stats.byKind[s.kind] = (stats.byKind[s.kind] ?? 0) + 1;
      const lang = s.language || '(none)';
      stats.byLanguage[lang] = (stats.byLanguage[lang] ?? 0) + 1;
      const tokens =
        s.format === 'chat'
          ? s.messages.reduce((n, m) => n + estimateTokens(m.content, tokenizer) + MESSAGE_OVERHEAD, 0)
          : estimateTokens(s.prompt + s.completion, tokenizer);
      stats.tokens[split] += tokens;
    }
  }
  stats.samples.total = stats.samples.train + stats.samples.valid;
  stats.tokens.total = stats.tokens.train + stats.tokens.valid;
  stats.files = { train: keys.train.size, valid: keys.valid.size };
  stats.leakage = {
    sharedFiles: [...keys.train].filter((k) => keys.valid.has(k)).length,
    sharedTexts: [...texts.train].filter((t) => texts.valid.has(t)).length,
  };
  return {
    train: shuffle(train),
    valid: shuffle(valid),
    splits: { train: [...keys.train].sort(), valid: [...keys.valid].sort() },
    stats,
  };
}

/** Masks secrets in every text of a sample; returns how many were masked. */
function redactSample(s: TrainingSample): number {
  let n = 0;
  const clean = (t: string) => {
    const r = redactSecrets(t);
    n += r.count;
    return r.text;
  };
  if (s.format === 'chat') for (const m of s.messages) m.content = clean(m.content);
  else {
    s.prompt = clean(s.prompt);
    s.completion = clean(s.completion);
  }
  return n;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DatasetError('The training-set export was cancelled.');
}
