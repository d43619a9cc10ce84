import { promises as fs, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * One writer per index directory across processes (the editor and the CLI may share one).
 * A lock left by a dead process is taken over.
 */
export class WriteLock {
  private constructor(
    private readonly path: string,
    private readonly done: () => void,
  ) {}

  /**
   * Writers in this process (two engines on one index) queue behind each other; a lock file
   * with this process's pid that no writer here holds was left by an earlier process that had
   * the same pid, and is taken over like any dead process's.
   */
  static async acquire(lockPath: string): Promise<WriteLock> {
    const path = resolve(lockPath);
    while (heldHere.has(path)) await heldHere.get(path);
    let done!: () => void;
    heldHere.set(path, new Promise<void>((r) => (done = r)));
    const free = () => {
      heldHere.delete(path);
      done();
    };
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const handle = await fs.open(path, 'wx');
          await handle.writeFile(String(process.pid));
          await handle.close();
          return new WriteLock(path, free);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          const pid = Number((await fs.readFile(path, 'utf8').catch(() => '')).trim());
          if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !(await diesSoon(pid))) {
            throw new LockedError(pid);
          }
          await fs.rm(path, { force: true });
        }
      }
      throw new Error(`Could not take the index write lock ${path}.`);
    } catch (err) {
      free();
      throw err;
    }
  }

  async release(): Promise<void> {
    try {
      await fs.rm(this.path, { force: true });
    } finally {
      this.done();
    }
  }
}

/** The lock files this process holds, each with a promise that settles on release. */
const heldHere = new Map<string, Promise<void>>();

export class LockedError extends Error {
  constructor(readonly pid: number) {
    super(`Another InHouse process (pid ${pid}) is writing this index. Wait for it to finish, or use another --db.`);
  }
}

/**
 * A writer that is going away gets a moment: `inhouse index` killed with SIGKILL leaves its
 * indexing child (see src/cli/arenaCap.ts) to notice and follow within milliseconds, and a
 * run started right after must not report it as a live writer.
 */
const EXIT_GRACE_MS = 1000;

async function diesSoon(pid: number): Promise<boolean> {
  const deadline = Date.now() + EXIT_GRACE_MS;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A process that has exited but was not reaped yet still answers kill(pid, 0). An orphan is
 * reaped by init, which some (container and VM init processes) do only every second or two.
 */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch (err) {
    // Gone between the two looks.
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
