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
  /** Root-relative path of the file, when there is one. */
  path?: string;
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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as a surface reports it: the recorder stamps `v`, `id` and `at`. */
export type FeedbackInput = DistributiveOmit<FeedbackEvent, 'v' | 'id' | 'at'>;

/** Where the surfaces send events; the recorder validates, redacts secrets and appends. */
export interface FeedbackSink {
  record(event: FeedbackInput): Promise<void>;
}
