/**
 * The engine's only view of the file system. The CLI implements it over node:fs; the
 * extension can add unsaved editor buffers on top. Kept deliberately small.
 */
export interface DirEntry {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
}

export interface FileStat {
  kind: 'file' | 'directory' | 'other';
  size: number;
  mtimeMs: number;
}

export interface EngineHost {
  /** Entries of a directory, unsorted. Throws a HostError on failure. */
  readDir(dir: string): Promise<DirEntry[]>;
  /** Follows symlinks. Returns undefined when the path does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  readFile(path: string): Promise<Uint8Array>;
  /** Canonical path with symlinks resolved; used for loop detection. */
  realPath(path: string): Promise<string>;
}
