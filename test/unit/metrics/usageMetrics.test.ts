import { strict as assert } from 'node:assert';
import type { FeedbackEvent, FeedbackInput } from '../../../src/engine/feedback/feedbackEvents';
import { computeFeedbackStats } from '../../../src/engine/feedback/feedbackRecorder';
import { bucketStart, computeUsageMetrics, type UsageFigures } from '../../../src/engine/feedback/usageMetrics';

let seq = 0;
type Kindless<K extends FeedbackInput['kind']> = Omit<Extract<FeedbackInput, { kind: K }>, 'promptId' | 'contextIds' | 'ruleIds' | 'kind'>;

function ev<K extends FeedbackInput['kind']>(kind: K, at: string, fields: Kindless<K> & { promptId?: string }): FeedbackEvent {
  seq++;
  return { v: 1, id: `e${seq}`, at, promptId: `p${seq}`, contextIds: [], ruleIds: [], kind, ...fields } as unknown as FeedbackEvent;
}

const HOUSE = 'house:1';
const BASE = 'base:7b';
const MON = '2025-05-05T10:00:00.000Z';
const TUE = '2025-05-06T15:00:00.000Z';
const NEXT_MON = '2025-05-12T09:00:00.000Z';
const shown = (at: string, model: string, language: string, latencyMs: number) => ev('completion.shown', at, { model, language, latencyMs, text: 'x' });
const accepted = (at: string, model: string, language: string, latencyMs: number, how: 'full' | 'partial' = 'full') =>
  ev('completion.accepted', at, { model, language, latencyMs, how, text: 'x' });
const rejected = (at: string, model: string, language: string, latencyMs: number) => ev('completion.rejected', at, { model, language, latencyMs, text: 'x' });
const survival = (at: string, model: string, language: string, afterSeconds: number, survived: number) =>
  ev('completion.survival', at, { model, language, afterSeconds, survived, text: 'x' });
const rating = (at: string, model: string, r: 'up' | 'down') => ev('chat.rating', at, { model, language: '', surface: 'chat', rating: r, question: 'q', answer: 'a' });
const correction = (at: string, model: string, language: string) =>
  ev('correction', at, { model, language, surface: 'completion', prompt: 'p', original: 'o', corrected: 'c' });

/** 22 events over three days, two models, three languages plus chat without a file. */
const EVENTS: FeedbackEvent[] = [
  // Monday 2025-05-05: the house model.
  shown(MON, HOUSE, 'typescript', 100),
  shown(MON, HOUSE, 'typescript', 200),
  shown(MON, HOUSE, 'typescript', 300),
  shown(MON, HOUSE, 'python', 400),
  accepted(MON, HOUSE, 'typescript', 100),
  accepted(MON, HOUSE, 'python', 400, 'partial'),
  rejected(MON, HOUSE, 'typescript', 200),
  survival(MON, HOUSE, 'typescript', 30, 1),
  survival(MON, HOUSE, 'typescript', 300, 0.5),
  rating(MON, HOUSE, 'up'),
  correction(MON, HOUSE, 'typescript'),
  // Tuesday 2025-05-06: the base model.
  shown(TUE, BASE, 'typescript', 50),
  shown(TUE, BASE, 'typescript', 150),
  accepted(TUE, BASE, 'typescript', 50),
  rejected(TUE, BASE, 'typescript', 150),
  survival(TUE, BASE, 'typescript', 30, 0.25),
  survival(TUE, BASE, 'typescript', 30, 0.75),
  rating(TUE, BASE, 'down'),
  rating(TUE, BASE, 'down'),
  // Monday 2025-05-12, the next week.
  shown(NEXT_MON, HOUSE, 'go', 1000),
  accepted(NEXT_MON, HOUSE, 'go', 1000),
  // A delay the surface does not use: counted as an event, left out of both survival figures.
  survival(NEXT_MON, HOUSE, 'go', 60, 0),
];

const EMPTY_DAY: Partial<UsageFigures> = { events: 0, latencyMs: undefined, survival30s: undefined, survival5min: undefined, corrections: 0 };

describe('usage metrics', () => {
  it('adds up the whole range exactly', () => {
    const m = computeUsageMetrics(EVENTS, { bucket: 'day' });
    const t = m.overall.total;
    assert.equal(t.events, 22);
    assert.deepEqual(t.completions, { shown: 7, accepted: 4, acceptedFull: 3, acceptedPartial: 1, rejected: 2, acceptanceRate: 4 / 7 });
    // Shown latencies 50 100 150 200 300 400 1000: nearest rank 4 and 7.
    assert.deepEqual(t.latencyMs, { count: 7, p50: 200, p95: 1000 });
    assert.deepEqual(t.survival30s, { count: 3, mean: 2 / 3 });
    assert.deepEqual(t.survival5min, { count: 1, mean: 0.5 });
    assert.deepEqual(t.ratings, { up: 1, down: 2, upRate: 1 / 3 });
    assert.equal(t.corrections, 1);
  });

  it('agrees with the feedback summary on the shared figures', () => {
    const stats = computeFeedbackStats({ events: EVENTS, corruptLines: 0, newerVersionLines: 0, files: 1, bytes: 1 });
    const t = computeUsageMetrics(EVENTS, { bucket: 'week' }).overall.total;
    assert.equal(t.completions.acceptanceRate, stats.completions.acceptanceRate);
    assert.equal(t.latencyMs?.p50, stats.completions.latencyMs?.p50);
    assert.equal(t.latencyMs?.p95, stats.completions.latencyMs?.p95);
    assert.deepEqual(t.ratings.up, stats.ratings.up);
    assert.equal(t.corrections, stats.corrections);
    for (const [model, c] of Object.entries(stats.byModel)) {
      const g = computeUsageMetrics(EVENTS, { bucket: 'week' }).byModel.find((x) => x.key === model);
      assert.equal(g?.total.completions.acceptanceRate, c.acceptanceRate, model);
    }
  });

  it('splits by model and by language, busiest first', () => {
    const m = computeUsageMetrics(EVENTS, { bucket: 'day' });
    assert.deepEqual(m.byModel.map((g) => [g.key, g.total.events]), [[HOUSE, 14], [BASE, 8]]);
    const house = m.byModel[0].total;
    assert.deepEqual(house.completions, { shown: 5, accepted: 3, acceptedFull: 2, acceptedPartial: 1, rejected: 1, acceptanceRate: 0.6 });
    assert.deepEqual(house.latencyMs, { count: 5, p50: 300, p95: 1000 });
    assert.deepEqual(house.survival30s, { count: 1, mean: 1 });
    assert.deepEqual(house.ratings, { up: 1, down: 0, upRate: 1 });
    const base = m.byModel[1].total;
    assert.equal(base.completions.acceptanceRate, 0.5);
    assert.deepEqual(base.latencyMs, { count: 2, p50: 50, p95: 150 });
    assert.deepEqual(base.survival30s, { count: 2, mean: 0.5 });
    assert.equal(base.survival5min, undefined);
    assert.deepEqual(base.ratings, { up: 0, down: 2, upRate: 0 });

    // Ties on volume go by name; chat without a file is "(none)".
    assert.deepEqual(m.byLanguage.map((g) => [g.key, g.total.events]), [['typescript', 14], ['(none)', 3], ['go', 3], ['python', 2]]);
    const ts = m.byLanguage[0].total;
    assert.equal(ts.completions.acceptanceRate, 2 / 5);
    assert.deepEqual(ts.latencyMs, { count: 5, p50: 150, p95: 300 });
    assert.deepEqual(ts.survival30s, { count: 3, mean: 2 / 3 });
    assert.deepEqual(m.byLanguage[1].total.ratings, { up: 1, down: 2, upRate: 1 / 3 });
  });

  it('fills every day of the range, with empty days left without rates', () => {
    const m = computeUsageMetrics(EVENTS, { bucket: 'day' });
    assert.deepEqual(m.buckets, ['2025-05-05', '2025-05-06', '2025-05-07', '2025-05-08', '2025-05-09', '2025-05-10', '2025-05-11', '2025-05-12']);
    assert.equal(m.from, '2025-05-05T00:00:00.000Z');
    assert.equal(m.to, '2025-05-13T00:00:00.000Z');
    const s = m.overall.series;
    assert.equal(s.length, 8);
    assert.deepEqual(s.map((f) => f.completions.acceptanceRate), [0.5, 0.5, undefined, undefined, undefined, undefined, undefined, 1]);
    assert.deepEqual(s.map((f) => f.latencyMs?.p50), [200, 50, undefined, undefined, undefined, undefined, undefined, 1000]);
    assert.deepEqual(s[0].latencyMs, { count: 4, p50: 200, p95: 400 });
    for (const f of s.slice(2, 7)) assert.deepEqual({ ...f, ...EMPTY_DAY }, f);
    const base = m.byModel.find((g) => g.key === BASE);
    assert.deepEqual(base?.series.map((f) => f.events), [0, 8, 0, 0, 0, 0, 0, 0]);
    assert.equal(m.clipped, false);
  });

  it('buckets by ISO week, starting on Monday', () => {
    const m = computeUsageMetrics(EVENTS, { bucket: 'week' });
    assert.deepEqual(m.buckets, ['2025-05-05', '2025-05-12']);
    assert.deepEqual(m.overall.series.map((f) => f.completions.acceptanceRate), [3 / 6, 1]);
    assert.deepEqual(m.overall.series.map((f) => f.events), [19, 3]);
    assert.equal(m.to, '2025-05-19T00:00:00.000Z');
  });

  it('puts bucket boundaries at the user’s midnight', () => {
    const late = [shown('2025-05-05T23:30:00.000Z', HOUSE, 'go', 10), shown('2025-05-11T23:30:00.000Z', HOUSE, 'go', 10)];
    assert.deepEqual(computeUsageMetrics(late, { bucket: 'day' }).buckets[0], '2025-05-05');
    const east = computeUsageMetrics(late, { bucket: 'day', utcOffsetMinutes: 60 });
    assert.equal(east.buckets[0], '2025-05-06');
    assert.equal(east.from, '2025-05-05T23:00:00.000Z');
    // Sunday 23:30 UTC is Monday 00:30 an hour east: a new week there.
    assert.deepEqual(computeUsageMetrics(late, { bucket: 'week' }).buckets, ['2025-05-05']);
    assert.deepEqual(computeUsageMetrics(late, { bucket: 'week', utcOffsetMinutes: 60 }).buckets, ['2025-05-05', '2025-05-12']);
    assert.equal(bucketStart(new Date('2025-05-07T12:00:00Z'), 'week', 120).toISOString(), '2025-05-04T22:00:00.000Z');
    assert.equal(bucketStart(new Date('2025-05-11T23:59:59Z'), 'week').toISOString(), '2025-05-05T00:00:00.000Z');
    assert.equal(bucketStart(new Date('2025-05-07T03:00:00Z'), 'day', -300).toISOString(), '2025-05-06T05:00:00.000Z');
  });

  it('keeps to the range, snapping its start to the bucket', () => {
    const tue = computeUsageMetrics(EVENTS, { bucket: 'day', from: new Date('2025-05-06T12:00:00Z'), to: new Date('2025-05-07T00:00:00Z') });
    assert.deepEqual(tue.buckets, ['2025-05-06']);
    assert.equal(tue.overall.total.events, 8, 'the whole of Tuesday, though the range starts at noon');
    assert.deepEqual(tue.byModel.map((g) => g.key), [BASE]);
    // A range with no events still has its (empty) days, so the charts show the quiet time.
    const quiet = computeUsageMetrics(EVENTS, { bucket: 'day', from: new Date('2025-05-07T00:00:00Z'), to: new Date('2025-05-09T08:00:00Z') });
    assert.deepEqual(quiet.buckets, ['2025-05-07', '2025-05-08', '2025-05-09']);
    assert.equal(quiet.overall.total.events, 0);
    assert.equal(quiet.to, '2025-05-09T08:00:00.000Z');
    assert.deepEqual(quiet.byModel, []);
  });

  it('keeps only the latest buckets beyond the cap, and says so', () => {
    const m = computeUsageMetrics(EVENTS, { bucket: 'day', maxBuckets: 3 });
    assert.deepEqual(m.buckets, ['2025-05-10', '2025-05-11', '2025-05-12']);
    assert.equal(m.clipped, true);
    assert.equal(m.overall.total.events, 3);
    assert.deepEqual(m.byModel.map((g) => g.key), [HOUSE]);
  });

  it('returns empty figures for no events', () => {
    const m = computeUsageMetrics([], { bucket: 'day' });
    assert.deepEqual(m.buckets, []);
    assert.equal(m.from, undefined);
    assert.equal(m.to, undefined);
    assert.equal(m.overall.total.events, 0);
    assert.equal(m.overall.total.completions.acceptanceRate, undefined);
    assert.equal(m.overall.total.ratings.upRate, undefined);
    assert.deepEqual(m.byLanguage, []);
  });

  it('does not depend on the order of the events', () => {
    const a = computeUsageMetrics(EVENTS, { bucket: 'day' });
    const b = computeUsageMetrics([...EVENTS].reverse(), { bucket: 'day' });
    assert.deepEqual(b, a);
  });
});
