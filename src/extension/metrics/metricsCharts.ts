/**
 * Charts for the usage-metrics view as SVG markup built from data: a line chart over time
 * buckets and a grouped horizontal bar chart per language or model. No `vscode` and no DOM here,
 * so the geometry and the escaping are unit-tested in Node.
 *
 * The page's CSP allows no inline styles, so nothing here carries a `style` attribute: colours
 * come from classes (`series-N`) that media/metrics/metrics.css maps to --vscode-charts-*
 * variables. Every data point is a focusable element with an accessible label; the page script
 * moves the focus between them with the arrow keys. Each chart carries its figures as a table
 * too, for screen readers and for copying.
 */

/** Distinct series colours the theme offers (--vscode-charts-*); series beyond wrap around. */
export const SERIES_COLOURS = 6;

export interface Series {
  name: string;
  /** One per label (line chart) or category (bar chart); undefined = no data there. */
  values: readonly (number | undefined)[];
  /** What the value rests on, shown after it (e.g. `12 of 40`). */
  details?: readonly (string | undefined)[];
  /** Drawn as the reference series (class `series-all`), e.g. the figure over all models. */
  reference?: boolean;
}

export interface LineChartSpec {
  /** Unique in the page; letters, digits and dashes. */
  id: string;
  title: string;
  /** Full name of each x position (bucket), used in labels and the table. */
  labels: readonly string[];
  /** What the axis shows under each position (defaults to the label). */
  shortLabels?: readonly string[];
  series: readonly Series[];
  format: (value: number) => string;
  /** Fixed top of the y axis (1 for rates); otherwise a round number above the largest value. */
  yMax?: number;
}

export interface BarChartSpec {
  id: string;
  title: string;
  /** One row per category (a language, a model). */
  categories: readonly string[];
  /** One bar per series in each row (e.g. p50 and p95). */
  series: readonly Series[];
  format: (value: number) => string;
  xMax?: number;
}

export const LINE_GEOMETRY = { width: 640, height: 240, left: 56, right: 16, top: 12, bottom: 36 } as const;
export const BAR_GEOMETRY = { width: 640, left: 168, right: 96, top: 8, bottom: 8, bar: 14, gap: 10 } as const;

const Y_TICKS = 5;
const MAX_X_LABELS = 8;
const MAX_LABEL_CHARS = 24;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A round number (1, 2 or 5 times a power of ten) at or above `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const f = value / power;
  // Guard against 0.30000000000000004-style noise pushing an exact 3 to 5.
  const nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
  return nice * power;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function shorten(text: string): string {
  return text.length > MAX_LABEL_CHARS ? `${text.slice(0, MAX_LABEL_CHARS - 1)}…` : text;
}

function seriesClass(s: Series, i: number): string {
  return s.reference ? 'series-all' : `series-${i % SERIES_COLOURS}`;
}

function pointLabel(series: string, at: string, value: number | undefined, format: (v: number) => string, detail: string | undefined): string {
  const shown = value === undefined ? 'no data' : format(value);
  return `${series}, ${at}: ${shown}${detail ? ` (${detail})` : ''}`;
}

function maxOf(series: readonly Series[]): number {
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== undefined && Number.isFinite(v) && v > max) max = v;
  return max;
}

function isValue(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

function hasData(series: readonly Series[]): boolean {
  return series.some((s) => s.values.some(isValue));
}

/** Where each defined point of a line chart goes; exported for tests and kept in step with {@link lineChart}. */
export function linePoints(spec: Pick<LineChartSpec, 'labels' | 'series' | 'yMax'>): { series: number; index: number; x: number; y: number; value: number }[][] {
  const g = LINE_GEOMETRY;
  const plotW = g.width - g.left - g.right;
  const plotH = g.height - g.top - g.bottom;
  const n = spec.labels.length;
  const yMax = spec.yMax ?? niceCeiling(maxOf(spec.series));
  const x = (i: number) => round1(n <= 1 ? g.left + plotW / 2 : g.left + (i * plotW) / (n - 1));
  const y = (v: number) => round1(g.top + plotH * (1 - Math.min(Math.max(v, 0), yMax) / yMax));
  return spec.series.map((s, si) => {
    const out: { series: number; index: number; x: number; y: number; value: number }[] = [];
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (v === undefined || !Number.isFinite(v)) continue;
      out.push({ series: si, index: i, x: x(i), y: y(v), value: v });
    }
    return out;
  });
}

export function lineChart(spec: LineChartSpec): string {
  const id = escapeXml(spec.id);
  const head = `<figure class="chart" data-chart="${id}" aria-labelledby="${id}-title">\n<figcaption id="${id}-title">${escapeXml(spec.title)}</figcaption>\n`;
  if (!hasData(spec.series) || spec.labels.length === 0) {
    return `${head}<p class="chart-empty">No data in this range.</p>\n</figure>`;
  }
  const g = LINE_GEOMETRY;
  const plotH = g.height - g.top - g.bottom;
  const yMax = spec.yMax ?? niceCeiling(maxOf(spec.series));
  const parts: string[] = [];
  parts.push(`<svg class="line-chart" viewBox="0 0 ${g.width} ${g.height}" role="group" aria-labelledby="${id}-title" aria-describedby="chart-help">`);

  parts.push('<g class="axis" aria-hidden="true">');
  for (let k = 0; k <= Y_TICKS; k++) {
    const v = (yMax * k) / Y_TICKS;
    const y = round1(g.top + plotH * (1 - k / Y_TICKS));
    parts.push(`<line class="${k === 0 ? 'baseline' : 'gridline'}" x1="${g.left}" y1="${y}" x2="${g.width - g.right}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${g.left - 6}" y="${round1(y + 4)}" text-anchor="end">${escapeXml(spec.format(v))}</text>`);
  }
  const n = spec.labels.length;
  const step = Math.ceil(n / MAX_X_LABELS);
  const points = linePoints({ labels: spec.labels, series: spec.series, yMax });
  const plotW = g.width - g.left - g.right;
  for (let i = 0; i < n; i += step) {
    const x = round1(n <= 1 ? g.left + plotW / 2 : g.left + (i * plotW) / (n - 1));
    const label = spec.shortLabels?.[i] ?? spec.labels[i];
    parts.push(`<text class="tick" x="${x}" y="${g.height - g.bottom + 18}" text-anchor="middle">${escapeXml(label)}</text>`);
  }
  parts.push('</g>');

  let first = true;
  spec.series.forEach((s, si) => {
    const pts = points[si];
    parts.push(`<g class="series ${seriesClass(s, si)}">`);
    // A gap in the data breaks the line instead of bridging it with a made-up trend.
    let d = '';
    let previous = -2;
    for (const p of pts) {
      d += `${p.index === previous + 1 ? 'L' : 'M'}${p.x} ${p.y} `;
      previous = p.index;
    }
    if (d !== '') parts.push(`<path class="line" d="${d.trim()}"/>`);
    for (const p of pts) {
      const label = escapeXml(pointLabel(s.name, spec.labels[p.index], p.value, spec.format, s.details?.[p.index]));
      parts.push(
        `<circle class="point" cx="${p.x}" cy="${p.y}" r="3.5" data-point data-s="${si}" data-i="${p.index}" tabindex="${first ? 0 : -1}" role="img" aria-label="${label}"><title>${label}</title></circle>`,
      );
      first = false;
    }
    parts.push('</g>');
  });
  parts.push('</svg>');

  parts.push(legend(spec.series));
  parts.push('<p class="readout" data-readout aria-hidden="true"></p>');
  parts.push(dataTable(spec.labels, spec.series, spec.format, 'Period'));
  return `${head}${parts.join('\n')}\n</figure>`;
}

/** Where each bar goes; exported for tests and kept in step with {@link barChart}. */
export function barRects(spec: Pick<BarChartSpec, 'categories' | 'series' | 'xMax'>): { series: number; category: number; x: number; y: number; width: number; height: number; value: number }[] {
  const g = BAR_GEOMETRY;
  const plotW = g.width - g.left - g.right;
  const xMax = spec.xMax ?? niceCeiling(maxOf(spec.series));
  const rowH = spec.series.length * g.bar + g.gap;
  const out: { series: number; category: number; x: number; y: number; width: number; height: number; value: number }[] = [];
  spec.categories.forEach((_, ci) => {
    spec.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === undefined || !Number.isFinite(v)) return;
      const width = round1((plotW * Math.min(Math.max(v, 0), xMax)) / xMax);
      out.push({ series: si, category: ci, x: g.left, y: g.top + ci * rowH + si * g.bar, width, height: g.bar - 2, value: v });
    });
  });
  return out;
}

export function barChart(input: BarChartSpec): string {
  // A row with nothing to draw (no ratings for a language, say) is left out, not shown empty.
  const rows = input.categories.map((_, ci) => ci).filter((ci) => input.series.some((s) => isValue(s.values[ci])));
  const pick = <T>(values: readonly T[] | undefined) => values && rows.map((ci) => values[ci]);
  const spec: BarChartSpec = {
    ...input,
    categories: rows.map((ci) => input.categories[ci]),
    series: input.series.map((s) => ({ ...s, values: rows.map((ci) => s.values[ci]), details: pick(s.details) })),
  };
  const id = escapeXml(spec.id);
  const head = `<figure class="chart" data-chart="${id}" aria-labelledby="${id}-title">\n<figcaption id="${id}-title">${escapeXml(spec.title)}</figcaption>\n`;
  if (!hasData(spec.series) || spec.categories.length === 0) {
    return `${head}<p class="chart-empty">No data in this range.</p>\n</figure>`;
  }
  const g = BAR_GEOMETRY;
  const rowH = spec.series.length * g.bar + g.gap;
  const height = g.top + spec.categories.length * rowH - g.gap + g.bottom;
  const rects = barRects(spec);
  const parts: string[] = [];
  parts.push(`<svg class="bar-chart" viewBox="0 0 ${g.width} ${height}" role="group" aria-labelledby="${id}-title" aria-describedby="chart-help">`);
  parts.push('<g class="axis" aria-hidden="true">');
  spec.categories.forEach((c, ci) => {
    const mid = round1(g.top + ci * rowH + (spec.series.length * g.bar) / 2 + 4);
    parts.push(`<text class="category" x="${g.left - 8}" y="${mid}" text-anchor="end">${escapeXml(shorten(c))}<title>${escapeXml(c)}</title></text>`);
  });
  parts.push(`<line class="baseline" x1="${g.left}" y1="${g.top - 4}" x2="${g.left}" y2="${height - g.bottom + 4}"/>`);
  parts.push('</g>');

  let first = true;
  spec.series.forEach((s, si) => {
    parts.push(`<g class="series ${seriesClass(s, si)}">`);
    for (const r of rects.filter((r) => r.series === si)) {
      const label = escapeXml(pointLabel(s.name, spec.categories[r.category], r.value, spec.format, s.details?.[r.category]));
      parts.push(
        `<rect class="bar" x="${r.x}" y="${r.y}" width="${r.width}" height="${r.height}" data-point data-s="${si}" data-i="${r.category}" tabindex="${first ? 0 : -1}" role="img" aria-label="${label}"><title>${label}</title></rect>`,
      );
      parts.push(`<text class="value" x="${round1(r.x + r.width + 4)}" y="${r.y + r.height - 2}" aria-hidden="true">${escapeXml(spec.format(r.value))}</text>`);
      first = false;
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  if (spec.series.length > 1) parts.push(legend(spec.series));
  parts.push('<p class="readout" data-readout aria-hidden="true"></p>');
  parts.push(dataTable(spec.categories, spec.series, spec.format, 'Name'));
  return `${head}${parts.join('\n')}\n</figure>`;
}

function legend(series: readonly Series[]): string {
  const items = series.map((s, i) => `<li><span class="swatch ${seriesClass(s, i)}" aria-hidden="true"></span>${escapeXml(s.name)}</li>`);
  return `<ul class="legend" aria-label="Legend">${items.join('')}</ul>`;
}

function dataTable(rows: readonly string[], series: readonly Series[], format: (v: number) => string, corner: string): string {
  const head = `<tr><th scope="col">${escapeXml(corner)}</th>${series.map((s) => `<th scope="col">${escapeXml(s.name)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row, i) => {
      const cells = series.map((s) => {
        const v = s.values[i];
        const detail = s.details?.[i];
        return `<td>${v === undefined || !Number.isFinite(v) ? '–' : escapeXml(format(v) + (detail ? ` (${detail})` : ''))}</td>`;
      });
      return `<tr><th scope="row">${escapeXml(row)}</th>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<details class="data"><summary>Table</summary>\n<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>\n</details>`;
}
