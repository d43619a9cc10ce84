/**
 * From the events as read and the view's query to what the page shows. Pure (no `vscode`), so
 * the range arithmetic is unit-tested; the panel supplies the clock and the time zone.
 */
import type { FeedbackRead } from '../../engine/feedback/feedbackRecorder';
import { bucketStart, computeUsageMetrics, type UsageMetrics } from '../../engine/feedback/usageMetrics';
import { RANGE_DAYS, type MetricsQuery, type MetricsView } from '../../protocol/metricsProtocol';
import { renderMetricsReport } from './metricsReport';

const DAY_MS = 86_400_000;

export interface ViewClock {
  now: Date;
  /** Minutes east of UTC (`-new Date().getTimezoneOffset()`), so days start at the user's midnight. */
  utcOffsetMinutes: number;
}

/**
 * The range a query covers: from the start of the bucket holding the first day of the range
 * (so every bucket is whole) up to now. 'all' starts at the first event.
 */
export function queryRange(query: MetricsQuery, clock: ViewClock): { from: Date | undefined; to: Date } {
  const to = new Date(clock.now.getTime() + 1);
  if (query.range === 'all') return { from: undefined, to };
  const firstDay = new Date(clock.now.getTime() - (RANGE_DAYS[query.range] - 1) * DAY_MS);
  return { from: bucketStart(firstDay, query.bucket, clock.utcOffsetMinutes), to };
}

export function metricsFor(read: FeedbackRead, query: MetricsQuery, clock: ViewClock): UsageMetrics {
  const { from, to } = queryRange(query, clock);
  return computeUsageMetrics(read.events, { bucket: query.bucket, from, to, utcOffsetMinutes: clock.utcOffsetMinutes });
}

export function buildMetricsView(read: FeedbackRead, query: MetricsQuery, clock: ViewClock): MetricsView {
  const metrics = metricsFor(read, query, clock);
  const report = renderMetricsReport({ metrics, query, corruptLines: read.corruptLines, newerVersionLines: read.newerVersionLines });
  return { query: { ...query }, html: report.html, summary: report.summary, generatedAt: clock.now.toISOString() };
}
