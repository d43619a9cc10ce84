// Search hits as quick pick rows: pure (no `vscode`), unit-tested in plain Node.
import type { SearchHit } from '../../engine/retrieval/retriever';
import { isSharedKey } from '../sharedIndex/sharedChunk';

export interface SearchItem {
  /** `$(codicon) name` */
  label: string;
  /** `path:line`, and the library when the hit is not from the workspace (and when it is from the shared index). */
  description: string;
  /** The signature, or the first line of a block. */
  detail: string;
  /** A path on this disk, or `shared:<library>/<path>` for the team's shared index. */
  fileKey: string;
  /** The chunk id. */
  id: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  source: string;
  symbol: string;
  kind: string;
  language: string;
}

const ICONS: Record<string, string> = {
  function: 'symbol-function',
  method: 'symbol-method',
  constructor: 'symbol-constructor',
  class: 'symbol-class',
  interface: 'symbol-interface',
  struct: 'symbol-struct',
  trait: 'symbol-interface',
  enum: 'symbol-enum',
  type: 'symbol-type-parameter',
  constant: 'symbol-constant',
  variable: 'symbol-variable',
  field: 'symbol-field',
  property: 'symbol-property',
  module: 'symbol-module',
  namespace: 'symbol-namespace',
  impl: 'symbol-class',
  rule: 'law',
  section: 'book',
};

/** The codicon for a chunk kind; unknown kinds and line blocks get a file icon. */
export function kindIcon(kind: string): string {
  return ICONS[kind] ?? 'file-code';
}

const oneLine = (s: string, max = 160) => {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

export function searchItems(hits: readonly SearchHit[]): SearchItem[] {
  return hits.map((h) => {
    const name = h.symbol || h.qualifiedName || h.name || `${h.path}:${h.startLine}`;
    const where = `${h.path}:${h.startLine}`;
    const from =
      h.source === 'workspace' ? '' : h.source === 'conventions' ? ' · conventions' : isSharedKey(h.fileKey) ? ` · library ${h.source} (shared index)` : ` · library ${h.source}`;
    return {
      label: `$(${kindIcon(h.kind)}) ${name}`,
      description: `${where}${from}`,
      detail: oneLine(h.signature || h.text.split('\n').find((l) => l.trim()) || ''),
      fileKey: h.fileKey,
      id: h.id,
      startLine: h.startLine,
      endLine: h.endLine,
      source: h.source,
      symbol: name,
      kind: h.kind,
      language: h.language,
    };
  });
}
