/**
 * The usage-metrics panel's page: a static skeleton (the pickers, the refresh button and an
 * empty report container), one stylesheet and one script, locked down like the chat view: a CSP
 * with `default-src 'none'` and a fresh nonce per load. No `vscode` here, so the policy is
 * unit-tested.
 */
import { GROUP_BYS, METRICS_BUCKETS, RANGE_IDS, RANGE_LABELS, type MetricsQuery } from '../../protocol/metricsProtocol';
import { escapeXml } from './metricsCharts';

export { newNonce } from '../chat/chatHtml';

export interface MetricsHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Fresh per load. */
  nonce: string;
  /** Selected in the pickers before the script has loaded. */
  query: MetricsQuery;
}

/**
 * Stricter than the chat view's: the report is text and SVG, so no images or fonts at all.
 * SVG inserted by the script is markup, not a resource, and needs no source here.
 */
export function metricsContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    "img-src 'none'",
    "font-src 'none'",
    "connect-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const BUCKET_LABELS: Record<string, string> = { day: 'Days', week: 'Weeks' };
const GROUP_LABELS: Record<string, string> = { model: 'Model', language: 'Language' };

function options(values: readonly string[], labels: Record<string, string>, selected: string): string {
  return values.map((v) => `<option value="${escapeXml(v)}"${v === selected ? ' selected' : ''}>${escapeXml(labels[v] ?? v)}</option>`).join('');
}

export function metricsHtml(p: MetricsHtmlParts): string {
  const nonce = escapeXml(p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeXml(metricsContentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeXml(p.styleUri)}">
<title>InHouse Usage Metrics</title>
</head>
<body>
<header class="toolbar" role="toolbar" aria-label="Usage metrics options">
  <h1>Usage metrics</h1>
  <label for="range">Range</label>
  <select id="range" data-testid="metrics-range">${options(RANGE_IDS, RANGE_LABELS, p.query.range)}</select>
  <label for="bucket">Per</label>
  <select id="bucket" data-testid="metrics-bucket">${options(METRICS_BUCKETS, BUCKET_LABELS, p.query.bucket)}</select>
  <label for="group-by">Group by</label>
  <select id="group-by" data-testid="metrics-group-by">${options(GROUP_BYS, GROUP_LABELS, p.query.groupBy)}</select>
  <span class="spacer"></span>
  <button type="button" id="refresh" data-testid="metrics-refresh" title="Read the feedback events again">Refresh</button>
</header>
<p id="chart-help" class="help">Tab to a chart, then use the arrow keys (Home, End) to move between its points. Each chart's table lists the exact figures.</p>
<p id="status" class="status" role="status" aria-live="polite"></p>
<main id="report" data-testid="metrics-report" aria-busy="true" tabindex="-1">
  <p class="empty">Loading…</p>
</main>
<script nonce="${nonce}" src="${escapeXml(p.scriptUri)}"></script>
</body>
</html>`;
}
