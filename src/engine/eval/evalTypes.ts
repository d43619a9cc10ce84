import type { FimForm } from '../dataset/fimFormat';

/** One held-out fill-in-the-middle task: a span of a validation file the models must write back. */
export interface EvalTask {
  /** Stable: sha256 of the split key, the prefix tail, the middle and the suffix head. */
  id: string;
  /** `source:path` of the file, as the training-set split keys it (always a validation key). */
  splitKey: string;
  path: string;
  language: string;
  form: FimForm;
  /** What comes before the gap, cut to the token budget as the training set cut it. */
  prefix: string;
  /** The text that was there: what a perfect model writes. */
  middle: string;
  suffix: string;
}

/** A convention check that failed on a completion. */
export interface Violation {
  ruleId: string;
  /** `banned`, `forbid` or `naming.<kind>`. */
  check: string;
  /** What matched: the banned name, the forbidden text, the badly named identifier. */
  text: string;
}

/** One (model, task) outcome: a line of results.jsonl. */
export interface TaskResult {
  v: 1;
  model: string;
  taskId: string;
  /** The post-processed completion, what the editor would have shown. */
  completion: string;
  exact: boolean;
  /** 1 − Levenshtein distance / longer length, over the normalised texts; 1 when both are empty. */
  similarity: number;
  violations: Violation[];
  /** Wall clock from the request to the last token, less the model's load time. */
  latencyMs: number;
  outputTokens: number;
  /** Generation time Ollama reports (eval_duration), else total less load time. */
  evalMs: number;
  /** outputTokens per second of evalMs; 0 when nothing was generated. */
  tokensPerSecond: number;
  /** Set when the model failed on this task (timeout, server error); it scores 0 and is retried on resume. */
  error?: string;
  at: string;
}

/** The figures of one model over the tasks it finished. */
export interface ModelSummary {
  model: string;
  /** `details.parameter_size` from /api/show (`1.5B`), '' when unknown. */
  parameterSize: string;
  /** Parameters as a number (1.5e9); undefined when unknown. */
  parameters?: number;
  tasks: number;
  failed: number;
  exactMatch: number;
  editSimilarity: number;
  violations: number;
  /** Tasks with at least one violation. */
  tasksWithViolations: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  tokensPerSecond: number;
}

export interface Recommendation {
  model: string;
  /** The model with the best edit similarity. */
  best: string;
  margin: number;
  /** One sentence: which model, and why. */
  reason: string;
}

/** A candidate that could not be evaluated, and what to do about it. */
export interface SkippedModel {
  model: string;
  reason: string;
}

export interface EvalProgress {
  phase: 'tasks' | 'checking' | 'running' | 'done';
  done: number;
  total: number;
  model?: string;
  message?: string;
}

export interface EvalReport {
  runId: string;
  runDir: string;
  seed: number;
  margin: number;
  tasks: number;
  /** Split keys the tasks came from: every one a validation key of the training-set split. */
  files: string[];
  models: ModelSummary[];
  skipped: SkippedModel[];
  recommendation?: Recommendation;
  /** True when the run was cancelled: the figures cover what finished. */
  cancelled: boolean;
  /** Pairs run now, and pairs taken from an earlier run of the same id. */
  ran: number;
  resumed: number;
  /** results.jsonl lines that could not be read (a crash mid-write), skipped. */
  corruptLines: number;
  /** Convention rules with mechanical checks. */
  checkedRules: string[];
}
