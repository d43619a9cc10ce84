import { packParts, type PromptPart } from './budgetPacker';
import { fence, fenceLanguage, numberCitations, snippetPart, type SnippetDraft } from './citations';
import { ANSWER_PRIMING, houseIdentity, MESSAGE_OVERHEAD, rankedRules, ruleParts, type HouseOptions } from './houseIdentity';
import { joinKept, report, type PromptReport } from './promptReport';
import type { ChatMessage, Citation, PromptRule, PromptSnippet } from './promptTypes';
import { estimateTokens, type TokenizerFamily } from './tokenEstimate';

export interface ExplainSelection {
  path: string;
  language: string;
  /** 1-based first line of the selection. */
  startLine: number;
  text: string;
}

export interface ExplainPromptInput extends HouseOptions {
  selection: ExplainSelection;
  /** The function or class around the selection. */
  enclosing?: PromptSnippet;
  /** Definitions of what the selection calls, most relevant first. */
  definitions: readonly PromptSnippet[];
  rules: readonly PromptRule[];
  /** Something the user asked besides "explain", if anything. */
  question?: string;
  /** Prompt tokens: chat.contextTokens minus chat.maxTokens. */
  budget: number;
  family?: TokenizerFamily;
}

export interface ExplainPrompt extends PromptReport {
  messages: ChatMessage[];
  citations: Citation[];
  ruleIds: string[];
  /** The selection did not fit and only its first `selectionLines.kept` lines are in the prompt. */
  selectionTruncated: boolean;
  selectionLines: { kept: number; total: number };
}

/** The answer contract: the explain view and the feedback export both rely on its three parts. */
export const EXPLAIN_CONTRACT =
  'Explain the selected code in three numbered parts:\n' +
  '1. What it does: its behaviour, inputs, outputs and side effects.\n' +
  '2. How it fits the house: the conventions it follows, each cited by rule id like [rule-id], and how it uses the numbered context, cited as [n].\n' +
  '3. Deviations: each place where it departs from a convention, with the rule id and a suggested fix (a short code change when that helps). If there are none, write "No deviations found."\n' +
  'If no convention is listed, say in parts 2 and 3 that none applies; do not invent rule ids.';

const IDENTITY_PRIORITY = 1100;
const SELECTION_PRIORITY = 950;
const RULE_TITLE_PRIORITY = 940;
const RULE_TEXT_PRIORITY = 700;
const ENCLOSING_PRIORITY = 650;
const DEFINITION_PRIORITY = 600;
/** The selection may take at most this share of what the instructions leave, so conventions and context fit too. */
const SELECTION_SHARE = 0.6;

/**
 * The explain prompt: the selection (cut to its first lines with a warning when it is too big),
 * the enclosing symbol and the definitions it calls as numbered context, the conventions, and
 * the three-part answer contract.
 */
export function buildExplainPrompt(input: ExplainPromptInput): ExplainPrompt {
  const family = input.family ?? 'unknown';
  const budget = Math.max(0, Math.floor(input.budget) - (2 * MESSAGE_OVERHEAD + ANSWER_PRIMING));
  const sel = input.selection;
  const selText = sel.text.replace(/\n+$/, '');
  const totalLines = selText.split('\n').length;
  const endLine = sel.startLine + totalLines - 1;

  const identity = `${houseIdentity(input)}\n\n${EXPLAIN_CONTRACT}`;
  const afterIdentity = Math.max(0, budget - estimateTokens(identity, family));
  const system: PromptPart[] = [
    { id: 'identity', priority: IDENTITY_PRIORITY, text: identity },
    // Conventions are half the answer: their texts rank above the related code.
    ...ruleParts(input.rules, { titlePriority: RULE_TITLE_PRIORITY, textPriority: (i) => RULE_TEXT_PRIORITY - i / 1000, maxTokensEach: Math.floor(budget * 0.1) }),
  ];
  const fenceMark = fence(selText);
  const selection: PromptPart = {
    id: 'selection',
    priority: SELECTION_PRIORITY,
    head: `Selection: ${sel.path}:${endLine > sel.startLine ? `${sel.startLine}-${endLine}` : sel.startLine}\n${fenceMark}${fenceLanguage(sel.language)}\n`,
    text: selText,
    tail: `\n${fenceMark}`,
    maxTokens: Math.floor(afterIdentity * SELECTION_SHARE),
    truncate: {
      cut: 'end',
      by: 'lines',
      // Any of the selection beats none of it.
      minTokens: 1,
      note: (kept, total) =>
        `Note: only the first ${kept} of ${total} lines of the selection fit; say so first, and do not guess what the rest does.`,
    },
  };
  const drafts: SnippetDraft[] = [];
  const context: PromptPart[] = [];
  const related = [
    ...(input.enclosing ? [{ s: input.enclosing, label: 'encloses the selection', priority: ENCLOSING_PRIORITY }] : []),
    ...input.definitions.map((s, i) => ({ s, label: 'used by the selection', priority: DEFINITION_PRIORITY - i / 1000 })),
  ];
  if (related.length) context.push({ id: 'context-header', priority: ENCLOSING_PRIORITY, text: '\n\nRelated code:' });
  related.forEach(({ s, label, priority }, i) => {
    const { part, draft } = snippetPart(s, i + 1, { priority, label, maxTokens: Math.floor(budget * 0.3) });
    context.push(part);
    drafts.push(draft);
  });
  const ask = input.question?.trim();
  const request: PromptPart = {
    id: 'question',
    priority: SELECTION_PRIORITY + 1,
    text: `\n\nExplain the selection${ask ? `, and also answer: ${ask}` : '.'}`,
    truncate: { cut: 'end', by: 'chars', minTokens: 4 },
  };

  const packed = packParts([...system, selection, ...context, request], budget, family);
  const { texts, citations } = numberCitations(packed, drafts);
  const kept = new Map(packed.parts.map((p) => [p.id, p]));
  const sp = kept.get('selection');

  const systemText = joinKept(system, kept, texts, { dropHeader: 'rules-header', unless: (id) => id.startsWith('rule:') });
  const userText = joinKept([selection, ...context, request], kept, texts, { dropHeader: 'context-header', unless: (id) => id.startsWith('snippet:') });
  const messages: ChatMessage[] = [
    { role: 'system', content: systemText },
    { role: 'user', content: userText },
  ];
  const keptLines = sp ? sp.keptLines : 0;
  const result = report(messages, packed, kept, family, { snippets: related.length, history: 0 });
  const selectionTruncated = keptLines < totalLines;
  if (selectionTruncated) result.notes.unshift(`The selection was truncated: ${keptLines} of ${totalLines} lines were explained.`);
  return {
    messages,
    citations,
    ruleIds: rankedRules(input.rules).map((r) => r.id).filter((id) => kept.has(`rule:${id}`)),
    selectionTruncated,
    selectionLines: { kept: keptLines, total: totalLines },
    ...result,
  };
}
