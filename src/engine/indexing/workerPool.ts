import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from '../log';
import type { AnalyzeJob, AnalyzeOutcome, AnalyzeReply, WorkerInit } from './parseProtocol';

interface Slot {
  worker: Worker;
  dead: boolean;
  /** A one-off worker without the tight heap limit, for files that ran a worker out of memory. */
  roomy: boolean;
  /** In send order, which is the order the worker handles them in (one at a time). */
  inFlight: Map<number, Pending>;
}

interface Pending {
  job: Omit<AnalyzeJob, 'id'>;
  /** Already retried after its worker ran out of memory. */
  retried: boolean;
  resolve(outcome: AnalyzeOutcome): void;
  reject(err: Error): void;
}

export class ParseFailedError extends Error {}

/**
 * Heap limits of the regular parse workers. Without them V8 sizes a worker's heap for the
 * whole machine and lets garbage pile up: each worker grew to ≈220 MB of RSS on a 10k-file
 * index though less than 20 MB of it was live between files. The old-generation cap bounds
 * what a worker can hold; a smaller young generation collects earlier (8 MB saved a little
 * more RSS than 16 MB but cost ≈6% more worker CPU in scavenges, 16 MB ≈2%). Most
 * files need a few MB; a dense 1 MB file needs ≈100 MB at its peak (query matches, rows,
 * search text) and runs out here: it is retried once on a roomy worker (see onFailure).
 */
export const WORKER_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };

/**
 * A fixed set of parse workers. Jobs go to the least busy worker; a worker that dies fails
 * only its own jobs and is replaced, so one pathological file cannot stop an index run.
 */
export class ParsePool {
  private readonly slots: Slot[] = [];
  /** Spawned on demand for out-of-memory retries, terminated once idle. */
  private roomy?: Slot;
  private nextId = 1;
  private disposed = false;

  constructor(
    private readonly script: string,
    private readonly init: WorkerInit,
    size: number,
    private readonly log: Logger,
    private readonly limits: ResourceLimits = WORKER_LIMITS,
  ) {
    for (let i = 0; i < Math.max(1, size); i++) this.slots.push(this.spawn(false));
  }

  get size(): number {
    return this.slots.length;
  }

  analyze(job: Omit<AnalyzeJob, 'id'>): Promise<AnalyzeOutcome> {
    if (this.disposed) return Promise.reject(new Error('The parser pool is closed.'));
    return new Promise<AnalyzeOutcome>((resolve, reject) => this.send(this.leastBusy(), { job, retried: false, resolve, reject }));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const all = this.roomy ? [...this.slots, this.roomy] : [...this.slots];
    this.roomy = undefined;
    await Promise.all(all.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private leastBusy(): Slot {
    return this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
  }

  private send(slot: Slot, pending: Pending): void {
    const id = this.nextId++;
    slot.inFlight.set(id, pending);
    slot.worker.ref();
    // Copy into a fresh buffer we can transfer: the caller's may be a pooled slice, and it
    // stays intact for a retry.
    const bytes = new Uint8Array(pending.job.bytes);
    slot.worker.postMessage({ ...pending.job, id, bytes }, [bytes.buffer]);
  }

  private spawn(roomy: boolean): Slot {
    const worker = new Worker(this.script, { workerData: this.init, ...(roomy ? {} : { resourceLimits: this.limits }) });
    const slot: Slot = { worker, dead: false, roomy, inFlight: new Map() };
    worker.unref();
    worker.on('message', (reply: AnalyzeReply) => {
      const pending = slot.inFlight.get(reply.id);
      if (!pending) return;
      slot.inFlight.delete(reply.id);
      if (slot.inFlight.size === 0) {
        worker.unref();
        if (slot.roomy && this.roomy === slot) {
          // Its heap grew for one outsized file: give the memory back at once.
          this.roomy = undefined;
          slot.dead = true;
          void worker.terminate();
        }
      }
      if (reply.outcome) pending.resolve(reply.outcome);
      else pending.reject(new ParseFailedError(reply.error ?? 'parse failed'));
    });
    worker.on('error', (err) => this.onFailure(slot, err));
    worker.on('exit', (code) => {
      if (!this.disposed && code !== 0) this.onFailure(slot, new Error(`exit code ${code}`));
    });
    return slot;
  }

  /**
   * A worker died. Its jobs are rejected, except after running out of its heap limit: the
   * file being parsed (the first in flight: a worker handles jobs in order) is retried once
   * on a roomy worker, and the files queued behind it, which did nothing wrong, go back to
   * the regular workers. A file that exhausts the roomy worker too is skipped with a reason.
   */
  private onFailure(slot: Slot, err: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    const jobs = [...slot.inFlight.values()];
    slot.inFlight.clear();
    if (this.roomy === slot) this.roomy = undefined;
    const index = this.slots.indexOf(slot);
    const outOfMemory = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
    if (this.disposed) {
      for (const p of jobs) p.reject(new ParseFailedError(err.message));
      return;
    }
    if (index >= 0) this.slots[index] = this.spawn(false);
    if (!outOfMemory) {
      this.log.warn(`A parser worker stopped (${err.message}); starting a new one.`);
      for (const p of jobs) p.reject(new ParseFailedError(err.message));
      return;
    }
    const [culprit, ...innocent] = jobs;
    if (culprit) {
      if (culprit.retried || slot.roomy) {
        this.log.warn(`${culprit.job.path} needs more memory than a parser worker may use; it is skipped.`);
        culprit.reject(new ParseFailedError('out of memory while parsing (file too large or too dense)'));
      } else {
        this.log.debug(`${culprit.job.path} ran a parser worker out of memory; retrying it on a worker without the heap limit.`);
        this.roomy ??= this.spawn(true);
        this.send(this.roomy, { ...culprit, retried: true });
      }
    }
    for (const p of innocent) {
      // A job queued on the roomy worker was already retried there: it goes to a fresh one.
      if (p.retried) this.send((this.roomy ??= this.spawn(true)), p);
      else this.send(this.leastBusy(), p);
    }
  }
}
