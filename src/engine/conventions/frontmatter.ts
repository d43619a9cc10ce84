import { parseSeverity, type Severity } from './conventionRule';

/** The frontmatter fields a convention file may set; any other key is allowed and ignored. */
export interface ConventionMeta {
  id?: string;
  title?: string;
  applies?: string[];
  severity?: Severity;
}

export interface Frontmatter {
  /** Rows before the body: the frontmatter with its fences, 0 when the file has none. */
  bodyStart: number;
  meta: ConventionMeta;
  /**
   * What is wrong, each naming the line. A syntax error drops every field (the block cannot
   * be trusted); a bad value drops only its field.
   */
  problems: string[];
  /** The block could not be read at all, so none of its fields count. */
  broken: boolean;
}

/** Ids are cited in answers and typed by people: no spaces, nothing that needs quoting. */
const ID = /^[A-Za-z0-9][\w.\/-]*$/;
const KEY = /^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*)|[ \t]*)$/;
const KNOWN = new Set(['id', 'title', 'applies', 'severity']);

class SyntaxProblem extends Error {}

/**
 * Reads a leading `---` … `---` (or `...`) block. It is YAML, of which convention files need
 * a small part: `key: value` pairs with plain, quoted, flow-list (`[a, b]`), block-list
 * (`- a`) and block-scalar (`|`, `>`) values, and comments. What needs more (anchors, tags,
 * flow maps, nested keys of the known fields) is reported, not guessed at. Values of unknown
 * keys are skipped unread, so frontmatter written for other tools passes.
 */
export function readFrontmatter(lines: string[]): Frontmatter {
  if (lines.length === 0 || lines[0].trim() !== '---') return { bodyStart: 0, meta: {}, problems: [], broken: false };
  let end = -1;
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i].trimEnd();
    if (t === '---' || t === '...') {
      end = i;
      break;
    }
  }
  if (end < 0) {
    // Everything after the opening fence stays in the body: nothing the author wrote is dropped.
    return { bodyStart: 1, meta: {}, problems: ["the frontmatter opened on line 1 is never closed by a '---' line"], broken: true };
  }
  const raw = new Map<string, { value: string | string[]; line: number }>();
  try {
    let i = 1;
    while (i < end) {
      const line = lines[i];
      if (line.trim() === '' || /^\s*#/.test(line)) {
        i++;
        continue;
      }
      const m = KEY.exec(line);
      if (!m) throw new SyntaxProblem(`line ${i + 1} is not "key: value" (${quote(line)})`);
      const key = m[1];
      const at = i + 1;
      const rest = stripComment(m[2] ?? '');
      i++;
      const block: string[] = [];
      while (i < end && (lines[i].trim() === '' || /^[ \t]/.test(lines[i]))) block.push(lines[i++]);
      if (raw.has(key)) throw new SyntaxProblem(`line ${at} repeats the key "${key}"`);
      raw.set(key, { value: KNOWN.has(key) ? parseValue(rest, block, at) : '', line: at });
    }
  } catch (err) {
    if (!(err instanceof SyntaxProblem)) throw err;
    return { bodyStart: end + 1, meta: {}, problems: [`the frontmatter is not valid YAML: ${err.message}`], broken: true };
  }

  const meta: ConventionMeta = {};
  const problems: string[] = [];
  const str = (key: string): { text: string; line: number } | undefined => {
    const f = raw.get(key);
    if (!f) return undefined;
    if (Array.isArray(f.value)) {
      problems.push(`line ${f.line}: "${key}" must be a single value, not a list; it is ignored`);
      return undefined;
    }
    return { text: f.value.trim(), line: f.line };
  };
  const id = str('id');
  if (id) {
    if (ID.test(id.text)) meta.id = id.text;
    else problems.push(`line ${id.line}: id ${quote(id.text)} may hold only letters, digits, '.', '_', '-' and '/'; it is ignored`);
  }
  const title = str('title');
  if (title?.text) meta.title = title.text;
  const severity = str('severity');
  if (severity?.text) {
    const s = parseSeverity(severity.text);
    if (s) meta.severity = s;
    else problems.push(`line ${severity.line}: severity ${quote(severity.text)} is not one of must, should, may (or error, warning, info, hint); it is ignored`);
  }
  const applies = raw.get('applies');
  if (applies) {
    const list = (Array.isArray(applies.value) ? applies.value : splitTopLevel(applies.value)).map((a) => a.trim()).filter(Boolean);
    meta.applies = list;
  }
  return { bodyStart: end + 1, meta, problems, broken: false };
}

function parseValue(rest: string, block: string[], line: number): string | string[] {
  const content = block.filter((l) => l.trim() !== '' && !/^\s*#/.test(l));
  if (rest.startsWith('[')) {
    const flow = [rest, ...content.map((l) => stripComment(l.trim()))].join(' ').trim();
    if (!flow.endsWith(']')) throw new SyntaxProblem(`line ${line}: the list opened with '[' is never closed`);
    return splitTopLevel(flow.slice(1, -1)).map((item) => scalar(item.trim(), line)).filter((s) => s !== '');
  }
  if (rest === '|' || rest === '>' || /^[|>][+-]?$/.test(rest)) {
    const texts = block.map((l) => l.trim());
    return rest.startsWith('|') ? texts.join('\n').trim() : texts.filter(Boolean).join(' ');
  }
  if (rest === '') {
    if (content.length === 0) return '';
    const items = content.map((l) => /^\s*-(?:\s+(.*)|\s*)$/.exec(l));
    if (items.every(Boolean)) return items.map((m) => scalar(stripComment(m?.[1] ?? ''), line)).filter((s) => s !== '');
    if (items.some(Boolean)) throw new SyntaxProblem(`line ${line}: a list mixes "- item" lines with other lines`);
    if (content.some((l) => KEY.test(l.trim()))) throw new SyntaxProblem(`line ${line}: nested keys are not supported here`);
    return content.map((l) => l.trim()).join(' ');
  }
  // A plain value may continue on indented lines (YAML folds them with spaces).
  const continued = [rest, ...content.map((l) => stripComment(l.trim()))].join(' ');
  return scalar(continued, line);
}

function scalar(s: string, line: number): string {
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new SyntaxProblem(`line ${line}: a "quoted" value is not closed`);
    try {
      return JSON.parse(s) as string;
    } catch {
      throw new SyntaxProblem(`line ${line}: the "quoted" value has a bad escape`);
    }
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new SyntaxProblem(`line ${line}: a 'quoted' value is not closed`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[{&*!%@`|>]/.test(s)) throw new SyntaxProblem(`line ${line}: ${quote(s)} starts with '${s[0]}', which YAML reserves; quote the value`);
  if (/:(\s|$)/.test(s)) throw new SyntaxProblem(`line ${line}: ${quote(s)} holds ': ', which YAML reads as a nested key; quote the value`);
  return s;
}

/** Drops a trailing ` # comment` outside quotes. */
function stripComment(s: string): string {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i).trim();
  }
  return s.trim();
}

/** Splits at commas outside quotes, brackets and braces (globs such as `*.{ts,tsx}` stay whole). */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q: string | undefined;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.filter((x) => x.trim() !== '');
}

function quote(s: string): string {
  const t = s.trim();
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 57)}...` : t);
}
