import type { GrammarAssets } from '../languages/grammars';
import type { RowBlock } from '../store/columns';
import type { AnalyzerOptions } from './fileAnalyzer';

/** Messages between the indexer and its parse workers. */
export interface WorkerInit {
  assets: GrammarAssets;
  analyzer: AnalyzerOptions;
}

export interface FileIdentity {
  fileKey: string;
  root: string;
  path: string;
  source: string;
  fileHash: string;
}

export interface AnalyzeJob extends FileIdentity {
  id: number;
  language: string;
  bytes: Uint8Array;
}

export type AnalyzeOutcome =
  | {
      ok: true;
      language: string;
      imports: string[];
      packageName: string;
      hasErrors: boolean;
      redactions: number;
      /** The file's chunk rows, encoded (CHUNK_COLUMNS) in transferred buffers. */
      rows: RowBlock;
      /** Problems to show the user, each naming the file (e.g. broken convention frontmatter). */
      warnings?: string[];
    }
  | { ok: false; reason: string; detail: string };

export interface AnalyzeReply {
  id: number;
  outcome?: AnalyzeOutcome;
  error?: string;
}
