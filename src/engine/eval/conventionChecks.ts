/**
 * House conventions that a machine can check on a completion. A rule declares them in its own
 * markdown, in a fenced block tagged `inhouse-check`, so a check lives with the rule it enforces,
 * takes the rule's `applies` and severity, needs no new frontmatter syntax, and travels through
 * the index unchanged (a rule chunk keeps its text verbatim):
 *
 * ````markdown
 * ## No dynamic code {#no-eval severity=must}
 * Never build code from strings.
 * ```inhouse-check
 * banned: [eval, new Function, console.log]   # names, matched whole (not `evaluate`)
 * forbid: /\bvar\s/                            # a regex (or plain text) the code must not contain
 * naming.function: camelCase                   # camelCase | PascalCase | snake_case | UPPER_CASE | /regex/
 * naming.class: PascalCase
 * naming.variable: camelCase                   # `const`s may also be UPPER_CASE
 * ```
 * ````
 *
 * Keys may repeat (their values add up); `#` starts a comment. Checks are textual: a banned name
 * in a comment or a string counts too. A completion is charged only with what it touches: a
 * match must overlap the inserted text, in the completed line(s) (the cursor's line before it,
 * the completion, the rest of the line after it), so what the file already had is not its fault.
 */
import { ConventionBook } from '../conventions/conventionBook';
import type { ConventionRule } from '../conventions/conventionRule';
import { splitTopLevel } from '../conventions/frontmatter';
import type { Violation } from './evalTypes';

export type NamingKind = 'function' | 'class' | 'variable';

export interface ConventionCheck {
  ruleId: string;
  banned: { name: string; re: RegExp }[];
  forbid: { text: string; re: RegExp }[];
  naming: { kind: NamingKind; style: string; re: RegExp }[];
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*inhouse-check\s*$/;
const STYLES: Record<string, RegExp> = {
  camelcase: /^[a-z][a-zA-Z0-9]*$/,
  pascalcase: /^[A-Z][a-zA-Z0-9]*$/,
  snake_case: /^[a-z][a-z0-9_]*$/,
  upper_case: /^[A-Z][A-Z0-9_]*$/,
  screaming_snake_case: /^[A-Z][A-Z0-9_]*$/,
};
const KINDS: readonly NamingKind[] = ['function', 'class', 'variable'];

/** The checks a rule's text declares (undefined when none), and what could not be read. */
export function checksOf(rule: Pick<ConventionRule, 'id' | 'text'>): { check?: ConventionCheck; problems: string[] } {
  const problems: string[] = [];
  const check: ConventionCheck = { ruleId: rule.id, banned: [], forbid: [], naming: [] };
  const lines = rule.text.split('\n');
  let found = false;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    found = true;
    const marker = open[1];
    for (i++; i < lines.length; i++) {
      const line = lines[i];
      const t = line.trim();
      if (t.length >= marker.length && t === marker[0].repeat(t.length)) break;
      const text = stripComment(line).trim();
      if (!text) continue;
      const colon = text.indexOf(':');
      if (colon < 0) {
        problems.push(`"${text}" is not "key: value"`);
        continue;
      }
      const key = text.slice(0, colon).trim().toLowerCase();
      const value = text.slice(colon + 1).trim();
      if (key === 'banned') {
        for (const name of listOf(value)) check.banned.push({ name, re: wholeName(name) });
      } else if (key === 'forbid') {
        const re = patternOf(value, problems);
        if (re) check.forbid.push({ text: value, re });
      } else if (key.startsWith('naming.')) {
        const kind = key.slice('naming.'.length) as NamingKind;
        if (!KINDS.includes(kind)) {
          problems.push(`naming.${kind} is not one of ${KINDS.map((k) => `naming.${k}`).join(', ')}`);
          continue;
        }
        const re = STYLES[value.toLowerCase()] ?? (value.startsWith('/') ? patternOf(value, problems) : undefined);
        if (!re) {
          if (!value.startsWith('/')) problems.push(`naming style "${value}" is not camelCase, PascalCase, snake_case, UPPER_CASE or a /regex/`);
          continue;
        }
        check.naming.push({ kind, style: value, re: new RegExp(`^(?:${re.source.replace(/^\^|\$$/g, '')})$`, re.flags.replace(/[gy]/g, '')) });
      } else {
        problems.push(`unknown key "${key}" (use banned, forbid, naming.function, naming.class, naming.variable)`);
      }
    }
  }
  if (!found) return { problems };
  const any = check.banned.length + check.forbid.length + check.naming.length > 0;
  return any ? { check, problems } : { problems };
}

function listOf(value: string): string[] {
  const inner = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  return splitTopLevel(inner)
    .map((s) => s.trim().replace(/^(["'])(.*)\1$/, '$2'))
    .filter(Boolean);
}

/** A name matched whole: `eval` is not in `evaluate` or `myeval`. */
function wholeName(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  const start = /^[\w$]/.test(name) ? '(?<![\\w$])' : '';
  const end = /[\w$]$/.test(name) ? '(?![\\w$])' : '';
  return new RegExp(`${start}${escaped}${end}`, 'g');
}

/** `/source/flags` as a regex, anything else as literal text. */
function patternOf(value: string, problems: string[]): RegExp | undefined {
  const m = /^\/(.*)\/([a-z]*)$/.exec(value);
  if (!m) return new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
  try {
    return new RegExp(m[1], `${m[2].replace(/[gdy]/g, '')}g`);
  } catch (err) {
    problems.push(`${value} is not a valid regular expression (${(err as Error).message})`);
    return undefined;
  }
}

function stripComment(line: string): string {
  // A `#` starts a comment only after whitespace, so `/#\w+/` and `a#b` survive.
  const m = /(^|\s)#.*$/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

/** Declarations whose names the naming checks read; group 1 is the name. */
const DECLARATIONS: { kind: NamingKind; re: RegExp; languages?: string[] }[] = [
  { kind: 'function', re: /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)/dg },
  { kind: 'function', re: /\bdef\s+(?:self\.)?([A-Za-z_]\w*[?!]?)/dg },
  { kind: 'function', re: /\bfunc\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/dg, languages: ['go'] },
  { kind: 'function', re: /\bfn\s+([A-Za-z_]\w*)/dg, languages: ['rust'] },
  { kind: 'class', re: /\b(?:class|interface|enum|struct|trait)\s+([A-Za-z_$][\w$]*)/dg },
  { kind: 'class', re: /\btype\s+([A-Za-z_$][\w$]*)\s*(?:<[^>]*>\s*)?=/dg, languages: ['typescript', 'tsx'] },
  { kind: 'variable', re: /\b(?:let|var|const)\s+(?:mut\s+)?([A-Za-z_$][\w$]*)/dg },
  { kind: 'variable', re: /^[ \t]*([A-Za-z_]\w*)[ \t]*=(?!=)/dgm, languages: ['python'] },
  { kind: 'variable', re: /\b([A-Za-z_]\w*)\s*:=/dg, languages: ['go'] },
];
const CONSTANT = STYLES.upper_case;

/** The checks of every rule, and which apply to a file. */
export class ConventionChecker {
  private readonly checks = new Map<string, ConventionCheck>();
  private readonly book: ConventionBook;
  readonly warnings: string[] = [];

  constructor(rules: readonly ConventionRule[]) {
    const withChecks: ConventionRule[] = [];
    for (const rule of rules) {
      const { check, problems } = checksOf(rule);
      for (const p of problems) this.warnings.push(`Convention rule "${rule.id}" (${rule.path}): inhouse-check: ${p}; it is ignored.`);
      if (!check) continue;
      this.checks.set(rule.id, check);
      withChecks.push(rule);
    }
    this.book = ConventionBook.fromRules(withChecks);
  }

  /** Ids of the rules with at least one check. */
  get ruleIds(): string[] {
    return [...this.checks.keys()].sort();
  }

  /** What the completion breaks, of the checks of the rules that apply to the file. */
  check(where: { path: string; language: string; prefix: string; suffix: string }, completion: string): Violation[] {
    if (!completion || this.checks.size === 0) return [];
    const before = where.prefix.slice(where.prefix.lastIndexOf('\n') + 1);
    const nl = where.suffix.indexOf('\n');
    const after = nl < 0 ? where.suffix : where.suffix.slice(0, nl);
    const text = before + completion + after;
    const from = before.length;
    const to = from + completion.length;
    const touches = (s: number, e: number) => s < to && e > from;
    const out: Violation[] = [];
    for (const rule of this.book.applicableRules({ path: where.path, language: where.language })) {
      const check = this.checks.get(rule.id);
      if (!check) continue;
      for (const b of check.banned) {
        for (const m of text.matchAll(b.re)) if (touches(m.index, m.index + m[0].length)) out.push({ ruleId: rule.id, check: 'banned', text: b.name });
      }
      for (const f of check.forbid) {
        for (const m of text.matchAll(f.re)) if (m[0] && touches(m.index, m.index + m[0].length)) out.push({ ruleId: rule.id, check: 'forbid', text: m[0] });
      }
      for (const n of check.naming) {
        for (const d of DECLARATIONS) {
          if (d.kind !== n.kind || (d.languages && !d.languages.includes(where.language))) continue;
          d.re.lastIndex = 0;
          for (const m of text.matchAll(d.re)) {
            const [s, e] = m.indices![1];
            const name = m[1].replace(/^_+/, '').replace(/[?!]$/, '');
            if (!name || !touches(s, e) || n.re.test(name)) continue;
            if (n.kind === 'variable' && /\bconst\s/.test(m[0]) && CONSTANT.test(name)) continue;
            out.push({ ruleId: rule.id, check: `naming.${n.kind}`, text: m[1] });
          }
        }
      }
    }
    return out;
  }
}
