/**
 * The shapes the prompt builders accept, kept structural so retrieval's ContextSnippet and
 * SearchHit, and the conventions loader's rules, can be passed as they are.
 */

/** A piece of the code base: a ContextSnippet, or a SearchHit (whose `qualifiedName` is `symbol`). */
export interface PromptSnippet {
  path: string;
  startLine: number;
  endLine: number;
  source: string;
  language: string;
  symbol: string;
  kind: string;
  text: string;
  reason?: 'definition' | 'enclosing' | 'similar';
  /** Stable id (a chunk id); `path:startLine-endLine` when absent. */
  id?: string;
}

export type RuleSeverity = 'must' | 'should' | 'may';

/** A house convention, as the conventions loader reads it. */
export interface PromptRule {
  id: string;
  title: string;
  text: string;
  severity: RuleSeverity;
  source: string;
  path: string;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** An Ollama /api/chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What `[n]` in an answer refers to: the lines the model was shown. */
export interface Citation {
  n: number;
  /** The cited snippet's id ({@link snippetId}). */
  id: string;
  path: string;
  startLine: number;
  endLine: number;
  source: string;
  symbol: string;
}

export function snippetId(s: PromptSnippet): string {
  return s.id ?? `${s.path}:${s.startLine}-${s.endLine}`;
}

const SEVERITY_RANK: Record<RuleSeverity, number> = { must: 0, should: 1, may: 2 };

/** Rules most binding first (must, should, may), in the caller's order within a severity. */
export function rankRules<R extends PromptRule>(rules: readonly R[]): R[] {
  return rules
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => (SEVERITY_RANK[a.rule.severity] ?? 3) - (SEVERITY_RANK[b.rule.severity] ?? 3) || a.index - b.index)
    .map((e) => e.rule);
}
