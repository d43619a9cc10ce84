import { strict as assert } from 'node:assert';
import { DEFAULT_METRICS_QUERY, isMetricsEvent, METRICS_REQUEST_TYPES, parseMetricsMessage, sanitizeMetricsQuery } from '../../../src/protocol/metricsProtocol';

describe('metrics protocol', () => {
  it('accepts each request and keeps only its known fields', () => {
    assert.deepEqual(METRICS_REQUEST_TYPES, ['view/ready', 'metrics/refresh', 'metrics/query']);
    assert.deepEqual(parseMetricsMessage({ id: 'r1', type: 'view/ready', extra: 1 }), { ok: true, message: { id: 'r1', type: 'view/ready' } });
    assert.deepEqual(parseMetricsMessage({ id: 'r2', type: 'metrics/query', range: '90d', bucket: 'week', groupBy: 'language', html: '<b>' }), {
      ok: true,
      message: { id: 'r2', type: 'metrics/query', range: '90d', bucket: 'week', groupBy: 'language' },
    });
  });

  it('refuses bad messages, replying to those with a usable id', () => {
    assert.deepEqual(parseMetricsMessage(null), { ok: false, error: 'message is not an object' });
    assert.deepEqual(parseMetricsMessage([1]), { ok: false, error: 'message is not an object' });
    assert.equal(parseMetricsMessage({ type: 'view/ready' }).ok, false);
    assert.equal((parseMetricsMessage({ id: 'a b', type: 'view/ready' }) as { id?: string }).id, undefined);
    assert.equal((parseMetricsMessage({ id: 'x'.repeat(101), type: 'view/ready' }) as { ok: boolean }).ok, false);
    const unknown = parseMetricsMessage({ id: 'r3', type: 'metrics/delete' });
    assert.deepEqual(unknown, { ok: false, error: 'unknown message type "metrics/delete"', id: 'r3' });
    const range = parseMetricsMessage({ id: 'r4', type: 'metrics/query', range: '1000d', bucket: 'day', groupBy: 'model' });
    assert.deepEqual(range, { ok: false, error: 'metrics/query: range must be one of 7d, 30d, 90d, 365d, all', id: 'r4' });
    assert.equal(parseMetricsMessage({ id: 'r5', type: 'metrics/query', range: '7d', bucket: 'month', groupBy: 'model' }).ok, false);
    assert.equal(parseMetricsMessage({ id: 'r6', type: 'metrics/query', range: '7d', bucket: 'day' }).ok, false, 'groupBy is required');
    assert.equal(parseMetricsMessage({ id: 'r7', type: 'toString' }).ok, false, 'no inherited names');
  });

  it('tells the view what it may act on', () => {
    assert.ok(isMetricsEvent({ type: 'reply', re: 'r1', ok: true, result: {} }));
    assert.ok(isMetricsEvent({ type: 'metrics/updated', view: {} }));
    assert.ok(!isMetricsEvent({ type: 'reply', ok: true }));
    assert.ok(!isMetricsEvent({ type: 'metrics/updated' }));
    assert.ok(!isMetricsEvent('reply'));
  });

  it('repairs a stored query', () => {
    assert.deepEqual(sanitizeMetricsQuery(undefined), DEFAULT_METRICS_QUERY);
    assert.deepEqual(sanitizeMetricsQuery({ range: '7d', bucket: 'fortnight', groupBy: 'language' }), { range: '7d', bucket: 'day', groupBy: 'language' });
  });
});
