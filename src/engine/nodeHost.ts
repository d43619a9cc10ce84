import { promises as fs } from 'node:fs';
import type { DirEntry, EngineHost, FileStat } from './host';

/** EngineHost over node:fs, used by the CLI, the tests and the benchmark. */
export function createNodeHost(): EngineHost {
  return {
    async readDir(dir: string): Promise<DirEntry[]> {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      return entries.map((e) => ({
        name: e.name,
        kind: e.isSymbolicLink() ? 'symlink' : e.isDirectory() ? 'directory' : e.isFile() ? 'file' : 'other',
      }));
    },
    async stat(path: string): Promise<FileStat | undefined> {
      try {
        const s = await fs.stat(path);
        return { kind: s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other', size: s.size, mtimeMs: s.mtimeMs };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw err;
      }
    },
    readFile: (path: string) => fs.readFile(path),
    realPath: (path: string) => fs.realpath(path),
  };
}
