import type { Table } from '@lancedb/lancedb';
import picomatch from 'picomatch';
import { subwords } from '../indexing/identifiers';
import { languageForPath } from '../languages/registry';
import { loadRuleRows } from '../retrieval/chunkQueries';
import { ruleFromChunk, severityRank, type ConventionRule } from './conventionRule';

export interface ApplicableQuery {
  /** The file, relative to its root, forward slashes (`src/api/users.ts`). */
  path: string;
  /** Its language id (ours or VS Code's); derived from the path when absent. */
  language?: string;
  /** What the rules should be relevant to: a question, or the code around the cursor. */
  query?: string;
  /** At most this many rules; all that apply when absent. */
  limit?: number;
}

/** A rule written for this kind of file outranks a general one of up to this much more relevance (0..1). */
const SPECIFIC_BONUS = 0.5;
const K1 = 1.2;
const B = 0.75;
const WORD = /[\p{L}\p{N}_$]+/gu;
const STOPWORDS = new Set(
  ('a an and are as at be but by for from has have if in into is it its not of on or so such that the their then there ' +
    'these they this to was were will with we you your our use used using do does all any can when which who what how')
    .split(' '),
);
/** VS Code language ids and common short names → our registry's ids. */
const LANGUAGE_ALIASES: Record<string, string> = {
  typescriptreact: 'tsx', javascriptreact: 'javascript', ts: 'typescript', js: 'javascript', py: 'python',
  golang: 'go', rs: 'rust', rb: 'ruby', 'c++': 'cpp', 'c#': 'csharp', cs: 'csharp', md: 'markdown',
};
/** `applies: typescript` is meant for .tsx files too. */
const LANGUAGE_FAMILY: Record<string, string> = { tsx: 'typescript' };
/** A bare lower-case word is a language id; anything with a slash, dot or wildcard is a glob. */
const LANGUAGE_ID = /^[a-z][a-z0-9+#_-]*$/;

interface Entry {
  rule: ConventionRule;
  globs: ((path: string) => boolean)[];
  languages: Set<string>;
  terms: Map<string, number>;
  length: number;
}

/**
 * The house conventions in memory, after precedence and dedupe, and which of them apply to
 * a file. Rules are few, so this is plain arrays, rebuilt whenever the index changes.
 *
 * Precedence: workspace rules first, then libraries by name; within a source, by path and
 * line. A later rule with an id already taken is dropped (a workspace rule overrides a
 * library's by reusing its id), as is one whose text, normalised, is already present (the
 * same rule copied into two places). Two files of one source claiming one id is reported.
 */
export class ConventionBook {
  private readonly entries: Entry[];
  private readonly byId = new Map<string, Entry>();
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;
  /** Problems found while loading: broken frontmatter, clashing ids, bad globs. */
  readonly warnings: readonly string[];

  private constructor(rules: ConventionRule[]) {
    const warnings: string[] = [];
    const problems = new Set<string>();
    const seenText = new Map<string, Entry>();
    const entries: Entry[] = [];
    for (const rule of [...rules].sort(precedence)) {
      const problem = rule.problem && `Convention file ${where(rule)}: ${rule.problem}.`;
      if (problem && !problems.has(problem)) {
        problems.add(problem);
        warnings.push(problem);
      }
      const kept = this.byId.get(rule.id);
      if (kept) {
        if (kept.rule.source === rule.source && kept.rule.path !== rule.path) {
          warnings.push(`Convention rule id "${rule.id}" is defined in ${where(kept.rule)} and ${where(rule)}; the first is used.`);
        }
        continue;
      }
      const norm = normalise(rule.text);
      const same = seenText.get(norm);
      if (same) {
        // Either id still finds the rule, so an answer citing the copy's id is not left dangling.
        this.byId.set(rule.id, same);
        continue;
      }
      const entry = this.entry(rule, warnings);
      seenText.set(norm, entry);
      this.byId.set(rule.id, entry);
      entries.push(entry);
    }
    this.entries = entries;
    for (const e of entries) for (const t of e.terms.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    this.avgLength = entries.reduce((n, e) => n + e.length, 0) / Math.max(1, entries.length);
    this.warnings = warnings;
  }

  /** The rules in an index's chunks table. */
  static async load(table: Table): Promise<ConventionBook> {
    const rules: ConventionRule[] = [];
    for (const hit of await loadRuleRows(table)) {
      const rule = ruleFromChunk(hit);
      if (rule) rules.push(rule);
    }
    return new ConventionBook(rules);
  }

  static fromRules(rules: readonly ConventionRule[]): ConventionBook {
    return new ConventionBook([...rules]);
  }

  /** Every rule that survived precedence and dedupe, in precedence order. */
  get rules(): ConventionRule[] {
    return this.entries.map((e) => e.rule);
  }

  /** The rule with this id, or the rule it was merged into as a copy. */
  get(id: string): ConventionRule | undefined {
    return this.byId.get(id)?.rule;
  }

  /**
   * The rules that apply to a file, best first. A rule applies when one of its `applies`
   * globs matches the path or one of its language ids is the file's language; a rule with
   * no `applies` applies everywhere. Order: relevance to `query` (BM25 over title and text,
   * identifiers split, scaled to 0..1 by the best) plus a bonus for rules written for this
   * kind of file, so with no query those come first; then severity (must, should, may);
   * then precedence.
   */
  applicableRules(q: ApplicableQuery): ConventionRule[] {
    const path = q.path.replace(/\\/g, '/').replace(/^\.\//, '');
    const language = canonicalLanguage(q.language ?? languageForPath(path)?.id ?? '');
    const languages = new Set([language, LANGUAGE_FAMILY[language]].filter(Boolean));
    const candidates: { entry: Entry; specific: boolean; order: number }[] = [];
    this.entries.forEach((entry, order) => {
      if (!entry.globs.length && !entry.languages.size) {
        candidates.push({ entry, specific: false, order });
        return;
      }
      const specific = entry.globs.some((m) => m(path)) || [...entry.languages].some((l) => languages.has(l));
      if (specific) candidates.push({ entry, specific, order });
    });
    const queryTerms = [...new Set(terms(q.query ?? ''))];
    const raw = candidates.map((c) => this.bm25(c.entry, queryTerms));
    const best = Math.max(0, ...raw);
    const scored = candidates.map((c, i) => ({ ...c, score: (best > 0 ? raw[i] / best : 0) + (c.specific ? SPECIFIC_BONUS : 0) }));
    scored.sort(
      (a, b) => b.score - a.score || severityRank(a.entry.rule.severity) - severityRank(b.entry.rule.severity) || a.order - b.order,
    );
    return scored.slice(0, q.limit ?? scored.length).map((s) => s.entry.rule);
  }

  private bm25(e: Entry, queryTerms: string[]): number {
    const n = this.entries.length;
    let score = 0;
    for (const t of queryTerms) {
      const tf = e.terms.get(t);
      if (!tf) continue;
      const df = this.df.get(t) ?? 0;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * e.length) / (this.avgLength || 1)));
    }
    return score;
  }

  private entry(rule: ConventionRule, warnings: string[]): Entry {
    const globs: ((path: string) => boolean)[] = [];
    const languages = new Set<string>();
    for (const a of rule.applies) {
      if (LANGUAGE_ID.test(a)) {
        languages.add(canonicalLanguage(a));
        continue;
      }
      try {
        // A glob without a slash matches the base name anywhere, as in .gitignore.
        globs.push(picomatch(a.replace(/^\.\//, ''), { dot: true, debug: true, basename: !a.includes('/') }));
      } catch (err) {
        warnings.push(`Convention rule "${rule.id}" (${where(rule)}): applies "${a}" is not a valid glob (${(err as Error).message}); it matches nothing.`);
        globs.push(() => false);
      }
    }
    const words = terms(`${rule.title} ${rule.title} ${rule.text}`);
    const tf = new Map<string, number>();
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    return { rule, globs, languages, terms: tf, length: words.length };
  }
}

function precedence(a: ConventionRule, b: ConventionRule): number {
  const ws = (r: ConventionRule) => (r.source === 'workspace' ? 0 : 1);
  return ws(a) - ws(b) || cmp(a.source, b.source) || cmp(a.path, b.path) || a.startLine - b.startLine;
}

/** Byte order, like the crawler: the same on every machine. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function where(rule: ConventionRule): string {
  return rule.source === 'workspace' ? rule.path : `${rule.path} [${rule.source}]`;
}

function canonicalLanguage(id: string): string {
  const l = id.toLowerCase();
  return LANGUAGE_ALIASES[l] ?? l;
}

/** The same rule copied elsewhere: compared without its heading line, case, markup and spacing. */
function normalise(text: string): string {
  const lines = text.split('\n');
  if (/^\s{0,3}#{1,6}\s/.test(lines[0] ?? '')) lines.shift();
  return lines.join(' ').toLowerCase().replace(/[*_`>#]+/g, '').replace(/\s+/g, ' ').trim();
}

/** Words for relevance: identifiers split into subwords, stopwords out, a plural `s` off. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of text.match(WORD) ?? []) {
    const parts = subwords(word);
    if (parts.length > 1) parts.push(word.toLowerCase());
    for (const p of parts) {
      if (p.length < 2 || STOPWORDS.has(p) || /^\d+$/.test(p)) continue;
      out.push(p.length > 3 && p.endsWith('s') && !p.endsWith('ss') ? p.slice(0, -1) : p);
    }
  }
  return out;
}
