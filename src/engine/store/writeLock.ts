import { promises as fs } from 'node:fs';

/**
 * One writer per index directory across processes (the editor and the CLI may share one).
 * A lock left by a dead process is taken over.
 */
export class WriteLock {
  private constructor(private readonly path: string) {}

  static async acquire(path: string): Promise<WriteLock> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await fs.open(path, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return new WriteLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number((await fs.readFile(path, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
          throw new LockedError(pid);
        }
        await fs.rm(path, { force: true });
      }
    }
    throw new Error(`Could not take the index write lock ${path}.`);
  }

  async release(): Promise<void> {
    await fs.rm(this.path, { force: true });
  }
}

export class LockedError extends Error {
  constructor(readonly pid: number) {
    super(`Another InHouse process (pid ${pid}) is writing this index. Wait for it to finish, or use another --db.`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
