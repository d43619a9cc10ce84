// Show Index Status as text: pure (no `vscode`), unit-tested in plain Node.
import type { IndexStatus } from '../../engine/engine';
import type { IndexSummary } from '../../engine/indexing/indexer';

export interface IndexReportInput {
  status: IndexStatus;
  conventions: { rules: number; warnings: readonly string[] };
  /** Roots the settings name but that were left out, and why. */
  rootWarnings: readonly string[];
  lastRun?: IndexSummary;
  /** One line on what the index is doing now (from the status bar). */
  state: string;
}

export interface IndexReport {
  /** One line for a notification; starts `InHouse index: N files, M chunks.` */
  summary: string;
  /** The whole report as markdown. */
  markdown: string;
}

/** The team's shared index, as Show Index Status reports it. */
function sharedLines(shared: NonNullable<IndexStatus['shared']>): string[] {
  switch (shared.state) {
    case 'off':
      return [];
    case 'connecting':
      return [`\`${shared.uri}\`: connecting.`];
    case 'ready':
      return [
        `\`${shared.uri}\`: ready, ${shared.chunks} chunks, read-only. Hits from it open as read-only documents (their files are not on this disk).`,
        '',
        ...(shared.sources.length ? shared.sources.map((l) => `- library **${l}**`) : ['No libraries yet.']),
      ];
    case 'unavailable':
      return [`\`${shared.uri}\`: unavailable since ${new Date(shared.since).toISOString()}; search uses the local index only.`, '', shared.message];
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function indexReport(r: IndexReportInput): IndexReport {
  const s = r.status;
  const skipped = Object.entries(s.skipped).sort((a, b) => b[1] - a[1]);
  const skippedText = skipped.map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const problems = r.conventions.warnings.length + r.rootWarnings.length;
  const summary =
    `InHouse index: ${s.files} files, ${s.chunks} chunks. Skipped: ${skippedText}. ` +
    `Conventions: ${plural(r.conventions.rules, 'rule')}${problems ? `, ${plural(problems, 'problem')}` : ''}. ` +
    `Secrets redacted: ${s.secretsRedacted}.`;

  const md: string[] = ['# InHouse index status', '', `**${r.state}**`, ''];
  md.push('| | |', '| --- | --- |');
  md.push(`| Files indexed | ${s.files} |`, `| Chunks | ${s.chunks} |`, `| Convention rules | ${r.conventions.rules} |`);
  md.push(`| Files with syntax errors | ${s.filesWithSyntaxErrors} |`, `| Secrets redacted | ${s.secretsRedacted} |`, `| Index folder | \`${s.dbDir}\` |`);
  md.push('', '## Roots', '');
  if (!s.roots.length) md.push('None yet.');
  for (const root of s.roots) md.push(`- \`${root}\``);
  const sources = Object.entries(s.sources);
  if (sources.length) {
    md.push('', '## Files by source', '');
    for (const [source, n] of sources) md.push(`- ${source === 'workspace' ? 'workspace' : `library **${source}**`}: ${n}`);
  }
  if (s.shared && s.shared.state !== 'off') md.push('', '## Shared index', '', ...sharedLines(s.shared));
  md.push('', '## Skipped files', '');
  if (!skipped.length) md.push('None.');
  for (const [reason, n] of skipped) md.push(`- ${reason}: ${n}`);
  if (r.lastRun) {
    const l = r.lastRun;
    md.push('', '## Last run', '', `${l.added} added, ${l.changed} changed, ${l.unchanged} unchanged, ${l.removed} removed in ${l.seconds.toFixed(1)} s.`);
    if (l.embeddings) md.push('', `Embeddings: ${JSON.stringify(l.embeddings)}`);
  }
  md.push('', '## Problems', '');
  if (!problems) md.push('None.');
  for (const w of r.rootWarnings) md.push(`- ${w}`);
  for (const w of r.conventions.warnings) md.push(`- ${w}`);
  md.push('');
  return { summary, markdown: md.join('\n') };
}
