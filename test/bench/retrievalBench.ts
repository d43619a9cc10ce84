/**
 * Retrieval benchmark (not a mocha test): `npm run bench` runs it after the index benchmark.
 *
 * Builds a corpus of real code found on this machine (JS/TS under node_modules, Python stdlib
 * and packages; see corpus.ts), indexes it keyword-only (no embedding model) and measures in
 * one run:
 *   1. doc → code: the first sentence of a function's doc comment, with that doc comment
 *      removed from the indexed copy (lines blanked, so line numbers stay), must find the
 *      function. Engine (`engine.search`) against a plain BM25 baseline: a separate LanceDB
 *      table of the same function chunks' raw text with a default FTS index.
 *   2. call site → definition: `engine.context` with the cursor right after `callee(` must
 *      return the callee's definition, first among the 'definition' snippets. The expected
 *      definition is resolved independently of the engine (same file, this/self member,
 *      the file the caller imports, or a name defined once).
 *   3. warm in-process latency of engine.search and engine.context on the whole index.
 *   4. ANN recall of the embeddings table's IVF_PQ index against exact search, with the
 *      deterministic hashed embeddings of the Ollama test server (not semantic vectors).
 * Prints a table and writes bench-results/retrieval.json.
 *
 * Environment:
 *   RB_FILES       corpus size cap (default 6000: about 133k chunks, 3–4 min on 2 cores)
 *   RB_DOC_PAIRS   doc → code pairs (default 400)
 *   RB_CALL_PAIRS  call site → definition pairs (default 400)
 *   RB_AMBIGUOUS   extra call pairs whose callee name has ≥ 2 definitions, reported apart (default 150)
 *   RB_QUERIES     timed engine.search queries, half identifiers, half sentences (default 300)
 *   RB_VECTORS     vectors for the ANN check; 0 skips it (default 25000)
 *   RB_ABLATION    0 skips the unstemmed search_text ablation table (default 1)
 *   RB_SEED        sampling seed (default 20251)
 *   RB_DIR         scratch folder (default <tmp>/inhouse-retrieval-bench); RB_KEEP=1 keeps it
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import type * as LanceDb from '@lancedb/lancedb';
import { assetsIn, createEngine, type Engine } from '../../src/engine/engine';
import { embedInput } from '../../src/engine/embed/embedRunner';
import { OllamaEmbedder } from '../../src/engine/embed/ollamaEmbedder';
import type { Chunk } from '../../src/engine/indexing/chunk';
import { splitIdentifiers } from '../../src/engine/indexing/identifiers';
import { searchTextOf } from '../../src/engine/indexing/searchText';
import { Grammars } from '../../src/engine/languages/grammars';
import { languageById } from '../../src/engine/languages/registry';
import { OllamaClient } from '../../src/engine/llm/ollamaClient';
import { createLineLogger, silentLogger } from '../../src/engine/log';
import { createNodeHost } from '../../src/engine/nodeHost';
import { chunksByIds, ftsChunks, ftsTexts, textsByIds } from '../../src/engine/retrieval/chunkQueries';
import { toStrings } from '../../src/engine/store/arrowRows';
import { sortedChunkRecords } from './chunkRecords';
import { rankNames, similarQuery, type ContextSnippet } from '../../src/engine/retrieval/completionContext';
import { FileGraph } from '../../src/engine/retrieval/fileGraph';
import { symbolFromRow } from '../../src/engine/retrieval/symbolIndex';
import { parseQuery } from '../../src/engine/retrieval/queryText';
import type { SearchHit } from '../../src/engine/retrieval/retriever';
import { DEFAULTS, validateSettings } from '../../src/engine/settings';
import { IndexStore } from '../../src/engine/store/indexStore';
import { loadLanceDb } from '../../src/engine/store/lancedbModule';
import type { FileRow } from '../../src/engine/store/schema';
import { OllamaTestServer, standardModels } from '../support/ollamaTestServer';
import type { AnswersJob, AnswersLatency } from './answersBench';
import { Contention, engineState, env } from './benchEnv';
import { buildCorpus, shuffled, stableOrder } from './corpus';
import { distribution, round, table, timed, type Distribution } from './stats';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const DIST = join(REPO_ROOT, 'dist');

const FILES = env('RB_FILES', 6000);
const DOC_PAIRS = env('RB_DOC_PAIRS', 400);
const CALL_PAIRS = env('RB_CALL_PAIRS', 400);
const EXTRA_AMBIGUOUS = env('RB_AMBIGUOUS', 150);
const QUERIES = env('RB_QUERIES', 300);
const ABLATION = env('RB_ABLATION', 1) > 0;
const VECTORS = env('RB_VECTORS', 25_000);
const SEED = env('RB_SEED', 20251);
const WORK = process.env.RB_DIR || join(tmpdir(), 'inhouse-retrieval-bench');
const MIN_CHUNKS = 100_000;
const EMBED_MODEL = 'nomic-embed-text:latest';

const TARGETS = { mrrRatio: 1.3, callMrr: 0.97, searchP95Ms: 30, contextP95Ms: 20, promptP95Ms: 20, firstTokenOverheadMs: 30 };
const ANSWER_PROBES = env('RB_ANSWER_PROBES', 200);
const ANSWER_QUESTIONS = env('RB_ANSWER_QUESTIONS', 100);

const log = createLineLogger((line) => process.stderr.write(line), 'warn');
const say = (text: string) => process.stdout.write(`${text}\n`);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

const CODE_LANGS = new Set(['python', 'javascript', 'typescript', 'tsx']);
const DEFINITION_KINDS = new Set(['function', 'method', 'class', 'struct', 'interface', 'trait', 'enum', 'type', 'constant', 'module', 'impl']);
const CONTAINERS = new Set(['class', 'struct', 'interface', 'trait', 'enum', 'impl', 'module']);
const FUNCTION_KINDS = new Set(['function', 'method']);

// ---------------------------------------------------------------------------------------------
// Index rows

interface Row {
  id: string;
  fileKey: string;
  root: string;
  path: string;
  language: string;
  kind: string;
  shape: string;
  name: string;
  qualifiedName: string;
  parent: string;
  startLine: number;
  endLine: number;
  doc: string;
  text: string;
  refs: string[];
  searchText?: string;
}

async function loadRows(store: IndexStore, withSearchText: boolean): Promise<Row[]> {
  const cols = ['id', 'file_key', 'root', 'path', 'language', 'kind', 'shape', 'name', 'qualified_name', 'parent', 'start_line', 'end_line', 'doc', 'text', 'refs'];
  if (withSearchText) cols.push('signature');
  const raw = await sortedChunkRecords(store.chunksTable, cols);
  return raw.map((r) => ({
    id: String(r.id),
    fileKey: String(r.file_key),
    root: String(r.root),
    path: String(r.path),
    language: String(r.language),
    kind: String(r.kind),
    shape: String(r.shape),
    name: String(r.name),
    qualifiedName: String(r.qualified_name),
    parent: String(r.parent),
    startLine: Number(r.start_line),
    endLine: Number(r.end_line),
    doc: String(r.doc),
    text: String(r.text),
    refs: toStrings(r.refs),
    // The engine's search text without its stemming step (outline chunks index their
    // members' signatures, which the row does not hold: their text stands in).
    searchText: withSearchText ? unstemmedSearchText(r) : undefined,
  }));
}

function unstemmedSearchText(r: Record<string, unknown>): string {
  const s = symbolFromRow(r);
  const chunk: Chunk = { ...s, kind: s.kind as Chunk['kind'], shape: s.shape as Chunk['shape'], doc: String(r.doc), text: String(r.text), refs: [] };
  return searchTextOf(chunk, s.path, false);
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ranking metrics

interface Ranks {
  n: number;
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
}

/** rank: 1-based position of the first correct result, 0 when not in the top 10. */
function metrics(ranks: number[]): Ranks {
  const n = ranks.length;
  const at = (k: number) => ranks.filter((r) => r > 0 && r <= k).length / (n || 1);
  const mrr = ranks.reduce((s, r) => s + (r > 0 && r <= 10 ? 1 / r : 0), 0) / (n || 1);
  return { n, r1: at(1), r5: at(5), r10: at(10), mrr };
}

/** Seeded PRNG (mulberry32) for the bootstrap. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rr = (r: number) => (r > 0 && r <= 10 ? 1 / r : 0);

/** 95% paired-bootstrap interval of a statistic over per-pair values (1000 resamples). */
function bootstrap<T>(items: T[], stat: (xs: T[]) => number, seed: number): [number, number] {
  const rand = rng(seed);
  const out: number[] = [];
  for (let b = 0; b < 1000; b++) {
    const sample: T[] = [];
    for (let i = 0; i < items.length; i++) sample.push(items[Math.floor(rand() * items.length)]);
    out.push(stat(sample));
  }
  out.sort((a, b) => a - b);
  return [out[24], out[974]];
}

const fmtRanks = (m: Ranks) => `R@1 ${f3(m.r1)}  R@5 ${f3(m.r5)}  R@10 ${f3(m.r10)}  MRR@10 ${f3(m.mrr)}  (n=${m.n})`;

// ---------------------------------------------------------------------------------------------
// 1. doc → code pairs

/** The first sentence of a doc comment: first paragraph, up to a JSDoc tag, cut at . ! or ?. */
function firstSentence(doc: string): string {
  const para = doc.replace(/\r/g, '').split(/\n[ \t]*\n/)[0];
  const lines: string[] = [];
  for (const l of para.split('\n')) {
    const t = l.trim();
    if (t.startsWith('@') || /^(Args|Arguments|Parameters|Returns|Raises|Example|Examples|Note|Usage):/.test(t)) break;
    lines.push(t);
  }
  // Abbreviations are not sentence ends.
  const text = lines.join(' ').replace(/\s+/g, ' ').trim().replace(/\b(e\.g|i\.e|etc|vs|cf)\./gi, (a) => a.replace(/\./g, '\u0000'));
  const m = /^(.+?[.!?])(?=\s|$)/.exec(text);
  return (m ? m[1] : text).replace(/\u0000/g, '.').trim();
}

const normSentence = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
const wordCount = (s: string) => (s.match(/[A-Za-z][A-Za-z']+/g) ?? []).length;
/** Tool pragmas and file headers, not documentation. */
const PRAGMA = /eslint|istanbul|@ts-|prettier|jshint|jscs:|noqa|type:\s*ignore|pylint|copyright|licen[cs]e|#\s*region|sourceMappingURL/i;

interface DocPair {
  language: string;
  query: string;
  fileKey: string;
  root: string;
  path: string;
  name: string;
  kind: string;
  startLine: number;
  endLine: number;
  how: 'docstring' | 'comment';
}

interface Edit {
  /** Replace text[si, ei) (UTF-16 indices) with `by`, which has as many newlines. */
  spans: { si: number; ei: number; by: string }[];
  /** 0-based rows to blank. */
  rows: number[];
}

/** Rows of the comment lines directly above `row0` (0-based), as the chunker attaches them; [] if none. */
function commentRowsAbove(lines: string[], row0: number, python: boolean): number[] {
  const out: number[] = [];
  let r = row0 - 1;
  while (r >= 0) {
    const t = lines[r].trim();
    if (python) {
      if (t.startsWith('#')) {
        out.push(r--);
        continue;
      }
      break;
    }
    if (t.startsWith('//')) {
      out.push(r--);
      continue;
    }
    if (t.endsWith('*/')) {
      let s = r;
      while (s >= 0 && !lines[s].includes('/*')) s--;
      if (s < 0 || lines[s].slice(0, lines[s].indexOf('/*')).trim() !== '') break;
      for (let k = s; k <= r; k++) out.push(k);
      r = s - 1;
      continue;
    }
    break;
  }
  return out;
}

/** Python docstrings by `<anchor row + 1>:<name>`, where the anchor includes decorators. */
async function pythonDocstrings(grammars: Grammars, text: string): Promise<Map<string, { si: number; ei: number; newlines: number } | 'bad'>> {
  const g = await grammars.get(languageById('python')!);
  const tree = g.parser.parse(text);
  const out = new Map<string, { si: number; ei: number; newlines: number } | 'bad'>();
  if (!tree) return out;
  try {
    for (const fn of tree.rootNode.descendantsOfType('function_definition')) {
      if (!fn) continue;
      const name = fn.childForFieldName('name')?.text;
      if (!name) continue;
      const anchor = fn.parent?.type === 'decorated_definition' ? fn.parent : fn;
      const key = `${anchor.startPosition.row + 1}:${name}`;
      // As the chunker: the body's first named child, if it is a string statement.
      const first = fn.childForFieldName('body')?.firstNamedChild;
      const str = first?.type === 'expression_statement' && first.firstNamedChild?.type === 'string' ? first.firstNamedChild : undefined;
      if (!str) continue;
      const si = str.startIndex;
      const ei = str.endIndex;
      const lineEnd = text.indexOf('\n', ei);
      const rest = text.slice(ei, lineEnd < 0 ? text.length : lineEnd);
      const newlines = (str.text.match(/\n/g) ?? []).length;
      // Indices must be UTF-16 offsets into `text`, and nothing may follow a multi-line docstring.
      if (text.slice(si, ei) !== str.text || (newlines > 0 && rest.trim() !== '')) out.set(key, 'bad');
      else out.set(key, { si, ei, newlines });
    }
  } finally {
    tree.delete();
  }
  return out;
}

/**
 * Removes the doc of each picked function from the corpus copy: Python docstrings become `""`
 * with their other lines blank; comment lines above a definition become blank lines. Line
 * numbers never change. Returns the pairs whose doc was found and removed.
 */
async function stripDocs(picked: Row[], sentences: Map<string, string>): Promise<{ pairs: DocPair[]; files: number; failed: number }> {
  const grammars = new Grammars({ wasmDir: join(DIST, 'wasm'), queryDir: join(DIST, 'queries') });
  const pairs: DocPair[] = [];
  let failed = 0;
  let files = 0;
  try {
    for (const [fileKey, rows] of groupBy(picked, (r) => r.fileKey)) {
      const original = readFileSync(fileKey, 'utf8');
      const python = rows[0].language === 'python';
      const docstrings = python ? await pythonDocstrings(grammars, original) : undefined;
      const lines = original.split('\n');
      const edit: Edit = { spans: [], rows: [] };
      const done: DocPair[] = [];
      for (const r of rows) {
        let how: DocPair['how'] | undefined;
        const ds = docstrings?.get(`${r.startLine}:${r.name}`);
        if (ds === 'bad') {
          failed++;
          continue;
        }
        if (ds) {
          edit.spans.push({ si: ds.si, ei: ds.ei, by: `""${'\n'.repeat(ds.newlines)}` });
          how = 'docstring';
        } else {
          const rowsAbove = commentRowsAbove(lines, r.startLine - 1, python);
          if (rowsAbove.length) {
            edit.rows.push(...rowsAbove);
            how = 'comment';
          }
        }
        if (!how) {
          failed++;
          continue;
        }
        done.push({
          language: r.language,
          query: sentences.get(r.id)!,
          fileKey,
          root: r.root,
          path: r.path,
          name: r.name,
          kind: r.kind,
          startLine: r.startLine,
          endLine: r.endLine,
          how,
        });
      }
      if (!done.length) continue;
      let text = original;
      for (const s of edit.spans.sort((a, b) => b.si - a.si)) text = text.slice(0, s.si) + s.by + text.slice(s.ei);
      const out = text.split('\n');
      if (out.length !== lines.length) throw new Error(`stripping changed the line count of ${fileKey}`);
      for (const row of edit.rows) out[row] = '';
      writeFileSync(fileKey, out.join('\n'));
      files++;
      pairs.push(...done);
    }
  } finally {
    await grammars.dispose();
  }
  return { pairs, files, failed };
}

type Located = { root: string; path: string; startLine: number; endLine: number; kind: string; shape: string };

/**
 * The hit shows the target: same file, overlapping lines, and not an outline (an outline of a
 * big class holds only member signatures). A small class chunk shown whole holds the method's
 * text, and the engine's dedupe drops the method's own chunk below it, so it counts.
 */
function covers(h: Located, t: { root: string; path: string; startLine: number; endLine: number }): boolean {
  if (h.root !== t.root || h.path !== t.path) return false;
  if (h.startLine > t.endLine || h.endLine < t.startLine) return false;
  return h.shape !== 'outline';
}

/** Stricter: the function's own chunk (or a part of it), not a class around it. */
function isOwnChunk(h: Located, t: { root: string; path: string; startLine: number; endLine: number }): boolean {
  return covers(h, t) && !CONTAINERS.has(h.kind);
}

function rankOf<T>(hits: T[], isTarget: (h: T) => boolean): number {
  const i = hits.findIndex(isTarget);
  return i < 0 || i >= 10 ? 0 : i + 1;
}

/** Words only: the full-text parsers treat some punctuation as syntax. */
const plainWords = (q: string) => q.replace(/[^\p{L}\p{N}_]+/gu, ' ').trim();

// ---------------------------------------------------------------------------------------------
// 2. call site → definition pairs

type Resolution = 'same-file' | 'self-member' | 'import' | 'unique-name';

interface CallPair {
  fileKey: string;
  path: string;
  language: string;
  line: number;
  column: number;
  callee: string;
  receiver: string;
  resolution: Resolution;
  /** Acceptable definitions (overloads share a name in one file). */
  truth: Row[];
  /** Definitions of the callee name anywhere (engine's definition kinds, no body parts). */
  definitions: number;
  lineText: string;
}

interface ImportInfo {
  /** Local name → every (module spec, name there) it is imported as, in file order. */
  named: Map<string, { spec: string; original: string }[]>;
  /** Local namespace name (import x as y, import * as y, y = require()) → module specs. */
  namespaces: Map<string, string[]>;
  /** `from x import *` module specs. */
  star: string[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pythonImports(text: string): ImportInfo {
  const info: ImportInfo = { named: new Map(), namespaces: new Map(), star: [] };
  for (const m of text.matchAll(/^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)/gm)) {
    const list = m[2].replace(/[()]/g, ' ').replace(/#[^\n]*/g, ' ').replace(/\\\s*\n/g, ' ');
    if (list.trim() === '*') info.star.push(m[1]);
    for (const part of list.split(',')) {
      const p = /^\s*(\w+)(?:\s+as\s+(\w+))?\s*$/.exec(part);
      if (p) push(info.named, p[2] ?? p[1], { spec: m[1], original: p[1] });
    }
  }
  for (const m of text.matchAll(/^[ \t]*import[ \t]+([^\n#]+)/gm)) {
    for (const part of m[1].split(',')) {
      const p = /^\s*([\w.]+)(?:\s+as\s+(\w+))?\s*$/.exec(part);
      if (p) push(info.namespaces, p[2] ?? p[1], p[1]);
    }
  }
  return info;
}

function jsImports(text: string): ImportInfo {
  const info: ImportInfo = { named: new Map(), namespaces: new Map(), star: [] };
  const addNamed = (list: string, spec: string, sep: RegExp) => {
    for (const part of list.split(',')) {
      const p = part.trim().replace(/^type\s+/, '').split(sep).map((x) => x.trim());
      if (p[0] && /^[\w$]+$/.test(p[0])) push(info.named, p[1] && /^[\w$]+$/.test(p[1]) ? p[1] : p[0], { spec, original: p[0] });
    }
  };
  for (const m of text.matchAll(/import\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) addNamed(m[1], m[2], /\s+as\s+/);
  for (const m of text.matchAll(/(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)/g)) addNamed(m[1], m[2], /\s*:\s*/);
  for (const m of text.matchAll(/import\s+\*\s+as\s+([\w$]+)\s+from\s*['"]([^'"]+)['"]/g)) push(info.namespaces, m[1], m[2]);
  for (const m of text.matchAll(/(?:const|let|var)\s+([\w$]+)\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)/g)) push(info.namespaces, m[1], m[2]);
  return info;
}

/** Names a bare call reaches without any definition in the corpus (a same-named def elsewhere is not it). */
const PY_BUILTINS = new Set(
  ('ArithmeticError AssertionError AttributeError BaseException BlockingIOError BrokenPipeError BufferError ChildProcessError ConnectionError ' +
    'DeprecationWarning EOFError Exception FileExistsError FileNotFoundError ImportError IndexError KeyError KeyboardInterrupt LookupError ' +
    'MemoryError NameError NotImplementedError OSError OverflowError PermissionError RecursionError RuntimeError RuntimeWarning StopIteration ' +
    'SyntaxError SystemExit TimeoutError TypeError UnicodeDecodeError UnicodeEncodeError UnicodeError UserWarning ValueError Warning ' +
    'ZeroDivisionError abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict ' +
    'dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass ' +
    'iter len list locals map max memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice ' +
    'sorted staticmethod str sum super tuple type vars zip unicode basestring long xrange raw_input reduce unichr execfile file cmp apply').split(' '),
);
const JS_GLOBALS = new Set(
  ('Array ArrayBuffer BigInt Boolean DataView Date Error EvalError Float32Array Float64Array Function Int8Array Int16Array Int32Array Intl JSON ' +
    'Map Math Number Object Promise Proxy RangeError ReferenceError Reflect RegExp Set String Symbol SyntaxError TypeError URIError URL ' +
    'URLSearchParams Uint8Array Uint16Array Uint32Array Uint8ClampedArray WeakMap WeakRef WeakSet TextDecoder TextEncoder AbortController ' +
    'Buffer Headers Request Response FormData Blob File Event EventTarget ReadableStream WritableStream TransformStream AggregateError ' +
    'clearInterval clearTimeout decodeURI decodeURIComponent encodeURI encodeURIComponent escape eval fetch isFinite isNaN parseFloat parseInt ' +
    'queueMicrotask require setImmediate setInterval setTimeout structuredClone unescape atob btoa').split(' '),
);

class ModuleResolver {
  constructor(
    private readonly indexed: ReadonlySet<string>,
    private readonly corpusRoot: string,
  ) {}

  resolve(fromKey: string, language: string, spec: string): string | undefined {
    return language === 'python' ? this.python(fromKey, spec) : this.js(fromKey, language, spec);
  }

  private python(fromKey: string, spec: string): string | undefined {
    const m = /^(\.*)(.*)$/.exec(spec)!;
    const parts = m[2] ? m[2].split('.') : [];
    const bases: string[] = [];
    if (m[1].length) {
      let b = dirname(fromKey);
      for (let i = 1; i < m[1].length; i++) b = dirname(b);
      bases.push(b);
    } else {
      for (let b = dirname(fromKey); b.startsWith(this.corpusRoot) && b.length > this.corpusRoot.length; b = dirname(b)) bases.push(b);
    }
    for (const base of bases) {
      const p = join(base, ...parts);
      for (const c of [`${p}.py`, join(p, '__init__.py')]) if (this.indexed.has(c)) return c;
    }
    return undefined;
  }

  private js(fromKey: string, language: string, spec: string): string | undefined {
    if (!spec.startsWith('.')) return undefined;
    const base = resolvePath(dirname(fromKey), spec);
    const stem = base.replace(/\.(m|c)?js$/, '');
    const ts = language === 'typescript' || language === 'tsx';
    const exts = ts ? ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs'] : ['.js', '.mjs', '.cjs', '.ts', '.d.ts'];
    const cands = [base, ...exts.map((e) => stem + e), ...exts.map((e) => join(base, `index${e}`))];
    return cands.find((c) => this.indexed.has(c));
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Call sites in a function chunk with an independently resolved definition. The cursor goes
 * right after `callee(`. Sites in comments, strings (roughly) and definitions are skipped.
 */
function callSites(
  caller: Row,
  ctx: {
    defsByName: Map<string, Row[]>;
    fileRows: Map<string, Row[]>;
    imports: (fileKey: string, language: string) => ImportInfo;
    resolver: ModuleResolver;
  },
): CallPair[] {
  const out: CallPair[] = [];
  const lines = caller.text.split('\n');
  const python = caller.language === 'python';
  for (const callee of caller.refs) {
    if (callee.length < 2) continue;
    const defs = ctx.defsByName.get(callee);
    if (!defs?.length) continue;
    const re = new RegExp(`(^|[^A-Za-z0-9_$])${escapeRe(callee)}\\s*\\(`, 'g');
    // The signature line is the definition itself; the site is the first call in the body.
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i].replace(/\r$/, '');
      const t = line.trim();
      if (/^(#|\/\/|\*|\/\*)/.test(t)) continue;
      re.lastIndex = 0;
      const m = re.exec(line);
      if (!m) continue;
      const at = m.index + m[1].length;
      const before = line.slice(0, at);
      // Odd quote count before the name: probably inside a string.
      if (((before.match(/['"`]/g) ?? []).length & 1) === 1) continue;
      if (/(\bdef|\bfunction\*?|\bclass|\basync)\s*$/.test(before)) continue;
      if (!python && /^\s*$/.test(before) && /\)\s*\{\s*$/.test(line)) continue; // object-literal method
      const recvMatch = /([\w$.]+)\s*(?:\?\.|\.)\s*$/.exec(before);
      const receiver = recvMatch ? recvMatch[1] : /(?:\?\.|\.)\s*$/.test(before) ? '?' : '';
      const column = line.indexOf('(', at + callee.length) + 1;
      const pair = resolveCall(caller, callee, receiver, defs, ctx);
      if (pair) {
        out.push({
          fileKey: caller.fileKey,
          path: caller.path,
          language: caller.language,
          line: caller.startLine + i,
          column,
          callee,
          receiver,
          resolution: pair.resolution,
          truth: pair.truth,
          definitions: defs.length,
          lineText: line.trim().slice(0, 120),
        });
      }
      break; // first site of each callee only
    }
  }
  return out;
}

/**
 * The definition a call reaches, decided without the engine: this/self members of the
 * enclosing class; for a bare name, a top-level definition in the same file, else the one
 * module that imports it (an import inside the calling function wins), else a star import,
 * else a name defined once in the same package source; for `ns.f(`, the module `ns` names.
 * Calls on other objects are left out (the type is unknown).
 */
function resolveCall(
  caller: Row,
  callee: string,
  receiver: string,
  defs: Row[],
  ctx: { fileRows: Map<string, Row[]>; imports: (fileKey: string, language: string) => ImportInfo; resolver: ModuleResolver },
): { resolution: Resolution; truth: Row[] } | undefined {
  const python = caller.language === 'python';
  const inFile = (key: string, pred: (d: Row) => boolean) => defs.filter((d) => d.fileKey === key && pred(d));
  const topLevelIn = (spec: string) => {
    const target = ctx.resolver.resolve(caller.fileKey, caller.language, spec);
    return target ? inFile(target, (d) => d.parent === '') : [];
  };
  if (receiver === 'this' || receiver === 'self' || receiver === 'cls') {
    if (!caller.parent) return undefined;
    const truth = inFile(caller.fileKey, (d) => d.parent === caller.parent);
    return truth.length ? { resolution: 'self-member', truth } : undefined;
  }
  const imports = ctx.imports(caller.fileKey, caller.language);
  if (receiver === '') {
    if ((python ? PY_BUILTINS : JS_GLOBALS).has(callee)) return undefined;
    const named = imports.named.get(callee) ?? [];
    const local = inFile(caller.fileKey, (d) => d.parent === '');
    if (local.length) return named.length ? undefined : { resolution: 'same-file', truth: local };
    if (named.length) {
      // An import in the calling function's own text decides; else the file's imports must agree.
      const inCaller = (python ? pythonImports(caller.text) : jsImports(caller.text)).named.get(callee) ?? [];
      const specs = new Set((inCaller.length ? inCaller : named).map((n) => `${n.spec}\u0000${n.original}`));
      if (specs.size !== 1) return undefined;
      const [spec, original] = [...specs][0].split('\u0000');
      if (original !== callee) return undefined; // aliased: the engine looks up the local name
      const truth = topLevelIn(spec);
      return truth.length ? { resolution: 'import', truth } : undefined;
    }
    for (const spec of imports.star) {
      const truth = topLevelIn(spec);
      if (truth.length) return { resolution: 'import', truth };
    }
    const label = (p: string) => p.split('/')[0];
    const family = (l: string) => (l === 'python' ? 'py' : 'js');
    if (defs.length === 1 && defs[0].fileKey !== caller.fileKey && family(defs[0].language) === family(caller.language) && label(defs[0].path) === label(caller.path)) {
      return { resolution: 'unique-name', truth: defs };
    }
    return undefined;
  }
  // ns.f( through `import ns` / `import * as ns` / `ns = require()`, or Python `from pkg import ns`.
  const specs = new Set(imports.namespaces.get(receiver) ?? []);
  if (python) {
    for (const head of imports.named.get(receiver) ?? []) specs.add(head.spec.endsWith('.') ? `${head.spec}${head.original}` : `${head.spec}.${head.original}`);
  }
  if (specs.size === 1) {
    const truth = topLevelIn([...specs][0]);
    if (truth.length) return { resolution: 'import', truth };
  }
  return undefined;
}

/** The engine leaves out definitions inside the code being edited (the prompt has them): so does the benchmark. */
function inEditingWindow(pair: CallPair, def: Row, fileRows: Row[]): boolean {
  if (def.fileKey !== pair.fileKey) return false;
  let editing: Row | undefined;
  for (const e of fileRows) {
    if (!DEFINITION_KINDS.has(e.kind) || CONTAINERS.has(e.kind) || e.startLine > pair.line || e.endLine < pair.line) continue;
    if (!editing || e.endLine - e.startLine < editing.endLine - editing.startLine) editing = e;
  }
  const start = Math.min(editing?.startLine ?? pair.line, pair.line - 10);
  const end = Math.max(editing?.endLine ?? pair.line, pair.line + 5);
  const encloses = def.startLine <= pair.line && def.endLine >= pair.line;
  return encloses || (def.startLine >= start && def.endLine <= end);
}

// ---------------------------------------------------------------------------------------------
// 4. ANN recall on the embeddings table

interface AnnRun {
  vectors: number;
  dim: number;
  embedMs: number;
  indexBuild: string;
  indexMs: number;
  queries: number;
  recallAt10: number;
  recallAt10Sentences: number;
  recallAt10Chunks: number;
  annLatency: Distribution;
  exactLatency: Distribution;
}

async function annRecall(rows: Row[], sentences: string[], workDir: string): Promise<AnnRun> {
  const server = await OllamaTestServer.start({ models: standardModels() });
  const store = await IndexStore.openForWrite(join(workDir, 'vectors-db'), silentLogger);
  try {
    const embedder = new OllamaEmbedder(new OllamaClient({ host: server.url, timeoutMs: 120_000 }), EMBED_MODEL);
    await store.useEmbeddingModel(EMBED_MODEL);
    // One vector per distinct content, as embedPending; a held-out sample serves as queries.
    const distinct = new Set<string>();
    for (const r of shuffled(rows, SEED + 5)) {
      if (distinct.size >= VECTORS + 100) break;
      distinct.add(embedInput(r.doc, r.text));
    }
    const inputs = [...distinct];
    const heldOut = inputs.slice(VECTORS, VECTORS + 100);
    const corpus = inputs.slice(0, VECTORS);
    const t0 = performance.now();
    const BATCH = 512;
    let pendingRows: { text_hash: string; vector: number[] }[] = [];
    for (let i = 0; i < corpus.length; i += BATCH) {
      const slice = corpus.slice(i, i + BATCH);
      const vectors = await embedder.embed(slice);
      slice.forEach((_, j) => pendingRows.push({ text_hash: `v${i + j}`, vector: vectors[j] }));
      if (pendingRows.length >= 5000 || i + BATCH >= corpus.length) {
        await store.addEmbeddings(pendingRows);
        pendingRows = [];
      }
    }
    const embedMs = performance.now() - t0;
    const t1 = performance.now();
    const built = await store.maintainEmbeddings();
    const indexMs = performance.now() - t1;
    const tbl = (await store.embeddingsTable())!;
    const queryTexts = [...sentences.slice(0, 100), ...heldOut];
    const queryVectors = await embedder.embed(queryTexts);
    const recalls: number[] = [];
    const annMs: number[] = [];
    const exactMs: number[] = [];
    const run = async (v: number[], exact: boolean) => {
      let q = tbl.vectorSearch(v).distanceType('cosine').select(['text_hash']).limit(10);
      q = exact ? q.bypassVectorIndex() : q.nprobes(40).refineFactor(10);
      const t = performance.now();
      const res = (await q.toArray()) as { text_hash: string }[];
      (exact ? exactMs : annMs).push(performance.now() - t);
      return res.map((r) => String(r.text_hash));
    };
    for (const v of queryVectors.slice(0, 3)) await run(v, false);
    for (const v of queryVectors) {
      const ann = new Set(await run(v, false));
      const exact = await run(v, true);
      recalls.push(exact.filter((h) => ann.has(h)).length / (exact.length || 1));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
    const ns = Math.min(100, sentences.length);
    return {
      vectors: corpus.length,
      dim: queryVectors[0]?.length ?? 0,
      embedMs,
      indexBuild: built,
      indexMs,
      queries: queryVectors.length,
      recallAt10: mean(recalls),
      recallAt10Sentences: mean(recalls.slice(0, ns)),
      recallAt10Chunks: mean(recalls.slice(ns)),
      annLatency: distribution(annMs),
      exactLatency: distribution(exactMs),
    };
  } finally {
    store.close();
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------

function newEngine(dbDir: string, extra: Record<string, unknown> = {}): Engine {
  return createEngine(createNodeHost(), validateSettings({ ...DEFAULTS, ...extra }), { dbDir, assets: assetsIn(DIST) }, log);
}

async function main(): Promise<void> {
  const started = performance.now();
  say(`InHouse retrieval benchmark — node ${process.version}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${cpus()[0]?.model ?? ''}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const engineAt = engineState();
  say(`Engine: HEAD ${engineAt.head}${engineAt.dirtyFiles ? ` + ${engineAt.dirtyFiles} uncommitted file(s) under src/ (fingerprint ${engineAt.diffSha1})` : ''}`);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const corpusRoot = join(WORK, 'corpus');
  const dbDir = join(WORK, 'db');
  const roots = [{ root: corpusRoot, source: 'workspace' }];
  const lancedb: typeof LanceDb = loadLanceDb();

  // ---- Corpus and first index --------------------------------------------------------------
  const built = await timed(async () => buildCorpus(REPO_ROOT, corpusRoot, FILES));
  const corpus = built.value;
  say(`Corpus: ${corpus.files.length} files, ${(corpus.bytes / 2 ** 20).toFixed(1)} MB (${Object.entries(corpus.byLanguage).map(([l, v]) => `${l} ${v.files}`).join(', ')}), copied in ${sec(built.ms)}`);
  for (const s of corpus.sources) say(`  from ${s.label.padEnd(34)} ${String(s.files).padStart(6)} files  (${s.dir})`);

  const engine = newEngine(dbDir);
  const first = await timed(() => engine.index(roots));
  say(`Index of the original corpus: ${first.value.files} files, ${first.value.chunks} chunks in ${sec(first.ms)}`);
  let store = await IndexStore.open(dbDir, silentLogger);
  const rows0 = await loadRows(store, false);
  const catalog0 = await store.loadCatalog();
  store.close();

  // ---- doc → code: pick, strip, re-index ---------------------------------------------------
  const sentenceOf = new Map<string, string>();
  const sentenceUses = new Map<string, number>();
  for (const r of rows0) {
    if (!r.doc) continue;
    const s = firstSentence(r.doc);
    sentenceOf.set(r.id, s);
    const k = normSentence(s);
    if (k) sentenceUses.set(k, (sentenceUses.get(k) ?? 0) + 1);
  }
  const eligible = rows0.filter((r) => {
    const s = sentenceOf.get(r.id);
    return (
      s !== undefined &&
      FUNCTION_KINDS.has(r.kind) &&
      r.shape === 'whole' &&
      CODE_LANGS.has(r.language) &&
      !r.path.endsWith('.d.ts') &&
      wordCount(s) >= 4 &&
      s.length <= 300 &&
      !PRAGMA.test(s)
    );
  });
  const unique = eligible.filter((r) => sentenceUses.get(normSentence(sentenceOf.get(r.id)!)) === 1);
  // Ordered by a hash of each chunk's identity, so a slightly different corpus keeps most pairs.
  const rowKey = (r: Row) => `${r.path}:${r.qualifiedName}:${r.startLine}`;
  const pools = [stableOrder(unique.filter((r) => r.language === 'python'), rowKey, SEED), stableOrder(unique.filter((r) => r.language !== 'python'), rowKey, SEED + 1)];
  // Interleaved python / JS-TS, at most 2 per file; 25% spare for docs that cannot be stripped.
  const perFile = new Map<string, number>();
  const picked: Row[] = [];
  const want = Math.ceil(DOC_PAIRS * 1.25);
  for (let i = 0; picked.length < want && (i < pools[0].length || i < pools[1].length); i++) {
    for (const pool of pools) {
      const r = pool[i];
      if (!r || picked.length >= want || (perFile.get(r.fileKey) ?? 0) >= 2) continue;
      perFile.set(r.fileKey, (perFile.get(r.fileKey) ?? 0) + 1);
      picked.push(r);
    }
  }
  say(`\ndoc → code: ${eligible.length} function chunks with a ≥ 4-word first doc sentence; ${unique.length} whose sentence is unique in the corpus (copies of one library in two Python versions share docs); picked ${picked.length}`);
  const strip = await stripDocs(picked, sentenceOf);
  say(`  doc removed in ${strip.files} files for ${strip.pairs.length} functions (${strip.failed} could not be stripped)`);

  const second = await timed(() => engine.index(roots));
  say(`  re-index of the stripped copy: ${second.value.changed} changed, ${second.value.unchanged} unchanged in ${sec(second.ms)}`);
  store = await IndexStore.open(dbDir, silentLogger);
  const rows = await loadRows(store, true);
  const catalog = await store.loadCatalog();
  const byFile = groupBy(rows, (r) => r.fileKey);
  const chunkCount = rows.length;
  const chunkIndices = (await store.chunksTable.listIndices()).map((i) => `${i.name} (${i.indexType} on ${i.columns.join(', ')})`);
  say(`  chunks table indices: ${chunkIndices.join('; ') || 'none'}`);

  // Keep only pairs whose indexed function has no doc left and no syntax error introduced.
  const docPairs: DocPair[] = [];
  const dropped: Record<string, number> = {};
  const drop = (why: string) => (dropped[why] = (dropped[why] ?? 0) + 1);
  for (const p of strip.pairs) {
    const r = (byFile.get(p.fileKey) ?? []).find((x) => x.name === p.name && x.startLine === p.startLine && FUNCTION_KINDS.has(x.kind));
    if (!r) drop('function chunk gone after stripping');
    else if (r.doc.trim() !== '') drop('doc still attached');
    else if (normSentence(r.text).includes(normSentence(p.query))) drop('sentence still in the text');
    else if (catalog.get(p.fileKey)?.has_errors && !catalog0.get(p.fileKey)?.has_errors) drop('stripping introduced a syntax error');
    else if (docPairs.length < DOC_PAIRS) docPairs.push({ ...p, endLine: r.endLine });
  }
  say(`  ${docPairs.length} doc → code pairs (${docPairs.filter((p) => p.language === 'python').length} Python, ${docPairs.filter((p) => p.language !== 'python').length} JS/TS); dropped ${JSON.stringify(dropped)}`);

  // Baseline: one row per function/method chunk of the stripped corpus, raw text, default FTS.
  const baseDb = await lancedb.connect(join(WORK, 'baseline-db'));
  const fnRows = rows.filter((r) => FUNCTION_KINDS.has(r.kind));
  const tb0 = performance.now();
  const baseTable = await baseDb.createTable(
    'functions',
    fnRows.map((r) => ({ root: r.root, path: r.path, kind: r.kind, shape: r.shape, name: r.name, start_line: r.startLine, end_line: r.endLine, text: r.text })),
    { mode: 'overwrite' },
  );
  await baseTable.createIndex('text', { config: lancedb.Index.fts() });
  say(`  baseline table: ${fnRows.length} function/method chunks, raw text, Index.fts() defaults, built in ${sec(performance.now() - tb0)}`);
  // Ablation: the engine's own search text (all chunks) without stemming, stop words kept
  // (the engine's FTS config before commit 2db3410).
  const ta0 = performance.now();
  const stemTable = ABLATION
    ? await baseDb.createTable(
        'search_text_unstemmed',
        rows.map((r) => ({ root: r.root, path: r.path, kind: r.kind, shape: r.shape, name: r.name, start_line: r.startLine, end_line: r.endLine, search_text: r.searchText ?? '' })),
        { mode: 'overwrite' },
      )
    : undefined;
  await stemTable?.createIndex('search_text', {
    config: lancedb.Index.fts({ withPosition: false, stem: false, removeStopWords: false, asciiFolding: true }),
  });
  if (stemTable) say(`  ablation table: engine search_text of all ${rows.length} chunks, FTS without stemming, stop words kept, built in ${sec(performance.now() - ta0)}`);
  for (const r of rows) r.searchText = undefined;
  const ftsDefaults = await probeFtsDefaults(baseDb, lancedb);
  say(`  LanceDB Index.fts() defaults observed: stemming ${ftsDefaults.stem ? 'on' : 'off'}, stop words ${ftsDefaults.stopWords ? 'removed' : 'kept'}, lower-casing ${ftsDefaults.lowercase ? 'on' : 'off'}`);

  type Hit = Located & { name: string; symbol?: string };
  const COLS = ['root', 'path', 'kind', 'shape', 'name', 'start_line', 'end_line'];
  const fromLance = (r: Record<string, unknown>): Hit => ({
    root: String(r.root), path: String(r.path), kind: String(r.kind), shape: String(r.shape), name: String(r.name), startLine: Number(r.start_line), endLine: Number(r.end_line),
  });

  // Warm the engine: the first search loads the in-memory symbol index.
  const warm = await timed(() => engine.search('warm up query', { limit: 10 }));
  say(`  first engine.search after the re-index (loads symbols and import graph): ${warm.ms.toFixed(0)} ms`);

  interface DocResult extends DocPair {
    engine: number;
    engineStrict: number;
    baseline: number;
    baselineStrict: number;
    keywordOnly: number;
    /** Rank with the ablation's tokenizer (no stemming, stop words kept). */
    unstemmed: number;
    perFile10: number;
    identifiers: string[];
    top: string;
    topName: string;
    topSameName: boolean;
    baseTop: string;
  }
  const docResults: DocResult[] = [];
  const baselineMs: number[] = [];
  for (const p of docPairs) {
    const isT = (h: Located) => covers(h, p);
    const hits: SearchHit[] = await engine.search(p.query, { limit: 10 });
    const words = plainWords(p.query);
    const t1 = performance.now();
    const base = ((await baseTable.query().fullTextSearch(words, { columns: ['text'] }).select(COLS).limit(10).toArray()) as Record<string, unknown>[]).map(fromLance);
    baselineMs.push(performance.now() - t1);
    const parsed = parseQuery(p.query);
    const kw = await ftsChunks(store.chunksTable, parsed.words, {}, 10);
    const st = stemTable ? ((await stemTable.query().fullTextSearch(parsed.words, { columns: ['search_text'] }).select(COLS).limit(10).toArray()) as Record<string, unknown>[]).map(fromLance) : [];
    const wide = await engine.search(p.query, { limit: 10, perFile: 10 });
    const top = hits[0];
    docResults.push({
      ...p,
      engine: rankOf(hits, isT),
      engineStrict: rankOf(hits, (h) => isOwnChunk(h, p)),
      baseline: rankOf(base, isT),
      baselineStrict: rankOf(base, (h) => isOwnChunk(h, p)),
      keywordOnly: rankOf(kw, isT),
      unstemmed: rankOf(st, isT),
      perFile10: rankOf(wide, isT),
      identifiers: parsed.identifiers,
      top: top ? `${top.path}:${top.startLine} ${top.symbol || '(block)'} [${top.kind}]` : '(nothing)',
      topName: top?.name ?? '',
      topSameName: !!top && top.name === p.name && !(top.root === p.root && top.path === p.path),
      baseTop: base[0] ? `${base[0].path}:${base[0].startLine} ${base[0].name}` : '(nothing)',
    });
  }
  const m = (pick: (r: DocResult) => number, pred: (r: DocResult) => boolean = () => true) => metrics(docResults.filter(pred).map(pick));
  const docEngine = m((r) => r.engine);
  const docBase = m((r) => r.baseline);
  const docEngineStrict = m((r) => r.engineStrict);
  const docBaseStrict = m((r) => r.baselineStrict);
  const docKw = m((r) => r.keywordOnly);
  const docStem = m((r) => r.unstemmed);
  const docWide = m((r) => r.perFile10);
  const isPy = (r: DocResult) => r.language === 'python';
  const isJs = (r: DocResult) => r.language !== 'python';
  const docPy = { engine: m((r) => r.engine, isPy), baseline: m((r) => r.baseline, isPy) };
  const docJs = { engine: m((r) => r.engine, isJs), baseline: m((r) => r.baseline, isJs) };
  const withIds = (r: DocResult) => r.identifiers.length > 0;
  const hijacked = docResults.filter((r) => r.engine !== 1 && r.identifiers.some((id) => id.toLowerCase() === r.topName.toLowerCase()));
  const ratio = docEngine.mrr / docBase.mrr;
  const ratioCi = bootstrap(docResults, (xs) => xs.reduce((a, r) => a + rr(r.engine), 0) / Math.max(1e-9, xs.reduce((a, r) => a + rr(r.baseline), 0)), SEED + 7);
  say('\ndoc → code results (a hit counts when it shows the function: same file, overlapping lines, not a class outline)');
  say(`  engine.search              ${fmtRanks(docEngine)}`);
  say(`  BM25 baseline (raw text)   ${fmtRanks(docBase)}`);
  say(`  engine MRR@10 / baseline MRR@10 = ${ratio.toFixed(2)} (95% paired bootstrap ${ratioCi[0].toFixed(2)}–${ratioCi[1].toFixed(2)}; target ≥ ${TARGETS.mrrRatio})`);
  say(`    Python: engine ${fmtRanks(docPy.engine)}`);
  say(`            base   ${fmtRanks(docPy.baseline)}`);
  say(`    JS/TS:  engine ${fmtRanks(docJs.engine)}`);
  say(`            base   ${fmtRanks(docJs.baseline)}`);
  say(`    strict (the function's own chunk only): engine MRR@10 ${f3(docEngineStrict.mrr)}, baseline ${f3(docBaseStrict.mrr)}`);
  say('  diagnostics (same queries):');
  say(`    engine keyword list alone (ftsChunks, before fusion/dedupe/per-file cap) ${fmtRanks(docKw)}`);
  say(`    engine.search with perFile 10 instead of 3                              ${fmtRanks(docWide)}`);
  if (stemTable) say(`    search_text, FTS without stemming, stop words kept (ablation)           ${fmtRanks(docStem)}`);
  say(`    queries in which parseQuery finds identifiers (exact-symbol lookups): ${docResults.filter(withIds).length}; their engine MRR@10 ${f3(m((r) => r.engine, withIds).mrr)} vs baseline ${f3(m((r) => r.baseline, withIds).mrr)}; others ${f3(m((r) => r.engine, (r) => !withIds(r)).mrr)} vs ${f3(m((r) => r.baseline, (r) => !withIds(r)).mrr)}`);
  say(`    not first, and the first hit is a symbol named like one of those identifiers (case-insensitive): ${hijacked.length}`);
  const eMiss = docResults.filter((r) => r.engine === 0);
  const notFirst = docResults.filter((r) => r.engine !== 1);
  say(`    engine misses @10: ${eMiss.length}; of these the baseline found ${eMiss.filter((r) => r.baseline > 0).length}, the keyword list alone ${eMiss.filter((r) => r.keywordOnly > 0).length}, perFile 10 ${eMiss.filter((r) => r.perFile10 > 0).length}${stemTable ? `, unstemmed ablation ${eMiss.filter((r) => r.unstemmed > 0).length}` : ''}`);
  say(`    not first: ${notFirst.length}; first hit is a same-named function in another file: ${notFirst.filter((r) => r.topSameName).length}; first hit in the target's own file: ${notFirst.filter((r) => r.top.startsWith(`${r.path}:`)).length}`);
  say(`    keyword list alone ranked it better than engine.search: ${docResults.filter((r) => r.keywordOnly > 0 && (r.engine === 0 || r.keywordOnly < r.engine)).length}; worse: ${docResults.filter((r) => r.engine > 0 && (r.keywordOnly === 0 || r.engine < r.keywordOnly)).length}`);
  say('  10 engine misses (not in the top 10 first, then not first):');
  const docMisses = [...eMiss, ...notFirst.filter((r) => r.engine > 1)].slice(0, 10);
  for (const x of docMisses) {
    say(`    • "${x.query}"${x.identifiers.length ? `  (identifiers: ${x.identifiers.join(', ')})` : ''}`);
    say(`        expected ${x.path}:${x.startLine}-${x.endLine} ${x.name} [${x.language}, doc was a ${x.how}]`);
    say(`        engine rank ${x.engine || '>10'} (keyword list ${x.keywordOnly || '>10'}, perFile 10 ${x.perFile10 || '>10'}, unstemmed ${x.unstemmed || '>10'}, baseline ${x.baseline || '>10'}); first: ${x.top}`);
  }

  // ---- call site → definition --------------------------------------------------------------
  const defsByName = new Map<string, Row[]>();
  for (const r of rows) if (r.name && DEFINITION_KINDS.has(r.kind) && r.shape !== 'part') (defsByName.get(r.name) ?? defsByName.set(r.name, []).get(r.name)!).push(r);
  const indexedKeys = new Set([...catalog.values()].filter((f) => f.status === 'indexed').map((f) => f.file_key));
  const importCache = new Map<string, ImportInfo>();
  const ctx = {
    defsByName,
    fileRows: byFile,
    resolver: new ModuleResolver(indexedKeys, corpusRoot),
    imports: (fileKey: string, language: string) => {
      let info = importCache.get(fileKey);
      if (!info) {
        const text = readFileSync(fileKey, 'utf8');
        info = language === 'python' ? pythonImports(text) : jsImports(text);
        importCache.set(fileKey, info);
      }
      return info;
    },
  };
  const callers = stableOrder(
    rows.filter((r) => FUNCTION_KINDS.has(r.kind) && r.shape === 'whole' && CODE_LANGS.has(r.language) && !r.path.endsWith('.d.ts') && r.refs.length),
    (r) => `${r.path}:${r.qualifiedName}:${r.startLine}`,
    SEED + 2,
  );
  const callPairs: CallPair[] = [];
  const extraAmbiguous: CallPair[] = [];
  const callPerFile = new Map<string, number>();
  let windowExcluded = 0;
  let scanned = 0;
  for (const caller of callers) {
    const mainFull = callPairs.length >= CALL_PAIRS;
    if (mainFull && extraAmbiguous.length >= EXTRA_AMBIGUOUS) break;
    if ((callPerFile.get(caller.fileKey) ?? 0) >= 2) continue;
    scanned++;
    const fileRows = byFile.get(caller.fileKey) ?? [];
    const sites = shuffled(callSites(caller, ctx), SEED + scanned).flatMap((p) => {
      const truth = p.truth.filter((d) => !inEditingWindow(p, d, fileRows));
      if (truth.length < p.truth.length) windowExcluded++;
      return truth.length ? [{ ...p, truth }] : [];
    });
    const pick = mainFull ? sites.find((p) => p.definitions >= 2) : sites[0];
    if (!pick) continue;
    (mainFull ? extraAmbiguous : callPairs).push(pick);
    callPerFile.set(caller.fileKey, (callPerFile.get(caller.fileKey) ?? 0) + 1);
  }
  const graph = await FileGraph.load(catalog.values() as Iterable<FileRow>, [corpusRoot], createNodeHost());

  interface CallResult extends CallPair {
    rank: number;
    ms: number;
    firstDef: string;
    defSnippets: number;
    truthImported: boolean;
    error?: string;
    /** The pieces of engine.context that hit the table, timed on their own afterwards. */
    similarMs: number;
    byIdsMs: number;
    /** The same two as engine.context runs them: its query and result size, and only the columns it reads. */
    similarAsRunMs: number;
    textsAsRunMs: number;
    /** Weight the engine's rankNames gives the callee (100: the call being typed; 0: not looked up). */
    calleeWeight: number;
    chosenImported: boolean;
    chosenSameName: boolean;
    /** The chosen definition lives in a file of the same name as the expected one (a vendored or versioned copy). */
    chosenCopy: boolean;
    why: string;
  }
  const runCall = async (p: CallPair): Promise<CallResult> => {
    const t0 = performance.now();
    let snippets: ContextSnippet[] = [];
    let error: string | undefined;
    try {
      snippets = await engine.context(p.fileKey, { line: p.line, column: p.column }, { limit: 10, maxChars: 6000 });
    } catch (err) {
      error = (err as Error).message;
    }
    const ms = performance.now() - t0;
    // The "similar code" BM25 query completionContext builds (last 3 lines + the current prefix)…
    const lines = readFileSync(p.fileKey, 'utf8').split('\n');
    const row = p.line - 1;
    const simQuery = splitIdentifiers(lines.slice(Math.max(0, row - 3), row).join(' ') + ' ' + lines[row].slice(0, p.column))
      .replace(/[^A-Za-z0-9_$\u0080-\uffff]+/g, ' ')
      .trim();
    const ts = performance.now();
    if (simQuery) await ftsChunks(store.chunksTable, simQuery, {}, 20);
    const similarMs = performance.now() - ts;
    // …and its fetch of the picked definitions' text by id.
    const tb = performance.now();
    await chunksByIds(store.chunksTable, p.truth.map((t) => t.id));
    const byIdsMs = performance.now() - tb;
    const asRun = similarQuery(lines, row, p.column);
    const tr = performance.now();
    if (asRun) await ftsTexts(store.chunksTable, asRun, 6);
    const similarAsRunMs = performance.now() - tr;
    const tt = performance.now();
    await textsByIds(store.chunksTable, p.truth.map((t) => t.id));
    const textsAsRunMs = performance.now() - tt;
    const defs = snippets.filter((s) => s.reason === 'definition');
    const i = defs.findIndex((s) => p.truth.some((t) => t.root === s.root && t.path === s.path && t.startLine === s.startLine));
    const rank = i < 0 || i >= 10 ? 0 : i + 1;
    const f = defs[0];
    // What the engine's name ranking makes of the cursor (same window as completionContext).
    const current = lines[row].replace(/\r$/, '');
    const before = [...lines.slice(Math.max(0, row - 40), row), current.slice(0, p.column)].join('\n');
    const after = [current.slice(p.column), ...lines.slice(row + 1, row + 9)].join('\n');
    const calleeWeight = rankNames(before, after).find((n) => n.name === p.callee)?.weight ?? 0;
    const imports = graph.importsOf(p.fileKey);
    const chosenKey = f ? join(f.root, f.path) : '';
    const chosenSameName = !!f && (f.symbol === p.callee || f.symbol.endsWith(`.${p.callee}`));
    const chosenImported = !!f && imports.includes(chosenKey);
    const chosenCopy = !!f && chosenSameName && p.truth.every((t) => t.fileKey !== chosenKey) && p.truth.some((t) => basename(t.path) === basename(f.path));
    const truthImported = p.truth.some((t) => imports.includes(t.fileKey));
    const why = error
      ? 'error'
      : rank === 1
        ? ''
        : calleeWeight === 0
          ? 'callee never looked up: rankNames drops it (KEYWORDS list holds get/set/select/match/map/type/print/…)'
          : calleeWeight < 100
            ? 'call under the cursor not recognised: openCall() regex lets the receiver group swallow the bare callee (`f(g(` → "g" lost)'
            : p.resolution === 'import' && !truthImported
              ? "expected module not in the engine's import graph (`from pkg import module`, aliased submodules)"
              : chosenSameName && chosenImported
                ? 'another same-named definition won: its file is in the import graph (+50 beats same file +30 / class member +40)'
                : chosenSameName
                  ? 'another same-named definition won on proximity scores'
                  : defs.length === 0
                    ? 'no definition snippet (name too common to be confident)'
                    : rank > 1
                      ? 'found, not first'
                      : 'callee not among the definitions';
    return {
      ...p,
      rank,
      ms,
      firstDef: f ? `${f.path}:${f.startLine} ${f.symbol} [${f.kind}]` : '(no definition snippet)',
      defSnippets: defs.length,
      truthImported,
      error,
      similarMs,
      byIdsMs,
      similarAsRunMs,
      textsAsRunMs,
      calleeWeight,
      chosenImported,
      chosenSameName,
      chosenCopy,
      why,
    };
  };
  for (const p of callPairs.slice(0, 10)) await runCall(p); // warm
  const callResults: CallResult[] = [];
  const contextContention = new Contention();
  for (const p of callPairs) callResults.push(await runCall(p));
  const contextOthers = contextContention.finish().othersShare;
  const extraResults: CallResult[] = [];
  for (const p of extraAmbiguous) extraResults.push(await runCall(p));
  const callAll = metrics(callResults.map((r) => r.rank));
  const callCi = bootstrap(callResults, (xs) => xs.reduce((a, r) => a + rr(r.rank), 0) / xs.length, SEED + 8);
  const ambiguous = [...callResults, ...extraResults].filter((r) => r.definitions >= 2);
  const callAmb = metrics(ambiguous.map((r) => r.rank));
  const callAmbNatural = metrics(callResults.filter((r) => r.definitions >= 2).map((r) => r.rank));
  const callUnique = metrics(callResults.filter((r) => r.definitions < 2).map((r) => r.rank));
  say(`\ncall site → definition: ${callPairs.length} pairs from ${scanned} caller functions (one per function, ≤ 2 per file) + ${extraAmbiguous.length} extra ambiguous; ${windowExcluded} sites left out because the definition lies in the editing window (the engine omits it by design)`);
  say(`  all (natural sample)        ${fmtRanks(callAll)}   [MRR 95% bootstrap ${callCi[0].toFixed(3)}–${callCi[1].toFixed(3)}; target MRR@10 ≥ ${TARGETS.callMrr}]`);
  say(`  name defined once           ${fmtRanks(callUnique)}`);
  say(`  name defined ≥ 2 times      ${fmtRanks(callAmbNatural)}   (natural sample)`);
  say(`  ambiguous incl. extra       ${fmtRanks(callAmb)}`);
  const byRes: Record<string, Ranks> = {};
  for (const res of ['same-file', 'self-member', 'import', 'unique-name'] as Resolution[]) {
    const sub = [...callResults, ...extraResults].filter((r) => r.resolution === res);
    byRes[res] = metrics(sub.map((r) => r.rank));
    if (sub.length) say(`    resolved by ${res.padEnd(12)} ${fmtRanks(byRes[res])}`);
  }
  for (const lang of ['python', 'javascript', 'typescript']) {
    const sub = callResults.filter((r) => r.language === lang);
    if (sub.length) say(`    ${lang.padEnd(24)} ${fmtRanks(metrics(sub.map((r) => r.rank)))}`);
  }
  const callMissList = [...callResults, ...extraResults].filter((r) => r.rank !== 1);
  const missKinds: Record<string, number> = {};
  for (const m of callMissList) missKinds[m.why] = (missKinds[m.why] ?? 0) + 1;
  const natural = callResults.length;
  say(`  misses (rank ≠ 1): ${callResults.filter((r) => r.rank !== 1).length} of ${natural} in the natural sample, ${callMissList.length} including the extra ambiguous ones; by cause (engine-side evidence):`);
  for (const [why, n] of Object.entries(missKinds).sort((a, b) => b[1] - a[1])) say(`    ${String(n).padStart(3)}  ${why}`);
  say(`    (of all misses, the chosen definition is a same-named copy in a file of the same name — vendored or second Python version: ${callMissList.filter((m) => m.chosenCopy).length})`);
  const bareWeights = callResults.filter((r) => r.receiver === '');
  say(`    bare calls whose callee rankNames does not see as the call being typed: ${bareWeights.filter((r) => r.calleeWeight < 100).length} of ${bareWeights.length} (most still resolve, as the only or best-scored name)`);
  // Ten misses, spread over the causes.
  const shown: CallResult[] = [];
  for (let round = 0; shown.length < 10 && round < 10; round++) {
    for (const why of Object.keys(missKinds)) {
      const next = callMissList.filter((m) => m.why === why)[round];
      if (next && shown.length < 10) shown.push(next);
    }
  }
  say('  10 misses:');
  for (const m of shown) {
    const t = m.truth[0];
    say(`    • ${m.path}:${m.line}:${m.column} \`${m.lineText}\` callee ${m.receiver ? `${m.receiver}.` : ''}${m.callee} (${m.definitions} definitions; expected resolved by ${m.resolution}; rankNames weight ${round(m.calleeWeight, 1)})`);
    say(`        expected ${t.path}:${t.startLine} ${t.qualifiedName} [${t.kind}]; in the engine's import graph of the caller: ${m.truthImported}`);
    say(`        rank ${m.rank || '>10'}; first definition snippet: ${m.firstDef}${m.chosenImported ? ' (its file is in the import graph)' : ''}${m.error ? `; error: ${m.error}` : ''}`);
    say(`        → ${m.why}`);
  }

  // ---- latency ------------------------------------------------------------------------------
  const fnNames = shuffled([...new Set(rows.filter((r) => FUNCTION_KINDS.has(r.kind) && r.name.length >= 4).map((r) => r.name))], SEED + 3);
  const half = Math.floor(QUERIES / 2);
  const sentencesForLatency = shuffled(docPairs.map((p) => p.query), SEED + 4);
  const mixed = shuffled(
    [...fnNames.slice(0, half).map((q) => ({ q, type: 'identifier' })), ...sentencesForLatency.slice(0, QUERIES - half).map((q) => ({ q, type: 'sentence' }))],
    SEED + 6,
  );
  for (const m of mixed.slice(0, 10)) await engine.search(m.q, { limit: 10 });
  const latAll: number[] = [];
  const latId: number[] = [];
  const latSentence: number[] = [];
  const searchContention = new Contention();
  for (const m of mixed) {
    const t0 = performance.now();
    await engine.search(m.q, { limit: 10 });
    const ms = performance.now() - t0;
    latAll.push(ms);
    (m.type === 'identifier' ? latId : latSentence).push(ms);
  }
  const searchOthers = searchContention.finish().othersShare;
  const searchLat = distribution(latAll);
  const contextLat = distribution(callResults.map((r) => r.ms));
  const busyNote = (x: number) => (Number.isFinite(x) ? `other processes used ${(x * 100).toFixed(0)}% of the machine's CPU meanwhile` : 'contention unknown');
  say(`\nLatency on ${chunkCount} chunks (warm engine, in-process; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}):`);
  say(`  search loop: ${busyNote(searchOthers)}; context loop: ${busyNote(contextOthers)}${Math.max(searchOthers, contextOthers) > 0.1 ? ' — WARNING: busy machine, latencies inflated' : ''}`);
  say(`  engine.search  ${mixed.length} queries: p50 ${searchLat.p50.toFixed(1)} ms, p95 ${searchLat.p95.toFixed(1)} ms, max ${searchLat.max.toFixed(1)} ms`);
  say(`    identifiers (${latId.length}): p50 ${distribution(latId).p50.toFixed(1)}, p95 ${distribution(latId).p95.toFixed(1)} ms; sentences (${latSentence.length}): p50 ${distribution(latSentence).p50.toFixed(1)}, p95 ${distribution(latSentence).p95.toFixed(1)} ms`);
  say(`  engine.context ${contextLat.n} calls: p50 ${contextLat.p50.toFixed(1)} ms, p95 ${contextLat.p95.toFixed(1)} ms, max ${contextLat.max.toFixed(1)} ms`);
  const simLat = distribution(callResults.map((r) => r.similarMs));
  const idsLat = distribution(callResults.map((r) => r.byIdsMs));
  say(`    its table queries timed alone: "similar code" BM25 (ftsChunks, limit 20) p50 ${simLat.p50.toFixed(1)} / p95 ${simLat.p95.toFixed(1)} ms; definitions by id (chunksByIds) p50 ${idsLat.p50.toFixed(1)} / p95 ${idsLat.p95.toFixed(1)} ms (the two run concurrently)`);
  const simRunLat = distribution(callResults.map((r) => r.similarAsRunMs));
  const textsRunLat = distribution(callResults.map((r) => r.textsAsRunMs));
  say(`    as engine.context runs them (its ≤ 8-word query, limit 6; id, file and text columns only): BM25 (ftsTexts) p50 ${simRunLat.p50.toFixed(1)} / p95 ${simRunLat.p95.toFixed(1)} ms; texts by id (textsByIds) p50 ${textsRunLat.p50.toFixed(1)} / p95 ${textsRunLat.p95.toFixed(1)} ms`);
  say(`  (BM25 baseline table query: p50 ${distribution(baselineMs).p50.toFixed(1)} ms, p95 ${distribution(baselineMs).p95.toFixed(1)} ms)`);
  await engine.dispose();

  // ---- answers: completion prompt assembly and first-token overhead ----------------------------
  const jobPath = join(WORK, 'answers-job.json');
  const job: AnswersJob = {
    dbDir,
    distDir: DIST,
    contextProbes: callPairs.slice(0, Math.ceil(callPairs.length / 2)).map((p) => ({ fileKey: p.fileKey, line: p.line, column: p.column })),
    probes: callPairs.slice(Math.ceil(callPairs.length / 2)).slice(0, ANSWER_PROBES).map((p) => ({ fileKey: p.fileKey, line: p.line, column: p.column })),
    questions: mixed.slice(0, ANSWER_QUESTIONS).map((m) => m.q),
  };
  writeFileSync(jobPath, JSON.stringify(job));
  const answers = JSON.parse(
    execFileSync(process.execPath, [join(__dirname, 'answersBench.js'), jobPath], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] }),
  ) as AnswersLatency;
  const d = (x: Distribution) => `p50 ${x.p50.toFixed(1)} / p95 ${x.p95.toFixed(1)} ms`;
  say(`\nAnswers on ${chunkCount} chunks, in a child process against the Ollama test server (one-chunk replies):`);
  say(`  (in a fresh process, as in an editor) engine.context ${answers.context.n} calls: ${d(answers.context)}`);
  say(`  completion prompt assembly (file, context, conventions, FIM prompt), ${answers.completions} completions: ${d(answers.promptAssembly)}`);
  say(`  engine.complete total ${d(answers.completionTotal)}; raw generate with the same prompt ${d(answers.rawGenerate)}; overhead ${d(answers.completionOverhead)}`);
  say(`  chat first token: engine.ask ${d(answers.askFirstToken)}; raw chatStream with the same messages ${d(answers.rawChatFirstToken)}; overhead ${d(answers.askOverhead)} (${answers.questions} questions)`);
  for (const e of answers.errors.slice(0, 5)) say(`  error: ${e}`);
  store.close();
  baseTable.close();
  stemTable?.close();
  baseDb.close();

  // ---- ANN recall -----------------------------------------------------------------------------
  let ann: AnnRun | undefined;
  if (VECTORS >= 20_000) {
    say(`\nANN recall: ${VECTORS} hashed embeddings from the Ollama test server (deterministic, not semantic)…`);
    ann = await annRecall(rows.filter((r) => CODE_LANGS.has(r.language)), docPairs.map((p) => p.query), WORK);
    say(`  embedded in ${sec(ann.embedMs)}; maintainEmbeddings() → ${ann.indexBuild} in ${sec(ann.indexMs)} (IVF_PQ, ${ann.dim} dims)`);
    say(`  top-10 overlap ANN (nprobes 40, refine 10) vs exact: ${f3(ann.recallAt10)} over ${ann.queries} queries (sentences ${f3(ann.recallAt10Sentences)}, held-out chunks ${f3(ann.recallAt10Chunks)})`);
    say(`  latency ANN p50 ${ann.annLatency.p50.toFixed(1)} / p95 ${ann.annLatency.p95.toFixed(1)} ms; exact p50 ${ann.exactLatency.p50.toFixed(1)} / p95 ${ann.exactLatency.p95.toFixed(1)} ms`);
  } else {
    say('\nANN recall: skipped (RB_VECTORS < 20000).');
  }

  // ---- summary ---------------------------------------------------------------------------------
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const rowsOut: string[][] = [
    ['index size', `${chunkCount} chunks, ${first.value.files} files`, `≥ ${MIN_CHUNKS / 1000}k chunks`, pass(chunkCount >= MIN_CHUNKS)],
    ['doc→code pairs', String(docResults.length), '≥ 300', pass(docResults.length >= 300)],
    ['doc→code engine R@1/5/10', `${f3(docEngine.r1)} / ${f3(docEngine.r5)} / ${f3(docEngine.r10)}`, '', ''],
    ['doc→code engine MRR@10', f3(docEngine.mrr), '', ''],
    ['doc→code baseline R@1/5/10', `${f3(docBase.r1)} / ${f3(docBase.r5)} / ${f3(docBase.r10)}`, '', ''],
    ['doc→code baseline MRR@10', f3(docBase.mrr), '', ''],
    ['doc→code MRR ratio engine/baseline', `${ratio.toFixed(2)} (95% CI ${ratioCi[0].toFixed(2)}–${ratioCi[1].toFixed(2)})`, `≥ ${TARGETS.mrrRatio}`, pass(ratio >= TARGETS.mrrRatio)],
    ['call→def pairs', String(callResults.length), '≥ 300', pass(callResults.length >= 300)],
    ['call→def R@1/5/10', `${f3(callAll.r1)} / ${f3(callAll.r5)} / ${f3(callAll.r10)}`, '', ''],
    ['call→def MRR@10', `${f3(callAll.mrr)} (95% CI ${f3(callCi[0])}–${f3(callCi[1])})`, `≥ ${TARGETS.callMrr}`, pass(callAll.mrr >= TARGETS.callMrr)],
    ['call→def ambiguous MRR@10', `${f3(callAmb.mrr)} (n=${callAmb.n})`, '', ''],
    ['search p50 / p95', `${searchLat.p50.toFixed(1)} / ${searchLat.p95.toFixed(1)} ms`, `p95 < ${TARGETS.searchP95Ms} ms`, pass(searchLat.p95 < TARGETS.searchP95Ms)],
    ['context p50 / p95', `${contextLat.p50.toFixed(1)} / ${contextLat.p95.toFixed(1)} ms`, `p95 < ${TARGETS.contextP95Ms} ms`, pass(contextLat.p95 < TARGETS.contextP95Ms)],
    ['context p50 / p95, fresh process', `${answers.context.p50.toFixed(1)} / ${answers.context.p95.toFixed(1)} ms`, `p95 < ${TARGETS.contextP95Ms} ms`, pass(answers.context.p95 < TARGETS.contextP95Ms)],
    ['completion prompt p50 / p95', `${answers.promptAssembly.p50.toFixed(1)} / ${answers.promptAssembly.p95.toFixed(1)} ms`, `p95 < ${TARGETS.promptP95Ms} ms`, pass(answers.promptAssembly.p95 < TARGETS.promptP95Ms)],
    ['first-token overhead, chat p50 / p95', `${answers.askOverhead.p50.toFixed(1)} / ${answers.askOverhead.p95.toFixed(1)} ms`, `< ${TARGETS.firstTokenOverheadMs} ms (p50)`, pass(answers.askOverhead.p50 < TARGETS.firstTokenOverheadMs)],
    ['first-token overhead, completion p50 / p95', `${answers.completionOverhead.p50.toFixed(1)} / ${answers.completionOverhead.p95.toFixed(1)} ms`, `< ${TARGETS.firstTokenOverheadMs} ms (p50)`, pass(answers.completionOverhead.p50 < TARGETS.firstTokenOverheadMs)],
    ann
      ? ['ANN top-10 recall vs exact', `${f3(ann.recallAt10)} (${ann.vectors} vectors, hashed)`, 'none set', '—']
      : ['ANN top-10 recall vs exact', 'skipped', '', ''],
  ];
  say('');
  say(table(['metric', 'value', 'target', 'pass'], rowsOut));
  const totalMs = performance.now() - started;
  say(`\nRetrieval benchmark wall time ${sec(totalMs)}.`);

  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model, memGiB: round(totalmem() / 2 ** 30, 0), loadAvgEnd: loadavg() },
    engine: engineAt,
    config: { FILES, DOC_PAIRS, CALL_PAIRS, EXTRA_AMBIGUOUS, QUERIES, VECTORS, SEED },
    corpus: { files: corpus.files.length, mb: round(corpus.bytes / 2 ** 20, 2), byLanguage: corpus.byLanguage, sources: corpus.sources },
    index: { files: first.value.files, chunks: chunkCount, firstIndexMs: round(first.ms, 0), stripReindexMs: round(second.ms, 0), firstSearchAfterReindexMs: round(warm.ms, 0) },
    docToCode: {
      candidates: { eligible: eligible.length, uniqueSentence: unique.length, picked: picked.length, stripFailed: strip.failed, dropped },
      engine: docEngine,
      baseline: docBase,
      mrrRatio: round(ratio, 3),
      mrrRatioCi95: ratioCi.map((x) => round(x, 3)),
      python: docPy,
      jsTs: docJs,
      keywordListOnly: docKw,
      unstemmedSearchTextAblation: stemTable ? docStem : 'skipped',
      lancedbFtsDefaultsObserved: ftsDefaults,
      misses: docMisses,
      engineStrict: docEngineStrict,
      baselineStrict: docBaseStrict,
      perFile10: docWide,
      queriesWithIdentifiers: docResults.filter(withIds).length,
      exactSymbolHijacks: hijacked.length,
      pairs: docResults.map((r) => ({
        q: r.query, target: `${r.path}:${r.startLine}-${r.endLine}`, name: r.name, language: r.language, how: r.how, identifiers: r.identifiers,
        engine: r.engine, baseline: r.baseline, keywordOnly: r.keywordOnly, perFile10: r.perFile10, unstemmed: r.unstemmed, top: r.top,
      })),
    },
    callToDefinition: {
      all: callAll,
      mrrCi95: callCi.map((x) => round(x, 4)),
      unique: callUnique,
      ambiguousNatural: callAmbNatural,
      ambiguousWithExtra: callAmb,
      byResolution: byRes,
      windowExcluded,
      missKinds,
      misses: callMissList.map((m) => ({
        at: `${m.path}:${m.line}:${m.column}`, line: m.lineText, callee: m.callee, receiver: m.receiver, definitions: m.definitions, resolution: m.resolution,
        expected: m.truth.map((t) => `${t.path}:${t.startLine} ${t.qualifiedName}`), rank: m.rank, firstDef: m.firstDef, truthImported: m.truthImported,
        chosenImported: m.chosenImported, chosenCopy: m.chosenCopy, calleeWeight: round(m.calleeWeight, 2), why: m.why, error: m.error,
      })),
    },
    latency: { chunks: chunkCount, chunkIndices, othersCpuShare: { search: searchOthers, context: contextOthers }, contextSimilarQuery: distribution(callResults.map((r) => r.similarMs)), contextByIds: distribution(callResults.map((r) => r.byIdsMs)), contextSimilarQueryAsRun: simRunLat, contextTextsAsRun: textsRunLat, search: searchLat, searchIdentifiers: distribution(latId), searchSentences: distribution(latSentence), context: contextLat, baselineBm25: distribution(baselineMs) },
    ann: ann ?? 'skipped',
    answers,
    targets: {
      contextFreshProcessP95Ms: { value: round(answers.context.p95, 1), target: TARGETS.contextP95Ms, pass: answers.context.p95 < TARGETS.contextP95Ms },
      promptP95Ms: { value: round(answers.promptAssembly.p95, 1), target: TARGETS.promptP95Ms, pass: answers.promptAssembly.p95 < TARGETS.promptP95Ms },
      chatFirstTokenOverheadMs: { value: round(answers.askOverhead.p50, 1), p95: round(answers.askOverhead.p95, 1), target: TARGETS.firstTokenOverheadMs, pass: answers.askOverhead.p50 < TARGETS.firstTokenOverheadMs },
      completionOverheadMs: { value: round(answers.completionOverhead.p50, 1), p95: round(answers.completionOverhead.p95, 1), target: TARGETS.firstTokenOverheadMs, pass: answers.completionOverhead.p50 < TARGETS.firstTokenOverheadMs },
      mrrRatio: { value: round(ratio, 3), target: TARGETS.mrrRatio, pass: ratio >= TARGETS.mrrRatio },
      callMrr: { value: round(callAll.mrr, 4), target: TARGETS.callMrr, pass: callAll.mrr >= TARGETS.callMrr },
      searchP95Ms: { value: round(searchLat.p95, 1), target: TARGETS.searchP95Ms, pass: searchLat.p95 < TARGETS.searchP95Ms, chunks: chunkCount },
      contextP95Ms: { value: round(contextLat.p95, 1), target: TARGETS.contextP95Ms, pass: contextLat.p95 < TARGETS.contextP95Ms },
    },
    totalSeconds: round(totalMs / 1000, 1),
  };
  const outDir = join(REPO_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'retrieval.json'), `${JSON.stringify(results, null, 2)}\n`);
  say(`Results written to ${join(outDir, 'retrieval.json')}`);
}

/** What LanceDB's default FTS index does to words, checked on a three-row table. */
async function probeFtsDefaults(db: LanceDb.Connection, lancedb: typeof LanceDb): Promise<{ stem: boolean; stopWords: boolean; lowercase: boolean }> {
  const t = await db.createTable('probe', [{ text: 'alpha runs quickly' }, { text: 'the beta' }, { text: 'Gamma delta' }], { mode: 'overwrite' });
  try {
    await t.createIndex('text', { config: lancedb.Index.fts() });
    const found = async (q: string) => ((await t.query().fullTextSearch(q, { columns: ['text'] }).limit(5).toArray()) as unknown[]).length > 0;
    return { stem: await found('run'), stopWords: !(await found('the')), lowercase: await found('gamma') };
  } finally {
    t.close();
  }
}

main()
  .catch((err) => {
    process.stderr.write(`retrieval bench failed: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (process.env.RB_KEEP !== '1' && existsSync(WORK)) rmSync(WORK, { recursive: true, force: true });
  });
