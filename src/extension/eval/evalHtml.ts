/**
 * The eval report page: the charts, the table and the recommendation, rendered once from the
 * report. It runs no script, so its policy allows none; the one stylesheet is inline and
 * carries the nonce. No `vscode` here: the page and its policy are unit-tested in Node.
 */
import { randomBytes } from 'node:crypto';
import type { EvalReport } from '../../engine/eval/evalTypes';
import { escapeXml, latencyChart, qualityChart } from './evalChart';

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function evalContentSecurityPolicy(nonce: string): string {
  return ["default-src 'none'", `style-src 'nonce-${nonce}'`, "img-src 'none'", "script-src 'none'", "connect-src 'none'", "frame-src 'none'", "base-uri 'none'", "form-action 'none'"].join('; ');
}

/** Colours only from the theme. */
const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 20px 20px; }
h1 { font-size: 1.4em; font-weight: 600; }
.recommendation { border-left: 4px solid var(--vscode-charts-green); background: var(--vscode-textBlockQuote-background); padding: 8px 12px; margin: 12px 0; }
.note { color: var(--vscode-descriptionForeground); }
.warning { border-left: 4px solid var(--vscode-charts-orange); padding: 4px 12px; margin: 8px 0; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--vscode-panel-border); text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.recommended td { font-weight: 600; }
.chart { display: block; margin: 16px 0; max-width: 100%; height: auto; }
.chart text { fill: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: 12px; }
.chart .chart-title { font-weight: 600; font-size: 13px; }
.chart .value, .chart .legend { fill: var(--vscode-descriptionForeground); }
.chart .recommended { fill: var(--vscode-charts-green); font-weight: 600; }
.chart .track { fill: var(--vscode-editorWidget-background); stroke: var(--vscode-panel-border); stroke-width: 0.5; }
.chart .bar-a { fill: var(--vscode-charts-blue); }
.chart .bar-b { fill: var(--vscode-charts-purple); }
code { font-family: var(--vscode-editor-font-family); }
`;

export function evalReportHtml(r: EvalReport, nonce: string): string {
  const e = escapeXml;
  const rec = r.recommendation;
  const rows = r.models
    .map(
      (m) =>
        `<tr${m.model === rec?.model ? ' class="recommended"' : ''}><td>${e(m.model)}${m.model === rec?.model ? ' ★' : ''}</td><td>${e(m.parameterSize || '?')}</td><td>${m.tasks}</td>` +
        `<td>${(m.exactMatch * 100).toFixed(1)}%</td><td>${m.editSimilarity.toFixed(3)}</td><td>${m.violations}</td>` +
        `<td>${Math.round(m.latencyP50Ms)}</td><td>${Math.round(m.latencyP95Ms)}</td><td>${m.tokensPerSecond.toFixed(1)}</td><td>${m.failed}</td></tr>`,
    )
    .join('\n');
  const skipped = r.skipped.map((s) => `<p class="warning">Skipped <code>${e(s.model)}</code>: ${e(s.reason)}</p>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${e(evalContentSecurityPolicy(nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${e(nonce)}">${STYLE}</style>
<title>InHouse Model Evaluation</title>
</head>
<body>
<h1>Model evaluation</h1>
<p class="note">Run <code>${e(r.runId)}</code>: ${r.tasks} held-out fill-in-the-middle tasks from ${r.files.length} validation file${r.files.length === 1 ? '' : 's'} (never trained on), seed ${r.seed}.</p>
${r.cancelled ? '<p class="warning">Cancelled: these figures cover the tasks that finished. Run the command again and choose Resume to finish.</p>' : ''}
<div class="recommendation" data-testid="recommendation">${rec ? `<strong>Recommendation: ${e(rec.model)}</strong><br>${e(rec.reason)}` : 'No recommendation yet: no model finished a task.'}</div>
${qualityChart(r.models, rec?.model)}
<table data-testid="eval-table">
<thead><tr><th>Model</th><th>Size</th><th>Tasks</th><th>Exact</th><th>Edit similarity</th><th>Violations</th><th>p50 ms</th><th>p95 ms</th><th>Tokens/s</th><th>Failed</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${latencyChart(r.models, rec?.model)}
${skipped}
<p class="note">Margin: ${(r.margin * 100).toFixed(1)} points of edit similarity. Convention checks from ${r.checkedRules.length} rule${r.checkedRules.length === 1 ? '' : 's'}${r.checkedRules.length ? `: ${r.checkedRules.map((id) => `<code>${e(id)}</code>`).join(', ')}` : ' (declare them in a rule with an <code>inhouse-check</code> block)'}.</p>
<p class="note">Results: <code>${e(r.runDir)}</code></p>
</body>
</html>`;
}
