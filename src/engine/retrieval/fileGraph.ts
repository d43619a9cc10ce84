import { join } from 'node:path';
import type { EngineHost } from '../host';
import type { FileRow } from '../store/schema';
import { ImportResolver, parseGoModPath, parseTsconfigPaths, type IndexedFile } from './importResolver';

export interface GraphFile extends IndexedFile {
  source: string;
  imports: string[];
}

/**
 * The import graph: which indexed files each file imports, resolved per language, and the
 * reverse. Built from the files catalog plus each root's tsconfig/jsconfig and go.mod.
 */
export class FileGraph {
  private readonly files = new Map<string, GraphFile>();
  private readonly resolved = new Map<string, string[]>();
  private reverse?: Map<string, string[]>;

  private constructor(private readonly resolver: ImportResolver) {}

  static async load(catalog: Iterable<FileRow>, roots: readonly string[], host: EngineHost): Promise<FileGraph> {
    const files: GraphFile[] = [];
    for (const row of catalog) {
      if (row.status !== 'indexed') continue;
      files.push(graphFile(row));
    }
    const tsconfig = new Map<string, ReturnType<typeof parseTsconfigPaths> & object>();
    const goModules = new Map<string, string>();
    for (const root of new Set(roots)) {
      for (const name of ['tsconfig.json', 'jsconfig.json']) {
        const text = await readText(host, join(root, name));
        const config = text === undefined ? undefined : parseTsconfigPaths(text);
        if (config) {
          tsconfig.set(root, config);
          break;
        }
      }
      const goMod = await readText(host, join(root, 'go.mod'));
      const modulePath = goMod === undefined ? undefined : parseGoModPath(goMod);
      if (modulePath) goModules.set(root, modulePath);
    }
    const graph = new FileGraph(new ImportResolver(files, { tsconfig, goModules }));
    for (const f of files) graph.files.set(f.fileKey, f);
    return graph;
  }

  get size(): number {
    return this.files.size;
  }

  file(fileKey: string): GraphFile | undefined {
    return this.files.get(fileKey);
  }

  /** Indexed files `fileKey` imports, in import order, each once. */
  importsOf(fileKey: string): readonly string[] {
    let out = this.resolved.get(fileKey);
    if (!out) {
      const f = this.files.get(fileKey);
      out = f ? [...new Set(f.imports.flatMap((spec) => this.resolver.resolve(f, spec)))].filter((k) => k !== fileKey) : [];
      this.resolved.set(fileKey, out);
    }
    return out;
  }

  /**
   * Indexed files that these import specifiers reach from `file`: for a buffer's own import
   * lines (a file not indexed yet, or imports typed since the last save).
   */
  importsOfBuffer(file: IndexedFile, specifiers: readonly string[]): string[] {
    return [...new Set(specifiers.flatMap((spec) => this.resolver.resolve(file, spec)))].filter((k) => k !== file.fileKey);
  }

  /** Indexed files that import `fileKey`. */
  importersOf(fileKey: string): readonly string[] {
    if (!this.reverse) {
      this.reverse = new Map();
      for (const from of this.files.keys()) {
        for (const to of this.importsOf(from)) {
          const list = this.reverse.get(to);
          if (list) list.push(from);
          else this.reverse.set(to, [from]);
        }
      }
    }
    return this.reverse.get(fileKey) ?? [];
  }

  /** After a one-file update: the file's new imports, or undefined when it left the index. */
  replaceFile(fileKey: string, file: GraphFile | undefined): void {
    const had = this.files.get(fileKey);
    if (had) this.resolver.removeFile(fileKey);
    if (file) {
      this.files.set(fileKey, file);
      this.resolver.addFile(file);
    } else {
      this.files.delete(fileKey);
    }
    // A new or removed file can change how other files' imports resolve.
    if (!had || !file) this.resolved.clear();
    else this.resolved.delete(fileKey);
    this.reverse = undefined;
  }
}

/** A catalog row as the graph sees it. */
export function graphFile(row: FileRow): GraphFile {
  return {
    fileKey: row.file_key,
    root: row.root,
    path: row.path,
    language: row.language,
    source: row.source,
    imports: row.imports,
    packageName: row.package || undefined,
  };
}

async function readText(host: EngineHost, path: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await host.readFile(path));
  } catch {
    return undefined;
  }
}
