import { Bool, Field, Float32, Float64, FixedSizeList, Int32, List, Schema, Utf8 } from 'apache-arrow';

/**
 * Bumped whenever a table's columns or their meaning change. An index with another
 * version is refused with a message that says to rebuild it.
 */
export const SCHEMA_VERSION = 2;
export const INDEX_FORMAT = 'inhouse-index';

const utf8 = (name: string) => new Field(name, new Utf8(), false);
const int32 = (name: string) => new Field(name, new Int32(), false);
const strings = (name: string) => new Field(name, new List(new Field('item', new Utf8(), true)), false);

/** Column names are snake_case: unquoted SQL identifiers in LanceDB filters fold case. */
export const CHUNKS_SCHEMA = new Schema([
  utf8('id'),
  utf8('file_key'),
  utf8('root'),
  utf8('path'),
  utf8('source'),
  utf8('language'),
  utf8('kind'),
  utf8('shape'),
  utf8('name'),
  utf8('qualified_name'),
  utf8('parent'),
  int32('start_line'),
  int32('end_line'),
  utf8('signature'),
  utf8('doc'),
  utf8('text'),
  strings('refs'),
  utf8('search_text'),
  utf8('file_hash'),
  utf8('text_hash'),
]);

export const FILES_SCHEMA = new Schema([
  utf8('file_key'),
  utf8('root'),
  utf8('path'),
  utf8('source'),
  utf8('language'),
  utf8('hash'),
  new Field('size', new Float64(), false),
  new Field('mtime_ms', new Float64(), false),
  int32('chunk_count'),
  utf8('status'),
  utf8('skip_reason'),
  new Field('has_errors', new Bool(), false),
  int32('redactions'),
  strings('imports'),
  utf8('package'),
]);

export interface ChunkRow {
  id: string;
  file_key: string;
  root: string;
  path: string;
  source: string;
  language: string;
  kind: string;
  shape: string;
  name: string;
  qualified_name: string;
  parent: string;
  start_line: number;
  end_line: number;
  signature: string;
  doc: string;
  text: string;
  refs: string[];
  search_text: string;
  file_hash: string;
  text_hash: string;
}

export type FileStatus = 'indexed' | 'skipped';

export interface FileRow {
  file_key: string;
  root: string;
  path: string;
  source: string;
  language: string;
  hash: string;
  size: number;
  mtime_ms: number;
  chunk_count: number;
  status: FileStatus;
  skip_reason: string;
  has_errors: boolean;
  redactions: number;
  imports: string[];
  /** Declared package or namespace, for import resolution. */
  package: string;
}

/** One vector per distinct chunk content (text_hash), so no text is embedded twice. */
export function embeddingsSchema(dim: number): Schema {
  return new Schema([utf8('text_hash'), new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false)]);
}

export interface EmbeddingRow {
  text_hash: string;
  vector: number[];
}
