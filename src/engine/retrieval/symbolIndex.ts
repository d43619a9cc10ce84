import type { Table } from '@lancedb/lancedb';
import { stringColumn } from '../store/arrowRows';

/** What retrieval needs to know about a chunk without its text. */
export interface SymbolEntry {
  id: string;
  fileKey: string;
  root: string;
  path: string;
  source: string;
  language: string;
  kind: string;
  shape: string;
  name: string;
  qualifiedName: string;
  parent: string;
  startLine: number;
  endLine: number;
  signature: string;
}

export const SYMBOL_COLUMNS = [
  'id', 'file_key', 'root', 'path', 'source', 'language', 'kind', 'shape', 'name', 'qualified_name', 'parent', 'start_line', 'end_line', 'signature',
];

export function symbolFromRow(r: Record<string, unknown>): SymbolEntry {
  return {
    id: String(r.id),
    fileKey: String(r.file_key),
    root: String(r.root),
    path: String(r.path),
    source: String(r.source),
    language: String(r.language),
    kind: String(r.kind),
    shape: String(r.shape),
    name: String(r.name),
    qualifiedName: String(r.qualified_name),
    parent: String(r.parent),
    startLine: Number(r.start_line),
    endLine: Number(r.end_line),
    signature: String(r.signature),
  };
}

/**
 * Every chunk's identity, in memory: exact and prefix lookup of symbol names, and a file's
 * chunks, in microseconds. Loaded once from the chunks table and patched per file as the
 * index changes, so queries never scan the table for names.
 */
export class SymbolIndex {
  private readonly byFile = new Map<string, SymbolEntry[]>();
  private readonly byName = new Map<string, SymbolEntry[]>();
  private readonly byLowerName = new Map<string, SymbolEntry[]>();
  /** Lower-cased distinct names, sorted, for prefix lookup; rebuilt lazily after changes. */
  private sortedNames?: string[];

  static async load(table: Table): Promise<SymbolIndex> {
    const index = new SymbolIndex();
    // Column by column: materialising one row object per chunk took seconds at 200k chunks.
    const arrow = await table.query().select(SYMBOL_COLUMNS).toArrow();
    const vector = (name: string) => {
      const v = arrow.getChild(name);
      if (!v) throw new Error(`The chunks table has no ${name} column.`);
      return v;
    };
    // Values shared by many rows (a file's key and path, kinds, languages, names, parents) are
    // kept once: 100 → 57 MB of heap at 130k chunks for the garbage collector to walk, and
    // lookups that scan thousands of entries (a name like __init__) touch a few hot strings
    // instead of one cold copy per entry.
    const pool = new Map<string, string>();
    const [fileKey, root, path, source, language, kind, shape, name, parent] = (
      ['file_key', 'root', 'path', 'source', 'language', 'kind', 'shape', 'name', 'parent'] as const
    ).map((c) => stringColumn(vector(c), pool));
    const [id, qualifiedName, signature] = (['id', 'qualified_name', 'signature'] as const).map((c) => stringColumn(vector(c)));
    // Number(): an index written by other Arrow tooling may hold 64-bit integers.
    const startLine = vector('start_line').toArray() as ArrayLike<number | bigint>;
    const endLine = vector('end_line').toArray() as ArrayLike<number | bigint>;
    const grouped = new Map<string, SymbolEntry[]>();
    for (let i = 0; i < arrow.numRows; i++) {
      const e: SymbolEntry = {
        id: id[i],
        fileKey: fileKey[i],
        root: root[i],
        path: path[i],
        source: source[i],
        language: language[i],
        kind: kind[i],
        shape: shape[i],
        name: name[i],
        qualifiedName: qualifiedName[i],
        parent: parent[i],
        startLine: Number(startLine[i]),
        endLine: Number(endLine[i]),
        signature: signature[i],
      };
      const list = grouped.get(e.fileKey);
      if (list) list.push(e);
      else grouped.set(e.fileKey, [e]);
    }
    for (const [key, entries] of grouped) index.replaceFile(key, entries);
    return index;
  }

  get fileCount(): number {
    return this.byFile.size;
  }

  files(): IterableIterator<string> {
    return this.byFile.keys();
  }

  fileChunks(fileKey: string): readonly SymbolEntry[] {
    return this.byFile.get(fileKey) ?? [];
  }

  /** Definitions named exactly `name`; falls back to a case-insensitive match. */
  exact(name: string): readonly SymbolEntry[] {
    return this.byName.get(name) ?? this.byLowerName.get(name.toLowerCase()) ?? [];
  }

  /** Definitions named exactly `name`, case included. */
  exactCase(name: string): readonly SymbolEntry[] {
    return this.byName.get(name) ?? [];
  }

  /** Definitions whose name starts with `prefix` (case-insensitive), at most `limit`. */
  prefix(prefix: string, limit: number): SymbolEntry[] {
    const p = prefix.toLowerCase();
    if (!p) return [];
    this.sortedNames ??= [...this.byLowerName.keys()].sort();
    const names = this.sortedNames;
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (names[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    const out: SymbolEntry[] = [];
    for (let i = lo; i < names.length && names[i].startsWith(p) && out.length < limit; i++) {
      for (const e of this.byLowerName.get(names[i]) ?? []) {
        out.push(e);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Replaces one file's entries (an empty list removes the file). */
  replaceFile(fileKey: string, entries: SymbolEntry[]): void {
    for (const old of this.byFile.get(fileKey) ?? []) {
      if (!old.name) continue;
      removeFrom(this.byName, old.name, old);
      removeFrom(this.byLowerName, old.name.toLowerCase(), old);
    }
    if (entries.length === 0) this.byFile.delete(fileKey);
    else this.byFile.set(fileKey, entries);
    for (const e of entries) {
      if (!e.name) continue;
      addTo(this.byName, e.name, e);
      addTo(this.byLowerName, e.name.toLowerCase(), e);
    }
    this.sortedNames = undefined;
  }
}

function addTo(map: Map<string, SymbolEntry[]>, key: string, e: SymbolEntry): void {
  const list = map.get(key);
  if (list) list.push(e);
  else map.set(key, [e]);
}

function removeFrom(map: Map<string, SymbolEntry[]>, key: string, e: SymbolEntry): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(e);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
