import type { Node, Query, Tree } from 'web-tree-sitter';
import type { LanguageSpec } from '../languages/registry';
import { CONTAINER_KINDS, type Chunk, type ChunkKind } from './chunk';
import { blockChunks, type FileLines, type LineRange } from './lineBlocks';

export interface ChunkerOptions {
  /** Symbols longer than this are split (functions) or outlined (containers). */
  maxChunkLines: number;
  /** A deadline for the query; a pathological file yields what was matched so far. */
  queryTimeoutMicros?: number;
}

interface Definition {
  node: Node;
  /** The node including wrappers (export, decorators, templates): the chunk's range. */
  anchor: Node;
  /** The anchor's offsets, asked of the tree once: each ask is a call into wasm. */
  anchorStart: number;
  anchorEnd: number;
  /** The node's `body` field, looked up once (null: it has none). */
  body?: Node | null;
  kind: ChunkKind;
  name: string;
  scope?: string;
  pattern: number;
  parent?: Definition;
  members: Definition[];
  startRow: number;
  endRow: number;
  /** First row including the doc comment, for block coverage. */
  docStartRow: number;
  doc: string;
  signature: string;
}

interface Ref {
  row: number;
  name: string;
}

const MAX_REFS = 256;
const MAX_SIGNATURE = 300;
const KINDS: ReadonlySet<string> = new Set<ChunkKind>([
  'function', 'method', 'class', 'struct', 'interface', 'trait', 'enum', 'type', 'constant', 'module', 'impl',
]);

export interface TreeChunks {
  chunks: Chunk[];
  imports: string[];
  /** The file's declared package or namespace (Go, Java, PHP, file-scoped C#), or ''. */
  packageName: string;
}

/** Turns a parsed tree into symbol chunks, outline chunks, body parts and line blocks. */
export function chunkTree(tree: Tree, query: Query, lang: LanguageSpec, file: FileLines, options: ChunkerOptions): TreeChunks {
  const byNode = new Map<string, Definition>();
  const imports: string[] = [];
  const refs: Ref[] = [];
  let pkg = '';

  const matches = query.matches(tree.rootNode, { timeoutMicros: options.queryTimeoutMicros });
  for (const match of matches) {
    let defNode: Node | undefined;
    let kind: string | undefined;
    let name: string | undefined;
    let scope: string | undefined;
    let importModule: string | undefined;
    let importMember: string | undefined;
    for (const cap of match.captures) {
      const c = cap.name;
      if (c.startsWith('definition.')) {
        defNode = cap.node;
        kind = c.slice('definition.'.length);
      } else if (c === 'name') name = textOf(file, cap.node);
      else if (c === 'scope') scope = cleanScope(textOf(file, cap.node));
      else if (c === 'import') imports.push(textOf(file, cap.node));
      else if (c === 'import.module') importModule = textOf(file, cap.node);
      else if (c === 'import.member') importMember = textOf(file, cap.node);
      else if (c === 'ref') refs.push({ row: cap.node.startPosition.row, name: textOf(file, cap.node) });
      else if (c === 'package' && !pkg) pkg = textOf(file, cap.node);
    }
    if (importModule && importMember) {
      // `from . import x` is `.x`; `from .pkg import x` is `.pkg.x`.
      const spec = importModule.endsWith('.') ? `${importModule}${importMember}` : `${importModule}.${importMember}`;
      if (!imports.includes(spec)) imports.push(spec);
    }
    if (!defNode || !kind || !name || !KINDS.has(kind)) continue;
    const key = nodeKey(defNode);
    const prior = byNode.get(key);
    if (prior && prior.pattern <= match.patternIndex) continue;
    byNode.set(key, {
      node: defNode,
      anchor: defNode,
      anchorStart: 0,
      anchorEnd: 0,
      kind: kind as ChunkKind,
      name: name.trim(),
      scope,
      pattern: match.patternIndex,
      members: [],
      startRow: 0,
      endRow: 0,
      docStartRow: 0,
      doc: '',
      signature: '',
    });
  }
  for (const d of byNode.values()) {
    d.anchor = anchorOf(d.node, lang, byNode);
    d.anchorStart = d.anchor.startIndex;
    d.anchorEnd = d.anchor.endIndex;
    d.startRow = d.docStartRow = d.anchor.startPosition.row;
    d.endRow = endRowOf(d.anchor);
  }

  const defs = nest([...byNode.values()]);
  const isDefinition = (n: Node) => byNode.has(nodeKey(n));
  for (const d of defs) {
    attachDoc(d, lang, file, isDefinition);
    d.signature = signatureOf(d, lang, file);
  }

  const chunks: Chunk[] = [];
  const covered: LineRange[] = [];
  refs.sort((a, b) => a.row - b.row);
  for (const d of defs) {
    if (d.parent) continue;
    covered.push({ start: d.docStartRow, end: d.endRow });
    emit(d, pkg, file, refs, options, chunks);
  }
  for (const block of blockChunks(file, covered, options.maxChunkLines)) {
    block.refs = refsIn(refs, block.startLine - 1, block.endLine - 1, []);
    chunks.push(block);
  }
  chunks.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  return { chunks, imports: [...new Set(imports)], packageName: pkg };
}

/**
 * What node.text is, from `file.text` (the text the tree was parsed from). node.text goes
 * through web-tree-sitter's text callback, which cuts the rest of the file first.
 */
function textOf(file: FileLines, node: Node): string {
  return file.text.slice(node.startIndex, node.endIndex);
}

function nodeKey(node: Node): string {
  return `${node.startIndex}:${node.endIndex}:${node.typeId}`;
}

/**
 * The definition plus the wrappers that belong to it alone. A wrapper holding several
 * definitions (a Go `type ( … )` group, a PHP `const A = 1, B = 2;`) belongs to none of them.
 */
function anchorOf(node: Node, lang: LanguageSpec, defs: ReadonlyMap<string, unknown>): Node {
  // Asking for a parent walks down from the root in tree-sitter 0.25: skipped when no wrapper can be.
  if (lang.wrapperNodes.length === 0) return node;
  let anchor = node;
  for (let p = anchor.parent; p && lang.wrapperNodes.includes(p.type); p = p.parent) {
    const inner = anchor;
    if (p.namedChildren.some((c) => c && c.id !== inner.id && defs.has(nodeKey(c)))) break;
    anchor = p;
  }
  return anchor;
}

function cleanScope(text: string): string {
  // Go receivers read `*Server` or `Server[T]`; the parent is the bare type name.
  return text.replace(/^[*&\s]+/, '').replace(/\[.*$/s, '').replace(/<.*$/s, '').trim();
}

function endRowOf(node: Node): number {
  const end = node.endPosition;
  // A node ending at column 0 ends on the previous line (the newline belongs to it).
  return end.column === 0 && end.row > node.startPosition.row ? end.row - 1 : end.row;
}

/**
 * Links each definition to its nearest enclosing one, drops definitions nested inside
 * function bodies (they are part of that function's text), and turns functions directly
 * inside containers into methods.
 */
function nest(all: Definition[]): Definition[] {
  all.sort((a, b) => a.anchorStart - b.anchorStart || b.anchorEnd - a.anchorEnd);
  const kept: Definition[] = [];
  const stack: Definition[] = [];
  for (const d of all) {
    while (stack.length && stack[stack.length - 1].anchorEnd <= d.anchorStart) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent && (!CONTAINER_KINDS.has(parent.kind) || parent.anchorEnd < d.anchorEnd)) continue;
    if (parent) {
      d.parent = parent;
      parent.members.push(d);
      if (d.kind === 'function' && parent.kind !== 'module') d.kind = 'method';
    }
    kept.push(d);
    stack.push(d);
  }
  return kept;
}

function bodyOf(d: Definition): Node | null {
  if (d.body === undefined) d.body = d.node.childForFieldName('body');
  return d.body;
}

function attachDoc(d: Definition, lang: LanguageSpec, file: FileLines, isDefinition: (n: Node) => boolean): void {
  if (lang.docstring) {
    const first = bodyOf(d)?.firstNamedChild;
    if (first?.type === 'expression_statement') {
      const literal = first.firstNamedChild;
      if (literal?.type === 'string') {
        d.doc = cleanDocstring(textOf(file, literal));
        return;
      }
    }
  }
  const parts: string[] = [];
  let nextRow = d.anchor.startPosition.row;
  let at: Node = d.anchor;
  let sib = at.previousSibling;
  // The first member of a body may have its comment outside the body node: Ruby and Python
  // put a body's leading comments before the body_statement / block that starts at the member.
  while (!sib) {
    const parent = at.parent;
    if (!parent || parent.startIndex !== at.startIndex || isDefinition(parent)) break;
    at = parent;
    sib = at.previousSibling;
  }
  while (sib) {
    const type = sib.type;
    if (lang.transparentNodes?.includes(type)) {
      nextRow = sib.startPosition.row;
      sib = sib.previousSibling;
      continue;
    }
    if (!lang.commentNodes.includes(type) || endRowOf(sib) < nextRow - 1) break;
    // A trailing comment on the previous statement's line is not this symbol's doc.
    const start = sib.startPosition;
    const before = file.lines[start.row]?.slice(0, start.column) ?? '';
    if (before.trim() !== '') break;
    parts.unshift(textOf(file, sib));
    nextRow = start.row;
    sib = sib.previousSibling;
  }
  if (parts.length) d.doc = cleanComment(parts.join('\n'));
  // Attributes above the definition are covered with it even when there is no doc comment.
  d.docStartRow = nextRow;
}

export function cleanComment(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .trim()
        .replace(/^\/\*\*?!?|\*\/$/g, '')
        .replace(/^(\/\/\/?!?|#+|--|\*(?!\/))\s?/, '')
        .replace(/\*\/$/, '')
        .trimEnd(),
    )
    .join('\n')
    .trim();
}

function cleanDocstring(text: string): string {
  const body = text.replace(/^[rRbBuUfF]*("""|'''|"|')/, '').replace(/("""|'''|"|')$/, '');
  const lines = body.split('\n');
  const indents = lines.slice(1).filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return [lines[0].trim(), ...lines.slice(1).map((l) => l.slice(cut).trimEnd())].join('\n').trim();
}

function qualify(d: Definition, pkg: string): { qualifiedName: string; parent: string } {
  const chain: string[] = [];
  for (let p = d.parent; p; p = p.parent) chain.unshift(p.name);
  // An explicit scope (Go receiver, C++ `Type::method`) names the owner the nesting does not show.
  if (d.scope && d.scope !== d.parent?.name) chain.push(d.scope);
  const parent = chain.join('.');
  const prefix = pkg ? `${pkg}.` : '';
  return { qualifiedName: prefix + [...chain, d.name].join('.'), parent: parent ? prefix + parent : pkg };
}

function signatureOf(d: Definition, lang: LanguageSpec, file: FileLines): string {
  let body = bodyOf(d);
  // Comments between the header and the body (Python, Ruby) are not part of the signature.
  for (let prev = body?.previousSibling; prev && lang.commentNodes.includes(prev.type); prev = prev.previousSibling) body = prev;
  // From the anchor to the body, cut from the text rather than its lines sliced and joined:
  // the line breaks become spaces below with any other run of white space.
  let text =
    body && body.startIndex > d.anchorStart
      ? file.text.slice(d.anchorStart, body.startIndex)
      : (file.lines[d.startRow] ?? '').slice(d.anchor.startPosition.column);
  // A trailing `{`, `:` or `=` (Ruby endless `def x =`) opens the body.
  text = text.replace(/\s+/g, ' ').trim().replace(/[{:=]\s*$/, '').trim();
  if (!text) text = (file.lines[d.node.startPosition.row] ?? '').trim();
  return text.length > MAX_SIGNATURE ? text.slice(0, MAX_SIGNATURE - 1) + '…' : text;
}

function refsIn(refs: Ref[], startRow: number, endRow: number, exclude: LineRange[]): string[] {
  let lo = 0;
  let hi = refs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (refs[mid].row < startRow) lo = mid + 1;
    else hi = mid;
  }
  const out = new Set<string>();
  for (let i = lo; i < refs.length && refs[i].row <= endRow && out.size < MAX_REFS; i++) {
    const row = refs[i].row;
    if (exclude.some((r) => row >= r.start && row <= r.end)) continue;
    out.add(refs[i].name);
  }
  return [...out];
}

function emit(d: Definition, pkg: string, file: FileLines, refs: Ref[], options: ChunkerOptions, out: Chunk[]): void {
  const names = qualify(d, pkg);
  const size = d.endRow - d.startRow + 1;
  const isContainer = CONTAINER_KINDS.has(d.kind) && d.members.length > 0;
  if (size <= options.maxChunkLines) {
    const outline = isContainer ? outlineText(d, file.lines, options.maxChunkLines * 2) : undefined;
    out.push(chunkOf(d, names, 'whole', d.startRow, d.endRow, file.rows(d.startRow, d.endRow), refsIn(refs, d.startRow, d.endRow, []), outline));
  } else if (isContainer) {
    const memberRanges = d.members.map((m) => ({ start: m.docStartRow, end: m.endRow }));
    const text = outlineText(d, file.lines, options.maxChunkLines * 2);
    out.push(chunkOf(d, names, 'outline', d.startRow, d.endRow, text, refsIn(refs, d.startRow, d.endRow, memberRanges)));
  } else {
    for (const part of splitRows(d, options.maxChunkLines)) {
      const body = file.rows(part.start, part.end);
      const text = part.start === d.startRow ? body : `${d.signature} …\n${body}`;
      out.push(chunkOf(d, names, 'part', part.start, part.end, text, refsIn(refs, part.start, part.end, [])));
    }
  }
  for (const m of d.members) emit(m, pkg, file, refs, options, out);
}

/**
 * One chunk, spelled out field by field: V8 builds `{ ...base, shape, … }` some 100× slower
 * than a plain literal, and it was the chunker's hottest line (emit: 1.8 s → 0.1 s per 10k
 * files).
 */
function chunkOf(
  d: Definition,
  names: { qualifiedName: string; parent: string },
  shape: Chunk['shape'],
  startRow: number,
  endRow: number,
  text: string,
  refs: string[],
  searchBody?: string,
): Chunk {
  return {
    kind: d.kind,
    name: d.name,
    qualifiedName: names.qualifiedName,
    parent: names.parent,
    signature: d.signature,
    doc: d.doc,
    shape,
    startLine: startRow + 1,
    endLine: endRow + 1,
    text,
    searchBody,
    refs,
  };
}

/** The container's own lines with each member reduced to its signature line. */
function outlineText(d: Definition, lines: string[], maxLines: number): string {
  const out: string[] = [];
  let row = d.startRow;
  const members = [...d.members].sort((a, b) => a.docStartRow - b.docStartRow);
  for (const m of members) {
    for (; row < m.docStartRow; row++) out.push(lines[row]);
    const indent = /^\s*/.exec(lines[m.startRow] ?? '')?.[0] ?? '';
    const sig = m.signature;
    out.push(indent + sig + (m.endRow > m.startRow ? ' …' : ''));
    row = Math.max(row, m.endRow + 1);
  }
  for (; row <= d.endRow; row++) out.push(lines[row]);
  const kept = out.filter((l, i) => l.trim() !== '' || (i > 0 && out[i - 1].trim() !== ''));
  return kept.length > maxLines ? [...kept.slice(0, maxLines), '…'].join('\n') : kept.join('\n');
}

/** Splits a long body at statement boundaries where possible, at line boundaries otherwise. */
function splitRows(d: Definition, maxLines: number): LineRange[] {
  const breaks = new Set<number>();
  const body = bodyOf(d) ?? d.node;
  for (let i = 0; i < body.namedChildCount; i++) {
    const child = body.namedChild(i);
    if (child) breaks.add(child.startPosition.row);
  }
  const parts: LineRange[] = [];
  let start = d.startRow;
  while (start <= d.endRow) {
    const hardEnd = Math.min(d.endRow, start + maxLines - 1);
    let end = hardEnd;
    if (hardEnd < d.endRow) {
      // Prefer ending just before a statement start in the second half of the window.
      for (let r = hardEnd; r > start + (maxLines >> 1); r--) {
        if (breaks.has(r + 1)) {
          end = r;
          break;
        }
      }
    }
    parts.push({ start, end });
    start = end + 1;
  }
  return parts;
}
