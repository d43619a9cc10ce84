import type { FeedbackEvent } from '../feedback/feedbackEvents';
import { houseIdentity } from '../prompts/houseIdentity';
import type { ChatSample, TrainingSample } from './datasetTypes';
import { fimSample, splitKeyOf, type FimConfig } from './fimSamples';
import { rngFor } from './seededRandom';
import type { SourceFile } from './sourceFiles';

type Accepted = Extract<FeedbackEvent, { kind: 'completion.accepted' }>;
type Survival = Extract<FeedbackEvent, { kind: 'completion.survival' }>;
type Correction = Extract<FeedbackEvent, { kind: 'correction' }>;

export interface FeedbackSampleConfig extends FimConfig {
  minSurvival: number;
  includeUnchecked: boolean;
  organization?: string;
}

export interface FeedbackSamples {
  samples: TrainingSample[];
  /** Events that became a sample. */
  used: number;
  dropped: Record<string, number>;
}

/** An accepted text this short that occurs more than once in its file cannot be placed. */
const AMBIGUOUS_CHARS = 24;
/** How much of the end of a recorded prefix is looked for in the file to find the cursor. */
const ANCHOR_CHARS = 200;

/**
 * Training samples from what the experts did with the suggestions:
 * - a completion accepted whose latest survival check kept at least `minSurvival` of it becomes a
 *   FIM sample, the accepted text as the middle. The event does not record the code around the
 *   cursor, so the text is found in the file as indexed now (it survived, so it is there) and
 *   the prefix and suffix are taken around it;
 * - a completion correction becomes a FIM sample with the recorded prefix and the corrected text
 *   as the middle (the suffix is taken from the file when the file still shows the correction);
 * - a chat or explain correction becomes a chat pair: the question, then the corrected answer.
 * Events about a file that is no longer indexed (deleted, or ignored since) are dropped.
 */
export function feedbackSamples(
  events: readonly FeedbackEvent[],
  filesByPath: ReadonlyMap<string, SourceFile>,
  indexedPaths: ReadonlySet<string>,
  config: FeedbackSampleConfig,
): FeedbackSamples {
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => void (dropped[reason] = (dropped[reason] ?? 0) + 1);
  const samples: TrainingSample[] = [];
  let used = 0;

  const accepted = new Map<string, Accepted>();
  const survival = new Map<string, Survival>();
  const corrections = new Map<string, Correction>();
  for (const e of events) {
    if (e.kind !== 'completion.accepted' && e.kind !== 'completion.survival' && e.kind !== 'correction') continue;
    if (e.path !== undefined && !indexedPaths.has(e.path)) {
      drop('stale-path');
      continue;
    }
    if (e.kind === 'completion.accepted') accepted.set(e.promptId, e);
    else if (e.kind === 'completion.survival') {
      const prior = survival.get(e.promptId);
      if (!prior || e.afterSeconds > prior.afterSeconds || (e.afterSeconds === prior.afterSeconds && e.at >= prior.at)) survival.set(e.promptId, e);
    } else {
      // A later correction of the same answer replaces the earlier one.
      const key = `${e.promptId}\u0000${e.surface}`;
      if (corrections.has(key)) drop('superseded');
      corrections.set(key, e);
    }
  }

  for (const e of [...accepted.values()].sort(byTime)) {
    const check = survival.get(e.promptId);
    if (!check && !config.includeUnchecked) {
      drop('no-survival-check');
      continue;
    }
    if (check && check.survived < config.minSurvival) {
      drop('not-surviving');
      continue;
    }
    const file = e.path !== undefined ? filesByPath.get(e.path) : undefined;
    if (!file) {
      drop('no-file');
      continue;
    }
    const middle = e.how === 'partial' && e.acceptedText ? e.acceptedText : e.text;
    const text = file.lines.join('\n');
    const at = text.indexOf(middle);
    if (!middle.trim() || at < 0) {
      drop('not-in-file');
      continue;
    }
    if (middle.trim().length < AMBIGUOUS_CHARS && text.indexOf(middle, at + 1) >= 0) {
      drop('ambiguous');
      continue;
    }
    const form = rngFor(config.seed, `accepted:${e.promptId}`).chance(config.spmRate) ? 'spm' : 'psm';
    const out = fimSample(where(file, e), text.slice(0, at), middle, text.slice(at + middle.length), form, 'accepted', config);
    if (out.ok) {
      samples.push(out.sample);
      used++;
    } else drop(out.reason);
  }

  for (const e of [...corrections.values()].sort(byTime)) {
    const file = e.path !== undefined ? filesByPath.get(e.path) : undefined;
    if (!e.corrected.trim()) {
      drop('empty-correction');
      continue;
    }
    if (e.surface === 'completion') {
      const suffix = file ? suffixAfter(file, e.prompt, e.corrected) : '';
      const form = rngFor(config.seed, `correction:${e.promptId}`).chance(config.spmRate) ? 'spm' : 'psm';
      const out = fimSample(where(file, e), e.prompt, e.corrected, suffix, form, 'correction', config);
      if (out.ok) {
        samples.push(out.sample);
        used++;
      } else drop(out.reason);
      continue;
    }
    if (!e.prompt.trim()) {
      drop('empty-question');
      continue;
    }
    const sample: ChatSample = {
      format: 'chat',
      source: 'correction',
      kind: 'chat',
      splitKey: file ? splitKeyOf(file) : `chat:${e.promptId}`,
      language: e.language || file?.language || '',
      ...(file ? { path: file.path } : {}),
      messages: [
        { role: 'system', content: houseIdentity({ organization: config.organization }) },
        { role: 'user', content: e.prompt },
        { role: 'assistant', content: e.corrected },
      ],
      ruleIds: e.ruleIds.filter((id) => e.corrected.includes(id)),
      dedupeText: `${e.prompt}\u0000${e.corrected}`,
    };
    samples.push(sample);
    used++;
  }
  return { samples, used, dropped };
}

function where(file: SourceFile | undefined, e: FeedbackEvent): { splitKey: string; language: string; path?: string } {
  if (file) return { splitKey: splitKeyOf(file), language: e.language || file.language, path: file.path };
  return { splitKey: `${e.kind}:${e.promptId}`, language: e.language };
}

/**
 * The code after the cursor of a corrected completion, when the file shows the recorded prefix
 * followed by the correction; otherwise nothing (a suffix holding some other version of the
 * answer would teach the model to copy it).
 */
function suffixAfter(file: SourceFile, prefix: string, corrected: string): string {
  const anchor = prefix.slice(-ANCHOR_CHARS);
  if (!anchor.trim()) return '';
  const text = file.lines.join('\n');
  const at = text.indexOf(anchor);
  if (at < 0) return '';
  const after = text.slice(at + anchor.length);
  return after.startsWith(corrected) ? after.slice(corrected.length) : '';
}

function byTime(a: FeedbackEvent, b: FeedbackEvent): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
