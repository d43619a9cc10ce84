import type { FimFamily } from '../llm/fimTemplates';
import type { Logger } from '../log';

/** Where a sample came from. */
export type SampleSource = 'index' | 'accepted' | 'correction' | 'convention';
/** How a sample is laid out: FIM forms, plain left-to-right code, or a chat pair. */
export type SampleKind = 'psm' | 'spm' | 'plain' | 'chat';
export type Split = 'train' | 'valid';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface SampleBase {
  source: SampleSource;
  kind: SampleKind;
  /**
   * What decides the split: the file the sample was drawn from (`source:path`), the rule file a
   * convention pair came from, or for a chat correction with no file its prompt id. Samples with
   * one key always land in one split.
   */
  splitKey: string;
  language: string;
  /** Root-relative path, when there is one. */
  path?: string;
  /** The text near-duplicate removal compares. */
  dedupeText: string;
}

export interface CompletionSample extends SampleBase {
  format: 'completion';
  /** Everything before what the model must write: FIM tokens, prefix and suffix (or the plain prefix). */
  prompt: string;
  /** The middle and the end token (plain samples: the code that follows, no end token). */
  completion: string;
}

export interface ChatSample extends SampleBase {
  format: 'chat';
  messages: ChatMessage[];
  /** The rule ids the answer cites. */
  ruleIds: string[];
}

export type TrainingSample = CompletionSample | ChatSample;

export interface DatasetOptions {
  /** Same seed, same index and events: byte-identical data files. Default 1. */
  seed?: number;
  /** Share of code samples laid out for fill-in-the-middle (the rest are plain left-to-right). Default 0.9. */
  fimRate?: number;
  /** Share of FIM samples in suffix-prefix-middle form. Default 0.5. */
  spmRate?: number;
  /** Share of files (and rule files) that go to validation. Default 0.1. */
  validShare?: number;
  /** The Ollama base model the adapter is for; picks the FIM tokens. Default qwen2.5-coder:1.5b-base. */
  baseModel?: string;
  /** The FIM family, when the base model's name does not say. */
  family?: FimFamily;
  /** An accepted completion counts when its latest survival check kept at least this share. Default 0.75. */
  minSurvival?: number;
  /** Accepted completions with no survival check yet count too. Default false. */
  includeUnchecked?: boolean;
  /** Token budget per sample (estimated); prefix and suffix are cut to fit, never the middle. Default 2048. */
  maxTokens?: number;
  /** Jaccard similarity of token shingles at or above which two texts are duplicates. Default 0.85. */
  nearDuplicateThreshold?: number;
  /** FIM samples drawn from each function or method. Default 1. */
  samplesPerFunction?: number;
  /** Write train_lora.py, requirements.txt and README.md beside the data. Default true. */
  writeRecipe?: boolean;
  /** Company name for the system message of chat pairs. */
  organization?: string;
  log?: Logger;
  signal?: AbortSignal;
  onProgress?: (p: { phase: 'reading' | 'sampling' | 'cleaning' | 'writing'; done: number; total: number }) => void;
  /** Reads a source file (to take prefix/suffix from the whole file when it is unchanged since indexing). */
  readFile?: (absPath: string) => Promise<Uint8Array>;
}

export interface SplitCounts {
  train: number;
  valid: number;
}

export interface DatasetStats {
  seed: number;
  baseModel: string;
  family: FimFamily;
  fimRate: number;
  spmRate: number;
  validShare: number;
  minSurvival: number;
  maxTokens: number;
  samples: SplitCounts & { total: number };
  chat: SplitCounts;
  completion: SplitCounts;
  bySource: Record<string, number>;
  byKind: Record<string, number>;
  byLanguage: Record<string, number>;
  /** Estimated with the base model's tokenizer family (prompts/tokenEstimate.ts). */
  tokens: SplitCounts & { total: number };
  duplicatesRemoved: { exact: number; near: number; threshold: number };
  secretsRedacted: number;
  /** Distinct split keys (files, rule files, chat prompts) per split. */
  files: SplitCounts;
  /** Files in both splits, and samples whose text appears in both: both must be 0. */
  leakage: { sharedFiles: number; sharedTexts: number };
  code: { functions: number; withoutBody: number; tooLong: number; filesFromDisk: number; filesFromIndex: number };
  feedback: {
    events: number;
    corruptLines: number;
    newerVersionLines: number;
    used: number;
    /** Events left out, by reason (stale-path: the file is no longer indexed, deleted or ignored). */
    dropped: Record<string, number>;
  };
  conventions: { rules: number };
}

export interface DatasetResult {
  outDir: string;
  /** Files written, relative to outDir. */
  files: string[];
  stats: DatasetStats;
}
