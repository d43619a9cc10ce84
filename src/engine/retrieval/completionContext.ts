import type { Table } from '@lancedb/lancedb';
import { splitIdentifiers } from '../indexing/identifiers';
import { bufferImports } from './bufferImports';
import { chunksByIds, ftsTexts, textsByIds, type ChunkHit, type TextHit } from './chunkQueries';
import type { ContextCache } from './contextCache';
import type { FileGraph } from './fileGraph';
import { QueryError } from './queryText';
import type { SymbolEntry, SymbolIndex } from './symbolIndex';

export interface ContextRequest {
  /** Absolute path of the file being edited (the index's file key). */
  fileKey: string;
  /** Its current text, saved or not. */
  text: string;
  /** Where the file sits in the index's roots, when it does: its typed imports are then resolved. */
  file?: { root: string; path: string; language: string };
  /** 1-based line of the cursor. */
  line: number;
  /** 0-based column of the cursor, in UTF-16 code units. */
  column: number;
  /** At most this many snippets. */
  limit: number;
  /** The snippets' text fits in this many characters. */
  maxChars: number;
  /**
   * Milliseconds from the start of the request that the similar-code search may take. An inline
   * completion cannot wait for the lowest-priority part of its context: past the budget that part
   * is left out, and the search still finishes into the cache for the next keystroke. Absent:
   * wait for it (the CLI, explain).
   */
  similarBudgetMs?: number;
  /**
   * Collect identifiers from this 1-based line on, instead of a fixed window before the cursor
   * (explain passes the selection's first line, so everything selected is looked up).
   */
  scanStartLine?: number;
}

export type ContextReason = 'definition' | 'enclosing' | 'similar';

export interface ContextSnippet {
  reason: ContextReason;
  /** The chunk's id in the index (an outline carries its first symbol's). */
  id: string;
  /** Absolute path, the index's file key. */
  fileKey: string;
  path: string;
  root: string;
  source: string;
  language: string;
  kind: string;
  symbol: string;
  startLine: number;
  endLine: number;
  /** Higher is more important; snippets come best first. */
  score: number;
  text: string;
  /** The text was cut to fit the budget. */
  truncated: boolean;
}

export interface ContextSources {
  chunks: Table;
  /** Answers of earlier requests still valid for this index; without it every request asks the table. */
  cache?: ContextCache;
  symbols: SymbolIndex;
  graph: FileGraph;
  /**
   * The team's shared index: definitions the local index lacks are looked up there by name,
   * and it adds similar code. Libraries in `hidden` (the local index has them) are skipped.
   */
  shared?: { chunks: Table; symbols: SymbolIndex; cache: ContextCache; hidden: ReadonlySet<string> };
}

/** Lines around the cursor the completion prompt carries itself (at least). */
const NEAR_BEFORE = 10;
const NEAR_AFTER = 5;
/** How far back and ahead identifiers are collected for definition lookup. */
const SCAN_BEFORE = 40;
const SCAN_AFTER = 8;
/** Identifiers looked up per request, most relevant first. */
const MAX_NAMES = 16;
const SIMILAR = 3;
const SIMILAR_TERMS = 8;
const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/g;
const DEFINITION_KINDS = new Set(['function', 'method', 'class', 'struct', 'interface', 'trait', 'enum', 'type', 'constant', 'module', 'impl']);
const CONTAINERS = new Set(['class', 'struct', 'interface', 'trait', 'enum', 'impl', 'module']);
const RECEIVERS = new Set(['this', 'self', 'cls', 'super', 'Self', '$this', '@']);

/** Words that are syntax in one of our languages, never worth a definition lookup. */
const KEYWORDS = new Set(
  (
    'if else elif for while do switch case default break continue return function def class struct interface enum ' +
    'trait impl fn let var const val mut pub static final public private protected internal abstract virtual override ' +
    'new delete try catch except finally throw throws raise import from export package module namespace using use ' +
    'require include async await yield lambda in of is as not and or with pass none None null nil true false True False ' +
    'void int long short char float double bool boolean string str byte unsigned signed typeof instanceof sizeof typedef ' +
    'extends implements super this self cls where match loop go chan select defer map type func struct end then unless ' +
    'begin rescue ensure elsif until undef alias echo print println printf foreach declare readonly get set'
  ).split(' '),
);

/**
 * What an inline completion at the cursor should see of the rest of the code base, in priority
 * order: definitions of what the code around the cursor calls or references (through its
 * imports first, then by name), the enclosing class or module outline, then similar code
 * elsewhere. The code around the cursor itself is left out: the prompt already has it.
 */
export async function completionContext(req: ContextRequest, src: ContextSources): Promise<ContextSnippet[]> {
  const started = performance.now();
  const lines = req.text.split('\n');
  if (!Number.isInteger(req.line) || req.line < 1 || req.line > lines.length) {
    throw new QueryError(`Line ${req.line} is out of range: the file has ${lines.length} lines (lines count from 1).`);
  }
  const current = lines[req.line - 1].replace(/\r$/, '');
  if (!Number.isInteger(req.column) || req.column < 0 || req.column > current.length) {
    throw new QueryError(`Column ${req.column} is out of range: line ${req.line} has ${current.length} characters (columns count from 0).`);
  }
  const row = req.line - 1;
  const shared = src.shared;

  // Similar code (shown last, after 1 and 2 below): BM25 over the lines just before the
  // cursor. Asked for first, so the search runs while the definitions are worked out.
  const query = similarQuery(lines, row, req.column);
  const localSimilarPromise = similarCode(src, query, req.similarBudgetMs, started);
  const sharedSimilarPromise = shared
    ? sharedSimilarCode({ chunks: shared.chunks, cache: shared.cache }, query, req.similarBudgetMs, started)
    : Promise.resolve<ChunkHit[]>([]);
  // Awaited below; until then a failure must not count as unhandled.
  localSimilarPromise.catch(() => undefined);
  sharedSimilarPromise.catch(() => undefined);

  const fileChunks = src.symbols.fileChunks(req.fileKey);
  const enclosing = innermostContainer(fileChunks, req.line);
  // The code around the cursor: the function being edited, and at least a few lines each way.
  const editing = innermostSymbol(fileChunks, req.line);
  const near = {
    start: Math.min(editing?.startLine ?? req.line, req.line - NEAR_BEFORE, req.scanStartLine ?? req.line),
    end: Math.max(editing?.endLine ?? req.line, req.line + NEAR_AFTER),
  };
  const inWindow = (e: { fileKey: string; startLine: number; endLine: number }) =>
    e.fileKey === req.fileKey && e.startLine >= near.start && e.endLine <= near.end;
  const touchesWindow = (e: { fileKey: string; startLine: number; endLine: number }) =>
    e.fileKey === req.fileKey && e.startLine <= near.end && e.endLine >= near.start;
  // A class or module around the cursor holds the code being edited: the outline stands for it.
  const enclosesCursor = (e: SymbolEntry) => e.fileKey === req.fileKey && e.startLine <= req.line && e.endLine >= req.line;

  const scanStart = req.scanStartLine !== undefined ? Math.min(row, Math.max(0, req.scanStartLine - 1)) : Math.max(0, row - SCAN_BEFORE);
  const before = [...lines.slice(scanStart, row), current.slice(0, req.column)].join('\n');
  const after = [current.slice(req.column), ...lines.slice(row + 1, row + 1 + SCAN_AFTER)].join('\n');
  const names = rankNames(before, after);
  const imported = new Set(src.graph.importsOf(req.fileKey));
  // The buffer's own import lines count too: the file may not be indexed yet, or its imports
  // were typed since the last save.
  if (req.file) {
    const indexed = src.graph.file(req.fileKey);
    const from = { fileKey: req.fileKey, root: req.file.root, path: req.file.path, language: req.file.language, packageName: indexed?.packageName };
    for (const key of src.graph.importsOfBuffer(from, bufferImports(req.text, req.file.language))) imported.add(key);
  }
  // Parents that are no container of this file (the package prefix, or none) mean top level.
  const containers = new Set(fileChunks.filter((e) => CONTAINERS.has(e.kind)).map((e) => e.qualifiedName));
  const topLevelParents = { has: (parent: string) => !containers.has(parent) };
  const here = src.graph.file(req.fileKey);
  // The most a definition reached by neither import, this file nor the receiver's class can
  // score (same source and language, every directory shared, a function): under the bar of
  // 30 that a name defined in many places needs, then only those three kinds can win.
  const unreachedMax = here ? 8 + 6 + 2 * dirCount(here.path) + 2 : 2;
  // The files those definitions live in, with their chunk counts: what a narrow search reads.
  const nearFiles = [req.fileKey, ...imported];
  const nearChunks = nearFiles.reduce((n, key) => n + src.symbols.fileChunks(key).length, 0);

  // 1. Definitions, through imports first, then by name.
  const picked = new Map<string, { entry: SymbolEntry; score: number }>();
  const fromShared = new Set<SymbolEntry>();
  for (const { name, weight, receiver, bare } of names) {
    // One pass, no copies: a name like __init__ has thousands of definitions, on every keystroke.
    let best: SymbolEntry | undefined;
    let bestScore = 0;
    let candidates = 0;
    const consider = (e: SymbolEntry) => {
      candidates++;
      let s = 0;
      if (imported.has(e.fileKey)) s += 50;
      if (e.fileKey === req.fileKey) s += bare && !topLevelParents.has(e.parent) ? 10 : bare ? 60 : 30;
      if (receiver && enclosing && e.parent === enclosing.qualifiedName) s += 40;
      if (here && e.source === here.source) s += 8;
      if (here && e.language === here.language) s += 6;
      if (here && here.root === e.root) s += 2 * sharedDirs(here.path, e.path);
      if (e.kind === 'function' || e.kind === 'method' || e.kind === 'class') s += 2;
      // Ties go to the first path, then root: the same answer in whatever order entries come.
      if (!best || s > bestScore || (s === bestScore && (e.path < best.path || (e.path === best.path && e.root < best.root)))) {
        best = e;
        bestScore = s;
      }
    };
    const eligible = (e: SymbolEntry) => DEFINITION_KINDS.has(e.kind) && e.shape !== 'part' && !inWindow(e) && !enclosesCursor(e);
    const all = src.symbols.exact(name);
    if (all.length > nearChunks && unreachedMax < 30 && !(receiver && enclosing) && atLeast(all, 4, eligible)) {
      // A name defined in many places (__init__, get): only a definition in this file or an
      // imported one can be confident, so only those files' chunks are read, not every
      // definition of the name. Same answer as the full pass below, a fraction of the work.
      candidates = 4;
      const exactCase = src.symbols.exactCase(name).length > 0;
      const lower = name.toLowerCase();
      for (const key of nearFiles) {
        for (const e of src.symbols.fileChunks(key)) {
          if ((exactCase ? e.name === name : e.name.toLowerCase() === lower) && eligible(e)) consider(e);
        }
      }
    } else {
      for (const e of all) if (eligible(e)) consider(e);
    }
    // Not defined in this workspace or its local libraries: perhaps in a shared library.
    if (!candidates && shared) {
      for (const e of shared.symbols.exact(name)) {
        if (!DEFINITION_KINDS.has(e.kind) || e.shape === 'part' || shared.hidden.has(e.source)) continue;
        fromShared.add(e);
        consider(e);
      }
    }
    const chosen = best as SymbolEntry | undefined;
    if (!chosen) continue;
    // A name defined in many places and reached by neither import nor proximity is a guess.
    const confident = bestScore >= 30 || candidates <= 3;
    if (!confident) continue;
    const score = weight * (1 + bestScore / 50);
    const prior = picked.get(chosen.id);
    if (!prior || prior.score < score) picked.set(chosen.id, { entry: chosen, score });
  }
  const definitions = [...picked.values()].sort((a, b) => b.score - a.score).slice(0, req.limit);

  const localIds = definitions.filter((d) => !fromShared.has(d.entry)).map((d) => d.entry.id);
  const sharedIds = definitions.filter((d) => fromShared.has(d.entry)).map((d) => d.entry.id);
  // Texts only: the symbol index already holds the rest of each chunk.
  const textsPromise = src.cache ? src.cache.textHits(src.chunks, localIds) : textsByIds(src.chunks, localIds);
  const [localTexts, sharedTexts, localSimilar, sharedSimilar] = await Promise.all([
    textsPromise,
    shared && sharedIds.length ? shared.cache.byIds(shared.chunks, sharedIds) : new Map<string, ChunkHit>(),
    localSimilarPromise,
    sharedSimilarPromise,
  ]);
  const similar: Shown[] = shared ? interleave<Shown>(localSimilar, sharedSimilar.filter((h) => !shared.hidden.has(h.source))) : localSimilar;

  const out: ContextSnippet[] = [];
  let budget = req.maxChars;
  const take = (s: Omit<ContextSnippet, 'truncated'>) => {
    if (out.length >= req.limit || budget < 80) return;
    const fitted = fit(s.text, budget);
    if (!fitted) return;
    out.push({ ...s, text: fitted.text, truncated: fitted.truncated });
    budget -= fitted.text.length;
  };

  for (const d of definitions) {
    const text = (fromShared.has(d.entry) ? sharedTexts : localTexts).get(d.entry.id)?.text;
    if (text !== undefined) take(snippet('definition', { ...d.entry, text }, 100 + d.score));
  }
  if (enclosing) {
    take({ ...snippetOf('enclosing', enclosing, 50), text: outline(enclosing, fileChunks) });
  } else if (fileChunks.length) {
    // Top level: no parent, or only the file's package (Go, Java, C#/PHP file-scoped namespaces).
    const inFile = new Set(fileChunks.map((e) => e.qualifiedName));
    const top = fileChunks.filter((e) => (!e.parent || !inFile.has(e.parent)) && DEFINITION_KINDS.has(e.kind) && !inWindow(e));
    if (top.length) {
      const first = top[0];
      const last = top[top.length - 1];
      take({
        ...snippetOf('enclosing', { ...first, kind: 'module', qualifiedName: here?.path ?? first.path, endLine: last.endLine }, 50),
        text: top.map((e) => e.signature).join('\n'),
      });
    }
  }
  const shown = new Set(definitions.map((d) => d.entry.id));
  let similarCount = 0;
  for (const h of similar) {
    if (similarCount >= SIMILAR) break;
    if (shown.has(h.id) || touchesWindow(h) || h.kind === 'section' || h.kind === 'rule') continue;
    shown.add(h.id);
    similarCount++;
    take(snippet('similar', h, 10 - similarCount));
  }
  return out;
}

/** The words the similar-code search looks for: from the lines just before the cursor (0-based `row`, `column`). */
export function similarQuery(lines: readonly string[], row: number, column: number): string {
  return (
    splitIdentifiers(lines.slice(Math.max(0, row - 3), row).join(' ') + ' ' + lines[row].slice(0, column))
      .replace(/[^A-Za-z0-9_$\u0080-\uffff]+/g, ' ')
      .trim()
      .split(' ')
      // The last distinct words only: a long query costs BM25 time and adds little. Keywords and
      // one-letter names match most chunks: their long posting lists cost the most and rank nothing.
      .reverse()
      .filter((w, i, all) => w.length > 1 && !KEYWORDS.has(w) && !KEYWORDS.has(w.toLowerCase()) && all.indexOf(w) === i)
      .slice(0, SIMILAR_TERMS)
      .join(' ')
  );
}

/** A chunk as the snippets show it: its identity and its text. */
type Shown = Omit<SymbolEntry, 'parent' | 'shape' | 'signature'> & { text: string };

/**
 * Similar code for `query`: from the cache, or searched, within the budget when there is one.
 * The search reads ids and texts only; the rest comes from the symbol index.
 */
async function similarCode(src: ContextSources, query: string, budgetMs: number | undefined, started: number): Promise<Shown[]> {
  if (!query) return [];
  const limit = SIMILAR * 2;
  const cache = src.cache;
  let found: TextHit[];
  if (!cache) found = await ftsTexts(src.chunks, query, limit);
  else if (budgetMs === undefined) found = await cache.similarTexts(src.chunks, query, limit);
  else found = cache.peekSimilarTexts(query, limit) ?? (await withinBudget(cache.similarTexts(src.chunks, query, limit), budgetMs, started, []));
  const out: (Shown | undefined)[] = found.map((h) => {
    const e = src.symbols.fileChunks(h.fileKey).find((c) => c.id === h.id);
    return e && { ...e, text: h.text };
  });
  if (out.every((h) => h)) return out as Shown[];
  // A row the symbol index does not know (the index changed under it): its whole row, then.
  const missing = found.filter((_, i) => !out[i]).map((h) => h.id);
  const rows = cache ? await cache.byIds(src.chunks, missing) : await chunksByIds(src.chunks, missing);
  return out.flatMap((h, i) => h ?? rows.get(found[i].id) ?? []);
}

/** The shared index's similar code, as whole rows (its own symbols are not consulted). */
async function sharedSimilarCode(src: { chunks: Table; cache: ContextCache }, query: string, budgetMs: number | undefined, started: number): Promise<ChunkHit[]> {
  if (!query) return [];
  const limit = SIMILAR * 2;
  if (budgetMs === undefined) return src.cache.fullText(src.chunks, query, limit);
  return src.cache.peekFullText(query, limit) ?? withinBudget(src.cache.fullText(src.chunks, query, limit), budgetMs, started, []);
}

/**
 * `search`, if it settles within `budgetMs` of `started`; `fallback` otherwise. Finishing late
 * is fine (the search fills the cache); failing late must not go unhandled.
 */
async function withinBudget<T>(search: Promise<T>, budgetMs: number, started: number, fallback: T): Promise<T> {
  search.catch(() => undefined);
  const left = budgetMs - (performance.now() - started);
  if (left <= 0) return fallback;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), left);
  });
  try {
    return await Promise.race([search, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Two best-first lists fused by rank: a, b, a, b, … */
function interleave<T>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]);
    if (i < b.length) out.push(b[i]);
  }
  return out;
}

interface RankedName {
  name: string;
  weight: number;
  /** Called on this/self: prefer the enclosing class's member. */
  receiver: boolean;
  /** The call being typed has no receiver: a top-level definition in this file shadows imports. */
  bare?: boolean;
}

/**
 * Identifiers near the cursor, most relevant first: the call being typed (the name before
 * the innermost open parenthesis), then names by distance from the cursor.
 */
export function rankNames(before: string, after: string): RankedName[] {
  const scores = new Map<string, RankedName>();
  // Keywords are skipped, except where a call proves the word is a name (`re.match(`).
  const add = (name: string, weight: number, receiver: boolean, called = false, bare = false) => {
    if (name.length < 2 || (!called && KEYWORDS.has(name)) || /^\d/.test(name)) return;
    const prior = scores.get(name);
    if (!prior || prior.weight < weight) {
      scores.set(name, { name, weight, receiver: receiver || (prior?.receiver ?? false), bare: bare || (prior?.bare ?? false) });
    }
  };
  const callee = openCall(before);
  if (callee) add(callee.name, 100, callee.receiver, !callee.bare || !KEYWORDS.has(callee.name), callee.bare);

  const beforeLines = before.split('\n');
  beforeLines.forEach((line, i) => {
    const distance = beforeLines.length - 1 - i;
    for (const m of line.matchAll(IDENT)) {
      const receiver = RECEIVERS.has(line.slice(0, m.index).match(/([A-Za-z_$@]+)\s*(?:\.|->|::)\s*$/)?.[1] ?? '');
      const called = /^\s*\(/.test(line.slice(m.index + m[0].length));
      add(m[0], (called ? 12 : 6) / (1 + distance), receiver);
    }
  });
  after.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(IDENT)) add(m[0], 3 / (2 + i), false);
  });
  return [...scores.values()].sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name)).slice(0, MAX_NAMES);
}

/** The function whose argument list the cursor is in, if any. */
function openCall(before: string): { name: string; receiver: boolean; bare: boolean } | undefined {
  let depth = 0;
  for (let i = before.length - 1, seen = 0; i >= 0 && seen < 2000; i--, seen++) {
    const ch = before[i];
    if (ch === ')') depth++;
    else if (ch === '(') {
      if (depth === 0) {
        const head = before.slice(Math.max(0, i - 200), i);
        // The receiver is optional but needs its separator: `pump(fromAsync(` names fromAsync.
        const m = /(?:([A-Za-z_$@]+)\s*(?:\.|->|::)\s*)?([A-Za-z_$][A-Za-z0-9_$]*)\s*(?:<[^<>()]*>)?\s*$/.exec(head);
        if (!m) return undefined;
        return { name: m[2], receiver: RECEIVERS.has(m[1] ?? ''), bare: m[1] === undefined };
      }
      depth--;
    } else if (ch === ';' || ch === '{' || ch === '}') {
      if (depth === 0) return undefined;
    }
  }
  return undefined;
}

function innermostSymbol(entries: readonly SymbolEntry[], line: number): SymbolEntry | undefined {
  let best: SymbolEntry | undefined;
  for (const e of entries) {
    if (!DEFINITION_KINDS.has(e.kind) || CONTAINERS.has(e.kind) || e.startLine > line || e.endLine < line) continue;
    if (!best || e.endLine - e.startLine < best.endLine - best.startLine) best = e;
  }
  return best;
}

function innermostContainer(entries: readonly SymbolEntry[], line: number): SymbolEntry | undefined {
  let best: SymbolEntry | undefined;
  for (const e of entries) {
    if (!CONTAINERS.has(e.kind)) continue;
    if (e.startLine > line || e.endLine < line) continue;
    if (!best || e.endLine - e.startLine < best.endLine - best.startLine) best = e;
  }
  return best;
}

/** A container as its signature and its members' signatures: no text fetch needed. */
function outline(container: SymbolEntry, entries: readonly SymbolEntry[]): string {
  const members = entries.filter((e) => e.parent === container.qualifiedName && e.shape !== 'part' && e.id !== container.id);
  const seen = new Set<string>();
  const body = members.filter((m) => !seen.has(m.qualifiedName) && seen.add(m.qualifiedName)).map((m) => `  ${m.signature}`);
  return [container.signature, ...body].join('\n');
}

/** Whether at least `n` of `list` pass `test` (stops as soon as they do). */
function atLeast<T>(list: readonly T[], n: number, test: (x: T) => boolean): boolean {
  let found = 0;
  for (const x of list) if (test(x) && ++found >= n) return true;
  return false;
}

/** Directories in a path: `a/b/c.py` has two. */
function dirCount(path: string): number {
  let n = 0;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) n++;
  return n;
}

/** How many leading directories the two paths share; compared in place, without splitting them. */
export function sharedDirs(a: string, b: string): number {
  const aEnd = a.lastIndexOf('/');
  const bEnd = b.lastIndexOf('/');
  let n = 0;
  for (let i = 0; i <= aEnd && i <= bEnd; n++) {
    // Both paths have a separator at or after i (their last one), so each segment ends in one.
    let j = i;
    while (a.charCodeAt(j) === b.charCodeAt(j) && a.charCodeAt(j) !== SLASH) j++;
    if (a.charCodeAt(j) !== SLASH || b.charCodeAt(j) !== SLASH) return n;
    i = j + 1;
  }
  return n;
}

const SLASH = 0x2f;

function snippetOf(reason: ContextReason, e: Omit<Shown, 'text'>, score: number): Omit<ContextSnippet, 'truncated' | 'text'> {
  return {
    reason,
    id: e.id,
    fileKey: e.fileKey,
    path: e.path,
    root: e.root,
    source: e.source,
    language: e.language,
    kind: e.kind,
    symbol: e.qualifiedName || e.name,
    startLine: e.startLine,
    endLine: e.endLine,
    score,
  };
}

function snippet(reason: ContextReason, h: Shown, score: number): Omit<ContextSnippet, 'truncated'> {
  return { ...snippetOf(reason, h, score), text: h.text };
}

/** Cuts text at a line boundary to fit; never returns a useless sliver. */
function fit(text: string, budget: number): { text: string; truncated: boolean } | undefined {
  if (text.length <= budget) return { text, truncated: false };
  const cut = text.lastIndexOf('\n', budget - 2);
  if (cut < 40) return undefined;
  return { text: `${text.slice(0, cut)}\n…`, truncated: true };
}
