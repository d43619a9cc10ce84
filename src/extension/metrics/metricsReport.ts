/**
 * The usage-metrics report body: headline figures, line charts over time and bar charts per
 * model or language, drawn from UsageMetrics. Pure (no `vscode`, no DOM): it returns escaped
 * markup the page drops into its report container.
 */
import type { UsageFigures, UsageMetrics } from '../../engine/feedback/usageMetrics';
import type { MetricsQuery } from '../../protocol/metricsProtocol';
import { RANGE_LABELS } from '../../protocol/metricsProtocol';
import { barChart, escapeXml, lineChart, SERIES_COLOURS, type Series } from './metricsCharts';

export interface ReportInput {
  metrics: UsageMetrics;
  query: MetricsQuery;
  /** Lines of the events files that could not be read (skipped). */
  corruptLines: number;
  newerVersionLines: number;
}

export interface Report {
  html: string;
  summary: string;
}

/** Lines over time: the figure over everything plus the busiest groups (one colour each). */
export const MAX_LINES = SERIES_COLOURS - 1;
/** Rows in a bar chart; the rest are counted under it. */
export const MAX_BARS = 12;

export function formatPercent(v: number): string {
  const p = Math.round(v * 1000) / 10;
  return Number.isInteger(p) ? `${p}%` : `${p.toFixed(1)}%`;
}

export function formatMs(v: number): string {
  return `${Math.round(v)} ms`;
}

function formatCount(v: number): string {
  return String(Math.round(v));
}

interface Metric {
  id: string;
  title: string;
  value: (f: UsageFigures) => number | undefined;
  detail: (f: UsageFigures) => string | undefined;
  format: (v: number) => string;
  yMax?: number;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const acceptanceBase = (f: UsageFigures) => Math.max(f.completions.shown, f.completions.accepted + f.completions.rejected);

const METRICS: Record<'acceptance' | 'p50' | 'p95' | 'survival30' | 'survival300' | 'upRate', Metric> = {
  acceptance: {
    id: 'acceptance',
    title: 'Acceptance rate',
    value: (f) => f.completions.acceptanceRate,
    detail: (f) => (acceptanceBase(f) > 0 ? `${f.completions.accepted} of ${acceptanceBase(f)}` : undefined),
    format: formatPercent,
    yMax: 1,
  },
  p50: {
    id: 'latency-p50',
    title: 'Latency p50',
    value: (f) => f.latencyMs?.p50,
    detail: (f) => (f.latencyMs ? plural(f.latencyMs.count, 'suggestion') : undefined),
    format: formatMs,
  },
  p95: {
    id: 'latency-p95',
    title: 'Latency p95',
    value: (f) => f.latencyMs?.p95,
    detail: (f) => (f.latencyMs ? plural(f.latencyMs.count, 'suggestion') : undefined),
    format: formatMs,
  },
  survival30: {
    id: 'survival-30s',
    title: 'Text kept after 30 s',
    value: (f) => f.survival30s?.mean,
    detail: (f) => (f.survival30s ? plural(f.survival30s.count, 'check') : undefined),
    format: formatPercent,
    yMax: 1,
  },
  survival300: {
    id: 'survival-5min',
    title: 'Text kept after 5 min',
    value: (f) => f.survival5min?.mean,
    detail: (f) => (f.survival5min ? plural(f.survival5min.count, 'check') : undefined),
    format: formatPercent,
    yMax: 1,
  },
  upRate: {
    id: 'thumbs-up',
    title: 'Chat answers rated thumbs up',
    value: (f) => f.ratings.upRate,
    detail: (f) => (f.ratings.up + f.ratings.down > 0 ? `${f.ratings.up} up, ${f.ratings.down} down` : undefined),
    format: formatPercent,
    yMax: 1,
  },
};

export function renderMetricsReport(input: ReportInput): Report {
  const { metrics, query } = input;
  const total = metrics.overall.total;
  const by = query.groupBy === 'model' ? 'model' : 'language';
  const groups = query.groupBy === 'model' ? metrics.byModel : metrics.byLanguage;
  const out: string[] = [];

  out.push(`<p class="range">${escapeXml(rangeSentence(metrics, query))}</p>`);
  const notes: string[] = [];
  if (input.corruptLines > 0) notes.push(`${plural(input.corruptLines, 'unreadable line')} in the events files ${input.corruptLines === 1 ? 'was' : 'were'} skipped.`);
  if (input.newerVersionLines > 0) notes.push(`${plural(input.newerVersionLines, 'event')} from a newer InHouse version ${input.newerVersionLines === 1 ? 'was' : 'were'} skipped.`);
  if (metrics.clipped) notes.push(`Only the latest ${metrics.buckets.length} ${metrics.bucket}s are shown; choose weeks or a shorter range to see the rest.`);
  for (const note of notes) out.push(`<p class="note">${escapeXml(note)}</p>`);

  if (total.events === 0) {
    out.push('<p class="empty">No feedback events in this range yet. Events are recorded as you accept, reject, rate and correct suggestions.</p>');
    return { html: out.join('\n'), summary: `No feedback events ${RANGE_LABELS[query.range].toLowerCase()}.` };
  }

  out.push(headline(total));

  const lineGroups = groups.slice(0, MAX_LINES);
  const labels = metrics.buckets.map((b) => (metrics.bucket === 'week' ? `week of ${b}` : b));
  const sameYear = metrics.buckets.every((b) => b.slice(0, 4) === metrics.buckets[0]?.slice(0, 4));
  const shortLabels = metrics.buckets.map((b) => (sameYear ? b.slice(5) : b.slice(2)));
  out.push(`<section aria-labelledby="over-time"><h2 id="over-time">Over time, by ${by}${metrics.bucket === 'week' ? ' (weekly)' : ' (daily)'}</h2>`);
  if (groups.length > MAX_LINES) out.push(`<p class="note">The ${MAX_LINES} busiest of ${groups.length} ${by}s are drawn; the tables below list all.</p>`);
  out.push('<div class="charts">');
  for (const m of Object.values(METRICS)) {
    const series: Series[] = [seriesOf('All', metrics.overall.series, m, true), ...lineGroups.map((g) => seriesOf(g.key, g.series, m))];
    out.push(lineChart({ id: `time-${m.id}`, title: m.title, labels, shortLabels, series, format: m.format, yMax: m.yMax }));
  }
  out.push('</div></section>');

  const barGroups = groups.slice(0, MAX_BARS);
  out.push(`<section aria-labelledby="per-group"><h2 id="per-group">By ${by}, whole range</h2>`);
  if (groups.length > MAX_BARS) out.push(`<p class="note">The ${MAX_BARS} busiest of ${groups.length} ${by}s are shown.</p>`);
  out.push('<div class="charts">');
  const categories = barGroups.map((g) => g.key);
  const totals = barGroups.map((g) => g.total);
  const bar = (id: string, title: string, ms: Metric[], format: (v: number) => string, xMax?: number) =>
    barChart({ id: `${by}-${id}`, title, categories, series: ms.map((m) => seriesOf(m.title.replace(/^Latency /, ''), totals, m)), format, xMax });
  out.push(bar('acceptance', 'Acceptance rate', [METRICS.acceptance], formatPercent, 1));
  out.push(bar('latency', 'Latency (p50 and p95)', [METRICS.p50, METRICS.p95], formatMs));
  out.push(bar('survival', 'Accepted text kept (after 30 s and 5 min)', [METRICS.survival30, METRICS.survival300], formatPercent, 1));
  out.push(bar('thumbs-up', 'Chat answers rated thumbs up', [METRICS.upRate], formatPercent, 1));
  out.push(
    barChart({
      id: `${by}-corrections`,
      title: 'Expert corrections',
      categories,
      series: [{ name: 'Corrections', values: totals.map((t) => (t.corrections > 0 ? t.corrections : undefined)) }],
      format: formatCount,
    }),
  );
  out.push('</div></section>');

  return { html: out.join('\n'), summary: summarySentence(metrics, query) };
}

function seriesOf(name: string, figures: readonly UsageFigures[], m: Metric, reference = false): Series {
  return { name, values: figures.map(m.value), details: figures.map(m.detail), reference };
}

function headline(t: UsageFigures): string {
  const tiles: [string, string, string][] = [
    ['Acceptance rate', t.completions.acceptanceRate === undefined ? '–' : formatPercent(t.completions.acceptanceRate), `${t.completions.accepted} of ${acceptanceBase(t)} suggestions`],
    ['Latency p50 / p95', t.latencyMs ? `${formatMs(t.latencyMs.p50)} / ${formatMs(t.latencyMs.p95)}` : '–', t.latencyMs ? plural(t.latencyMs.count, 'suggestion') : 'no suggestions'],
    ['Kept after 30 s', t.survival30s ? formatPercent(t.survival30s.mean) : '–', t.survival30s ? plural(t.survival30s.count, 'check') : 'no checks'],
    ['Kept after 5 min', t.survival5min ? formatPercent(t.survival5min.mean) : '–', t.survival5min ? plural(t.survival5min.count, 'check') : 'no checks'],
    ['Chat thumbs up', t.ratings.upRate === undefined ? '–' : formatPercent(t.ratings.upRate), `${t.ratings.up} up, ${t.ratings.down} down`],
    ['Expert corrections', String(t.corrections), plural(t.events, 'event')],
  ];
  const items = tiles.map(([name, value, detail]) => `<div class="tile"><dt>${escapeXml(name)}</dt><dd class="figure">${escapeXml(value)}</dd><dd class="detail">${escapeXml(detail)}</dd></div>`);
  return `<dl class="tiles">${items.join('')}</dl>`;
}

function day(iso: string | undefined, offsetMinutes: number): string {
  if (iso === undefined) return '?';
  return new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

function rangeSentence(m: UsageMetrics, q: MetricsQuery): string {
  const first = m.buckets[0];
  if (first === undefined) return `${RANGE_LABELS[q.range]}.`;
  // `to` is exclusive: the last day shown is the one before it.
  const last = m.to === undefined ? '?' : day(new Date(Date.parse(m.to) - 1).toISOString(), m.utcOffsetMinutes);
  return `${RANGE_LABELS[q.range]}: ${first} to ${last}, ${plural(m.overall.total.events, 'event')}.`;
}

function summarySentence(m: UsageMetrics, q: MetricsQuery): string {
  const t = m.overall.total;
  const parts = [`${RANGE_LABELS[q.range]}: ${plural(t.events, 'event')}`];
  if (t.completions.acceptanceRate !== undefined) parts.push(`acceptance ${formatPercent(t.completions.acceptanceRate)}`);
  if (t.latencyMs) parts.push(`latency p50 ${formatMs(t.latencyMs.p50)}`);
  if (t.survival5min) parts.push(`kept after 5 min ${formatPercent(t.survival5min.mean)}`);
  return `${parts.join(', ')}.`;
}

