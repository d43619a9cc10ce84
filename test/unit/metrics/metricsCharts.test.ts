import { strict as assert } from 'node:assert';
import { barChart, barRects, escapeXml, lineChart, linePoints, niceCeiling } from '../../../src/extension/metrics/metricsCharts';

const pct = (v: number) => `${Math.round(v * 100)}%`;
const ms = (v: number) => `${v} ms`;

function all(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => m[0]);
}

describe('metrics charts', () => {
  it('rounds axis tops to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0, -3, Number.NaN, 0.1, 0.3, 1, 3, 7, 200, 201, 1000, 1234].map(niceCeiling), [1, 1, 1, 0.1, 0.5, 1, 5, 10, 200, 500, 1000, 2000]);
  });

  it('places line points evenly over time and by value', () => {
    const pts = linePoints({ labels: ['a', 'b', 'c'], series: [{ name: 's', values: [0, 0.5, 1] }], yMax: 1 });
    // Plot area: x 56..624, y 12..204.
    assert.deepEqual(pts[0].map((p) => [p.x, p.y]), [[56, 204], [340, 108], [624, 12]]);
    const single = linePoints({ labels: ['only'], series: [{ name: 's', values: [250] }] });
    assert.deepEqual(single[0].map((p) => [p.x, p.y]), [[340, 108]], 'a lone bucket sits in the middle; the axis tops out at 500');
  });

  it('draws one point per value, breaks the line at gaps, and lets only the first point take the tab', () => {
    const svg = lineChart({
      id: 't',
      title: 'Acceptance',
      labels: ['2025-05-05', '2025-05-06', '2025-05-07'],
      series: [
        { name: 'All', values: [0.5, undefined, 1], details: ['1 of 2', undefined, '3 of 3'], reference: true },
        { name: 'house', values: [0.25, 0.75, undefined] },
      ],
      format: pct,
      yMax: 1,
    });
    assert.equal(all(/<circle\b/g, svg).length, 4);
    assert.deepEqual(all(/tabindex="0"/g, svg).length, 1);
    assert.deepEqual(all(/ d="[^"]*"/g, svg), [' d="M56 108 M624 12"', ' d="M56 156 L340 60"']);
    assert.ok(svg.includes('aria-label="All, 2025-05-05: 50% (1 of 2)"'));
    assert.ok(svg.includes('aria-label="house, 2025-05-06: 75%"'));
    assert.match(svg, /class="series series-all"/);
    assert.match(svg, /class="series series-1"/);
    // Y axis 0..100% in five steps, as ticks; every x label fits.
    assert.deepEqual(all(/>\d+%<\/text>/g, svg), ['>0%</text>', '>20%</text>', '>40%</text>', '>60%</text>', '>80%</text>', '>100%</text>']);
    assert.ok(!/\sstyle=/.test(svg), 'no inline styles (the CSP refuses them)');
    // The table repeats every figure.
    assert.match(svg, /<tr><th scope="row">2025-05-06<\/th><td>–<\/td><td>75%<\/td><\/tr>/);
  });

  it('thins out the x labels on long ranges', () => {
    const labels = Array.from({ length: 30 }, (_, i) => `d${i}`);
    const svg = lineChart({ id: 'x', title: 't', labels, series: [{ name: 's', values: labels.map((_, i) => i) }], format: String });
    const ticks = all(/text-anchor="middle">d\d+</g, svg);
    assert.ok(ticks.length <= 8 && ticks.length >= 4, String(ticks.length));
    assert.equal(all(/<circle\b/g, svg).length, 30);
  });

  it('sizes bars against a round maximum, row by row', () => {
    const rects = barRects({ categories: ['a', 'b'], series: [{ name: 'p50', values: [100, 200] }, { name: 'p95', values: [50, undefined] }] });
    // Plot width 376 from x 168; rows 2 bars of 14 plus a gap of 10.
    assert.deepEqual(
      rects.map((r) => [r.series, r.category, r.x, r.y, r.width]),
      [
        [0, 0, 168, 8, 188],
        [1, 0, 168, 22, 94],
        [0, 1, 168, 46, 376],
      ],
    );
    const svg = barChart({ id: 'b', title: 'Latency', categories: ['a', 'b'], series: [{ name: 'p50', values: [100, 200] }, { name: 'p95', values: [50, undefined] }], format: ms });
    assert.equal(all(/<rect\b/g, svg).length, 3);
    assert.ok(svg.includes('aria-label="p95, a: 50 ms"'));
    assert.match(svg, /viewBox="0 0 640 82"/, "8 + two rows of 38 - the last gap + 8");
    assert.match(svg, /class="legend"/, 'two series get a legend');
  });

  it('escapes every piece of text that comes from the data', () => {
    const evil = '<img src=x onerror="alert(1)">&\'';
    const line = lineChart({ id: 'e', title: `Title ${evil}`, labels: [evil], series: [{ name: evil, values: [1], details: [evil] }], format: String });
    const bar = barChart({ id: 'e2', title: evil, categories: [evil], series: [{ name: evil, values: [1] }], format: String });
    for (const svg of [line, bar]) {
      assert.ok(!svg.includes('<img'), 'no markup from the data');
      assert.ok(!svg.includes('"alert'), 'no attribute breaks out');
      assert.ok(svg.includes('&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#38;&#39;'));
    }
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('shortens long category names on the axis but keeps them whole in labels', () => {
    const name = 'registry.example.com/team/house-coder:13b-q4_K_M';
    const svg = barChart({ id: 'm', title: 't', categories: [name], series: [{ name: 'Rate', values: [0.5] }], format: pct, xMax: 1 });
    assert.ok(svg.includes('>registry.example.com/te…<title>'));
    assert.ok(svg.includes(`aria-label="Rate, ${name}: 50%"`));
    assert.ok(!svg.includes('class="legend"'), 'one series needs no legend');
  });

  it('leaves out rows with nothing to draw', () => {
    const svg = barChart({ id: 'r', title: 't', categories: ['go', '(none)', 'ts'], series: [{ name: 'Rate', values: [0.5, undefined, 1], details: ['1 of 2', undefined, '2 of 2'] }], format: pct, xMax: 1 });
    assert.ok(!svg.includes('(none)'));
    assert.ok(svg.includes('aria-label="Rate, ts: 100% (2 of 2)"'));
    assert.match(svg, /<rect class="bar" x="168" y="32" width="376"/, 'ts moves up to the second row');
  });

  it('says so when there is nothing to draw', () => {
    assert.match(lineChart({ id: 'n', title: 't', labels: ['a'], series: [{ name: 's', values: [undefined] }], format: String }), /No data in this range/);
    assert.match(barChart({ id: 'n', title: 't', categories: [], series: [], format: String }), /No data in this range/);
  });
});
