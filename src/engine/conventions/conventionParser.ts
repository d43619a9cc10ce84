import type { Chunk } from '../indexing/chunk';
import { chunkMarkdown } from '../indexing/markdownChunker';
import { conventionFileId, defaultApplies, type ConventionFileKind } from './conventionFiles';
import { DEFAULT_SEVERITY, encodeRuleMeta, parseSeverity, type Severity } from './conventionRule';
import { readFrontmatter, splitTopLevel } from './frontmatter';

export interface ParsedConventions {
  /** `rule` chunks, plus ordinary markdown chunks for text that is no rule (an intro). */
  chunks: Chunk[];
  /** Problems, each naming the file; the file's rules are still returned. */
  warnings: string[];
}

/**
 * Splits a convention file into rules with stable ids.
 *
 * Frontmatter (optional, YAML): `id`, `title`, `applies` (globs over root-relative paths or
 * language ids, a list or one comma-separated string) and `severity` (must | should | may;
 * error, warning, info and hint are read as must, should, may, may). `title` names the rule
 * of a single-rule file; `applies` and `severity` are defaults for every rule in the file.
 *
 * Rules and their ids. The file id comes from the path (conventionFileId): `errors` for
 * `.inhouse/conventions/errors.md`, `contributing` for `CONTRIBUTING.md`.
 * - A file whose frontmatter sets `id` is one rule with that id; its headings are its structure.
 * - Otherwise the rule headings split it. A lone first heading at the top level (the only one
 *   at that level) is the file's title, not a rule. House and docs files: the rule headings are
 *   the headings at the shallowest remaining level, and each rule runs to the next of them, sub-
 *   headings included. Well-known files (CONTRIBUTING.md, …): every heading with text of its
 *   own is a rule, running to the next heading of any level.
 * - With two or more rule headings each rule's id is `<file-id>/<slug>`, where the slug is the
 *   heading's text lower-cased with every run of other characters turned into '-' (`Wrap errors
 *   with %w` → `wrap-errors-with-w`); in well-known files it is the slugs of the heading path
 *   below the title (`contributing/code-style/naming`). A repeated slug in one file gets `-2`,
 *   `-3`, in order. With one rule heading or none, the whole file is one rule, id `<file-id>`.
 * - A heading may give its rule an explicit id, used as written, and its own severity and
 *   applies: `## Wrap errors {#wrap-errors severity=must applies="src/api/**,go"}`; written inside
 *   an HTML comment (`<!-- {#wrap-errors} -->`) the block stays invisible when rendered.
 * An id therefore changes only when its own heading (or a parent heading, in well-known files),
 * the file's name, or the rule's explicit id changes; editing other rules' text never moves it.
 * For ids that must survive renames too, use explicit ids.
 *
 * Severity, most specific first: the heading's attribute, the frontmatter, the strongest RFC
 * 2119 keyword written in capitals in the rule (MUST, SHALL, REQUIRED; SHOULD, RECOMMENDED;
 * MAY, OPTIONAL; outside code fences), else `should`. Applies: the heading's attribute, the
 * frontmatter, else where the file sits (defaultApplies).
 *
 * Broken frontmatter is reported by file name; the file's rules then load as if it had none,
 * and each rule keeps the problem so it is reported again whenever the rules are loaded.
 */
export function parseConventionFile(relPath: string, lines: string[], kind: ConventionFileKind, maxChunkLines: number): ParsedConventions {
  const fm = readFrontmatter(lines);
  const consequence = fm.broken ? '; the frontmatter is ignored and the rules load with the default id, severity and applies' : '';
  const problem = fm.problems.length ? `${fm.problems.join('; ')}${consequence}` : undefined;
  const warnings = problem ? [`Convention file ${relPath}: ${problem}.`] : [];
  const fileId = fm.meta.id ?? conventionFileId(relPath, kind);
  const fileApplies = fm.meta.applies ?? defaultApplies(relPath, kind);
  const headings = findHeadings(lines, fm.bodyStart);

  const top = Math.min(...headings.map((h) => h.level));
  const isTitle = headings.length > 1 && headings[0].level === top && headings.filter((h) => h.level === top).length === 1;
  const below = isTitle ? headings.slice(1) : headings;
  const sections = fm.meta.id ? [] : kind === 'wellKnown' ? leafSections(lines, below) : levelSections(lines, below);

  // Attribute blocks are markup for InHouse, not part of the rule a model reads.
  const clean = lines.slice();
  for (const h of headings) if (h.attrs) clean[h.row] = h.attrs.cleanLine;

  const rule = (start: number, end: number, id: string, title: string, attrs: HeadingAttrs | undefined): Chunk => {
    const body = clean.slice(start, end + 1);
    const severity = attrs?.severity ?? fm.meta.severity ?? inferSeverity(body) ?? DEFAULT_SEVERITY;
    return {
      kind: 'rule',
      shape: 'whole',
      name: id,
      qualifiedName: id,
      parent: '',
      startLine: start + 1,
      endLine: end + 1,
      signature: title,
      doc: encodeRuleMeta({ severity, applies: attrs?.applies ?? fileApplies, problem }),
      text: body.join('\n'),
      refs: [],
    };
  };

  const chunks: Chunk[] = [];
  for (const h of headings) for (const p of h.attrs?.problems ?? []) warnings.push(`Convention file ${relPath}: line ${h.row + 1}: ${p}.`);

  if (sections.length <= 1) {
    const [start, end] = trimRows(lines, fm.bodyStart, lines.length - 1);
    if (end < start) {
      warnings.push(`Convention file ${relPath} holds no rule text.`);
      return { chunks, warnings };
    }
    // The file's title names the rule; without one, its only rule heading does.
    const named = isTitle ? headings[0] : sections[0]?.heading ?? headings[0];
    const attrs = named?.attrs ?? sections[0]?.heading.attrs;
    const id = fm.meta.id ?? attrs?.id ?? fileId;
    const title = fm.meta.title ?? named?.title ?? humanize(fileId);
    chunks.push(rule(start, end, id, title, attrs));
    return { chunks, warnings };
  }

  // The intro before the first rule stays searchable as ordinary markdown.
  const [ps, pe] = trimRows(lines, fm.bodyStart, sections[0].start - 1);
  if (pe >= ps) {
    for (const c of chunkMarkdown(lines.slice(ps, pe + 1), maxChunkLines)) {
      chunks.push({ ...c, startLine: c.startLine + ps, endLine: c.endLine + ps });
    }
  }
  const used = new Set<string>();
  for (const s of sections) {
    let id = s.heading.attrs?.id;
    if (id && used.has(id)) {
      warnings.push(`Convention file ${relPath}: line ${s.heading.row + 1} repeats the id "${id}"; a suffix is added.`);
    }
    id ??= `${fileId}/${s.slugPath.join('/')}`;
    const base = id;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    chunks.push(rule(s.start, s.end, id, s.titlePath.join(' > '), s.heading.attrs));
  }
  return { chunks, warnings };
}

interface HeadingAttrs {
  /** The heading line without its attribute block. */
  cleanLine: string;
  id?: string;
  severity?: Severity;
  applies?: string[];
  problems: string[];
}

interface Heading {
  row: number;
  level: number;
  title: string;
  /** Rows the heading occupies (2 for a setext underline). */
  height: number;
  attrs?: HeadingAttrs;
}

interface Section {
  heading: Heading;
  start: number;
  end: number;
  titlePath: string[];
  slugPath: string[];
}

/** Each heading at the shallowest level runs to the next one; deeper headings belong to it. */
function levelSections(lines: string[], headings: Heading[]): Section[] {
  if (!headings.length) return [];
  const level = Math.min(...headings.map((h) => h.level));
  const heads = headings.filter((h) => h.level === level);
  return heads.map((h, i) => ({
    heading: h,
    start: h.row,
    end: trimRows(lines, h.row, (i + 1 < heads.length ? heads[i + 1].row : lines.length) - 1)[1],
    titlePath: [h.title],
    slugPath: [slugify(h.title)],
  }));
}

/** Every heading runs to the next heading of any level; one with no text of its own is no rule. */
function leafSections(lines: string[], headings: Heading[]): Section[] {
  const out: Section[] = [];
  const stack: Heading[] = [];
  headings.forEach((h, i) => {
    while (stack.length && stack[stack.length - 1].level >= h.level) stack.pop();
    stack.push(h);
    const end = trimRows(lines, h.row, (i + 1 < headings.length ? headings[i + 1].row : lines.length) - 1)[1];
    if (end < h.row + h.height) return;
    out.push({ heading: h, start: h.row, end, titlePath: stack.map((s) => s.title), slugPath: stack.map((s) => slugify(s.title)) });
  });
  return out;
}

/** Rows `start..end` without leading and trailing blank lines; end < start when all are blank. */
function trimRows(lines: string[], start: number, end: number): [number, number] {
  while (start <= end && lines[start].trim() === '') start++;
  while (end >= start && lines[end].trim() === '') end--;
  return [start, end];
}

/** ATX and setext headings outside code fences, from row `from`. */
function findHeadings(lines: string[], from: number): Heading[] {
  const out: Heading[] = [];
  let fence: string | undefined;
  for (let row = from; row < lines.length; row++) {
    const line = lines[row];
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1];
      if (!fence) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      continue;
    }
    if (fence) continue;
    const atx = /^(\s{0,3}#{1,6}\s+)(.*?)\s*#*\s*$/.exec(line);
    if (atx) {
      out.push(withAttrs({ row, level: atx[1].trim().length, title: atx[2].trim(), height: 1 }, line));
      continue;
    }
    const next = lines[row + 1];
    if (next !== undefined && line.trim() !== '' && /^\s{0,3}(=+|-+)\s*$/.test(next) && !/^\s{0,3}([-*+]\s|>|\d+[.)]\s)/.test(line)) {
      out.push(withAttrs({ row, level: next.trim()[0] === '=' ? 1 : 2, title: line.trim(), height: 2 }, line));
      row++;
    }
  }
  return out;
}

/** `{#id key=value}` at the end of a heading, bare or inside `<!-- -->`. Quoted values may hold braces. */
function withAttrs(h: Heading, line: string): Heading {
  const m = /\s*(?:<!--\s*\{((?:[^{}"]|"[^"]*")*)\}\s*-->|\{((?:[^{}"]|"[^"]*")*)\})\s*$/.exec(h.title);
  if (!m) return h;
  const body = (m[1] ?? m[2]).trim();
  const tokens = body.match(/#\S+|[A-Za-z]+=(?:"[^"]*"|\S+)/g) ?? [];
  // Only a block made of attributes counts: "Use {braces}" is a title, not an attribute.
  if (!tokens.length || tokens.join(' ') !== body.replace(/\s+/g, ' ')) return h;
  const attrs: HeadingAttrs = { cleanLine: line.replace(m[0], '').trimEnd(), problems: [] };
  for (const t of tokens) {
    if (t.startsWith('#')) {
      const id = t.slice(1);
      if (/^[A-Za-z0-9][\w.\/-]*$/.test(id)) attrs.id = id;
      else attrs.problems.push(`the id "${id}" may hold only letters, digits, '.', '_', '-' and '/'; it is ignored`);
      continue;
    }
    const eq = t.indexOf('=');
    const key = t.slice(0, eq).toLowerCase();
    const value = t.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    if (key === 'severity') {
      const s = parseSeverity(value);
      if (s) attrs.severity = s;
      else attrs.problems.push(`severity "${value}" is not one of must, should, may; it is ignored`);
    } else if (key === 'applies') {
      attrs.applies = splitTopLevel(value).map((a) => a.trim()).filter(Boolean);
    } else {
      attrs.problems.push(`unknown heading attribute "${key}" is ignored`);
    }
  }
  return { ...h, title: h.title.slice(0, m.index).trim(), attrs };
}

const STRENGTH: [RegExp, Severity][] = [
  [/\b(MUST|SHALL|REQUIRED)\b/, 'must'],
  [/\b(SHOULD|RECOMMENDED)\b/, 'should'],
  [/\b(MAY|OPTIONAL)\b/, 'may'],
];

/** The strongest RFC 2119 keyword written in capitals outside code fences. */
function inferSeverity(body: string[]): Severity | undefined {
  let fence = false;
  const prose = body.filter((l) => {
    if (/^\s{0,3}(`{3,}|~{3,})/.test(l)) {
      fence = !fence;
      return false;
    }
    return !fence;
  });
  const text = prose.join('\n').replace(/`[^`]*`/g, '');
  return STRENGTH.find(([re]) => re.test(text))?.[1];
}

/** Heading text → id segment: lower case, every run of other characters one '-'. */
export function slugify(title: string): string {
  const slug = title
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'section';
}

function humanize(fileId: string): string {
  const last = fileId.slice(fileId.lastIndexOf('/') + 1).replace(/[-_]+/g, ' ').trim();
  return last ? last[0].toUpperCase() + last.slice(1) : fileId;
}
