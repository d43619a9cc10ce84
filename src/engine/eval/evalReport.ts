import type { EvalReport } from './evalTypes';

/** The report as plain text: a table of the models, the recommendation, what was skipped. */
export function formatEvalReport(r: EvalReport): string {
  const out: string[] = [];
  const files = r.files.length;
  out.push(`InHouse model evaluation: run ${r.runId}, ${r.tasks} held-out tasks from ${files} validation file${files === 1 ? '' : 's'}, seed ${r.seed}.`);
  if (r.cancelled) out.push('Cancelled: the figures cover the tasks that finished. Resume with --resume.');
  out.push('');
  const header = ['model', 'size', 'tasks', 'exact', 'edit sim', 'violations', 'p50 ms', 'p95 ms', 'tok/s', 'failed'];
  const rows = r.models.map((m) => [
    m.model + (r.recommendation?.model === m.model ? ' *' : ''),
    m.parameterSize || '?',
    String(m.tasks),
    `${(m.exactMatch * 100).toFixed(1)}%`,
    m.editSimilarity.toFixed(3),
    String(m.violations),
    String(Math.round(m.latencyP50Ms)),
    String(Math.round(m.latencyP95Ms)),
    m.tokensPerSecond.toFixed(1),
    String(m.failed),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  out.push(line(header));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) out.push(line(row));
  out.push('');
  if (r.recommendation) out.push(`Recommendation: ${r.recommendation.model}. ${r.recommendation.reason}`);
  else out.push('Recommendation: none yet; no model finished a task.');
  out.push(`Margin: ${(r.margin * 100).toFixed(1)} points of edit similarity. Violations: checks of ${r.checkedRules.length} convention rule${r.checkedRules.length === 1 ? '' : 's'}${r.checkedRules.length ? ` (${r.checkedRules.join(', ')})` : ''}.`);
  for (const s of r.skipped) out.push(`Skipped ${s.model}: ${s.reason}`);
  if (r.corruptLines) out.push(`${r.corruptLines} unreadable result line(s) were skipped.`);
  out.push(`Ran ${r.ran} task${r.ran === 1 ? '' : 's'} now, ${r.resumed} kept from before. Results: ${r.runDir}`);
  return `${out.join('\n')}\n`;
}
