import { strict as assert } from 'node:assert';
import { cancellableDelay } from '../../../src/extension/completions/clock';
import { CompletionStats, percentiles } from '../../../src/extension/completions/completionStats';
import { FakeClock } from './fakeClock';

describe('completion stats', () => {
  it('summarises with nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(percentiles(values), { count: 100, p50: 50, p95: 95, max: 100 });
    assert.deepEqual(percentiles([]), { count: 0, p50: 0, p95: 0, max: 0 });
  });

  it('keeps the last samples and splits them by where they came from', () => {
    const stats = new CompletionStats(3);
    for (let i = 0; i < 5; i++) stats.countRequest();
    stats.add({ from: 'model', overheadMs: 9, engineMs: 300, promptMs: 20, totalMs: 450 });
    stats.add({ from: 'model', overheadMs: 1, engineMs: 200, promptMs: 10, totalMs: 350 });
    stats.add({ from: 'typed-ahead', overheadMs: 0.5, engineMs: 0, totalMs: 0.6 });
    stats.add({ from: 'cache', overheadMs: 0.4, engineMs: 0, totalMs: 0.5 });
    const r = stats.report();
    assert.equal(r.requests, 5);
    assert.deepEqual(r.served, { model: 1, cache: 1, 'typed-ahead': 1, 'in-flight': 0 });
    assert.equal(r.overheadMs.count, 3);
    assert.equal(r.overheadMs.max, 1);
    assert.deepEqual([r.engineMs.count, r.engineMs.p95, r.promptMs.p95], [1, 200, 10]);
  });
});

describe('cancellable delay', () => {
  it('resolves true when the wait runs out, false when cancelled', async () => {
    const clock = new FakeClock();
    const done = cancellableDelay(100, new AbortController().signal, clock);
    await clock.advance(100);
    assert.equal(await done, true);
    const ac = new AbortController();
    const cancelled = cancellableDelay(100, ac.signal, clock);
    ac.abort();
    assert.equal(await cancelled, false);
    assert.equal(clock.pending, 0);
    assert.equal(await cancellableDelay(0, new AbortController().signal, clock), true);
    assert.equal(await cancellableDelay(10, ac.signal, clock), false);
  });
});
