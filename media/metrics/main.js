// @ts-check
/*
 * The usage-metrics page. The extension draws the report (escaped markup with SVG charts), so
 * this script only asks for it, drops it in, and makes the charts keyboard-usable. Plain JS,
 * loaded as is (no bundle), type-checked against the shared protocol: npx tsc -p media/metrics
 */
(function () {
  /** @typedef {import('../../src/protocol/metricsProtocol').MetricsView} MetricsView */
  /** @typedef {import('../../src/protocol/metricsProtocol').MetricsQuery} MetricsQuery */
  /** @typedef {import('../../src/protocol/metricsProtocol').MetricsRequest} MetricsRequest */
  /** @typedef {import('../../src/protocol/metricsProtocol').MetricsEvent} MetricsEvent */

  const vscode = acquireVsCodeApi();

  /** @param {string} id */
  const byId = (id) => {
    const el = document.getElementById(id);
    if (el === null) throw new Error(`#${id} is missing`);
    return el;
  };
  const range = /** @type {HTMLSelectElement} */ (byId('range'));
  const bucket = /** @type {HTMLSelectElement} */ (byId('bucket'));
  const groupBy = /** @type {HTMLSelectElement} */ (byId('group-by'));
  const refresh = /** @type {HTMLButtonElement} */ (byId('refresh'));
  const report = byId('report');
  const status = byId('status');

  let sequence = 0;
  /** Only the answer to the latest request is drawn: a slow answer to an older one is dropped. */
  let latest = '';

  /**
   * @template {MetricsRequest['type']} K
   * @param {K} type
   * @param {Omit<Extract<MetricsRequest, { type: K }>, 'id' | 'type'>} params
   */
  function request(type, params) {
    latest = `r${++sequence}`;
    report.setAttribute('aria-busy', 'true');
    status.classList.remove('error');
    status.textContent = 'Loading…';
    vscode.postMessage({ ...params, id: latest, type });
  }

  /** @returns {MetricsQuery} */
  function currentQuery() {
    return {
      range: /** @type {MetricsQuery['range']} */ (range.value),
      bucket: /** @type {MetricsQuery['bucket']} */ (bucket.value),
      groupBy: /** @type {MetricsQuery['groupBy']} */ (groupBy.value),
    };
  }

  /** @param {MetricsView} view */
  function render(view) {
    range.value = view.query.range;
    bucket.value = view.query.bucket;
    groupBy.value = view.query.groupBy;
    // Markup escaped by the extension; the CSP would not run a script or handler in it anyway.
    report.innerHTML = view.html;
    report.setAttribute('aria-busy', 'false');
    status.textContent = view.summary;
  }

  /** @param {unknown} raw @returns {raw is MetricsEvent} */
  function isEvent(raw) {
    if (typeof raw !== 'object' || raw === null) return false;
    const m = /** @type {{ type?: unknown, re?: unknown, ok?: unknown, view?: unknown }} */ (raw);
    if (m.type === 'reply') return typeof m.re === 'string' && typeof m.ok === 'boolean';
    return m.type === 'metrics/updated' && typeof m.view === 'object' && m.view !== null;
  }

  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!isEvent(m)) return;
    if (m.type === 'metrics/updated') {
      render(m.view);
      return;
    }
    if (m.re !== latest) return;
    if (m.ok) render(m.result);
    else {
      report.setAttribute('aria-busy', 'false');
      status.classList.add('error');
      status.textContent = m.error;
    }
  });

  for (const select of [range, bucket, groupBy]) select.addEventListener('change', () => request('metrics/query', currentQuery()));
  refresh.addEventListener('click', () => request('metrics/refresh', {}));

  // Each chart is one tab stop; the arrow keys move between its points (roving tabindex).
  // Line charts: Left/Right along time, Up/Down between series. Bar charts: Up/Down between
  // rows, Left/Right between the bars of a row.
  report.addEventListener('keydown', (e) => {
    const target = /** @type {Element} */ (e.target);
    if (!(target instanceof SVGElement) || !target.hasAttribute('data-point')) return;
    const chart = target.closest('svg');
    if (chart === null) return;
    const points = /** @type {SVGElement[]} */ ([...chart.querySelectorAll('[data-point]')]);
    const bar = chart.classList.contains('bar-chart');
    /** @type {SVGElement | undefined} */
    let next;
    switch (e.key) {
      case 'Home':
        next = points[0];
        break;
      case 'End':
        next = points[points.length - 1];
        break;
      case 'ArrowLeft':
        next = bar ? acrossSeries(points, target, -1) : alongSeries(points, target, -1);
        break;
      case 'ArrowRight':
        next = bar ? acrossSeries(points, target, 1) : alongSeries(points, target, 1);
        break;
      case 'ArrowUp':
        next = bar ? alongSeries(points, target, -1) : acrossSeries(points, target, -1);
        break;
      case 'ArrowDown':
        next = bar ? alongSeries(points, target, 1) : acrossSeries(points, target, 1);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next === undefined || next === target) return;
    for (const p of points) p.setAttribute('tabindex', '-1');
    next.setAttribute('tabindex', '0');
    next.focus();
  });

  // Sighted keyboard users see what the focused point is; screen readers get its aria-label.
  report.addEventListener('focusin', (e) => {
    const target = /** @type {Element} */ (e.target);
    if (!target.hasAttribute('data-point')) return;
    const readout = target.closest('figure')?.querySelector('[data-readout]');
    if (readout) readout.textContent = target.getAttribute('aria-label') ?? '';
  });

  /** @param {SVGElement} p */
  const s = (p) => Number(p.dataset.s);
  /** @param {SVGElement} p */
  const i = (p) => Number(p.dataset.i);

  /** The nearest point of the same series in direction `dir` (by bucket or row index); none at the end. */
  /** @param {SVGElement[]} points @param {SVGElement} from @param {number} dir */
  function alongSeries(points, from, dir) {
    let best;
    for (const p of points) {
      if (s(p) !== s(from)) continue;
      const d = (i(p) - i(from)) * dir;
      if (d > 0 && (best === undefined || d < (i(best) - i(from)) * dir)) best = p;
    }
    return best;
  }

  /** The point of the adjacent series (that has any) closest in index. */
  /** @param {SVGElement[]} points @param {SVGElement} from @param {number} dir */
  function acrossSeries(points, from, dir) {
    const series = [...new Set(points.map(s))].sort((a, b) => a - b);
    const target = series[series.indexOf(s(from)) + dir];
    if (target === undefined) return undefined;
    let best;
    for (const p of points) {
      if (s(p) !== target) continue;
      if (best === undefined || Math.abs(i(p) - i(from)) < Math.abs(i(best) - i(from))) best = p;
    }
    return best;
  }

  request('view/ready', {});
})();
