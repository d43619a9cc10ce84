import { Worker } from 'node:worker_threads';
import type { Logger } from '../log';
import type { AnalyzeJob, AnalyzeOutcome, AnalyzeReply, WorkerInit } from './parseProtocol';

interface Slot {
  worker: Worker;
  dead: boolean;
  inFlight: Map<number, Pending>;
}

interface Pending {
  resolve(outcome: AnalyzeOutcome): void;
  reject(err: Error): void;
}

export class ParseFailedError extends Error {}

/**
 * A fixed set of parse workers. Jobs go to the least busy worker; a worker that dies fails
 * only its own jobs and is replaced, so one pathological file cannot stop an index run.
 */
export class ParsePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private disposed = false;

  constructor(
    private readonly script: string,
    private readonly init: WorkerInit,
    size: number,
    private readonly log: Logger,
  ) {
    for (let i = 0; i < Math.max(1, size); i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  analyze(job: Omit<AnalyzeJob, 'id'>): Promise<AnalyzeOutcome> {
    if (this.disposed) return Promise.reject(new Error('The parser pool is closed.'));
    const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
    const id = this.nextId++;
    return new Promise<AnalyzeOutcome>((resolve, reject) => {
      slot.inFlight.set(id, { resolve, reject });
      slot.worker.ref();
      // Copy into a fresh buffer we can transfer: the caller's may be a pooled slice.
      const bytes = new Uint8Array(job.bytes);
      slot.worker.postMessage({ ...job, id, bytes }, [bytes.buffer]);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private spawn(): Slot {
    const worker = new Worker(this.script, { workerData: this.init });
    const slot: Slot = { worker, dead: false, inFlight: new Map() };
    worker.unref();
    worker.on('message', (reply: AnalyzeReply) => {
      const pending = slot.inFlight.get(reply.id);
      if (!pending) return;
      slot.inFlight.delete(reply.id);
      if (slot.inFlight.size === 0) worker.unref();
      if (reply.outcome) pending.resolve(reply.outcome);
      else pending.reject(new ParseFailedError(reply.error ?? 'parse failed'));
    });
    const fail = (err: Error) => {
      if (slot.dead) return;
      slot.dead = true;
      for (const p of slot.inFlight.values()) p.reject(new ParseFailedError(err.message));
      slot.inFlight.clear();
      if (this.disposed) return;
      this.log.warn(`A parser worker stopped (${err.message}); starting a new one.`);
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.disposed && code !== 0) fail(new Error(`exit code ${code}`));
    });
    return slot;
  }
}
