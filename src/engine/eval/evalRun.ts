import { join, resolve } from 'node:path';
import { completionLimits, completionMode } from '../completion/completionMode';
import { FIM_STOP_TOKENS } from '../completion/fimTokens';
import { postProcessCompletion } from '../completion/postProcess';
import { loadInputs, type DatasetIndex } from '../dataset/exportTrainingSet';
import type { StreamSummary } from '../llm/answerStream';
import { complete } from '../llm/fim';
import { keepAliveValue, numCtxFor } from '../llm/modelOptions';
import { OllamaError, type OllamaClient } from '../llm/ollamaClient';
import { silentLogger, type Logger } from '../log';
import type { Settings } from '../settings';
import { ConventionChecker } from './conventionChecks';
import { editSimilarity, exactMatch } from './editSimilarity';
import {
  appendResult,
  checkRunId,
  createRun,
  EvalError,
  readManifest,
  readResults,
  readTasks,
  repairResultsTail,
  resultKey,
  writeReport,
  type RunManifest,
} from './evalRunStore';
import { DEFAULT_MARGIN, recommend, summarise } from './evalStats';
import { heldOutTasks, type SplitOptions } from './evalTasks';
import type { EvalProgress, EvalReport, EvalTask, ModelSummary, SkippedModel, TaskResult } from './evalTypes';

export const DEFAULT_EVAL_TASKS = 50;
/** Greedy decoding: the same model on the same task gives the same answer, so runs compare. */
const EVAL_TEMPERATURE = 0;

export interface EvalOptions extends SplitOptions {
  /** Runs live in `<outDir>/<runId>/`. */
  outDir: string;
  /** A run id that exists is resumed: its tasks are reused and its finished pairs skipped. */
  runId: string;
  /** The candidates, in order (see {@link candidateModels}); on resume, empty means the run's own. */
  models: readonly string[];
  /** Tasks of a new run; default {@link DEFAULT_EVAL_TASKS}. */
  tasks?: number;
  /** Edit similarity (0..1) within which a smaller model counts as good as the best; default 0.02. */
  margin?: number;
  /** Split keys the models were trained on (an export's splits.json `train`): never a task. */
  trainKeys?: readonly string[];
  /** Prompt budget and output limit, as inline completions use them. */
  settings: Pick<Settings, 'completion.contextTokens' | 'completion.maxTokens' | 'ollama.keepAlive'>;
  signal?: AbortSignal;
  onProgress?: (p: EvalProgress) => void;
  log?: Logger;
  /** Milliseconds, for latency; default performance.now. */
  now?: () => number;
}

/** completion.model, chat.model, then any extra ones; each once, in that order. */
export function candidateModels(settings: Pick<Settings, 'completion.model' | 'chat.model'>, extra: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const m of [settings['completion.model'], settings['chat.model'], ...extra].map((x) => x.trim())) {
    if (m && !out.some((o) => o.toLowerCase() === m.toLowerCase())) out.push(m);
  }
  return out;
}

/**
 * Runs (or resumes) an evaluation: held-out FIM tasks from the validation split, each candidate
 * model through the product's fill-in-the-middle path (fim.complete, then post-processing), one
 * result line appended per finished pair. Cancelling stops at once: the task in flight is dropped,
 * everything finished stays, and the report covers it (`cancelled: true`). Ollama unreachable or
 * too old throws an OllamaError naming the fix; a candidate that is not pulled or cannot fill in
 * the middle is skipped with the fix named, and when none is left, that is an EvalError.
 */
export async function runEval(client: OllamaClient, index: DatasetIndex, options: EvalOptions): Promise<EvalReport> {
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => performance.now());
  const margin = options.margin ?? DEFAULT_MARGIN;
  if (!Number.isFinite(margin) || margin < 0 || margin > 1) throw new EvalError(`The margin must be an edit similarity from 0 to 1 (0.02 is 2 points); got ${options.margin}.`);
  checkRunId(options.runId);
  const seed = options.seed ?? 1;
  const runDir = join(resolve(options.outDir), options.runId);
  const progress = (p: EvalProgress) => options.onProgress?.(p);

  await client.checkVersion(options.signal);

  progress({ phase: 'tasks', done: 0, total: 1 });
  const inputs = await loadInputs(index, undefined, { log });
  const checker = new ConventionChecker(inputs.rules);
  for (const w of checker.warnings) log.warn(w);

  const existing = await readManifest(runDir);
  let tasks: EvalTask[];
  let models = [...options.models];
  if (existing) {
    tasks = await readTasks(runDir);
    if (!models.length) models = existing.models;
    log.info(`Resuming eval run ${options.runId}: ${tasks.length} tasks.`);
  } else {
    if (!models.length) throw new EvalError('No model to evaluate: set inhouse.completion.model, or pass --models.');
    const split: SplitOptions = { seed, fimRate: options.fimRate, spmRate: options.spmRate, validShare: options.validShare, baseModel: options.baseModel, maxTokens: options.maxTokens, samplesPerFunction: options.samplesPerFunction };
    const drawn = heldOutTasks(inputs, { ...split, count: options.tasks ?? DEFAULT_EVAL_TASKS, trainKeys: options.trainKeys });
    tasks = drawn.tasks;
    if (!tasks.length) {
      throw new EvalError(
        `No held-out tasks: the validation split of this index (${drawn.splits.valid.length} files) holds no function body to fill in. ` +
          'Index more of the house code (`inhouse index`), or raise the validation share.',
      );
    }
    const manifest: RunManifest = { v: 1, runId: options.runId, createdAt: new Date().toISOString(), seed, models, split: JSON.parse(JSON.stringify(split)), tasks: tasks.length };
    await createRun(runDir, manifest, tasks);
  }
  progress({ phase: 'tasks', done: 1, total: 1, message: `${tasks.length} tasks` });

  await repairResultsTail(runDir);
  const { results, corruptLines } = await readResults(runDir);
  if (corruptLines) log.warn(`Eval run ${options.runId}: ${corruptLines} unreadable line(s) in results.jsonl were skipped; those tasks run again.`);

  // Which candidates can run at all, before any time is spent on the others.
  const sizes = new Map<string, string>();
  const skipped: SkippedModel[] = [];
  for (const [i, model] of models.entries()) {
    progress({ phase: 'checking', done: i, total: models.length, model });
    try {
      const info = await client.check(model, 'insert', options.signal);
      sizes.set(model, info.parameterSize);
    } catch (err) {
      if (!(err instanceof OllamaError) || (err.kind !== 'model-missing' && err.kind !== 'unsupported')) throw err;
      const reason =
        err.kind === 'model-missing'
          ? `The model ${model} is not pulled in Ollama at ${client.host}: run \`ollama pull ${model}\`, or leave it out of the candidates.`
          : `${err.message.replace(/ Set inhouse\.completion\.model to .*$/, '')} Leave it out of the candidates, or pick a code model such as qwen2.5-coder:1.5b-base.`;
      skipped.push({ model, reason });
      log.warn(reason);
    }
  }
  const runnable = models.filter((m) => sizes.has(m));
  if (!runnable.length) throw new EvalError(`No candidate model can be evaluated. ${skipped.map((s) => s.reason).join(' ')}`);

  const total = runnable.length * tasks.length;
  const isDone = (model: string, task: EvalTask) => {
    const r = results.get(resultKey(model, task.id));
    return r !== undefined && !r.error;
  };
  let done = runnable.reduce((n, m) => n + tasks.filter((t) => isDone(m, t)).length, 0);
  const resumed = done;
  let ran = 0;
  let cancelled = false;
  progress({ phase: 'running', done, total });
  outer: for (const model of runnable) {
    for (const task of tasks) {
      if (isDone(model, task)) continue;
      if (options.signal?.aborted) {
        cancelled = true;
        break outer;
      }
      let result: TaskResult;
      try {
        result = await runTask(client, model, task, checker, options, now);
      } catch (err) {
        if (options.signal?.aborted || (err instanceof OllamaError && err.kind === 'cancelled')) {
          cancelled = true;
          break outer;
        }
        // Ollama gone: what finished is kept; the run resumes once it is back.
        if (!(err instanceof OllamaError) || err.kind === 'unreachable' || err.kind === 'bad-host') throw err;
        result = failed(model, task, err.message);
        log.warn(`Eval: ${model} failed on task ${task.id}: ${err.message}`);
      }
      await appendResult(runDir, result);
      results.set(resultKey(model, task.id), result);
      ran++;
      if (!result.error) done++;
      progress({ phase: 'running', done, total, model });
    }
  }

  const summaries: ModelSummary[] = runnable.map((model) =>
    summarise(
      model,
      sizes.get(model) ?? '',
      tasks.map((t) => results.get(resultKey(model, t.id))).filter((r): r is TaskResult => r !== undefined),
    ),
  );
  const report: EvalReport = {
    runId: options.runId,
    runDir,
    seed: existing?.seed ?? seed,
    margin,
    tasks: tasks.length,
    files: [...new Set(tasks.map((t) => t.splitKey))].sort(),
    models: summaries,
    skipped,
    recommendation: recommend(summaries, margin),
    cancelled,
    ran,
    resumed,
    corruptLines,
    checkedRules: checker.ruleIds,
  };
  await writeReport(runDir, report);
  progress({ phase: 'done', done, total });
  return report;
}

async function runTask(client: OllamaClient, model: string, task: EvalTask, checker: ConventionChecker, options: EvalOptions, now: () => number): Promise<TaskResult> {
  const s = options.settings;
  const mode = completionMode(task.prefix, task.suffix, task.language);
  const limits = completionLimits(mode);
  const started = now();
  const { plan, stream } = await complete(
    client,
    {
      model,
      prefix: task.prefix,
      suffix: task.suffix,
      numCtx: numCtxFor(s['completion.contextTokens'], s['completion.maxTokens']),
      numPredict: Math.min(limits.numPredict, s['completion.maxTokens']),
      keepAlive: keepAliveValue(s['ollama.keepAlive']),
      temperature: EVAL_TEMPERATURE,
      stop: [...limits.stop, ...FIM_STOP_TOKENS],
    },
    options.signal,
  );
  const raw = await stream.text();
  const elapsed = now() - started;
  const summary = stream.summary;
  const text = postProcessCompletion(raw, {
    prefix: task.prefix,
    suffix: task.suffix,
    languageId: task.language,
    stop: plan.template?.stop ? [...plan.template.stop] : undefined,
    specialTokens: [...plan.specialTokens],
    mode,
  });
  const outputTokens = summary?.outputTokens ?? 0;
  const evalMs = generationMs(summary);
  return {
    v: 1,
    model,
    taskId: task.id,
    completion: text,
    exact: exactMatch(text, task.middle),
    similarity: editSimilarity(text, task.middle),
    violations: checker.check(task, text),
    latencyMs: Math.max(0, elapsed - (summary?.loadDurationMs ?? 0)),
    outputTokens,
    evalMs,
    tokensPerSecond: evalMs > 0 ? outputTokens / (evalMs / 1000) : 0,
    at: new Date().toISOString(),
  };
}

/**
 * Generation time: Ollama's eval_duration when the stream summary carries it (`evalDurationMs`),
 * else the total less the load time (which then also holds the prompt's evaluation).
 */
function generationMs(summary: StreamSummary | undefined): number {
  if (!summary) return 0;
  const evalMs = (summary as StreamSummary & { evalDurationMs?: number }).evalDurationMs;
  if (typeof evalMs === 'number' && evalMs > 0) return evalMs;
  return Math.max(0, summary.totalDurationMs - summary.loadDurationMs);
}

function failed(model: string, task: EvalTask, error: string): TaskResult {
  return { v: 1, model, taskId: task.id, completion: '', exact: false, similarity: 0, violations: [], latencyMs: 0, outputTokens: 0, evalMs: 0, tokensPerSecond: 0, error, at: new Date().toISOString() };
}
