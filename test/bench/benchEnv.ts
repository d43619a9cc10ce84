import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/testAssets';

/** What the benchmarks record about the machine and the code they measured. */

/** Which engine was measured: HEAD plus a fingerprint of uncommitted changes under src/ (read-only git calls). */
/** A whole, non-negative number from the environment (a benchmark knob), else `def`. */
export function env(name: string, def: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number; got ${raw}`);
  return Math.floor(n);
}

export function engineState(): { head: string; dirtyFiles: number; diffSha1: string } {
  const git = (...args: string[]) => execFileSync('git', ['--no-optional-locks', ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  try {
    const head = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean);
    const h = createHash('sha1').update(git('diff', 'HEAD', '--', 'src'));
    for (const line of changed.filter((l) => l.startsWith('??'))) {
      const path = join(REPO_ROOT, line.slice(3));
      if (statSync(path).isFile()) h.update(readFileSync(path));
    }
    return { head, dirtyFiles: changed.length, diffSha1: changed.length ? h.digest('hex').slice(0, 12) : '' };
  } catch {
    return { head: 'unknown', dirtyFiles: -1, diffSha1: '' };
  }
}

/** Whole-machine CPU counters (Linux /proc/stat), to tell our CPU use from other processes'. */
function procStat(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    return { busy, total: busy + idle + (iowait ?? 0) };
  } catch {
    return undefined;
  }
}

/** Share of the machine's CPU capacity used by other processes (and steal) over a span, or NaN. */
export class Contention {
  private readonly stat0 = procStat();
  private readonly cpu0 = process.cpuUsage();
  private readonly t0 = performance.now();

  finish(): { ownCpuS: number; othersShare: number } {
    const cpu = process.cpuUsage(this.cpu0);
    const ownCpuS = (cpu.user + cpu.system) / 1e6;
    const stat1 = procStat();
    if (!this.stat0 || !stat1) return { ownCpuS, othersShare: NaN };
    const wallS = (performance.now() - this.t0) / 1000;
    const busyShare = (stat1.busy - this.stat0.busy) / Math.max(1, stat1.total - this.stat0.total);
    return { ownCpuS, othersShare: Math.max(0, busyShare - ownCpuS / (wallS * availableParallelism())) };
  }
}

