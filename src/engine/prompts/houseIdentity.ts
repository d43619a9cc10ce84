import type { PromptPart } from './budgetPacker';
import type { PromptRule } from './promptTypes';
import { rankRules } from './promptTypes';

/**
 * Tokens a chat message costs beyond its content in the chat template, e.g. Qwen's
 * `<|im_start|>user\n…<|im_end|>\n`; the Llama 3 and Mistral templates cost about as much.
 */
export const MESSAGE_OVERHEAD = 5;
/** The template's opening of the answer (`<|im_start|>assistant\n`). */
export const ANSWER_PRIMING = 3;

export interface HouseOptions {
  /** The company's name, e.g. "Acme"; "the company" when absent. */
  organization?: string;
}

export function houseIdentity(options: HouseOptions): string {
  const owner = options.organization?.trim() ? `${options.organization.trim()}'s` : "the company's";
  return (
    `You are InHouse, ${owner} coding assistant. You know this code base and follow the house conventions.\n` +
    'When you use a numbered piece of context, cite it as [n]. When a house convention applies, cite it by its rule id in brackets, e.g. [rule-id]; cite only the rule ids listed here. ' +
    'If the context does not answer the question, say so instead of guessing.'
  );
}

/**
 * The applicable conventions as system-message parts: a header, then each rule's title line
 * (`rule:<id>`) and its text (`rule-text:<id>`), most binding first. Titles rank above the
 * context; a text ranks where `textPriority(i)` puts it, so under a tight budget the rules
 * shrink to their titles before the best code goes. A text never outlives its title (one chain).
 */
export function ruleParts(rules: readonly PromptRule[], options: { titlePriority: number; textPriority: (rank: number) => number; maxTokensEach: number }): PromptPart[] {
  if (rules.length === 0) return [];
  const parts: PromptPart[] = [{ id: 'rules-header', priority: options.titlePriority, text: '\n\nHouse conventions that apply:' }];
  rankedRules(rules).forEach((rule, i) => {
    parts.push({ id: `rule:${rule.id}`, priority: options.titlePriority - (i + 1) / 1000, text: `\n- [${rule.id}] (${rule.severity}) ${oneLine(rule.title)}`, chain: `rule:${rule.id}` });
    const body = rule.text.trim();
    if (body) {
      parts.push({
        id: `rule-text:${rule.id}`,
        priority: options.textPriority(i),
        text: `\n${indent(body, '  ')}`,
        maxTokens: options.maxTokensEach,
        chain: `rule:${rule.id}`,
      });
    }
  });
  return parts;
}

/** The rules in prompt order: one per id, most binding first. */
export function rankedRules<R extends PromptRule>(rules: readonly R[]): R[] {
  return rankRules(dedupeRules(rules));
}

/** One rule per id: the first wins (the loader lists the nearest, most specific first). */
export function dedupeRules<R extends PromptRule>(rules: readonly R[]): R[] {
  const seen = new Set<string>();
  return rules.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l.trim() ? pad + l.trimEnd() : ''))
    .join('\n');
}
