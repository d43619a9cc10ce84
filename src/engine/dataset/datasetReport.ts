import type { DatasetResult } from './datasetTypes';

/** The figures of an export as text, for the CLI and the extension's output. */
export function formatDatasetReport(result: DatasetResult): string {
  const s = result.stats;
  const counts = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const dropped = counts(s.feedback.dropped);
  return [
    `Training set: ${s.samples.total} samples (${s.samples.train} train, ${s.samples.valid} validation), about ${s.tokens.total} tokens (${s.tokens.train} train, ${s.tokens.valid} validation).`,
    `  Completion (FIM): ${s.completion.train} train, ${s.completion.valid} validation. Chat: ${s.chat.train} train, ${s.chat.valid} validation.`,
    `  By source: ${counts(s.bySource)}.`,
    `  By kind: ${counts(s.byKind)}.`,
    `  By language: ${counts(s.byLanguage)}.`,
    `  Base model ${s.baseModel} (FIM tokens: ${s.family}); FIM rate ${s.fimRate}, SPM rate ${s.spmRate}, seed ${s.seed}.`,
    `  House code: ${s.code.functions} functions and methods (${s.code.withoutBody} without a body to sample, ${s.code.tooLong} too long).`,
    `  Feedback: ${s.feedback.events} events, ${s.feedback.used} used; left out: ${dropped}` +
      (s.feedback.corruptLines ? `; ${s.feedback.corruptLines} corrupt lines skipped` : '') +
      (s.feedback.newerVersionLines ? `; ${s.feedback.newerVersionLines} lines from a newer InHouse skipped` : '') +
      '.',
    `  Conventions: ${s.conventions.rules} rules.`,
    `  Cleaning: ${s.duplicatesRemoved.exact} exact and ${s.duplicatesRemoved.near} near duplicates removed (Jaccard >= ${s.duplicatesRemoved.threshold}); ${s.secretsRedacted} secrets redacted.`,
    `  Split by file: ${s.files.train} train, ${s.files.valid} validation; leakage: ${s.leakage.sharedFiles} shared files, ${s.leakage.sharedTexts} shared texts.`,
    `Written to ${result.outDir}: ${result.files.filter((f) => !f.startsWith('.')).join(', ')}.`,
    '',
  ].join('\n');
}
