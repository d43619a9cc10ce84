import type { PackResult, PromptPart } from './budgetPacker';
import { ANSWER_PRIMING, MESSAGE_OVERHEAD } from './houseIdentity';
import type { ChatMessage } from './promptTypes';
import { estimateTokens, type TokenizerFamily } from './tokenEstimate';

export interface PromptReport {
  /** Estimated prompt tokens, message framing included; at most the budget. */
  estimatedTokens: number;
  /** Part ids left out: `snippet:<rank>`, `rule:<id>`, `history:<index>`, `question`. */
  dropped: string[];
  /** Part ids cut or reduced to their minimal form. */
  truncated: string[];
  /** The same, in words, for the answer's footer or a log line. */
  notes: string[];
}

/** Concatenates the kept parts of one message in their given order. */
export function joinKept(
  parts: readonly PromptPart[],
  kept: ReadonlyMap<string, { text: string }>,
  texts: ReadonlyMap<string, string>,
  options: { dropHeader?: string; unless?: (id: string) => boolean },
): string {
  const present = parts.filter((p) => kept.has(p.id));
  const headerNeeded = !options.dropHeader || !options.unless || present.some((p) => options.unless!(p.id));
  return present
    .filter((p) => headerNeeded || p.id !== options.dropHeader)
    .map((p) => texts.get(p.id) ?? kept.get(p.id)!.text)
    .join('')
    .trim();
}

/** Token total of the final messages and what was left out, by id and in words. */
export function report(
  messages: readonly ChatMessage[],
  packed: PackResult,
  kept: ReadonlyMap<string, unknown>,
  family: TokenizerFamily,
  counts: { snippets: number; history: number },
): PromptReport {
  const estimatedTokens = messages.reduce((sum, m) => sum + estimateTokens(m.content, family) + MESSAGE_OVERHEAD, ANSWER_PRIMING);
  const isHeader = (id: string) => id.endsWith('-header');
  const dropped = [
    ...packed.dropped,
    ...packed.parts.filter((p) => !kept.has(p.id)).map((p) => p.id), // removed after packing
  ].filter((id) => !isHeader(id));
  const truncated = packed.shrunk.filter((p) => kept.has(p.id)).map((p) => p.id);
  const notes: string[] = [];
  const count = (prefix: string, ids: string[]) => ids.filter((id) => id.startsWith(prefix)).length;

  const droppedHistory = count('history:', dropped);
  if (droppedHistory) notes.push(`Left out the ${droppedHistory} oldest of ${counts.history} earlier messages.`);
  if (count('history:', truncated)) notes.push(`Shortened ${count('history:', truncated)} earlier message(s).`);
  const droppedRules = count('rule:', dropped);
  const titledRules = dropped.filter((id) => id.startsWith('rule-text:') && kept.has(`rule:${id.slice('rule-text:'.length)}`)).length;
  if (titledRules) notes.push(`Gave ${titledRules} convention(s) by title only.`);
  if (droppedRules) notes.push(`Left out ${droppedRules} convention(s).`);
  const droppedSnippets = count('snippet:', dropped);
  if (droppedSnippets) notes.push(`Left out ${droppedSnippets} of ${counts.snippets} retrieved snippets.`);
  const cutSnippets = count('snippet:', truncated);
  if (cutSnippets) notes.push(`Cut ${cutSnippets} retrieved snippet(s) to their first lines.`);
  if (truncated.includes('question')) notes.push('The question was cut to fit the prompt budget.');
  if (dropped.includes('question')) notes.push('The question did not fit the prompt budget.');
  return { estimatedTokens, dropped, truncated, notes };
}
