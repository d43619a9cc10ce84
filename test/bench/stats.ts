/** Small helpers for timing and reporting; no dependencies. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export interface Distribution {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: number[]): Distribution {
  const s = values.slice().sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, min: s[0] ?? NaN, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean };
}

export const round = (x: number, digits = 1): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
export const mb = (bytes: number): number => bytes / (1024 * 1024);

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/**
 * The kernel's own high-water mark of the process RSS (VmHWM: every thread, workers and
 * LanceDB's native threads included), reset by resetKernelPeakRss(). Unlike the sampler it
 * cannot miss a short spike between samples or while the main thread is busy. Linux only:
 * undefined elsewhere, or where /proc/self/clear_refs is not writable.
 */
export function resetKernelPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export function kernelPeakRss(): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds per thread (Linux /proc), keyed by thread id: name and user+system time. */
export type ThreadCpu = Map<string, { name: string; cpuS: number }>;

export function threadCpu(): ThreadCpu | undefined {
  const out: ThreadCpu = new Map();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const tick = 100; // USER_HZ on Linux
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, cpuS: (Number(fields[11]) + Number(fields[12])) / tick });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/**
 * CPU spent between two snapshots, by kind of thread: the main thread; other Node threads
 * (parse workers, V8's GC helpers, libuv's pool: all named "node"); LanceDB's native threads
 * (lance-cpu, tokio-rt-worker). Threads that ended before `to` are missing from it: take
 * `to` before the parse workers are terminated.
 */
export function threadCpuByKind(from: ThreadCpu, to: ThreadCpu): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const [tid, t] of to) {
    const kind = tid === String(process.pid) ? 'main thread' : t.name === 'node' ? 'other node threads (workers, GC, libuv)' : /lance|tokio/.test(t.name) ? 'LanceDB native' : t.name;
    kinds[kind] = round((kinds[kind] ?? 0) + t.cpuS - (from.get(tid)?.cpuS ?? 0), 1);
  }
  return kinds;
}

/** Samples the process RSS (main thread, workers and native threads alike) on a timer. */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  peak = 0;
  samples = 0;
  /** process.memoryUsage() of the main thread at the peak (heap, external and array buffers). */
  atPeak?: NodeJS.MemoryUsage;
  /** Peak per labelled phase. */
  readonly phasePeak: Record<string, number> = {};
  phase = 'start';

  start(intervalMs = 50): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const usage = process.memoryUsage();
    const rss = usage.rss;
    this.samples++;
    if (rss > this.peak) {
      this.peak = rss;
      this.atPeak = usage;
    }
    if (rss > (this.phasePeak[this.phase] ?? 0)) this.phasePeak[this.phase] = rss;
  }

  setPhase(phase: string): void {
    this.sample();
    this.phase = phase;
    this.sample();
  }

  stop(): void {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Renders rows as a pipe table with padded columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
