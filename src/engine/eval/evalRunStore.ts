import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { EvalReport, EvalTask, TaskResult } from './evalTypes';

/**
 * One eval run on disk, in `<outDir>/<runId>/`:
 * - `run.json`: when it started and with which options;
 * - `tasks.jsonl`: the held-out tasks, fixed at the start, so a resumed run asks the same
 *   questions even when the index changed meanwhile;
 * - `results.jsonl`: one line per finished (model, task), appended as each one finishes, so a
 *   crash or a cancel loses at most the task in flight;
 * - `report.json`: the figures, rewritten at the end of every run (a cancelled one too).
 */

export class EvalError extends Error {}

export interface RunManifest {
  v: 1;
  runId: string;
  createdAt: string;
  seed: number;
  models: string[];
  /** The split and sampling options the tasks were drawn with. */
  split: Record<string, unknown>;
  tasks: number;
}

const RUN_ID = /^[A-Za-z0-9][\w.-]{0,99}$/;

export function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) throw new EvalError(`The run id "${runId}" may hold only letters, digits, '.', '_' and '-' (at most 100), and must start with a letter or digit.`);
}

/** `eval-20250131-142501`, from the local clock; `-2`, `-3` … when taken. */
export function newRunId(outDir: string, at: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const base = `eval-${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  let id = base;
  for (let n = 2; existsSync(join(outDir, id)); n++) id = `${base}-${n}`;
  return id;
}

/** The run in `outDir` that started last, or undefined when there is none. */
export async function latestRunId(outDir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(outDir);
  } catch {
    return undefined;
  }
  let best: { id: string; at: string } | undefined;
  for (const name of names) {
    const manifest = await readManifest(join(outDir, name));
    if (manifest && (!best || manifest.createdAt > best.at || (manifest.createdAt === best.at && name > best.id))) best = { id: name, at: manifest.createdAt };
  }
  return best?.id;
}

export async function readManifest(runDir: string): Promise<RunManifest | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(join(runDir, 'run.json'), 'utf8')) as RunManifest;
    return m && m.v === 1 && typeof m.runId === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function createRun(runDir: string, manifest: RunManifest, tasks: readonly EvalTask[]): Promise<void> {
  await fs.mkdir(runDir, { recursive: true });
  await fs.writeFile(join(runDir, 'tasks.jsonl'), tasks.map((t) => JSON.stringify(t)).join('\n') + '\n', 'utf8');
  // run.json last: a run folder without it was never started, and is started afresh.
  await fs.writeFile(join(runDir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

export async function readTasks(runDir: string): Promise<EvalTask[]> {
  const text = await fs.readFile(join(runDir, 'tasks.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EvalTask);
}

/** Every readable result line, last one per (model, task) winning; unreadable lines counted. */
export async function readResults(runDir: string): Promise<{ results: Map<string, TaskResult>; corruptLines: number }> {
  const results = new Map<string, TaskResult>();
  let corruptLines = 0;
  let text = '';
  try {
    text = await fs.readFile(join(runDir, 'results.jsonl'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as TaskResult;
      if (r?.v !== 1 || typeof r.model !== 'string' || typeof r.taskId !== 'string' || typeof r.similarity !== 'number') throw new Error('not a result');
      results.set(resultKey(r.model, r.taskId), r);
    } catch {
      corruptLines++;
    }
  }
  return { results, corruptLines };
}

export function resultKey(model: string, taskId: string): string {
  return `${model}\u0000${taskId}`;
}

/** Appends one result as one line; a line cut short by a crash is skipped on reading. */
export async function appendResult(runDir: string, result: TaskResult): Promise<void> {
  await fs.appendFile(join(runDir, 'results.jsonl'), `${JSON.stringify(result)}\n`, 'utf8');
}

export async function writeReport(runDir: string, report: EvalReport): Promise<void> {
  const path = join(runDir, 'report.json');
  await fs.writeFile(`${path}.tmp`, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
  await fs.rename(`${path}.tmp`, path);
}

/** Ends a results file cut mid-line with a line break, so the next result is not glued to the broken line. */
export async function repairResultsTail(runDir: string): Promise<void> {
  const path = join(runDir, 'results.jsonl');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch {
    return;
  }
  if (text !== '' && !text.endsWith('\n')) await fs.appendFile(path, '\n', 'utf8');
}
