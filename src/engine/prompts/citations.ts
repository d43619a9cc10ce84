import type { PackResult, PromptPart } from './budgetPacker';
import { countLines } from './budgetPacker';
import { oneLine } from './houseIdentity';
import { snippetId, type Citation, type PromptSnippet } from './promptTypes';

/**
 * Retrieved code as numbered, fenced prompt parts. Parts are numbered by rank before packing;
 * {@link numberCitations} renumbers the kept ones 1..n in prompt order afterwards, so the
 * numbers the model sees have no gaps and match the citation table.
 */
export interface SnippetDraft {
  partId: string;
  snippet: PromptSnippet;
  label?: string;
  head: string;
}

export interface SnippetPartOptions {
  priority: number;
  maxTokens: number;
  /** Shown after the symbol, e.g. "called by the selection". */
  label?: string;
}

export function snippetPart(snippet: PromptSnippet, rank: number, options: SnippetPartOptions): { part: PromptPart; draft: SnippetDraft } {
  const partId = `snippet:${rank}`;
  const head = `\n\n${citationHeader(rank, snippet, snippet.endLine, options.label)}\n${fence(snippet.text)}${fenceLanguage(snippet.language)}\n`;
  const text = snippet.text.replace(/\n+$/, '');
  const part: PromptPart = {
    id: partId,
    priority: options.priority,
    head,
    text,
    tail: `\n${fence(snippet.text)}`,
    maxTokens: options.maxTokens,
    truncate: {
      cut: 'end',
      by: 'lines',
      minTokens: 48,
      note: (kept, total) => `(${total - kept} more lines of this code left out)`,
    },
  };
  return { part, draft: { partId, snippet, label: options.label, head } };
}

/** Renumbers the kept snippets in prompt order; returns their final texts and the citation table. */
export function numberCitations(packed: PackResult, drafts: readonly SnippetDraft[]): { texts: Map<string, string>; citations: Citation[] } {
  const byId = new Map(drafts.map((d) => [d.partId, d]));
  const texts = new Map<string, string>();
  const citations: Citation[] = [];
  for (const p of packed.parts) {
    const d = byId.get(p.id);
    if (!d) continue;
    const s = d.snippet;
    const n = citations.length + 1;
    // The lines shown, when the text is those lines (an outline is not, and keeps its range).
    const literal = countLines(s.text.replace(/\n+$/, '')) === s.endLine - s.startLine + 1;
    const endLine = p.outcome === 'truncated' && literal ? s.startLine + p.keptLines - 1 : s.endLine;
    const head = d.head.replace(/^\n\n[^\n]*/, `\n\n${citationHeader(n, s, endLine, d.label)}`);
    texts.set(p.id, head + p.text.slice(d.head.length));
    citations.push({ n, id: snippetId(s), path: s.path, startLine: s.startLine, endLine, source: s.source, symbol: s.symbol });
  }
  return { texts, citations };
}

function citationHeader(n: number, s: PromptSnippet, endLine: number, label?: string): string {
  const lines = endLine > s.startLine ? `${s.startLine}-${endLine}` : `${s.startLine}`;
  const what = [s.symbol ? `${s.kind ? `${s.kind} ` : ''}${oneLine(s.symbol)}` : '', label ?? ''].filter(Boolean).join(', ');
  return `[${n}] ${s.path}:${lines} (${s.source})${what ? ` — ${what}` : ''}`;
}

/** A fence longer than any backtick run in the text, so the code cannot close it. */
export function fence(text: string): string {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 96) longest = Math.max(longest, ++run);
    else run = 0;
  }
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The fence info string: our language ids are markdown's (typescript, python, csharp, cpp…). */
export function fenceLanguage(language: string): string {
  const id = language.trim().toLowerCase();
  return /^[a-z0-9_+#-]*$/.test(id) ? id : '';
}
