import type { ConventionRule, Severity } from '../conventions/conventionRule';
import { houseIdentity } from '../prompts/houseIdentity';
import type { ChatSample } from './datasetTypes';
import { rngFor } from './seededRandom';

const SEVERITY_WORDS: Record<Severity, string> = { must: 'required', should: 'recommended', may: 'optional' };
const LANGUAGE_NAMES: Record<string, string> = {
  typescript: 'TypeScript', tsx: 'TSX', javascript: 'JavaScript', python: 'Python', go: 'Go', java: 'Java', rust: 'Rust',
  c: 'C', cpp: 'C++', csharp: 'C#', ruby: 'Ruby', php: 'PHP', markdown: 'Markdown',
};
const LANGUAGE_ID = /^[a-z][a-z0-9+#_-]*$/;

/**
 * One chat pair per house convention: a question a developer would ask, generated from the rule's
 * title and scope (the template picked by the seed and the rule id), and an answer grounded in the
 * rule's own text that cites it by id in brackets, as the chat answers do. Pairs are split by the
 * rule's file, so a validation rule is never seen in training.
 */
export function conventionSamples(rules: readonly ConventionRule[], options: { seed: number; organization?: string }): ChatSample[] {
  const out: ChatSample[] = [];
  for (const rule of rules) {
    const body = ruleBody(rule.text);
    if (!body) continue;
    const title = rule.title.trim() || rule.id;
    const scope = scopeOf(rule.applies);
    const templates = [
      `What is the house rule on ${quoteTitle(title)}?`,
      `What do our conventions say about ${lowerFirst(title)}?`,
      `I'm working on ${scope ?? 'code in this repository'}. What does the house convention ${quoteTitle(title)} ask of me?`,
    ];
    const question = templates[rngFor(options.seed, `rule:${rule.id}`).int(0, templates.length - 1)];
    const lines = [`Follow the house convention [${rule.id}] (${SEVERITY_WORDS[rule.severity]}): ${title}.`, '', body];
    if (scope) lines.push('', `It applies to ${scope}.`);
    out.push({
      format: 'chat',
      source: 'convention',
      kind: 'chat',
      splitKey: `rule:${rule.source}:${rule.path}`,
      language: '',
      path: rule.path,
      messages: [
        { role: 'system', content: houseIdentity({ organization: options.organization }) },
        { role: 'user', content: question },
        { role: 'assistant', content: lines.join('\n') },
      ],
      ruleIds: [rule.id],
      dedupeText: `${question}\u0000${body}`,
    });
  }
  return out;
}

/** The rule's markdown without its heading line. */
function ruleBody(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/^\s*#{1,6}[^\n]*\n/, '').trim();
}

function scopeOf(applies: readonly string[]): string | undefined {
  if (!applies.length) return undefined;
  const parts = applies.map((a) => (LANGUAGE_ID.test(a) ? `${LANGUAGE_NAMES[a] ?? a} code` : `files matching \`${a}\``));
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** Lower-cases the first word unless it is a name (a language, an acronym, an identifier). */
function lowerFirst(s: string): string {
  const first = s.split(/\s/, 1)[0];
  if (/^[A-Z][a-z]+$/.test(first) && !Object.values(LANGUAGE_NAMES).includes(first)) return s[0].toLowerCase() + s.slice(1);
  return s;
}

function quoteTitle(s: string): string {
  return `"${s.replace(/"/g, "'")}"`;
}
