/**
 * The SYSTEM prompt baked into the house model: who it is, and the house conventions that bind
 * most, each condensed to one line. InHouse's own requests send a fuller system message with the
 * rules that apply to the file at hand (which replaces this one); this prompt is what the model
 * knows when it is used on its own (`ollama run`, other tools).
 */
import { houseIdentity, oneLine, rankedRules, type HouseOptions } from '../prompts/houseIdentity';
import type { PromptRule } from '../prompts/promptTypes';

export interface HouseSystemOptions extends HouseOptions {
  /** At most this many rules; default 15. */
  maxRules?: number;
  /** Rough bound on the whole prompt, in characters; default 4000 (about 1000 tokens). */
  maxChars?: number;
  /** Longest line per rule; default 240 characters. */
  maxRuleChars?: number;
}

/**
 * The house identity, then the most binding rules (must, then should, then may; the caller's
 * order within a severity) as `- [id] (severity) Title: first sentence.` until a bound is hit.
 * A Modelfile cannot hold `"""` inside a triple-quoted value, so any is written `'''`.
 */
export function houseSystemPrompt(rules: readonly PromptRule[], options: HouseSystemOptions = {}): string {
  const maxRules = options.maxRules ?? 15;
  const maxChars = options.maxChars ?? 4000;
  const maxRuleChars = options.maxRuleChars ?? 240;
  let text = houseIdentity(options);
  const ranked = rankedRules(rules);
  if (ranked.length > 0) {
    text += '\n\nHouse conventions, most binding first:';
    let kept = 0;
    for (const rule of ranked) {
      if (kept >= maxRules) break;
      const line = `\n- ${ruleLine(rule, maxRuleChars)}`;
      if (text.length + line.length > maxChars) break;
      text += line;
      kept++;
    }
    const left = ranked.length - kept;
    if (left > 0) text += `\n(${left} more convention${left === 1 ? '' : 's'} apply; InHouse sends the ones that matter with each request.)`;
  }
  return modelfileSafe(text);
}

/** `[id] (must) Title: the rule's first sentence`, cut at `max` characters. */
export function ruleLine(rule: PromptRule, max: number): string {
  const head = `[${rule.id}] (${rule.severity}) ${oneLine(rule.title)}`;
  const gist = firstSentence(ruleBody(rule));
  const line = gist && !sameText(gist, rule.title) ? `${head}: ${gist}` : head;
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/** The rule's text without its heading line, code blocks and markup. */
function ruleBody(rule: PromptRule): string {
  const lines = rule.text.split('\n');
  if (/^\s{0,3}#{1,6}\s/.test(lines[0] ?? '')) lines.shift();
  return oneLine(
    lines
      .join('\n')
      .replace(/```[\s\S]*?(```|$)/g, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/^\s{0,3}#{1,6}\s+/gm, '')
      .replace(/^\s*[-*+]\s+/gm, '')
      .replace(/\*\*|__/g, ''),
  );
}

function firstSentence(text: string): string {
  const m = /^.+?[.!?](?=\s|$)/.exec(text);
  return (m ? m[0] : text).trim();
}

function sameText(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  return norm(a) === norm(b);
}

/** A Modelfile's triple-quoted value ends at the first `"""`; there is no escape for it. */
export function modelfileSafe(text: string): string {
  return text.replace(/"""/g, "'''");
}
