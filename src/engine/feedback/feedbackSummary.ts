import type { FeedbackEvent } from './feedbackEvents';
import type { CompletionCounts, FeedbackStats } from './feedbackRecorder';

/** How the show command renders the events: figures first, then the latest events as JSON. */

export interface SummaryOptions {
  /** Where the events live, shown so the user can find the files. */
  location: string;
  /** Text fields longer than this are shortened for display (the stored events are not). */
  displayChars?: number;
}

const DEFAULT_DISPLAY_CHARS = 400;

export function formatFeedbackSummary(stats: FeedbackStats, recent: readonly FeedbackEvent[], options: SummaryOptions): string {
  const lines: string[] = [];
  const c = stats.completions;
  lines.push('# InHouse feedback events', '');
  lines.push(`Stored on this machine only, in \`${options.location}\`. Nothing is sent anywhere; export writes a file you choose.`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| Events | ${stats.total} in ${stats.files} file${stats.files === 1 ? '' : 's'} (${formatBytes(stats.bytes)}) |`);
  if (stats.first !== undefined && stats.last !== undefined) lines.push(`| From – to | ${stats.first} – ${stats.last} |`);
  if (stats.corruptLines > 0) lines.push(`| Skipped corrupt lines | ${stats.corruptLines} |`);
  if (stats.newerVersionLines > 0) lines.push(`| Skipped (newer InHouse version) | ${stats.newerVersionLines} |`);
  lines.push(`| Secrets redacted | ${stats.redactions} |`);
  if (stats.truncatedEvents > 0) lines.push(`| Events with text cut to the size cap | ${stats.truncatedEvents} |`);
  lines.push('');

  lines.push('## Completions', '');
  lines.push('| Shown | Accepted (full / partial) | Rejected | Acceptance | Latency p50 | Latency p95 |', '|---|---|---|---|---|---|');
  lines.push(
    `| ${c.shown} | ${c.accepted} (${c.acceptedFull} / ${c.acceptedPartial}) | ${c.rejected} | ${rate(c)} | ${ms(c.latencyMs?.p50)} | ${ms(c.latencyMs?.p95)} |`,
  );
  lines.push('');
  const survival = Object.entries(stats.survival);
  if (survival.length > 0) {
    lines.push('Edit survival of accepted completions:', '');
    for (const [after, s] of survival) lines.push(`- after ${after} s: ${(s.mean * 100).toFixed(0)}% of the text kept (${s.count} checks)`);
    lines.push('');
  }
  breakdown(lines, 'By model', stats.byModel);
  breakdown(lines, 'By language', stats.byLanguage);

  lines.push('## Chat and explain', '');
  lines.push(`- Ratings: ${stats.ratings.up} up, ${stats.ratings.down} down`);
  lines.push(`- Expert corrections: ${stats.corrections}`, '');

  lines.push(`## Latest ${recent.length} event${recent.length === 1 ? '' : 's'} (newest first)`, '');
  if (recent.length === 0) {
    lines.push('None yet. Events are recorded as you accept, reject, rate and correct suggestions.');
  } else {
    const shown = [...recent].reverse().map((e) => shorten(e, options.displayChars ?? DEFAULT_DISPLAY_CHARS));
    const json = JSON.stringify(shown, null, 2);
    const fence = '`'.repeat(Math.max(3, longestRun(json, '`') + 1));
    lines.push(fence + 'json', json, fence);
  }
  lines.push('');
  return lines.join('\n');
}

function breakdown(lines: string[], title: string, rows: Record<string, CompletionCounts>): void {
  const entries = Object.entries(rows);
  if (entries.length < 2) return;
  lines.push(`### ${title}`, '', '| | Shown | Accepted | Rejected | Acceptance |', '|---|---|---|---|---|');
  for (const [name, t] of entries.sort((a, b) => b[1].shown + b[1].accepted - (a[1].shown + a[1].accepted))) {
    lines.push(`| ${escapeCell(name)} | ${t.shown} | ${t.accepted} | ${t.rejected} | ${rate(t)} |`);
  }
  lines.push('');
}

function rate(t: CompletionCounts): string {
  return t.acceptanceRate === undefined ? '–' : `${(t.acceptanceRate * 100).toFixed(1)}%`;
}

function ms(value: number | undefined): string {
  return value === undefined ? '–' : `${Math.round(value)} ms`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function longestRun(text: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

function shorten(event: FeedbackEvent, max: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    out[key] = typeof value === 'string' && value.length > max ? `${value.slice(0, max)}… (${value.length - max} more characters)` : value;
  }
  return out;
}
