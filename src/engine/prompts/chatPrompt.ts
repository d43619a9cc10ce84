import { packParts, type PromptPart } from './budgetPacker';
import { numberCitations, snippetPart, type SnippetDraft } from './citations';
import { ANSWER_PRIMING, houseIdentity, MESSAGE_OVERHEAD, rankedRules, ruleParts, type HouseOptions } from './houseIdentity';
import type { ChatMessage, ChatTurn, Citation, PromptRule, PromptSnippet } from './promptTypes';
import { joinKept, report, type PromptReport } from './promptReport';
import type { TokenizerFamily } from './tokenEstimate';

export interface ChatPromptInput extends HouseOptions {
  question: string;
  /** Retrieved code, best first. */
  snippets: readonly PromptSnippet[];
  /** The conventions that apply, in the loader's order. */
  rules: readonly PromptRule[];
  /** Earlier turns, oldest first, without the question. */
  history?: readonly ChatTurn[];
  /** Prompt tokens: chat.contextTokens minus chat.maxTokens. */
  budget: number;
  family?: TokenizerFamily;
}

export interface ChatPrompt extends PromptReport {
  messages: ChatMessage[];
  citations: Citation[];
  ruleIds: string[];
}

const IDENTITY_PRIORITY = 1100;
const QUESTION_PRIORITY = 1000;
const RULE_TITLE_PRIORITY = 700;
const LATEST_TURN_PRIORITY = 800;
const CONTEXT_PRIORITY = 600;
const OLDER_TURNS_PRIORITY = 300;

/**
 * The chat prompt: a system message (house identity, the applicable conventions), the
 * conversation so far, then a user message with the numbered context and the question.
 * Context goes in the last message so the system message and history stay a stable prefix
 * Ollama can reuse from one turn to the next.
 *
 * Priorities, highest kept first: the identity, the question, the latest exchange, the rules'
 * titles, the retrieved code (best first, each may be cut to its first lines) interleaved with
 * the rules' texts, then older history (newest first, no gaps).
 */
export function buildChatPrompt(input: ChatPromptInput): ChatPrompt {
  const family = input.family ?? 'unknown';
  const history = input.history ?? [];
  const framing = 2 * MESSAGE_OVERHEAD + ANSWER_PRIMING;
  const budget = Math.max(0, Math.floor(input.budget) - framing);

  const system: PromptPart[] = [
    { id: 'identity', priority: IDENTITY_PRIORITY, text: houseIdentity(input) },
    ...ruleParts(input.rules, {
      titlePriority: RULE_TITLE_PRIORITY,
      // Between the retrieved snippets of rank i+1 and i+2.
      textPriority: (i) => CONTEXT_PRIORITY - (i + 1.5) / 1000,
      maxTokensEach: Math.floor(budget * 0.15),
    }),
  ];
  const historyParts: PromptPart[] = history.map((turn, i) => ({
    id: `history:${i}`,
    priority: (i >= history.length - 2 ? LATEST_TURN_PRIORITY : OLDER_TURNS_PRIORITY) + i / 1000,
    text: turn.content,
    overhead: MESSAGE_OVERHEAD,
    chain: 'history',
    truncate: { cut: 'end', by: 'lines', minTokens: 24, note: () => '(the rest of this message is left out)' },
  }));
  const drafts: SnippetDraft[] = [];
  const context: PromptPart[] = [];
  if (input.snippets.length) context.push({ id: 'context-header', priority: CONTEXT_PRIORITY, text: 'Context from the code base:' });
  input.snippets.forEach((s, i) => {
    const { part, draft } = snippetPart(s, i + 1, { priority: CONTEXT_PRIORITY - (i + 1) / 1000, maxTokens: Math.floor(budget * 0.4) });
    context.push(part);
    drafts.push(draft);
  });
  const questionHead = '\n\nQuestion: ';
  const question: PromptPart = {
    id: 'question',
    priority: QUESTION_PRIORITY,
    head: questionHead,
    text: input.question.trim(),
    truncate: { cut: 'end', by: 'chars', minTokens: 8, note: () => '(the question was cut to fit)' },
  };

  const packed = packParts([...system, ...historyParts, ...context, question], budget, family);
  const { texts, citations } = numberCitations(packed, drafts);
  const kept = new Map(packed.parts.map((p) => [p.id, p]));
  const keptSnippets = citations.length > 0;

  // History starts with a user message: an answer without its question only confuses.
  const keptHistory = historyParts.filter((p) => kept.has(p.id));
  while (keptHistory.length && history[indexOf(keptHistory[0].id)].role === 'assistant') {
    kept.delete(keptHistory.shift()!.id);
  }

  const systemText = joinKept(system, kept, texts, { dropHeader: 'rules-header', unless: (id) => id.startsWith('rule:') });
  const messages: ChatMessage[] = [{ role: 'system', content: systemText }];
  for (const p of keptHistory) messages.push({ role: history[indexOf(p.id)].role, content: kept.get(p.id)!.text });
  const q = kept.get('question');
  const questionText = q ? (keptSnippets ? q.text : q.text.slice(questionHead.length)) : '';
  const userText = keptSnippets ? joinKept(context, kept, texts, {}) + questionText : questionText;
  messages.push({ role: 'user', content: userText.trim() });

  const ruleIds = rankedRules(input.rules).map((r) => r.id).filter((id) => kept.has(`rule:${id}`));
  return {
    messages,
    citations,
    ruleIds,
    ...report(messages, packed, kept, family, { snippets: input.snippets.length, history: history.length }),
  };
}

function indexOf(historyId: string): number {
  return Number(historyId.slice('history:'.length));
}
