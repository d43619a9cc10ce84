/**
 * `inhouse eval [--db DIR] [--models a,b,c] [--tasks N] [--seed N] [--margin X] [--out DIR]
 * [--resume | --run ID] [--dataset DIR] [--host URL] [--json]`
 *
 * Evaluates candidate models on held-out fill-in-the-middle tasks from the validation split,
 * prints a table and the recommendation (the whole report as JSON with --json). Progress goes to
 * stderr; Ctrl+C stops at once and keeps what finished (resume with --resume).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatEvalReport } from '../engine/eval/evalReport';
import { candidateModels, runEval, type EvalOptions } from '../engine/eval/evalRun';
import { latestRunId, newRunId } from '../engine/eval/evalRunStore';
import type { EvalProgress } from '../engine/eval/evalTypes';
import { OllamaClient, resolveOllamaHost } from '../engine/llm/ollamaClient';
import { createLineLogger, isLogLevel } from '../engine/log';
import { validateSettings, type Settings } from '../engine/settings';
import { reportError, UsageError } from './errors';
import { findDb } from './indexLocation';
import type { Io } from './main';

export const EVAL_USAGE = `  eval [--db DIR] [--models A,B,C] [--tasks N] [--seed N] [--margin X] [--out DIR]
       [--resume | --run ID] [--dataset DIR] [--json]
                      Evaluate models on held-out fill-in-the-middle tasks from the validation
                      split of the house code (never from training): exact match, edit
                      similarity, convention violations, latency p50/p95, tokens/s. Candidates:
                      inhouse.completion.model, inhouse.chat.model and --models. Recommends
                      the smallest model within --margin (default 0.02) of the best. Results
                      go to --out (default .inhouse/eval) one line per task; Ctrl+C keeps
                      them, --resume finishes the last run, --run ID a given one. --dataset
                      (default .inhouse/dataset when present) names the training export, so
                      its split and options are used and its training files never are tasks.`;

/** The parseArgs values this command reads (main.ts declares them in OPTIONS). */
export interface EvalCliValues {
  db?: string;
  models?: string;
  tasks?: string;
  seed?: string;
  margin?: string;
  out?: string;
  resume?: boolean;
  run?: string;
  dataset?: string;
  host?: string;
  json?: boolean;
  'log-level'?: string;
}

export interface EvalCommandDeps {
  /** Settings as the host has them (models, budgets); default the built-in defaults plus --host. */
  settings?: Settings;
  /** Cancels the run; default Ctrl+C (SIGINT) while it runs. */
  signal?: AbortSignal;
  /** For tests: a client of their own (a test server's). */
  client?: OllamaClient;
  now?: () => number;
}

/** Runs `inhouse eval`; returns the exit code (0 ok, 1 failed or cancelled, 2 bad usage). */
export async function runEvalCommand(args: string[], values: EvalCliValues, io: Io, cwd = process.cwd(), deps: EvalCommandDeps = {}): Promise<number> {
  let stopListening: (() => void) | undefined;
  try {
    if (args.length) throw new UsageError(`eval takes no arguments; got "${args.join(' ')}". Name models with --models a,b,c.`);
    const level = values['log-level'] ?? 'warn';
    if (!isLogLevel(level)) throw new UsageError('--log-level must be one of off, error, warn, info, debug, trace.');
    const log = createLineLogger(io.err, level);
    if (values.resume && values.run) throw new UsageError('Use either --resume (the last run) or --run ID, not both.');
    const settings = deps.settings ?? validateSettings(values.host !== undefined ? { 'ollama.host': values.host } : {});
    const dbDir = findDb(values.db, cwd);
    const outDir = values.out ? resolve(cwd, values.out) : join(dirname(dbDir), 'eval');
    if (resolve(outDir) === resolve(dbDir)) throw new UsageError('--out must not be the index folder; pick another folder.');
    const extra = (values.models ?? '').split(',').map((m) => m.trim()).filter(Boolean);
    const tasks = whole('--tasks', values.tasks, 1);
    const seed = whole('--seed', values.seed, Number.MIN_SAFE_INTEGER);
    const margin = values.margin === undefined ? undefined : share('--margin', values.margin);
    const dataset = readDataset(values.dataset ? resolve(cwd, values.dataset) : join(dirname(dbDir), 'dataset'), values.dataset !== undefined);

    let runId: string;
    let models: string[];
    if (values.resume) {
      const last = await latestRunId(outDir);
      if (!last) throw new UsageError(`There is no eval run in ${outDir} to resume; run inhouse eval without --resume first.`, 1);
      runId = last;
      // A resumed run keeps its own candidates, plus any named now.
      models = extra;
    } else if (values.run) {
      runId = values.run;
      models = existsSync(join(outDir, runId, 'run.json')) ? extra : candidateModels(settings, extra);
    } else {
      runId = newRunId(outDir);
      models = candidateModels(settings, extra);
    }

    let signal = deps.signal;
    if (!signal) {
      const abort = new AbortController();
      const onInt = () => {
        io.err('\nCancelling; finished tasks are kept (resume with --resume).\n');
        abort.abort();
      };
      process.once('SIGINT', onInt);
      stopListening = () => process.off('SIGINT', onInt);
      signal = abort.signal;
    }
    const client = deps.client ?? new OllamaClient({ host: resolveOllamaHost(settings['ollama.host']), timeoutMs: settings['ollama.timeoutSeconds'] * 1000 });
    const progress = io.isTty && !values.json ? progressLine(io) : undefined;
    const options: EvalOptions = {
      ...dataset.options,
      ...(seed !== undefined ? { seed } : {}),
      outDir,
      runId,
      models,
      tasks,
      margin,
      trainKeys: dataset.trainKeys,
      settings,
      signal,
      log,
      now: deps.now,
      onProgress: progress?.update,
    };
    if (dataset.dir) log.info(`Using the split of the training export in ${dataset.dir}.`);
    const report = await runEval(client, dbDir, options);
    progress?.clear();
    io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatEvalReport(report));
    return report.cancelled ? 1 : 0;
  } catch (err) {
    return reportError(err, io);
  } finally {
    stopListening?.();
  }
}

interface DatasetSplit {
  dir?: string;
  options: Pick<EvalOptions, 'seed' | 'fimRate' | 'spmRate' | 'validShare' | 'baseModel' | 'maxTokens'>;
  trainKeys?: string[];
}

/** The export's options (stats.json) and training files (splits.json), when there is an export. */
function readDataset(dir: string, named: boolean): DatasetSplit {
  const stats = join(dir, 'stats.json');
  const splits = join(dir, 'splits.json');
  if (!existsSync(stats) || !existsSync(splits)) {
    if (named) throw new UsageError(`${dir} holds no training export (stats.json and splits.json); export one with inhouse dataset, or leave out --dataset.`, 1);
    return { options: {} };
  }
  try {
    const s = JSON.parse(readFileSync(stats, 'utf8')) as Record<string, unknown>;
    const sp = JSON.parse(readFileSync(splits, 'utf8')) as { train?: unknown };
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    return {
      dir,
      options: {
        seed: num(s.seed),
        fimRate: num(s.fimRate),
        spmRate: num(s.spmRate),
        validShare: num(s.validShare),
        maxTokens: num(s.maxTokens),
        baseModel: typeof s.baseModel === 'string' ? s.baseModel : undefined,
      },
      trainKeys: Array.isArray(sp.train) ? sp.train.filter((k): k is string => typeof k === 'string') : [],
    };
  } catch (err) {
    throw new UsageError(`The training export in ${dir} cannot be read (${(err as Error).message}); export it again with inhouse dataset.`, 1);
  }
}

function whole(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number${min > 0 ? ` of at least ${min}` : ''}; got "${raw}".`);
  return n;
}

function share(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${flag} must be an edit similarity from 0 to 1 (0.02 is 2 points); got "${raw}".`);
  return n;
}

function progressLine(io: Io) {
  let last = 0;
  const width = 30;
  return {
    update(p: EvalProgress) {
      const now = Date.now();
      if (now - last < 100 && p.phase === 'running' && p.done !== p.total) return;
      last = now;
      if (p.phase === 'tasks') io.err('\r\x1b[2KDrawing held-out tasks…');
      else if (p.phase === 'checking') io.err(`\r\x1b[2KChecking ${p.model}…`);
      else if (p.phase === 'running') {
        const filled = p.total ? Math.round((p.done / p.total) * width) : 0;
        io.err(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}${p.model ? `  ${p.model}` : ''}`);
      }
    },
    clear() {
      io.err('\r\x1b[2K');
    },
  };
}
