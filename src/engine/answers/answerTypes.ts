/**
 * What the answer surfaces (chat, explain, inline completion) get back from the engine. Editors
 * and the CLI render these; the feedback loop records the ids they carry.
 */

/** A retrieved chunk the prompt carried, numbered as the answer cites it (`[n]`). */
export interface Citation {
  n: number;
  /** Absolute path (the index's file key), so an editor can open it, library files included. */
  fileKey: string;
  /** Relative to its root. */
  path: string;
  startLine: number;
  endLine: number;
  /** `workspace` or the library's name. */
  source: string;
  symbol: string;
  /** The chunk id in the index, for feedback events. */
  id: string;
}

/** A house convention the prompt carried; answers cite it by id. */
export interface RuleSource {
  id: string;
  title: string;
  severity: string;
  /** `workspace` or the library's name. */
  source: string;
  path: string;
}

export interface AnswerSources {
  citations: Citation[];
  rules: RuleSource[];
}

/**
 * A streamed answer: `sources` first (so links can render while text streams), then `text`
 * deltas, then exactly one `done`. A failure ends the stream by throwing, never with a `done`:
 * whoever shows the text must say it is incomplete.
 */
export type AnswerEvent =
  | { type: 'sources'; sources: AnswerSources; notes: string[] }
  | { type: 'text'; text: string }
  | {
      type: 'done';
      model: string;
      /** Stable hash of the prompt: feedback events refer to it. */
      promptId: string;
      /** The model hit its answer length (chat.maxTokens) before it finished. */
      cutShort: boolean;
      notes: string[];
      /** Milliseconds from the request to the first text delta (undefined if there was none). */
      firstTokenMs?: number;
    };

export interface CompletionResult {
  /** What to insert at the cursor; '' when nothing worth showing came back. */
  text: string;
  model: string;
  promptId: string;
  mode: 'single' | 'multi';
  /** Chunk ids of the repository context the prompt carried. */
  contextIds: string[];
  ruleIds: string[];
  /** The model's raw output, before post-processing (for feedback and debugging). */
  raw: string;
  ms: { prompt: number; total: number };
}
