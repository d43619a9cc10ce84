import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../log';
import { FEEDBACK_KINDS, type FeedbackEvent, type FeedbackInput, type FeedbackKind, type FeedbackSink } from './feedbackEvents';
import { parseStoredEvent, prepareFeedbackEvent } from './feedbackSchema';

/**
 * Appends feedback events as JSON lines to files in one directory (the host gives one per
 * workspace). Nothing here talks to the network: events leave the machine only when the user
 * exports them to a file of their choosing.
 *
 * Every operation runs through one queue, so appends never interleave with each other, with a
 * rotation, or with a clear. Events recorded while a write is in flight are batched into the
 * next single append.
 */

export const FEEDBACK_FILE = 'feedback.jsonl';

export interface FeedbackRecorderOptions {
  /** The directory the files live in; created on the first write. */
  dir: string;
  log: Logger;
  /** The live file is rotated once an append would take it past this size. */
  maxFileBytes?: number;
  /** Rotated files kept (feedback-1.jsonl is the newest); older ones are deleted. */
  keepFiles?: number;
  /** For tests. */
  now?: () => Date;
  newId?: () => string;
}

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_KEEP_FILES = 3;

export type RecordResult = { ok: true; event: FeedbackEvent } | { ok: false; error: string };

export interface FeedbackRead {
  /** Oldest first. */
  events: FeedbackEvent[];
  /** Lines that are not events (torn by a crash, edited by hand); skipped. */
  corruptLines: number;
  /** Events written by a newer version of InHouse than this one; skipped. */
  newerVersionLines: number;
  files: number;
  bytes: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
}

export interface CompletionCounts {
  shown: number;
  accepted: number;
  rejected: number;
  /** accepted / max(shown, accepted + rejected); undefined before any completion. */
  acceptanceRate: number | undefined;
}

export interface FeedbackStats {
  total: number;
  byKind: Record<FeedbackKind, number>;
  corruptLines: number;
  newerVersionLines: number;
  files: number;
  bytes: number;
  /** ISO times of the oldest and newest event. */
  first?: string;
  last?: string;
  completions: CompletionCounts & {
    acceptedFull: number;
    acceptedPartial: number;
    /** Time to suggestion, from completion.shown (or accepted/rejected when nothing was shown). */
    latencyMs: LatencySummary | undefined;
  };
  /** Mean share of accepted text still present, by check delay in seconds. */
  survival: Record<string, { count: number; mean: number }>;
  ratings: { up: number; down: number };
  corrections: number;
  /** Secrets masked across all events. */
  redactions: number;
  /** Events with a text field cut to the cap. */
  truncatedEvents: number;
  byModel: Record<string, CompletionCounts>;
  byLanguage: Record<string, CompletionCounts>;
}

interface Pending {
  line: string;
  done: (error?: Error) => void;
}

export class FeedbackRecorder implements FeedbackSink {
  readonly dir: string;
  private readonly log: Logger;
  private readonly maxFileBytes: number;
  private readonly keepFiles: number;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Pending[] = [];

  constructor(options: FeedbackRecorderOptions) {
    this.dir = options.dir;
    this.log = options.log;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.keepFiles = Math.max(0, Math.floor(options.keepFiles ?? DEFAULT_KEEP_FILES));
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  /** The FeedbackSink side: never rejects; a refused event or a failed write is logged. */
  async record(input: FeedbackInput): Promise<void> {
    await this.tryRecord(input);
  }

  /** Validates, redacts and appends one event, and says what happened. Takes `unknown`: events may come from a webview. */
  async tryRecord(input: unknown): Promise<RecordResult> {
    let prepared;
    try {
      prepared = prepareFeedbackEvent(input, { id: this.newId(), at: this.now().toISOString() });
    } catch (err) {
      // A bug in validation or redaction must not reach the surface that reported the event.
      const error = `Feedback event rejected: ${(err as Error).message}`;
      this.log.error(error);
      return { ok: false, error };
    }
    if (!prepared.ok) {
      const error = `Feedback event rejected (${prepared.kind}): ${prepared.errors.join('; ')}.`;
      this.log.error(error);
      return { ok: false, error };
    }
    const line = JSON.stringify(prepared.event) + '\n';
    const written = new Promise<Error | undefined>((resolve) => this.pending.push({ line, done: resolve }));
    void this.enqueue(() => this.flushPending());
    const error = await written;
    if (error !== undefined) {
      const message = `Could not write a feedback event to ${this.dir}: ${error.message}`;
      this.log.error(message);
      return { ok: false, error: message };
    }
    this.log.trace(`Feedback event recorded: ${prepared.event.kind}.`);
    return { ok: true, event: prepared.event };
  }

  /** Resolves once everything recorded so far is on disk (or has failed). */
  flush(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  /** Every readable event, oldest first, and what had to be skipped. */
  read(): Promise<FeedbackRead> {
    return this.enqueue(() => this.readAll());
  }

  async stats(): Promise<FeedbackStats> {
    return computeFeedbackStats(await this.read());
  }

  /**
   * Writes every readable event, oldest first, as JSONL to `targetPath` (corrupt lines are
   * left out). Returns how many events were written.
   */
  async export(targetPath: string): Promise<{ events: number; skipped: number }> {
    const target = path.resolve(targetPath);
    if (path.dirname(target) === path.resolve(this.dir) && /^feedback(?:-\d+)?\.jsonl$/.test(path.basename(target))) {
      throw new Error('Choose a file outside the feedback store to export to.');
    }
    const { text, events, skipped } = await this.exportJsonl();
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, text, 'utf8');
    this.log.info(`Exported ${events} feedback events.`);
    return { events, skipped };
  }

  /** The export as text, for hosts that write it themselves (a remote file system, say). */
  async exportJsonl(): Promise<{ text: string; events: number; skipped: number }> {
    const read = await this.read();
    const text = read.events.map((e) => JSON.stringify(e) + '\n').join('');
    return { text, events: read.events.length, skipped: read.corruptLines + read.newerVersionLines };
  }

  /** Deletes every event file. The caller asks the user first. */
  clear(): Promise<{ files: number }> {
    return this.enqueue(async () => {
      let files = 0;
      for (const file of await this.existingFiles()) {
        await fs.rm(file, { force: true });
        files++;
      }
      this.log.info(`Cleared feedback events (${files} files).`);
      return { files };
    });
  }

  /** Event files, oldest first: feedback-N.jsonl … feedback-1.jsonl, feedback.jsonl. */
  files(): string[] {
    const out: string[] = [];
    for (let i = this.keepFiles; i >= 1; i--) out.push(this.rotatedPath(i));
    out.push(this.livePath());
    return out;
  }

  private livePath(): string {
    return path.join(this.dir, FEEDBACK_FILE);
  }

  private rotatedPath(n: number): string {
    return path.join(this.dir, `feedback-${n}.jsonl`);
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op);
    // The queue goes on after a failure; the caller sees the error through `run`.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async flushPending(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let written = 0;
    try {
      await fs.mkdir(this.dir, { recursive: true });
      while (written < batch.length) {
        const taken = await this.appendSome(batch.slice(written).map((p) => p.line));
        for (const p of batch.slice(written, written + taken)) p.done();
        written += taken;
      }
    } catch (err) {
      for (const p of batch.slice(written)) p.done(err as Error);
    }
  }

  /**
   * Appends as many of `lines` as fit under the size limit (at least one, after rotating if
   * the file is not empty) in one write, and returns how many.
   */
  private async appendSome(lines: string[]): Promise<number> {
    const live = this.livePath();
    let size = await fileSize(live);
    if (size > 0 && size + Buffer.byteLength(lines[0], 'utf8') > this.maxFileBytes) {
      await this.rotate();
      size = 0;
    }
    // A crash mid-append leaves a torn last line; start on a fresh line so the next event is
    // not glued to it (the torn line is then skipped as corrupt, and nothing else is lost).
    let text = size > 0 && !(await endsWithNewline(live, size)) ? '\n' : '';
    let bytes = size + Buffer.byteLength(text, 'utf8');
    let taken = 0;
    for (const line of lines) {
      const n = Buffer.byteLength(line, 'utf8');
      if (taken > 0 && bytes + n > this.maxFileBytes) break;
      text += line;
      bytes += n;
      taken++;
    }
    await fs.appendFile(live, text, 'utf8');
    return taken;
  }

  private async rotate(): Promise<void> {
    if (this.keepFiles === 0) {
      await fs.rm(this.livePath(), { force: true });
      return;
    }
    await fs.rm(this.rotatedPath(this.keepFiles), { force: true });
    for (let i = this.keepFiles - 1; i >= 1; i--) {
      await renameIfExists(this.rotatedPath(i), this.rotatedPath(i + 1));
    }
    await fs.rename(this.livePath(), this.rotatedPath(1));
    this.log.info(`Feedback events rotated (keeping ${this.keepFiles} older files).`);
  }

  private async existingFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const file of this.files()) if (await exists(file)) out.push(file);
    // Files left by a larger keepFiles setting are still ours to clear.
    let names: string[] = [];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return out;
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (/^feedback-\d+\.jsonl$/.test(name) && !out.includes(file)) out.push(file);
    }
    return out;
  }

  private async readAll(): Promise<FeedbackRead> {
    const read: FeedbackRead = { events: [], corruptLines: 0, newerVersionLines: 0, files: 0, bytes: 0 };
    for (const file of this.files()) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      read.files++;
      read.bytes += Buffer.byteLength(text, 'utf8');
      readEventLines(text, read);
    }
    if (read.corruptLines > 0) this.log.warn(`Skipped ${read.corruptLines} corrupt feedback lines in ${this.dir}.`);
    return read;
  }
}

/**
 * Adds the events in JSONL `text` to `read`. Lines that are not events (torn, garbage) are
 * counted, not fatal; lines of a newer schema are counted apart, so an old reader loses nothing
 * silently.
 */
export function readEventLines(text: string, read: FeedbackRead): void {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      read.corruptLines++;
      continue;
    }
    const parsed = parseStoredEvent(value);
    if (parsed.ok) read.events.push(parsed.event);
    else if (parsed.reason === 'newer-version') read.newerVersionLines++;
    else read.corruptLines++;
  }
}

/** The figures the show command and later the usage view start from. */
export function computeFeedbackStats(read: FeedbackRead): FeedbackStats {
  const byKind = Object.fromEntries(FEEDBACK_KINDS.map((k) => [k, 0])) as Record<FeedbackKind, number>;
  let acceptedFull = 0;
  let acceptedPartial = 0;
  const shownLatency: number[] = [];
  const decidedLatency: number[] = [];
  const survival = new Map<number, { count: number; sum: number }>();
  const ratings = { up: 0, down: 0 };
  let redactions = 0;
  let truncatedEvents = 0;
  const byModel = new Map<string, Tally>();
  const byLanguage = new Map<string, Tally>();
  const all = newTally();
  let first: string | undefined;
  let last: string | undefined;

  for (const e of read.events) {
    byKind[e.kind]++;
    redactions += e.redactions ?? 0;
    if (e.truncated !== undefined && e.truncated.length > 0) truncatedEvents++;
    if (first === undefined || e.at < first) first = e.at;
    if (last === undefined || e.at > last) last = e.at;
    if (e.kind === 'completion.shown' || e.kind === 'completion.accepted' || e.kind === 'completion.rejected') {
      const field = e.kind === 'completion.shown' ? 'shown' : e.kind === 'completion.accepted' ? 'accepted' : 'rejected';
      for (const t of [all, tallyFor(byModel, e.model), tallyFor(byLanguage, e.language || '(none)')]) t[field]++;
      (e.kind === 'completion.shown' ? shownLatency : decidedLatency).push(e.latencyMs);
      if (e.kind === 'completion.accepted') {
        if (e.how === 'full') acceptedFull++;
        else acceptedPartial++;
      }
    } else if (e.kind === 'completion.survival') {
      const s = survival.get(e.afterSeconds) ?? { count: 0, sum: 0 };
      s.count++;
      s.sum += e.survived;
      survival.set(e.afterSeconds, s);
    } else if (e.kind === 'chat.rating') {
      ratings[e.rating]++;
    }
  }

  return {
    total: read.events.length,
    byKind,
    corruptLines: read.corruptLines,
    newerVersionLines: read.newerVersionLines,
    files: read.files,
    bytes: read.bytes,
    first,
    last,
    completions: {
      ...counts(all),
      acceptedFull,
      acceptedPartial,
      latencyMs: latencySummary(shownLatency.length > 0 ? shownLatency : decidedLatency),
    },
    survival: Object.fromEntries(
      [...survival.entries()].sort((a, b) => a[0] - b[0]).map(([after, s]) => [String(after), { count: s.count, mean: s.sum / s.count }]),
    ),
    ratings,
    corrections: byKind.correction,
    redactions,
    truncatedEvents,
    byModel: Object.fromEntries([...byModel.entries()].map(([k, t]) => [k, counts(t)])),
    byLanguage: Object.fromEntries([...byLanguage.entries()].map(([k, t]) => [k, counts(t)])),
  };
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function latencySummary(values: number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

interface Tally {
  shown: number;
  accepted: number;
  rejected: number;
}

function newTally(): Tally {
  return { shown: 0, accepted: 0, rejected: 0 };
}

function tallyFor(map: Map<string, Tally>, key: string): Tally {
  let t = map.get(key);
  if (t === undefined) map.set(key, (t = newTally()));
  return t;
}

function counts(t: Tally): CompletionCounts {
  // Surfaces may record accept/reject without every "shown", so the larger count is the base.
  const base = Math.max(t.shown, t.accepted + t.rejected);
  return { ...t, acceptanceRate: base > 0 ? t.accepted / base : undefined };
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function endsWithNewline(file: string, size: number): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
