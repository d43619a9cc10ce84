import type { FeedbackEvent } from './feedbackEvents';
import { percentile } from './feedbackRecorder';

/**
 * The usage-metrics view's figures: the feedback events folded into calendar buckets (day or
 * week), overall and per language and per model, so the company can see whether the house
 * model pays off. Pure: events in, numbers out; the same definitions as computeFeedbackStats,
 * so the view and the "Show Feedback Events" summary never disagree about a figure.
 */

export type BucketSize = 'day' | 'week';

/** The two survival checks the completion surface runs (seconds after acceptance). */
export const SURVIVAL_CHECKS = { after30s: 30, after5min: 300 } as const;

/** Used for events recorded without a file (chat with no editor). Same label as computeFeedbackStats. */
export const NO_LANGUAGE = '(none)';

const DAY_MS = 86_400_000;

export interface UsageMetricsOptions {
  bucket: BucketSize;
  /** Start of the range, inclusive; snapped back to the start of its bucket (so every bucket is whole). Default: the first event's. */
  from?: Date;
  /** End of the range, exclusive. Default: just after the last event. */
  to?: Date;
  /**
   * Minutes east of UTC where bucket boundaries fall (the user's midnight). Default 0 (UTC).
   * One offset for the whole range: a daylight-saving change moves the boundary by an hour,
   * which is fine for trends.
   */
  utcOffsetMinutes?: number;
  /** Only the most recent buckets are kept beyond this; `clipped` says so. Default 400. */
  maxBuckets?: number;
}

export interface CompletionFigures {
  shown: number;
  accepted: number;
  acceptedFull: number;
  acceptedPartial: number;
  rejected: number;
  /** accepted / max(shown, accepted + rejected); undefined with no completions. */
  acceptanceRate: number | undefined;
}

export interface LatencyFigures {
  count: number;
  /** Nearest-rank percentiles, milliseconds. */
  p50: number;
  p95: number;
}

export interface SurvivalFigures {
  count: number;
  /** Mean share (0..1) of the accepted text still present. */
  mean: number;
}

export interface UsageFigures {
  /** Events of any kind counted here. */
  events: number;
  completions: CompletionFigures;
  /**
   * Time to suggestion, from completion.shown events; from accepted/rejected ones when this
   * group has no shown event (the same rule as computeFeedbackStats). Undefined with none.
   */
  latencyMs: LatencyFigures | undefined;
  survival30s: SurvivalFigures | undefined;
  survival5min: SurvivalFigures | undefined;
  ratings: {
    up: number;
    down: number;
    /** up / (up + down); undefined with no rating. */
    upRate: number | undefined;
  };
  corrections: number;
}

export interface UsageGroup {
  /** The model name or language id (`(none)` for no language). */
  key: string;
  total: UsageFigures;
  /** One entry per bucket, aligned with UsageMetrics.buckets. */
  series: UsageFigures[];
}

export interface UsageMetrics {
  bucket: BucketSize;
  utcOffsetMinutes: number;
  /** ISO instants: the snapped start (inclusive) and end (exclusive) of the range; undefined with no events and no bounds. */
  from: string | undefined;
  to: string | undefined;
  /** The first day of each bucket in the offset's calendar, `YYYY-MM-DD`, oldest first (weeks start on Monday). */
  buckets: string[];
  /** True when older buckets were dropped to stay within maxBuckets (their events are left out too). */
  clipped: boolean;
  overall: UsageGroup;
  /** Busiest first (most events), then by name. */
  byLanguage: UsageGroup[];
  byModel: UsageGroup[];
}

/** Folds events (any order) into the figures. Events outside [from, to) are left out. */
export function computeUsageMetrics(events: readonly FeedbackEvent[], options: UsageMetricsOptions): UsageMetrics {
  const bucket = options.bucket;
  const offsetMs = (options.utcOffsetMinutes ?? 0) * 60_000;
  const maxBuckets = Math.max(1, Math.floor(options.maxBuckets ?? 400));

  // A range starting mid-bucket would make its first bucket look quieter than it was.
  const fromMs = options.from !== undefined ? bucketStart(options.from, bucket, options.utcOffsetMinutes ?? 0).getTime() : undefined;
  const toMs = options.to?.getTime();
  const dated: { event: FeedbackEvent; t: number }[] = [];
  for (const event of events) {
    const t = Date.parse(event.at);
    if (Number.isNaN(t)) continue;
    if (fromMs !== undefined && t < fromMs) continue;
    if (toMs !== undefined && t >= toMs) continue;
    dated.push({ event, t });
  }

  let first: number | undefined = fromMs;
  let last: number | undefined = toMs !== undefined ? toMs - 1 : undefined;
  for (const { t } of dated) {
    if (fromMs === undefined && (first === undefined || t < first)) first = t;
    if (toMs === undefined && (last === undefined || t > last)) last = t;
  }

  const groups = { overall: new Accumulator(), language: new Map<string, Accumulator>(), model: new Map<string, Accumulator>() };
  const buckets: number[] = [];
  let clipped = false;
  if (first !== undefined && last !== undefined && last >= first) {
    const firstIndex = bucketIndex(first, offsetMs, bucket);
    const lastIndex = bucketIndex(last, offsetMs, bucket);
    const step = bucket === 'week' ? 7 : 1;
    let startIndex = firstIndex;
    const count = (lastIndex - firstIndex) / step + 1;
    if (count > maxBuckets) {
      startIndex = lastIndex - (maxBuckets - 1) * step;
      clipped = true;
    }
    for (let day = startIndex; day <= lastIndex; day += step) buckets.push(day);
    const position = new Map(buckets.map((day, i) => [day, i]));
    for (const { event, t } of dated) {
      const i = position.get(bucketIndex(t, offsetMs, bucket));
      if (i === undefined) continue; // clipped away
      groups.overall.add(event, i);
      accumulatorFor(groups.language, event.language === '' ? NO_LANGUAGE : event.language).add(event, i);
      accumulatorFor(groups.model, event.model).add(event, i);
    }
  }

  const n = buckets.length;
  const start = n > 0 ? buckets[0] * DAY_MS - offsetMs : undefined;
  const end = toMs ?? (n > 0 ? (buckets[n - 1] + (bucket === 'week' ? 7 : 1)) * DAY_MS - offsetMs : undefined);
  return {
    bucket,
    utcOffsetMinutes: options.utcOffsetMinutes ?? 0,
    from: start !== undefined ? new Date(start).toISOString() : undefined,
    to: end !== undefined && n > 0 ? new Date(end).toISOString() : undefined,
    buckets: buckets.map(dayKey),
    clipped,
    overall: groups.overall.finish('all', n),
    byLanguage: sortGroups([...groups.language.entries()].map(([key, a]) => a.finish(key, n))),
    byModel: sortGroups([...groups.model.entries()].map(([key, a]) => a.finish(key, n))),
  };
}

/**
 * The start of the bucket holding `date`, as an instant: midnight (at the offset) of that day,
 * or of that week's Monday. Used to snap a range's start so every bucket is whole.
 */
export function bucketStart(date: Date, bucket: BucketSize, utcOffsetMinutes = 0): Date {
  const offsetMs = utcOffsetMinutes * 60_000;
  return new Date(bucketIndex(date.getTime(), offsetMs, bucket) * DAY_MS - offsetMs);
}

/** Days since 1970-01-01 (at the offset) of the first day of the bucket holding `t`. */
function bucketIndex(t: number, offsetMs: number, bucket: BucketSize): number {
  const day = Math.floor((t + offsetMs) / DAY_MS);
  if (bucket === 'day') return day;
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
  return day - (((day + 3) % 7) + 7) % 7;
}

function dayKey(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function sortGroups(groups: UsageGroup[]): UsageGroup[] {
  return groups.sort((a, b) => b.total.events - a.total.events || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function accumulatorFor(map: Map<string, Accumulator>, key: string): Accumulator {
  let a = map.get(key);
  if (a === undefined) map.set(key, (a = new Accumulator()));
  return a;
}

/** Raw sums for one group: the whole range and each bucket. */
class Accumulator {
  private readonly total = new Tally();
  private readonly perBucket = new Map<number, Tally>();

  add(event: FeedbackEvent, bucket: number): void {
    let b = this.perBucket.get(bucket);
    if (b === undefined) this.perBucket.set(bucket, (b = new Tally()));
    this.total.add(event);
    b.add(event);
  }

  finish(key: string, buckets: number): UsageGroup {
    const series: UsageFigures[] = [];
    for (let i = 0; i < buckets; i++) series.push((this.perBucket.get(i) ?? new Tally()).figures());
    return { key, total: this.total.figures(), series };
  }
}

class Tally {
  events = 0;
  shown = 0;
  acceptedFull = 0;
  acceptedPartial = 0;
  rejected = 0;
  shownLatency: number[] = [];
  decidedLatency: number[] = [];
  survival30 = { count: 0, sum: 0 };
  survival300 = { count: 0, sum: 0 };
  up = 0;
  down = 0;
  corrections = 0;

  add(e: FeedbackEvent): void {
    this.events++;
    switch (e.kind) {
      case 'completion.shown':
        this.shown++;
        this.shownLatency.push(e.latencyMs);
        break;
      case 'completion.accepted':
        if (e.how === 'full') this.acceptedFull++;
        else this.acceptedPartial++;
        this.decidedLatency.push(e.latencyMs);
        break;
      case 'completion.rejected':
        this.rejected++;
        this.decidedLatency.push(e.latencyMs);
        break;
      case 'completion.survival': {
        // Other delays are not what the surface records today; they are left out of both figures.
        const s = e.afterSeconds === SURVIVAL_CHECKS.after30s ? this.survival30 : e.afterSeconds === SURVIVAL_CHECKS.after5min ? this.survival300 : undefined;
        if (s !== undefined) {
          s.count++;
          s.sum += e.survived;
        }
        break;
      }
      case 'chat.rating':
        if (e.rating === 'up') this.up++;
        else this.down++;
        break;
      case 'correction':
        this.corrections++;
        break;
    }
  }

  figures(): UsageFigures {
    const accepted = this.acceptedFull + this.acceptedPartial;
    // Surfaces may record accept/reject without every "shown", so the larger count is the base.
    const base = Math.max(this.shown, accepted + this.rejected);
    return {
      events: this.events,
      completions: {
        shown: this.shown,
        accepted,
        acceptedFull: this.acceptedFull,
        acceptedPartial: this.acceptedPartial,
        rejected: this.rejected,
        acceptanceRate: base > 0 ? accepted / base : undefined,
      },
      latencyMs: latency(this.shownLatency.length > 0 ? this.shownLatency : this.decidedLatency),
      survival30s: survival(this.survival30),
      survival5min: survival(this.survival300),
      ratings: { up: this.up, down: this.down, upRate: this.up + this.down > 0 ? this.up / (this.up + this.down) : undefined },
      corrections: this.corrections,
    };
  }
}

function latency(values: number[]): LatencyFigures | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

function survival(s: { count: number; sum: number }): SurvivalFigures | undefined {
  return s.count > 0 ? { count: s.count, mean: s.sum / s.count } : undefined;
}
