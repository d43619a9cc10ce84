import { dirname, join, resolve } from 'node:path';
import { formatDatasetReport } from '../engine/dataset/datasetReport';
import { DatasetError, exportTrainingSet } from '../engine/dataset/exportTrainingSet';
import { readFeedbackEvents } from '../engine/dataset/feedbackInput';
import { UnknownFamilyError } from '../engine/dataset/fimFormat';
import { createLineLogger, isLogLevel } from '../engine/log';
import { UsageError } from './errors';
import { findDb } from './indexLocation';
import type { Io } from './main';

/** The options `inhouse dataset` reads (node:util parseArgs values; numbers arrive as strings). */
export interface DatasetCliValues {
  db?: string;
  out?: string;
  feedback?: string;
  'fim-rate'?: string;
  'spm-rate'?: string;
  'valid-share'?: string;
  'min-survival'?: string;
  seed?: string;
  'base-model'?: string;
  json?: boolean;
  'log-level'?: string;
}


/**
 * `inhouse dataset [--db DIR] [--out DIR] [--feedback FILE_OR_DIR] [--fim-rate R] [--spm-rate R]
 * [--valid-share S] [--min-survival R] [--seed N] [--base-model M] [--json]`: exports the training
 * set and the LoRA recipe; the figures go to stdout (one JSON object with --json).
 */
export async function runDatasetCommand(args: string[], values: DatasetCliValues, io: Io, cwd: string): Promise<number> {
  if (args.length) throw new UsageError(`dataset takes no arguments; got "${args.join(' ')}". Use --db and --out.`);
  const level = values['log-level'] ?? 'warn';
  if (!isLogLevel(level)) throw new UsageError('--log-level must be one of off, error, warn, info, debug, trace.');
  const log = createLineLogger(io.err, level);
  const dbDir = findDb(values.db, cwd);
  const outDir = values.out ? resolve(cwd, values.out) : join(dirname(dbDir), 'dataset');
  if (resolve(outDir) === resolve(dbDir)) throw new UsageError('--out must not be the index folder; pick another folder.');
  const feedback = values.feedback ? await readFeedbackEvents(resolve(cwd, values.feedback), log).catch((err: Error) => {
    throw new UsageError(err.message, 1);
  }) : undefined;
  try {
    const result = await exportTrainingSet(dbDir, feedback, {
      outDir,
      seed: whole('--seed', values.seed),
      fimRate: share('--fim-rate', values['fim-rate']),
      spmRate: share('--spm-rate', values['spm-rate']),
      validShare: share('--valid-share', values['valid-share']),
      minSurvival: share('--min-survival', values['min-survival']),
      baseModel: values['base-model'],
      log,
    });
    io.out(values.json ? `${JSON.stringify({ outDir: result.outDir, written: result.files, ...result.stats }, null, 2)}\n` : formatDatasetReport(result));
    return 0;
  } catch (err) {
    if (err instanceof DatasetError || err instanceof UnknownFamilyError) throw new UsageError(err.message);
    throw err;
  }
}

function share(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${flag} must be a number from 0 to 1; got "${raw}".`);
  return n;
}

function whole(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be a whole number; got "${raw}".`);
  return n;
}

