/**
 * What the answer surfaces record about how their suggestions fared: the raw material of the
 * house-model loop (training set, model evaluation, usage metrics). Events are versioned and
 * append-only; they never leave the machine.
 */

/** Bumped when a field changes meaning; readers keep reading older versions. */
export const FEEDBACK_SCHEMA_VERSION = 1;

/** What every event carries. */
export interface FeedbackBase {
  v: typeof FEEDBACK_SCHEMA_VERSION;
  /** Unique per event (random). */
  id: string;
  /** ISO 8601. */
  at: string;
  /** The prompt the suggestion came from (CompletionResult.promptId, AnswerEvent done.promptId). */
  promptId: string;
  model: string;
  /** Chunk ids and rule ids the prompt carried. */
  contextIds: string[];
  ruleIds: string[];
  /** The file's language id ('' for chat without a file). */
  language: string;
  /** Root-relative path of the file, when there is one (forward slashes). */
  path?: string;
  /** Stamped by the recorder: text fields cut to the size cap, by name. Absent when none was. */
  truncated?: string[];
  /** Stamped by the recorder: how many secret values were masked across the text fields. */
  redactions?: number;
}

export type FeedbackEvent =
  | (FeedbackBase & {
      kind: 'completion.shown';
      /** Milliseconds from the request to the suggestion. */
      latencyMs: number;
      text: string;
    })
  | (FeedbackBase & {
      kind: 'completion.accepted';
      /** 'full' (Tab) or 'partial' (word or line accepted). */
      how: 'full' | 'partial';
      text: string;
      /** For a partial acceptance, the part taken. */
      acceptedText?: string;
      latencyMs: number;
    })
  | (FeedbackBase & {
      kind: 'completion.rejected';
      text: string;
      latencyMs: number;
    })
  | (FeedbackBase & {
      kind: 'completion.survival';
      /** Seconds after acceptance the check ran (30 or 300). */
      afterSeconds: number;
      /** Share (0..1) of the inserted text still present. */
      survived: number;
      text: string;
    })
  | (FeedbackBase & {
      kind: 'chat.rating';
      surface: 'chat' | 'explain';
      rating: 'up' | 'down';
      question: string;
      answer: string;
    })
  | (FeedbackBase & {
      kind: 'correction';
      surface: 'chat' | 'explain' | 'completion';
      /** The question, or for a completion the code before the cursor (trimmed). */
      prompt: string;
      /** What the model said. */
      original: string;
      /** What the expert says it should have been. */
      corrected: string;
    });

export type FeedbackKind = FeedbackEvent['kind'];

export const FEEDBACK_KINDS: readonly FeedbackKind[] = [
  'completion.shown',
  'completion.accepted',
  'completion.rejected',
  'completion.survival',
  'chat.rating',
  'correction',
];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Fields only the recorder writes. */
export type RecorderStamped = 'v' | 'id' | 'at' | 'truncated' | 'redactions';

/** An event as a surface reports it: the recorder stamps `v`, `id`, `at` (and `truncated`, `redactions`). */
export type FeedbackInput = DistributiveOmit<FeedbackEvent, RecorderStamped>;

/**
 * Where the surfaces send events; the recorder validates, redacts secrets and appends.
 * `record` never rejects: an invalid event or a failed write is logged and dropped, so a
 * surface can fire and forget (`void feedback.record(...)`).
 */
export interface FeedbackSink {
  record(event: FeedbackInput): Promise<void>;
}
