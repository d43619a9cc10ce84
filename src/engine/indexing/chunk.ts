export type ChunkKind =
  | 'function'
  | 'method'
  | 'class'
  | 'struct'
  | 'interface'
  | 'trait'
  | 'enum'
  | 'type'
  | 'constant'
  | 'module'
  | 'impl'
  | 'section'
  | 'block'
  /** A house convention (src/engine/conventions): name is the rule id, signature its title. */
  | 'rule';

/**
 * How the chunk relates to its symbol: the whole symbol, the outline of a big container
 * (member signatures only), one part of a body over the size cap, or a block of lines
 * outside any symbol.
 */
export type ChunkShape = 'whole' | 'outline' | 'part' | 'block';

export interface Chunk {
  kind: ChunkKind;
  shape: ChunkShape;
  name: string;
  qualifiedName: string;
  parent: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  signature: string;
  doc: string;
  text: string;
  /**
   * What full-text search indexes instead of `text`, when that differs: a small container
   * shown whole is searched by its outline, because its members are chunks of their own.
   */
  searchBody?: string;
  /** Identifiers this chunk calls or references, deduplicated. */
  refs: string[];
}

export interface ParsedFile {
  language: string;
  imports: string[];
  /** Declared package or namespace, '' when the language or file has none. */
  packageName: string;
  chunks: Chunk[];
  /** The parser recovered from syntax errors; chunks come from the partial tree. */
  hasErrors: boolean;
  redactions: number;
  /** Problems worth telling the user about, each naming the file (broken convention frontmatter). */
  warnings?: string[];
}

export const CONTAINER_KINDS: ReadonlySet<ChunkKind> = new Set(['class', 'struct', 'interface', 'trait', 'enum', 'impl', 'module']);
