import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedbackEvent } from '../../../src/engine/feedback/feedbackEvents';
import type { FeedbackRead } from '../../../src/engine/feedback/feedbackRecorder';
import { metricsContentSecurityPolicy, metricsHtml, newNonce } from '../../../src/extension/metrics/metricsHtml';
import { formatMs, formatPercent, MAX_LINES, renderMetricsReport } from '../../../src/extension/metrics/metricsReport';
import { buildMetricsView, metricsFor, queryRange } from '../../../src/extension/metrics/metricsView';
import type { MetricsQuery } from '../../../src/protocol/metricsProtocol';

const ROOT = join(__dirname, '..', '..', '..', '..');
const Q: MetricsQuery = { range: '7d', bucket: 'day', groupBy: 'model' };

function event(i: number, fields: Partial<FeedbackEvent> & Pick<FeedbackEvent, 'kind'>): FeedbackEvent {
  return { v: 1, id: `e${i}`, at: '2025-05-10T10:00:00.000Z', promptId: `p${i}`, model: 'house:1', contextIds: [], ruleIds: [], language: 'typescript', text: 'x', latencyMs: 100, ...fields } as FeedbackEvent;
}

function read(events: FeedbackEvent[], corruptLines = 0): FeedbackRead {
  return { events, corruptLines, newerVersionLines: 0, files: 1, bytes: 1 };
}

describe('metrics page', () => {
  it('locks the page down like the chat view, without images or fonts', () => {
    const csp = metricsContentSecurityPolicy('https://*.vscode-cdn.net', 'N0NCE');
    assert.match(csp, /^default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0NCE'(;|$)/);
    assert.match(csp, /img-src 'none'/);
    assert.match(csp, /connect-src 'none'/);
    assert.ok(!/unsafe-(inline|eval)/.test(csp));
    assert.notEqual(newNonce(), newNonce());
  });

  it('loads one nonce-tagged script, escapes what it embeds, and preselects the query', () => {
    const html = metricsHtml({ cspSource: 'vscode-resource:', nonce: 'abc', scriptUri: 'https://x/main.js?a="b"', styleUri: 'https://x/metrics.css', query: { range: '90d', bucket: 'week', groupBy: 'language' } });
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.match(scripts[0], /nonce="abc"/);
    assert.ok(html.includes('main.js?a=&#34;b&#34;'));
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline handlers');
    assert.ok(!/\sstyle=/i.test(html), 'no inline styles');
    assert.match(html, /<option value="90d" selected>Last 90 days<\/option>/);
    assert.match(html, /<option value="week" selected>Weeks<\/option>/);
    assert.match(html, /<option value="language" selected>Language<\/option>/);
    for (const id of ['metrics-range', 'metrics-bucket', 'metrics-group-by', 'metrics-refresh', 'metrics-report']) assert.ok(html.includes(`data-testid="${id}"`), id);
    assert.ok(html.includes('id="chart-help"'), 'the charts point at their keyboard help');
  });

  it('reaches back the chosen number of days, snapped to whole buckets, at the user’s midnight', () => {
    const now = new Date('2025-05-12T10:00:00.000Z'); // a Monday
    assert.equal(queryRange({ ...Q, range: '7d' }, { now, utcOffsetMinutes: 0 }).from?.toISOString(), '2025-05-06T00:00:00.000Z');
    assert.equal(queryRange({ ...Q, range: '7d', bucket: 'week' }, { now, utcOffsetMinutes: 0 }).from?.toISOString(), '2025-05-05T00:00:00.000Z');
    assert.equal(queryRange({ ...Q, range: '30d' }, { now, utcOffsetMinutes: 0 }).from?.toISOString(), '2025-04-13T00:00:00.000Z');
    // 03:00 UTC on the 12th is 22:00 on the 11th five hours west: the range ends on the 11th there.
    const west = queryRange({ ...Q, range: '7d' }, { now: new Date('2025-05-12T03:00:00.000Z'), utcOffsetMinutes: -300 });
    assert.equal(west.from?.toISOString(), '2025-05-05T05:00:00.000Z');
    const all = queryRange({ ...Q, range: 'all' }, { now, utcOffsetMinutes: 0 });
    assert.equal(all.from, undefined);
    assert.equal(all.to.toISOString(), '2025-05-12T10:00:00.001Z');
    const m = metricsFor(read([event(1, { kind: 'completion.shown' })]), Q, { now, utcOffsetMinutes: 0 });
    assert.equal(m.buckets.length, 7, 'a quiet week still has its seven days');
  });

  it('renders the headline figures, six charts over time and five per model', () => {
    const events: FeedbackEvent[] = [
      event(1, { kind: 'completion.shown', latencyMs: 120 }),
      event(2, { kind: 'completion.accepted', how: 'full', latencyMs: 120 } as Partial<FeedbackEvent> & { kind: 'completion.accepted' }),
      event(3, { kind: 'completion.shown', latencyMs: 80, model: 'base:7b' }),
      event(4, { kind: 'completion.survival', afterSeconds: 300, survived: 0.8 } as Partial<FeedbackEvent> & { kind: 'completion.survival' }),
    ];
    const view = buildMetricsView(read(events, 2), Q, { now: new Date('2025-05-12T10:00:00.000Z'), utcOffsetMinutes: 0 });
    assert.deepEqual(view.query, Q);
    assert.equal(view.generatedAt, '2025-05-12T10:00:00.000Z');
    assert.equal(view.summary, 'Last 7 days: 4 events, acceptance 50%, latency p50 80 ms, kept after 5 min 80%.');
    assert.match(view.html, /Last 7 days: 2025-05-06 to 2025-05-12, 4 events\./);
    assert.match(view.html, /2 unreadable lines in the events files were skipped\./);
    assert.match(view.html, /<dt>Acceptance rate<\/dt><dd class="figure">50%<\/dd><dd class="detail">1 of 2 suggestions<\/dd>/);
    assert.match(view.html, /<dt>Latency p50 \/ p95<\/dt><dd class="figure">80 ms \/ 120 ms<\/dd>/);
    assert.equal((view.html.match(/<figure class="chart" data-chart="time-/g) ?? []).length, 6);
    assert.equal((view.html.match(/<figure class="chart" data-chart="model-/g) ?? []).length, 5);
    assert.ok(view.html.includes('aria-label="house:1, 2025-05-10: 100%'), 'per-model line');
    assert.ok(view.html.includes('aria-label="All, 2025-05-10: 50% (1 of 2)"'), 'reference line');
    assert.ok(view.html.includes('aria-label="p95, base:7b: 80 ms (1 suggestion)"'), 'per-model bar');
  });

  it('escapes model and language names from the events', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const events = [event(1, { kind: 'completion.shown', model: evil, language: `${evil}"` })];
    for (const groupBy of ['model', 'language'] as const) {
      const view = buildMetricsView(read(events), { ...Q, groupBy }, { now: new Date('2025-05-12T10:00:00.000Z'), utcOffsetMinutes: 0 });
      assert.ok(!view.html.includes('<img'), groupBy);
      assert.ok(view.html.includes('&#60;img src=x onerror=alert(1)&#62;'), groupBy);
    }
  });

  it('draws the busiest groups as lines and says how many were left out', () => {
    const events = Array.from({ length: 8 }, (_, i) => event(i, { kind: 'completion.shown', model: `m${i}` }));
    const view = buildMetricsView(read(events), Q, { now: new Date('2025-05-12T10:00:00.000Z'), utcOffsetMinutes: 0 });
    assert.match(view.html, new RegExp(`The ${MAX_LINES} busiest of 8 models are drawn`));
    const acceptance = view.html.slice(view.html.indexOf('data-chart="time-latency-p50"'), view.html.indexOf('data-chart="time-latency-p95"'));
    assert.equal((acceptance.match(/<g class="series /g) ?? []).length, MAX_LINES + 1);
  });

  it('shows an empty range plainly', () => {
    const metrics = metricsFor(read([]), Q, { now: new Date('2025-05-12T10:00:00.000Z'), utcOffsetMinutes: 0 });
    const report = renderMetricsReport({ metrics, query: Q, corruptLines: 0, newerVersionLines: 0 });
    assert.match(report.html, /No feedback events in this range yet/);
    assert.equal(report.summary, 'No feedback events last 7 days.');
    assert.ok(!report.html.includes('<svg'));
  });

  it('formats figures', () => {
    assert.deepEqual([0, 0.5, 4 / 7, 1, 2 / 3].map(formatPercent), ['0%', '50%', '57.1%', '100%', '66.7%']);
    assert.equal(formatMs(199.6), '200 ms');
  });

  it('takes every colour from the theme', () => {
    const css = readFileSync(join(ROOT, 'media', 'metrics', 'metrics.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    assert.ok(!/#[0-9a-fA-F]{3,8}\b/.test(css), 'no hex colours');
    assert.ok(!/\b(rgba?|hsla?|hwb|lab|lch|color)\(/.test(css), 'no colour functions');
    const vars = [...css.matchAll(/var\((--[\w-]+)/g)].map((m) => m[1]);
    assert.ok(vars.length > 10);
    assert.deepEqual(vars.filter((v) => !v.startsWith('--vscode-') && v !== '--series'), []);
    for (const m of css.matchAll(/--series:\s*([^;]+);/g)) assert.match(m[1], /^var\(--vscode-charts-[a-z]+\)$/);
    const colourProps = [...css.matchAll(/(?:^|[;{\s])(color|background|fill|stroke|border(?:-(?:top|bottom|left|right|color))?|outline)\s*:\s*([^;]+);/g)];
    for (const [, prop, value] of colourProps) {
      const rest = value.replace(/var\(--[\w-]+(?:,\s*[^)]*)?\)/g, '').replace(/\b(none|transparent|solid|inherit|\d+(?:\.\d+)?(px|em)?|0)\b/g, '').trim();
      assert.equal(rest, '', `${prop}: ${value}`);
    }
  });

  it('ships a page script that talks only through the protocol', () => {
    const source = readFileSync(join(ROOT, 'media', 'metrics', 'main.js'), 'utf8');
    assert.match(source, /^\/\/ @ts-check/);
    // Type imports live in JSDoc comments; only code counts here.
    const js = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.ok(!/\beval\(|new Function|document\.write|\bfetch\(|XMLHttpRequest|\bimport\(/.test(js));
    assert.deepEqual(js.match(/innerHTML\s*=/g), ['innerHTML ='], 'the escaped report is the only markup inserted');
    for (const type of ['view/ready', 'metrics/refresh', 'metrics/query']) assert.ok(js.includes(`'${type}'`), type);
  });
});
