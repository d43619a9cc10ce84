/**
 * The eval report's charts as inline SVG, drawn here rather than by a chart library so the
 * webview runs no script at all. Colours come from classes the page's stylesheet maps onto
 * --vscode-* variables, so the chart follows the theme (high contrast included). No `vscode`
 * here: the markup is unit-tested in Node.
 */
import type { ModelSummary } from '../../engine/eval/evalTypes';

const LABEL_W = 220;
const BAR_W = 360;
const VALUE_W = 70;
const ROW_H = 18;
const GAP = 4;
const GROUP_GAP = 14;
const TOP = 28;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

interface Series {
  label: string;
  /** The class its bars take: `bar-a`, `bar-b` (see evalHtml's stylesheet). */
  cls: string;
  value(m: ModelSummary): number;
  text(m: ModelSummary): string;
}

/** Horizontal grouped bars, one group per model, each bar scaled to `max`. */
function groupedBars(title: string, models: readonly ModelSummary[], series: Series[], max: number, recommended: string | undefined): string {
  const groupH = series.length * (ROW_H + GAP) - GAP;
  const height = TOP + models.length * (groupH + GROUP_GAP) + 24;
  const width = LABEL_W + BAR_W + VALUE_W;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${escapeXml(title)}">`);
  parts.push(`<title>${escapeXml(title)}</title>`);
  parts.push(`<text class="chart-title" x="0" y="16">${escapeXml(title)}</text>`);
  models.forEach((m, i) => {
    const y0 = TOP + i * (groupH + GROUP_GAP);
    const star = m.model === recommended ? ' ★' : '';
    parts.push(`<text class="label${star ? ' recommended' : ''}" x="${LABEL_W - 8}" y="${y0 + groupH / 2 + 4}" text-anchor="end">${escapeXml(m.model + star)}</text>`);
    series.forEach((s, k) => {
      const y = y0 + k * (ROW_H + GAP);
      const v = Math.max(0, Math.min(max, s.value(m)));
      const w = max > 0 ? Math.round((v / max) * BAR_W * 10) / 10 : 0;
      parts.push(`<rect class="track" x="${LABEL_W}" y="${y}" width="${BAR_W}" height="${ROW_H}"/>`);
      parts.push(`<rect class="${s.cls}" x="${LABEL_W}" y="${y}" width="${w}" height="${ROW_H}"><title>${escapeXml(`${m.model}: ${s.label} ${s.text(m)}`)}</title></rect>`);
      parts.push(`<text class="value" x="${LABEL_W + BAR_W + 6}" y="${y + ROW_H - 5}">${escapeXml(s.text(m))}</text>`);
    });
  });
  const ly = height - 8;
  series.forEach((s, k) => {
    const x = LABEL_W + k * 150;
    parts.push(`<rect class="${s.cls}" x="${x}" y="${ly - 10}" width="12" height="12"/>`);
    parts.push(`<text class="legend" x="${x + 18}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Edit similarity and exact match per model, 0–100 %. */
export function qualityChart(models: readonly ModelSummary[], recommended?: string): string {
  return groupedBars(
    'Quality on held-out tasks',
    models,
    [
      { label: 'edit similarity', cls: 'bar-a', value: (m) => m.editSimilarity * 100, text: (m) => `${(m.editSimilarity * 100).toFixed(1)}%` },
      { label: 'exact match', cls: 'bar-b', value: (m) => m.exactMatch * 100, text: (m) => `${(m.exactMatch * 100).toFixed(1)}%` },
    ],
    100,
    recommended,
  );
}

/** Latency p50 and p95 per model, scaled to the slowest. */
export function latencyChart(models: readonly ModelSummary[], recommended?: string): string {
  const max = Math.max(1, ...models.map((m) => m.latencyP95Ms));
  return groupedBars(
    'Latency (ms)',
    models,
    [
      { label: 'p50', cls: 'bar-a', value: (m) => m.latencyP50Ms, text: (m) => `${Math.round(m.latencyP50Ms)} ms` },
      { label: 'p95', cls: 'bar-b', value: (m) => m.latencyP95Ms, text: (m) => `${Math.round(m.latencyP95Ms)} ms` },
    ],
    max,
    recommended,
  );
}
