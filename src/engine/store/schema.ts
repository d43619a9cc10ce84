import type { Schema } from 'apache-arrow';
import { schemaOf } from './arrowRows';
import { CHUNK_COLUMNS, FILE_COLUMNS } from './columns';

/**
 * Bumped whenever a table's columns or their meaning change. An index with another
 * version is refused with a message that says to rebuild it.
 */
export const SCHEMA_VERSION = 2;
export const INDEX_FORMAT = 'inhouse-index';

export const CHUNKS_SCHEMA = schemaOf(CHUNK_COLUMNS);
export const FILES_SCHEMA = schemaOf(FILE_COLUMNS);

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
  return schemaOf([
    { name: 'text_hash', kind: 'utf8' },
    { name: 'vector', kind: { vector: dim } },
  ]);
}

export interface EmbeddingRow {
  text_hash: string;
  vector: number[];
}
