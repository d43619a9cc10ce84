// vscode-free: checks accepted completions 30 s and 5 min later, following their place through
// later edits. Timers are owned here and cleared on dispose.
import { measureSurvival, shiftOffset, type TextEdit } from '../../engine/feedback/editSurvival';
import { realClock, type Clock } from './clock';

export const SURVIVAL_CHECKS_SECONDS: readonly number[] = [30, 300];

export interface WatchedInsertion<M> {
  file: string;
  /** Where the inserted text started. */
  anchor: number;
  text: string;
  meta: M;
}

export interface SurvivalDeps<M> {
  /** The file's current text, or undefined when it cannot be read any more. */
  read(file: string): Promise<string | undefined> | string | undefined;
  record(insertion: WatchedInsertion<M>, afterSeconds: number, survived: number): void;
  clock?: Clock;
  checks?: readonly number[];
}

interface Watched<M> extends WatchedInsertion<M> {
  timers: unknown[];
  remaining: number;
}

export class SurvivalWatch<M> {
  private readonly watched = new Set<Watched<M>>();
  private readonly clock: Clock;
  private readonly checks: readonly number[];
  private disposed = false;

  constructor(private readonly deps: SurvivalDeps<M>) {
    this.clock = deps.clock ?? realClock;
    this.checks = deps.checks ?? SURVIVAL_CHECKS_SECONDS;
  }

  get size(): number {
    return this.watched.size;
  }

  watch(insertion: WatchedInsertion<M>): void {
    if (this.disposed || !insertion.text) return;
    const w: Watched<M> = { ...insertion, timers: [], remaining: this.checks.length };
    this.watched.add(w);
    for (const seconds of this.checks) {
      w.timers.push(this.clock.setTimeout(() => void this.check(w, seconds), seconds * 1000));
    }
  }

  /** Keeps each insertion's place as the file changes above it. */
  documentChanged(file: string, edits: readonly TextEdit[]): void {
    for (const w of this.watched) if (w.file === file) w.anchor = shiftOffset(w.anchor, edits);
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.watched) for (const t of w.timers) this.clock.clearTimeout(t);
    this.watched.clear();
  }

  private async check(w: Watched<M>, seconds: number): Promise<void> {
    if (--w.remaining === 0) this.watched.delete(w);
    let text: string | undefined;
    try {
      text = await this.deps.read(w.file);
    } catch {
      text = undefined;
    }
    if (this.disposed || text === undefined) return;
    this.deps.record(w, seconds, round3(measureSurvival(w.text, text, w.anchor)));
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
