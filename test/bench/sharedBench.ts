/**
 * Shared-index benchmark (not a mocha test): `npm run bench` runs it after the retrieval
 * benchmark. Issue #7 §5: query and context latency against local versus shared storage, and
 * the cold-open time of the shared index.
 *
 * One corpus of real code found on this machine (corpus.ts), indexed keyword-only (no
 * embedding model) twice: into a local folder, and into an S3-compatible store on 127.0.0.1
 * (test/support/s3TestServer.ts: s3rver behind a fixing proxy, run in a child process so that
 * serving requests does not queue on this process's event loop) as the CI job does
 * (`inhouse index --library corpuslib=… --db s3://…`). Then, in one run:
 *   1. index time, local folder vs s3;
 *   2. cold open of the shared index: a fresh engine until `sharedIndex.view()` resolves
 *      (connect, open, pin the snapshot, load symbols, conventions, stats, catalog), and the
 *      first search of a fresh engine, local vs shared; raw LanceDB connect + open + one FTS
 *      query, local vs s3 (the issue's "4 vs 50 ms");
 *   3. warm latency p50/p95: raw LanceDB FTS on the chunks table local vs s3 (id, limit 10, as
 *      the issue measured; the engine's own ftsChunks, 16 columns, limit 40; and ids first, then
 *      the text of the top 10 only); raw IVF_PQ on a table of random vectors local vs s3; and
 *      engine.search (identifiers and sentences) and engine.context (cursor right after
 *      `callee(` at real call sites) on (a) a local-only engine, (b) a shared-only engine (no
 *      local index), (c) the local engine with the shared index configured too (the same
 *      library in both: the shared copy is queried, then hidden);
 *   4. S3 requests per warm search and per warm context call, from the test server's counters,
 *      by operation and table folder;
 *   5. a diagnostic: the raw queries again once both chunks tables are compacted to one fragment.
 * Calls alternate between the variants query by query, so a busy machine slows all alike.
 * Figures and ratios only; the sanity checks (results found, local and shared agree) are
 * printed, not asserted. Prints a table and writes bench-results/shared.json.
 *
 * Environment:
 *   SB_FILES    corpus size cap (default 1000: about 15–25k chunks)
 *   SB_QUERIES  timed searches per engine, half identifiers, half sentences (default 200)
 *   SB_CONTEXT  timed context calls per engine (default 150)
 *   SB_COLD     cold opens / raw connect+open+query repetitions (default 7)
 *   SB_RAW      raw LanceDB queries per variant and location (default 200)
 *   SB_VECTORS  rows of the raw IVF_PQ comparison; 0 skips it (default 10000)
 *   SB_DIM      their dimension (default 768, as nomic-embed-text)
 *   SB_VECTOR_QUERIES  timed vector queries per variant and location (default 60)
 *   SB_COMPACT  0 skips the closing diagnostic: the raw queries again on compacted tables (default 1)
 *   SB_S3_INPROCESS  1 runs the S3 test server in this process (default: a child process)
 *   SB_SEED     sampling seed (default 7)
 *   SB_DIR      scratch folder (default <tmp>/inhouse-shared-bench); SB_KEEP=1 keeps it
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type * as LanceDb from '@lancedb/lancedb';
import { assetsIn, createEngine, type Engine } from '../../src/engine/engine';
import { createLineLogger } from '../../src/engine/log';
import { createNodeHost } from '../../src/engine/nodeHost';
import { ftsChunks, fullText } from '../../src/engine/retrieval/chunkQueries';
import type { ContextSnippet } from '../../src/engine/retrieval/completionContext';
import { parseQuery } from '../../src/engine/retrieval/queryText';
import type { SearchHit } from '../../src/engine/retrieval/retriever';
import type { SharedIndexConfig } from '../../src/engine/shared/sharedIndex';
import { DEFAULTS, validateSettings } from '../../src/engine/settings';
import { rowsToTable, toStrings } from '../../src/engine/store/arrowRows';
import { sortedChunkRecords } from './chunkRecords';
import { IndexStore } from '../../src/engine/store/indexStore';
import { loadLanceDb } from '../../src/engine/store/lancedbModule';
import { remoteLocation } from '../../src/engine/store/location';
import { embeddingsSchema } from '../../src/engine/store/schema';
import { S3TestServer, type RequestCounts, type S3RequestRecord } from '../support/s3TestServer';
import { Contention, engineState, env } from './benchEnv';
import { buildCorpus, shuffled } from './corpus';
import { distribution, round, table, timed, type Distribution } from './stats';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const DIST = join(REPO_ROOT, 'dist');

const FILES = env('SB_FILES', 1000);
const QUERIES = Math.max(2, env('SB_QUERIES', 200));
const CONTEXT_CALLS = env('SB_CONTEXT', 150);
const COLD = Math.max(1, env('SB_COLD', 7));
const RAW = env('SB_RAW', 200);
const VECTORS = env('SB_VECTORS', 10_000);
const DIM = Math.max(16, env('SB_DIM', 768));
const VECTOR_QUERIES = Math.max(1, env('SB_VECTOR_QUERIES', 60));
const SEED = env('SB_SEED', 7);
const WORK = process.env.SB_DIR || join(tmpdir(), 'inhouse-shared-bench');
const KEEP = process.env.SB_KEEP === '1';
const COMPACT = env('SB_COMPACT', 1) > 0;

const BUCKET = 'bench';
const PREFIX = 'idx';
const VECTOR_PREFIX = 'vectors';
const SOURCE = 'corpuslib';
const WARMUP = 10;
/** The engine's IVF_PQ query settings (vectorSearch.ts). */
const NPROBES = 40;
const REFINE_FACTOR = 10;

const log = createLineLogger((line) => process.stderr.write(line), 'warn');
const say = (text: string) => process.stdout.write(`${text}\n`);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pp = (d: Distribution) => (d.n ? `${d.p50.toFixed(1)} / ${d.p95.toFixed(1)} ms` : 'n/a');
const times = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const busy = (x: number) => (Number.isFinite(x) ? `other processes used ${pct(x)} of the CPU meanwhile${x > 0.1 ? ' (busy machine: latencies inflated)' : ''}` : 'contention unknown');

const FUNCTION_KINDS = new Set(['function', 'method']);
const DEFINITION_KINDS = new Set(['function', 'method', 'class', 'struct', 'interface', 'trait', 'enum', 'type', 'constant', 'module', 'impl']);

// ---------------------------------------------------------------------------------------------
// Corpus rows, queries and call sites

interface Row {
  id: string;
  fileKey: string;
  path: string;
  language: string;
  kind: string;
  shape: string;
  name: string;
  startLine: number;
  doc: string;
  text: string;
  refs: string[];
}

async function loadRows(dbDir: string): Promise<Row[]> {
  const store = await IndexStore.open(dbDir, log);
  try {
    const cols = ['id', 'file_key', 'path', 'language', 'kind', 'shape', 'name', 'start_line', 'doc', 'text', 'refs'];
    const raw = await sortedChunkRecords(store.chunksTable, cols);
    return raw.map((r) => ({
      id: String(r.id),
      fileKey: String(r.file_key),
      path: String(r.path),
      language: String(r.language),
      kind: String(r.kind),
      shape: String(r.shape),
      name: String(r.name),
      startLine: Number(r.start_line),
      doc: String(r.doc ?? ''),
      text: String(r.text ?? ''),
      refs: toStrings(r.refs),
    }));
  } finally {
    store.close();
  }
}

/** The first sentence of a doc comment (first paragraph, up to a tag, cut at . ! or ?). */
function firstSentence(doc: string): string {
  const para = doc.replace(/\r/g, '').split(/\n[ \t]*\n/)[0];
  const lines: string[] = [];
  for (const l of para.split('\n')) {
    const t = l.trim();
    if (t.startsWith('@') || /^(Args|Arguments|Parameters|Returns|Raises|Example|Examples|Note|Usage):/.test(t)) break;
    lines.push(t);
  }
  const text = lines.join(' ').replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(?=\s|$)/.exec(text);
  return (m ? m[1] : text).trim();
}

interface Query {
  q: string;
  type: 'identifier' | 'sentence';
}

/** Half function/class names, half first sentences of doc comments, shuffled. */
function pickQueries(rows: Row[], n: number, seed: number): Query[] {
  const names = shuffled([...new Set(rows.filter((r) => DEFINITION_KINDS.has(r.kind) && r.name.length >= 4).map((r) => r.name))], seed);
  const sentences = shuffled(
    [
      ...new Set(
        rows
          .filter((r) => r.doc && FUNCTION_KINDS.has(r.kind))
          .map((r) => firstSentence(r.doc))
          .filter((s) => {
            const words = (s.match(/[A-Za-z][A-Za-z']+/g) ?? []).length;
            return words >= 4 && words <= 30 && s.length <= 300 && !/eslint|copyright|licen[cs]e|noqa|@ts-/i.test(s);
          }),
      ),
    ],
    seed + 1,
  );
  const half = Math.floor(n / 2);
  return shuffled(
    [...names.slice(0, half).map((q) => ({ q, type: 'identifier' as const })), ...sentences.slice(0, n - half).map((q) => ({ q, type: 'sentence' as const }))],
    seed + 2,
  );
}

interface CallSite {
  fileKey: string;
  path: string;
  line: number;
  column: number;
  callee: string;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Real call sites of names the corpus defines: the first call of one callee in the body of a
 * function chunk, cursor right after `callee(`; one per function, at most two per file. The
 * line is checked against the file on disk.
 */
function pickCallSites(rows: Row[], n: number, seed: number): CallSite[] {
  const defined = new Set(rows.filter((r) => DEFINITION_KINDS.has(r.kind) && r.shape !== 'part').map((r) => r.name));
  const callers = shuffled(
    rows.filter((r) => FUNCTION_KINDS.has(r.kind) && r.shape === 'whole' && r.refs.length && !r.path.endsWith('.d.ts')),
    seed,
  );
  const perFile = new Map<string, number>();
  const fileLines = new Map<string, string[]>();
  const out: CallSite[] = [];
  for (const caller of callers) {
    if (out.length >= n) break;
    if ((perFile.get(caller.fileKey) ?? 0) >= 2) continue;
    const lines = caller.text.split('\n');
    let site: CallSite | undefined;
    for (const callee of shuffled(caller.refs, seed + out.length)) {
      if (callee.length < 3 || !defined.has(callee)) continue;
      const re = new RegExp(`(^|[^A-Za-z0-9_$])${escapeRe(callee)}\\s*\\(`);
      for (let i = 1; i < lines.length && !site; i++) {
        const line = lines[i].replace(/\r$/, '');
        if (/^\s*(#|\/\/|\*|\/\*)/.test(line)) continue;
        const m = re.exec(line);
        if (!m) continue;
        const at = m.index + m[1].length;
        if (((line.slice(0, at).match(/['"`]/g) ?? []).length & 1) === 1) continue; // in a string
        if (/(\bdef|\bfunction\*?|\bclass|\basync)\s*$/.test(line.slice(0, at))) continue;
        let file = fileLines.get(caller.fileKey);
        if (!file) {
          file = readFileSync(caller.fileKey, 'utf8').split('\n');
          fileLines.set(caller.fileKey, file);
        }
        const lineNo = caller.startLine + i;
        if ((file[lineNo - 1] ?? '').replace(/\r$/, '') !== line) continue;
        site = { fileKey: caller.fileKey, path: caller.path, line: lineNo, column: line.indexOf('(', at + callee.length) + 1, callee };
      }
      if (site) break;
    }
    if (!site) continue;
    out.push(site);
    perFile.set(caller.fileKey, (perFile.get(caller.fileKey) ?? 0) + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// S3 request accounting

/** `GetObject chunks/_indices`: the operation and the table folder a request touched. */
function requestClass(r: S3RequestRecord): string {
  const key = r.key ?? r.query.prefix ?? '';
  const rel = key.startsWith(`${PREFIX}/`) ? key.slice(PREFIX.length + 1) : key.startsWith(`${VECTOR_PREFIX}/`) ? key.slice(VECTOR_PREFIX.length + 1) : key;
  const [table = '', folder = ''] = rel.split('/');
  return `${r.operation} ${table.replace(/\.lance$/, '')}${folder && !folder.includes('.') ? `/${folder}` : folder ? '/(file)' : ''}`;
}

/** Bytes a GET asked for with a closed range, if it had one. */
function rangeBytes(r: S3RequestRecord): number | undefined {
  const m = /^bytes=(\d+)-(\d+)$/.exec(r.conditions.range ?? '');
  return m ? Number(m[2]) - Number(m[1]) + 1 : undefined;
}

/** Requests made by a series of calls: per call, by class, and the bytes of ranged GETs. */
class RequestTally {
  readonly perCall: number[] = [];
  readonly byClass = new Map<string, number>();
  rangedGets = 0;
  rangedBytes = 0;
  unrangedGets = 0;

  constructor(private readonly s3: S3Handle) {}

  /** Runs `fn` and charges it the requests the server received meanwhile (counted outside the timing). */
  async run<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const before = await this.s3.total();
    const t0 = performance.now();
    const value = await fn();
    const ms = performance.now() - t0;
    const { total, records } = await this.s3.since(before);
    this.charge(total - before, records);
    return { value, ms };
  }

  private charge(delta: number, records: S3RequestRecord[]): void {
    this.perCall.push(delta);
    for (const r of records) {
      const c = requestClass(r);
      this.byClass.set(c, (this.byClass.get(c) ?? 0) + 1);
      if (r.operation === 'GetObject') {
        const b = rangeBytes(r);
        if (b === undefined) this.unrangedGets++;
        else {
          this.rangedGets++;
          this.rangedBytes += b;
        }
      }
    }
  }

  summary(): { calls: number; meanPerCall: number; dist: Distribution; byClassPerCall: Record<string, number>; meanRangedGetBytes: number; unrangedGetsPerCall: number } {
    const calls = this.perCall.length;
    const total = this.perCall.reduce((a, b) => a + b, 0);
    const byClassPerCall: Record<string, number> = {};
    for (const [k, v] of [...this.byClass].sort((a, b) => b[1] - a[1])) byClassPerCall[k] = round(v / (calls || 1), 2);
    return {
      calls,
      meanPerCall: round(total / (calls || 1), 2),
      dist: distribution(this.perCall),
      byClassPerCall,
      meanRangedGetBytes: round(this.rangedBytes / (this.rangedGets || 1), 0),
      unrangedGetsPerCall: round(this.unrangedGets / (calls || 1), 2),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The S3 test server: in a child process by default, so serving requests (SigV4 checks, the
// proxy hop, s3rver's file reads) does not queue on the benchmark's own event loop, as an
// out-of-process store would not. SB_S3_INPROCESS=1 runs it in this process instead.

interface S3Counts {
  requests: RequestCounts;
  operations: Record<string, number>;
}

interface S3Handle {
  readonly where: 'child process' | 'in process';
  readonly endpoint: string;
  storageOptions(): Record<string, string>;
  uri(bucket: string, prefix: string): string;
  /** Requests received so far. */
  total(): Promise<number>;
  /** Requests received so far, and the records of those after `total` was `before` (up to the log's 10,000). */
  since(before: number): Promise<{ total: number; records: S3RequestRecord[] }>;
  counts(): Promise<S3Counts>;
  /** CPU seconds the server's own process has used (0 in process: it is ours). */
  cpuSeconds(): Promise<number>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const s3Uri = (bucket: string, prefix: string) => `s3://${bucket}/${prefix.replace(/^\/+|\/+$/g, '')}`;
const IPC_TIMEOUT_MS = 30_000;

type S3Request = { id: number; op: 'total' | 'since' | 'counts' | 'cpu' | 'reset' | 'close'; before?: number };

function answer(s3: S3TestServer, m: S3Request): unknown {
  switch (m.op) {
    case 'total':
      return s3.requests.total;
    case 'since': {
      const total = s3.requests.total;
      const n = Math.min(Math.max(0, total - (m.before ?? total)), s3.log.length);
      return { total, records: n ? s3.log.slice(-n) : [] };
    }
    case 'counts':
      return { requests: { ...s3.requests }, operations: { ...s3.operations } };
    case 'cpu': {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    }
    case 'reset':
      s3.resetCounters();
      return true;
    default:
      return undefined;
  }
}

function inProcess(s3: S3TestServer): S3Handle {
  return {
    where: 'in process',
    endpoint: s3.endpoint,
    storageOptions: () => s3.storageOptions(),
    uri: s3Uri,
    total: async () => s3.requests.total,
    since: async (before) => answer(s3, { id: 0, op: 'since', before }) as { total: number; records: S3RequestRecord[] },
    counts: async () => answer(s3, { id: 0, op: 'counts' }) as S3Counts,
    cpuSeconds: async () => 0,
    reset: async () => s3.resetCounters(),
    close: () => s3.close(),
  };
}

/** The child's side: start the server, report its endpoint, answer counter requests. */
async function serveS3(): Promise<void> {
  const s3 = await S3TestServer.start({ buckets: [BUCKET] });
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await s3.close();
    process.disconnect?.();
  };
  process.on('message', (m: S3Request) => {
    if (m.op === 'close') {
      void stop().then(() => undefined);
      return;
    }
    process.send?.({ id: m.id, value: answer(s3, m) });
  });
  process.on('disconnect', () => void stop());
  process.send?.({ ready: true, endpoint: s3.endpoint, storageOptions: s3.storageOptions() });
}

async function childProcess(): Promise<S3Handle> {
  const child: ChildProcess = fork(__filename, ['--s3-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let next = 1;
  let exited = false;
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const ready = await new Promise<{ endpoint: string; storageOptions: Record<string, string> }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the S3 test server child did not start within 30 s')), IPC_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the S3 test server child exited (${code}) before it was ready`)));
    child.on('message', (m: { ready?: boolean; id?: number; value?: unknown; endpoint?: string; storageOptions?: Record<string, string> }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve({ endpoint: m.endpoint!, storageOptions: m.storageOptions! });
        return;
      }
      const p = m.id === undefined ? undefined : pending.get(m.id);
      if (!p) return;
      pending.delete(m.id!);
      clearTimeout(p.timer);
      p.resolve(m.value);
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  const ask = <T>(op: S3Request['op'], before?: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error('the S3 test server child has exited'));
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the S3 test server child did not answer "${op}" within 30 s`));
      }, IPC_TIMEOUT_MS);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      child.send({ id, op, before } satisfies S3Request);
    });
  return {
    where: 'child process',
    endpoint: ready.endpoint,
    storageOptions: () => ({ ...ready.storageOptions }),
    uri: s3Uri,
    total: () => ask<number>('total'),
    since: (before) => ask<{ total: number; records: S3RequestRecord[] }>('since', before),
    counts: () => ask<S3Counts>('counts'),
    cpuSeconds: () => ask<number>('cpu'),
    reset: () => ask<boolean>('reset').then(() => undefined),
    close: async () => {
      if (!exited && child.connected) child.send({ id: 0, op: 'close' } satisfies S3Request);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedP;
      clearTimeout(timer);
    },
  };
}

const describeTally = (s: ReturnType<RequestTally['summary']>) =>
  `${s.meanPerCall} per call (min ${s.dist.min}, p50 ${s.dist.p50}, max ${s.dist.max}); ${Object.entries(s.byClassPerCall)
    .slice(0, 6)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}; ranged GETs ${s.meanRangedGetBytes} B on average${s.unrangedGetsPerCall ? `, whole-object GETs ${s.unrangedGetsPerCall} per call` : ''}`;

// ---------------------------------------------------------------------------------------------

/**
 * Contention as benchEnv measures it, less the S3 test server child's CPU: that process works
 * for this benchmark, it is not another load on the machine.
 */
class Busy {
  private readonly c = new Contention();
  private readonly t0 = performance.now();

  private constructor(
    private readonly s3: S3Handle,
    private readonly child0: number,
  ) {}

  static async start(s3: S3Handle): Promise<Busy> {
    return new Busy(s3, await s3.cpuSeconds());
  }

  async finish(): Promise<{ othersShare: number; s3ServerCpuS: number }> {
    const r = this.c.finish();
    const child = (await this.s3.cpuSeconds()) - this.child0;
    const wallS = (performance.now() - this.t0) / 1000;
    return { othersShare: Number.isFinite(r.othersShare) ? Math.max(0, r.othersShare - child / (wallS * availableParallelism())) : NaN, s3ServerCpuS: child };
  }
}

/** Deterministic PRNG (mulberry32). */
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

/** Runs `fns` in an order that rotates with `i`, so no variant always goes first. */
async function rotated(i: number, fns: (() => Promise<void>)[]): Promise<void> {
  for (let k = 0; k < fns.length; k++) await fns[(i + k) % fns.length]();
}

interface RawVariant<T = string> {
  name: string;
  label: string;
  run: (t: LanceDb.Table, input: T) => Promise<unknown[]>;
  /** Printed after the figures. */
  note?: string;
}

/** The columns a search hit carries that the in-memory symbol index does not (text and doc). */
const TEXT_COLUMNS = ['id', 'signature', 'doc', 'text', 'text_hash'];

const RAW_VARIANTS: RawVariant[] = [
  {
    name: 'narrow',
    label: 'FTS, select id, limit 10 (as the issue measured)',
    note: '[issue: 1 vs 5 ms]',
    run: (t, w) => fullText(t, w).select(['id']).limit(10).toArray(),
  },
  {
    name: 'engine',
    label: "engine's ftsChunks: 16 columns, limit 40 (search's keyword list)",
    run: (t, w) => ftsChunks(t, w, {}, 40),
  },
  {
    name: 'twoStep',
    label: 'FTS id + _rowid, limit 40, then takeRowIds(top 10) of 5 text columns',
    run: async (t, w) => {
      const hits = (await fullText(t, w).select(['id']).withRowId().limit(40).toArray()) as { _rowid: bigint }[];
      if (!hits.length) return [];
      return t.takeRowIds(hits.slice(0, 10).map((h) => h._rowid)).select(TEXT_COLUMNS).toArray();
    },
  },
];

interface RawVariantResult {
  local: Distribution;
  s3: Distribution;
  s3Requests: ReturnType<RequestTally['summary']>;
  emptyLocal: number;
  emptyS3: number;
  lengthMismatches: number;
}

interface RawFtsResult {
  queries: number;
  variants: Record<string, RawVariantResult>;
  othersCpuShare: number;
}

/** Each raw variant on the local and the s3 table, input by input, rotating the order. */
async function rawRun<T>(s3: S3Handle, tL: LanceDb.Table, tS: LanceDb.Table, variants: RawVariant<T>[], warm: T[], inputs: T[]): Promise<RawFtsResult> {
  for (const x of warm) for (const v of variants) await Promise.all([v.run(tL, x), v.run(tS, x)]);
  const acc = variants.map(() => ({ local: [] as number[], s3: [] as number[], tally: new RequestTally(s3), emptyLocal: 0, emptyS3: 0, lengthMismatches: 0 }));
  const c = await Busy.start(s3);
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    const lengths = variants.map(() => [-1, -1]);
    await rotated(
      i,
      variants.flatMap((v, k) => [
        async () => {
          const r = await timed(() => v.run(tL, x));
          acc[k].local.push(r.ms);
          lengths[k][0] = r.value.length;
          if (!r.value.length) acc[k].emptyLocal++;
        },
        async () => {
          const r = await acc[k].tally.run(() => v.run(tS, x));
          acc[k].s3.push(r.ms);
          lengths[k][1] = r.value.length;
          if (!r.value.length) acc[k].emptyS3++;
        },
      ]),
    );
    lengths.forEach(([l, r], k) => {
      if (l !== r) acc[k].lengthMismatches++;
    });
  }
  const othersCpuShare = (await c.finish()).othersShare;
  const out: RawFtsResult = { queries: inputs.length, variants: {}, othersCpuShare };
  say(`  (${busy(othersCpuShare)})`);
  variants.forEach((v, k) => {
    const a = acc[k];
    const local = distribution(a.local);
    const s3d = distribution(a.s3);
    const s3Requests = a.tally.summary();
    out.variants[v.name] = { local, s3: s3d, s3Requests, emptyLocal: a.emptyLocal, emptyS3: a.emptyS3, lengthMismatches: a.lengthMismatches };
    say(`  ${v.label}: local ${pp(local)}, s3 ${pp(s3d)} → p50 ${times(s3d.p50, local.p50)}${v.note ? `   ${v.note}` : ''}`);
    say(`    S3 requests: ${describeTally(s3Requests)}`);
    if (a.lengthMismatches || a.emptyLocal || a.emptyS3) say(`    sanity: ${a.emptyLocal} empty local, ${a.emptyS3} empty s3, ${a.lengthMismatches} with different result counts`);
  });
  return out;
}

interface Variant {
  name: string;
  engine: Engine;
  /** Counts S3 requests (engines that read the shared index). */
  tally?: RequestTally;
}

async function main(): Promise<void> {
  const started = performance.now();
  say(`InHouse shared-index benchmark — node ${process.version}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${cpus()[0]?.model ?? ''}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const engineAt = engineState();
  say(`Engine: HEAD ${engineAt.head}${engineAt.dirtyFiles ? ` + ${engineAt.dirtyFiles} uncommitted file(s) under src/ (fingerprint ${engineAt.diffSha1})` : ''}`);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const corpusRoot = join(WORK, 'corpus');
  const localDb = join(WORK, 'local-db');
  /** A shared-only engine's local index folder: never created. */
  const noLocalDb = join(WORK, 'no-local-index');
  const roots = [{ root: corpusRoot, source: SOURCE }];
  const lancedb: typeof LanceDb = loadLanceDb();
  const settings = validateSettings({ ...DEFAULTS, libraries: { [SOURCE]: corpusRoot } });
  const host = createNodeHost();
  const engines: Engine[] = [];
  const cleanup: (() => unknown)[] = [];
  const newEngine = (dbDir: string, shared?: SharedIndexConfig): Engine => {
    const e = createEngine(host, settings, { dbDir, assets: assetsIn(DIST), ...(shared ? { shared } : {}) }, log);
    engines.push(e);
    return e;
  };
  const drop = async (e: Engine) => {
    await e.dispose();
    engines.splice(engines.indexOf(e), 1);
  };

  const s3: S3Handle = process.env.SB_S3_INPROCESS === '1' ? inProcess(await S3TestServer.start({ buckets: [BUCKET] })) : await childProcess();
  try {
    const s3Options = { storageOptions: s3.storageOptions() };
    const sharedConfig: SharedIndexConfig = { uri: s3.uri(BUCKET, PREFIX), storageOptions: s3.storageOptions(), refreshSeconds: 86_400 };
    say(`S3 test server at ${s3.endpoint} (s3rver behind the test proxy, on 127.0.0.1, ${s3.where}); shared index at ${sharedConfig.uri}`);

    // ---- 1. corpus and index, local folder vs s3 -----------------------------------------------
    const built = await timed(async () => buildCorpus(REPO_ROOT, corpusRoot, FILES));
    const corpus = built.value;
    say(`Corpus: ${corpus.files.length} files, ${(corpus.bytes / 2 ** 20).toFixed(1)} MB (${Object.entries(corpus.byLanguage).map(([l, v]) => `${l} ${v.files}`).join(', ')}), copied in ${sec(built.ms)}`);

    const localEngine = newEngine(localDb);
    const runContention = await Busy.start(s3);
    let c = await Busy.start(s3);
    const localIndex = await timed(() => localEngine.index(roots));
    const localIndexOthers = (await c.finish()).othersShare;
    say(`Index into a local folder: ${localIndex.value.files} files, ${localIndex.value.chunks} chunks in ${sec(localIndex.ms)} (${busy(localIndexOthers)})`);

    await s3.reset();
    const location = remoteLocation(s3.uri(BUCKET, PREFIX), s3.storageOptions());
    const writer = createEngine(host, settings, { dbDir: location.uri, location, assets: assetsIn(DIST) }, log);
    engines.push(writer);
    c = await Busy.start(s3);
    const s3Index = await timed(() => writer.index(roots));
    const s3IndexOthers = (await c.finish()).othersShare;
    await drop(writer);
    const { requests: writeRequests, operations: writeOps } = await s3.counts();
    say(`Index into s3 (the CI write): ${s3Index.value.files} files, ${s3Index.value.chunks} chunks in ${sec(s3Index.ms)} (${busy(s3IndexOthers)}); ${writeRequests.total} S3 requests (${Object.entries(writeOps).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    if (s3Index.value.chunks !== localIndex.value.chunks) say(`  NOTE: chunk counts differ (local ${localIndex.value.chunks}, s3 ${s3Index.value.chunks})`);
    const chunkCount = localIndex.value.chunks;

    const rows = await loadRows(localDb);
    const queries = pickQueries(rows, QUERIES + WARMUP, SEED);
    const warmQueries = queries.slice(0, WARMUP);
    const timedQueries = queries.slice(WARMUP);
    const sites = pickCallSites(rows, CONTEXT_CALLS + WARMUP, SEED + 3);
    const warmSites = sites.slice(0, WARMUP);
    const timedSites = sites.slice(WARMUP);
    say(`Queries: ${timedQueries.filter((q) => q.type === 'identifier').length} identifiers + ${timedQueries.filter((q) => q.type === 'sentence').length} sentences; ${timedSites.length} call sites (+ ${WARMUP} of each to warm up)`);
    if (timedQueries.length < QUERIES || timedSites.length < CONTEXT_CALLS) say(`  NOTE: the corpus gave fewer than asked (SB_QUERIES ${QUERIES}, SB_CONTEXT ${CONTEXT_CALLS})`);
    const words = queries.map((q) => parseQuery(q.q).words);

    // ---- 2. cold open ---------------------------------------------------------------------------
    say(`\nCold open (${COLD}× each, a fresh engine or connection every time, alternating local / s3):`);
    const viewMs: number[] = [];
    const openedMs: number[] = [];
    const viewRequests: number[] = [];
    const firstSearchShared: number[] = [];
    const firstSearchSharedRequests: number[] = [];
    const firstSearchLocal: number[] = [];
    const rawColdLocal: number[] = [];
    const rawColdS3: number[] = [];
    const rawColdRequests: number[] = [];
    let coldEmpty = 0;
    c = await Busy.start(s3);
    for (let i = 0; i < COLD; i++) {
      const q = timedQueries[i % timedQueries.length].q;
      const w = words[(WARMUP + i) % words.length];
      await rotated(i, [
        async () => {
          // Shared: fresh engine → view() (connect, open, pin, symbols, conventions, stats, catalog).
          const e = newEngine(noLocalDb, sharedConfig);
          let before = await s3.total();
          const t0 = performance.now();
          const view = await e.sharedIndex!.view();
          viewMs.push(performance.now() - t0);
          viewRequests.push((await s3.total()) - before);
          if (!view) throw new Error(`shared index did not open: ${JSON.stringify(e.sharedIndex!.state)}`);
          const st = e.sharedIndex!.state;
          if (st.state === 'ready') openedMs.push(st.openedMs);
          await drop(e);
          // Shared: fresh engine → first search (opens the view on the way).
          const e2 = newEngine(noLocalDb, sharedConfig);
          before = await s3.total();
          const t1 = performance.now();
          const hits = await e2.search(q, { limit: 10 });
          firstSearchShared.push(performance.now() - t1);
          firstSearchSharedRequests.push((await s3.total()) - before);
          if (!hits.length) coldEmpty++;
          await drop(e2);
        },
        async () => {
          const e = newEngine(localDb);
          const t0 = performance.now();
          await e.search(q, { limit: 10 });
          firstSearchLocal.push(performance.now() - t0);
          await drop(e);
        },
        async () => {
          // Raw LanceDB, as the issue measured: connect + open + one FTS query.
          for (const remote of [false, true]) {
            const before = await s3.total();
            const t0 = performance.now();
            const db = remote ? await lancedb.connect(s3.uri(BUCKET, PREFIX), s3Options) : await lancedb.connect(localDb);
            const t = await db.openTable('chunks');
            const res = await fullText(t, w).select(['id']).limit(10).toArray();
            const ms = performance.now() - t0;
            t.close();
            db.close();
            (remote ? rawColdS3 : rawColdLocal).push(ms);
            if (remote) rawColdRequests.push((await s3.total()) - before);
            if (!res.length) coldEmpty++;
          }
        },
      ]);
    }
    const coldOthers = (await c.finish()).othersShare;
    const cold = {
      sharedView: distribution(viewMs),
      sharedOpenedMs: distribution(openedMs),
      sharedViewRequests: distribution(viewRequests),
      firstSearchShared: distribution(firstSearchShared),
      firstSearchSharedRequests: distribution(firstSearchSharedRequests),
      firstSearchLocal: distribution(firstSearchLocal),
      rawConnectOpenFtsLocal: distribution(rawColdLocal),
      rawConnectOpenFtsS3: distribution(rawColdS3),
      rawConnectOpenFtsS3Requests: distribution(rawColdRequests),
      emptyResults: coldEmpty,
      othersCpuShare: coldOthers,
    };
    say(`  (${busy(coldOthers)})`);
    say(`  shared view() resolved: p50 ${cold.sharedView.p50.toFixed(0)} ms (min ${cold.sharedView.min.toFixed(0)}, max ${cold.sharedView.max.toFixed(0)}; state.openedMs p50 ${cold.sharedOpenedMs.p50.toFixed(0)}); ${cold.sharedViewRequests.p50} S3 requests`);
    say(`  fresh engine, first search: local p50 ${cold.firstSearchLocal.p50.toFixed(0)} ms, shared-only p50 ${cold.firstSearchShared.p50.toFixed(0)} ms (${cold.firstSearchSharedRequests.p50} S3 requests) → ${times(cold.firstSearchShared.p50, cold.firstSearchLocal.p50)}`);
    say(`  raw LanceDB connect + open + one FTS query: local p50 ${cold.rawConnectOpenFtsLocal.p50.toFixed(1)} ms, s3 p50 ${cold.rawConnectOpenFtsS3.p50.toFixed(1)} ms (${cold.rawConnectOpenFtsS3Requests.p50} requests) → ${times(cold.rawConnectOpenFtsS3.p50, cold.rawConnectOpenFtsLocal.p50)}   [issue: 4 vs 50 ms]`);
    if (coldEmpty) say(`  NOTE: ${coldEmpty} cold queries found nothing`);

    // ---- 3a. raw LanceDB, warm ---------------------------------------------------------------
    const dbL = await lancedb.connect(localDb);
    const dbS = await lancedb.connect(s3.uri(BUCKET, PREFIX), s3Options);
    cleanup.push(() => dbL.close(), () => dbS.close());
    const tL = await dbL.openTable('chunks');
    const tS = await dbS.openTable('chunks');
    cleanup.push(() => tL.close(), () => tS.close());
    const fragments = async () => ({ local: (await tL.stats()).fragmentStats.numFragments, s3: (await tS.stats()).fragmentStats.numFragments });
    const fragmentsBefore = await fragments();
    const rawWords = words.slice(WARMUP, WARMUP + RAW);
    say(`\nRaw LanceDB FTS on the chunks table (${chunkCount} rows; ${fragmentsBefore.local} fragments local, ${fragmentsBefore.s3} in s3), warm handle, ${rawWords.length} queries each:`);
    const rawFts = await rawRun(s3, tL, tS, RAW_VARIANTS, words.slice(0, WARMUP), rawWords);

    // ---- 3b. raw IVF_PQ ------------------------------------------------------------------------
    let ivf: Record<string, unknown> | 'skipped' = 'skipped';
    let ivfD: { local: Distribution; s3: Distribution } | undefined;
    let ivfRun: RawFtsResult | undefined;
    if (VECTORS > 0) {
      const rand = rng(SEED + 11);
      const vec = () => Array.from({ length: DIM }, () => rand() * 2 - 1);
      const vrows = Array.from({ length: VECTORS }, (_, i) => ({ text_hash: `v${i}`, vector: vec() }));
      const data = rowsToTable(embeddingsSchema(DIM), vrows);
      const numPartitions = Math.max(1, Math.round(Math.sqrt(VECTORS)));
      const numSubVectors = DIM % 16 === 0 ? DIM / 16 : DIM % 8 === 0 ? DIM / 8 : undefined;
      const vdbL = await lancedb.connect(join(WORK, 'vectors-db'));
      const vdbS = await lancedb.connect(s3.uri(BUCKET, VECTOR_PREFIX), s3Options);
      cleanup.push(() => vdbL.close(), () => vdbS.close());
      const build = async (db: LanceDb.Connection) => {
        const t = await db.createTable('vectors', data, { mode: 'overwrite' });
        await t.createIndex('vector', { config: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions, numSubVectors }), replace: true });
        return t;
      };
      c = await Busy.start(s3);
      const bl = await timed(() => build(vdbL));
      const bs = await timed(() => build(vdbS));
      const buildOthers = (await c.finish()).othersShare;
      const vL = bl.value;
      const vS = bs.value;
      cleanup.push(() => vL.close(), () => vS.close());
      vrows.length = 0;
      const ivfVariants: RawVariant<number[]>[] = [
        {
          name: 'engine',
          label: `IVF_PQ, the engine's settings (nprobes ${NPROBES}, refine ${REFINE_FACTOR}, limit 40)`,
          note: '[issue: 2 vs 7–8 ms]',
          run: (t, v) => t.vectorSearch(v).distanceType('cosine').nprobes(NPROBES).refineFactor(REFINE_FACTOR).select(['text_hash']).limit(40).toArray(),
        },
        {
          name: 'noRefine',
          label: `IVF_PQ without refine (nprobes ${NPROBES}, limit 40)`,
          run: (t, v) => t.vectorSearch(v).distanceType('cosine').nprobes(NPROBES).select(['text_hash']).limit(40).toArray(),
        },
      ];
      const qv = Array.from({ length: VECTOR_QUERIES + WARMUP }, vec);
      say(`\nRaw LanceDB IVF_PQ: ${VECTORS} random ${DIM}-d vectors, ${numPartitions} partitions; index built in ${sec(bl.ms)} local, ${sec(bs.ms)} s3 (${busy(buildOthers)}); ${VECTOR_QUERIES} queries each:`);
      const vr = await rawRun(s3, vL, vS, ivfVariants, qv.slice(0, WARMUP), qv.slice(WARMUP));
      ivfD = { local: vr.variants.engine.local, s3: vr.variants.engine.s3 };
      ivfRun = vr;
      ivf = { rows: VECTORS, dim: DIM, numPartitions, numSubVectors, buildLocalMs: round(bl.ms, 0), buildS3Ms: round(bs.ms, 0), buildOthersCpuShare: buildOthers, ...vr };
    }

    // ---- 3c. engines, warm -----------------------------------------------------------------------
    const sharedOnly = newEngine(noLocalDb, sharedConfig);
    const fused = newEngine(localDb, sharedConfig);
    const variants: Variant[] = [
      { name: 'local', engine: localEngine },
      { name: 'shared', engine: sharedOnly, tally: new RequestTally(s3) },
      { name: 'local+shared', engine: fused, tally: new RequestTally(s3) },
    ];
    await Promise.all([sharedOnly.sharedIndex!.view(), fused.sharedIndex!.view()]);
    for (const v of variants) {
      for (const q of warmQueries) await v.engine.search(q.q, { limit: 10 });
      for (const s of warmSites) await v.engine.context(s.fileKey, { line: s.line, column: s.column }, { limit: 10, maxChars: 6000 }).catch(() => []);
    }

    // search
    const searchMs = new Map<string, { all: number[]; identifier: number[]; sentence: number[]; empty: number }>(variants.map((v) => [v.name, { all: [], identifier: [], sentence: [], empty: 0 }]));
    let sameTop1 = 0;
    let sameTop10 = 0;
    let sameSet10 = 0;
    const place = (h: SearchHit) => `${h.path}:${h.startLine}`;
    c = await Busy.start(s3);
    for (let i = 0; i < timedQueries.length; i++) {
      const q = timedQueries[i];
      const got = new Map<string, SearchHit[]>();
      await rotated(
        i,
        variants.map((v) => async () => {
          const run = () => v.engine.search(q.q, { limit: 10 });
          const r = v.tally ? await v.tally.run(run) : await timed(run);
          const m = searchMs.get(v.name)!;
          m.all.push(r.ms);
          m[q.type].push(r.ms);
          if (!r.value.length) m.empty++;
          got.set(v.name, r.value);
        }),
      );
      const l = got.get('local')!;
      const s = got.get('shared')!;
      if (l.length && s.length && place(l[0]) === place(s[0])) sameTop1++;
      if (l.map(place).join() === s.map(place).join()) sameTop10++;
      if (l.map(place).sort().join() === s.map(place).sort().join()) sameSet10++;
    }
    const searchBusy = await c.finish();
    const searchOthers = searchBusy.othersShare;

    // context
    const contextMs = new Map<string, { all: number[]; withDefinition: number; empty: number; errors: string[] }>(variants.map((v) => [v.name, { all: [], withDefinition: 0, empty: 0, errors: [] }]));
    const contextTallies = new Map<string, RequestTally>(variants.filter((v) => v.tally).map((v) => [v.name, new RequestTally(s3)]));
    const isDef = (snips: ContextSnippet[], callee: string) => snips.some((x) => x.reason === 'definition' && (x.symbol === callee || x.symbol.endsWith(`.${callee}`)));
    c = await Busy.start(s3);
    for (let i = 0; i < timedSites.length; i++) {
      const site = timedSites[i];
      await rotated(
        i,
        variants.map((v) => async () => {
          const m = contextMs.get(v.name)!;
          const run = () => v.engine.context(site.fileKey, { line: site.line, column: site.column }, { limit: 10, maxChars: 6000 });
          try {
            const tally = contextTallies.get(v.name);
            const r = tally ? await tally.run(run) : await timed(run);
            m.all.push(r.ms);
            if (!r.value.length) m.empty++;
            if (isDef(r.value, site.callee)) m.withDefinition++;
          } catch (err) {
            if (m.errors.length < 5) m.errors.push(`${site.path}:${site.line}:${site.column}: ${(err as Error).message}`);
            else m.errors.push('');
          }
        }),
      );
    }
    const contextBusy = await c.finish();
    const contextOthers = contextBusy.othersShare;

    const engineResults: Record<string, unknown> = {};
    say(`\nWarm engines on ${chunkCount} chunks (search loop: ${busy(searchOthers)}; context loop: ${busy(contextOthers)}):`);
    say('  local = local index only; shared = shared index only (no local index); local+shared = the local engine with the shared index configured too (same library in both: shared hits are queried, then hidden)');
    if (s3.where === 'child process') {
      const perCall = (cpuS: number, calls: number) => `${((cpuS * 1000) / Math.max(1, calls)).toFixed(1)} ms`;
      say(`  the S3 test server process used ${searchBusy.s3ServerCpuS.toFixed(1)} s CPU in the search loop (${perCall(searchBusy.s3ServerCpuS, 2 * timedQueries.length)} per search on the shared index), ${contextBusy.s3ServerCpuS.toFixed(1)} s in the context loop (${perCall(contextBusy.s3ServerCpuS, 2 * timedSites.length)} per context call): on 2 cores it competes with LanceDB for CPU`);
    }
    for (const v of variants) {
      const sm = searchMs.get(v.name)!;
      const cm = contextMs.get(v.name)!;
      const sReq = v.tally?.summary();
      const cReq = contextTallies.get(v.name)?.summary();
      engineResults[v.name] = {
        search: distribution(sm.all),
        searchIdentifiers: distribution(sm.identifier),
        searchSentences: distribution(sm.sentence),
        searchEmpty: sm.empty,
        context: distribution(cm.all),
        contextWithCalleeDefinition: cm.withDefinition,
        contextEmpty: cm.empty,
        contextErrors: cm.errors.length,
        contextErrorSamples: cm.errors.filter(Boolean),
        ...(sReq ? { searchS3Requests: sReq } : {}),
        ...(cReq ? { contextS3Requests: cReq } : {}),
      };
      say(`  ${v.name.padEnd(12)} search ${pp(distribution(sm.all))} (identifiers ${pp(distribution(sm.identifier))}, sentences ${pp(distribution(sm.sentence))}; ${sm.empty} empty)`);
      say(`  ${''.padEnd(12)} context ${pp(distribution(cm.all))} (${cm.withDefinition}/${cm.all.length} carry the callee's definition; ${cm.empty} empty; ${cm.errors.length} errors)`);
      if (sReq) say(`  ${''.padEnd(12)} S3 requests per search: ${describeTally(sReq)}`);
      if (cReq) say(`  ${''.padEnd(12)} S3 requests per context: ${describeTally(cReq)}`);
      for (const e of cm.errors.filter(Boolean)) say(`  ${''.padEnd(12)} error: ${e}`);
    }
    say(`  sanity: local vs shared, same first hit in ${sameTop1}/${timedQueries.length} searches, same top 10 in order in ${sameTop10}, as a set in ${sameSet10}`);

    // ---- 3d. diagnostic: the same raw queries once each chunks table is compacted ---------------
    // The CI write commits in bulk batches and leaves one fragment per batch (bulk writes do
    // not count towards compaction); every column a query reads costs a request per fragment.
    let compacted: { ms: { local: number; s3: number }; fragments: { local: number; s3: number }; raw: RawFtsResult } | 'skipped' = 'skipped';
    if (COMPACT && (fragmentsBefore.local > 1 || fragmentsBefore.s3 > 1)) {
      // Engines are done: close them first, so nothing reads while the tables change.
      while (engines.length) await engines.pop()!.dispose();
      const ol = await timed(() => tL.optimize());
      const os = await timed(() => tS.optimize());
      const after = await fragments();
      say(`\nDiagnostic: the chunks tables compacted (optimize(): local ${sec(ol.ms)}, s3 ${sec(os.ms)}) to ${after.local} fragment(s) local, ${after.s3} in s3; the raw queries again:`);
      compacted = { ms: { local: round(ol.ms, 0), s3: round(os.ms, 0) }, fragments: after, raw: await rawRun(s3, tL, tS, RAW_VARIANTS, words.slice(0, WARMUP), rawWords.slice(0, Math.max(1, Math.ceil(RAW / 2)))) };
    } else if (COMPACT) {
      say('\nDiagnostic: the chunks tables are one fragment each already; no compaction run.');
    }

    // ---- summary -------------------------------------------------------------------------------
    const d = (name: string, key: string) => (engineResults[name] as Record<string, Distribution>)[key];
    const req = (name: string, key: string) => (engineResults[name] as Record<string, { meanPerCall: number } | undefined>)[key]?.meanPerCall;
    const rv = rawFts.variants;
    const ratioRow = (label: string, l: Distribution, s: Distribution): string[] => [label, pp(l), pp(s), `${times(s.p50, l.p50)} / ${times(s.p95, l.p95)}`];
    const rowsOut: string[][] = [
      ['index time (same corpus)', sec(localIndex.ms), sec(s3Index.ms), times(s3Index.ms, localIndex.ms)],
      ['cold: shared view() resolved, p50', '—', `${cold.sharedView.p50.toFixed(0)} ms`, ''],
      ['cold: fresh engine, first search, p50', `${cold.firstSearchLocal.p50.toFixed(0)} ms`, `${cold.firstSearchShared.p50.toFixed(0)} ms`, times(cold.firstSearchShared.p50, cold.firstSearchLocal.p50)],
      ['cold: raw connect+open+FTS, p50', `${cold.rawConnectOpenFtsLocal.p50.toFixed(1)} ms`, `${cold.rawConnectOpenFtsS3.p50.toFixed(1)} ms`, times(cold.rawConnectOpenFtsS3.p50, cold.rawConnectOpenFtsLocal.p50)],
      ratioRow('raw FTS, id, limit 10 (p50 / p95)', rv.narrow.local, rv.narrow.s3),
      ratioRow('raw ftsChunks, 16 cols, limit 40', rv.engine.local, rv.engine.s3),
      ratioRow('raw FTS ids, then text of top 10', rv.twoStep.local, rv.twoStep.s3),
      ...(ivfD && ivfRun
        ? [
            ratioRow(`raw IVF_PQ, ${VECTORS} × ${DIM}, refine ${REFINE_FACTOR}`, ivfD.local, ivfD.s3),
            ratioRow('raw IVF_PQ, no refine', ivfRun.variants.noRefine.local, ivfRun.variants.noRefine.s3),
          ]
        : []),
      ratioRow('engine.search', d('local', 'search'), d('shared', 'search')),
      ratioRow('  identifiers', d('local', 'searchIdentifiers'), d('shared', 'searchIdentifiers')),
      ratioRow('  sentences', d('local', 'searchSentences'), d('shared', 'searchSentences')),
      ratioRow('engine.context', d('local', 'context'), d('shared', 'context')),
      ratioRow('engine.search, local+shared engine', d('local', 'search'), d('local+shared', 'search')),
      ratioRow('engine.context, local+shared engine', d('local', 'context'), d('local+shared', 'context')),
      ['S3 requests / cold view()', '0', String(cold.sharedViewRequests.p50), ''],
      ['S3 requests / warm search (mean)', '0', `${req('shared', 'searchS3Requests')} (fused ${req('local+shared', 'searchS3Requests')})`, ''],
      ['S3 requests / warm context (mean)', '0', `${req('shared', 'contextS3Requests')} (fused ${req('local+shared', 'contextS3Requests')})`, ''],
      ['S3 requests / raw FTS id, limit 10', '0', String(rv.narrow.s3Requests.meanPerCall), ''],
      ['S3 requests / raw ftsChunks 16 cols, 40', '0', String(rv.engine.s3Requests.meanPerCall), ''],
      ['S3 requests / raw FTS ids + top-10 text', '0', String(rv.twoStep.s3Requests.meanPerCall), ''],
      ...(ivfRun
        ? [['S3 requests / IVF_PQ, refine / no refine', '0', `${ivfRun.variants.engine.s3Requests.meanPerCall} / ${ivfRun.variants.noRefine.s3Requests.meanPerCall}`, '']]
        : []),
      ['chunks table fragments', String(fragmentsBefore.local), String(fragmentsBefore.s3), ''],
      ...(compacted === 'skipped'
        ? []
        : [
            ratioRow(`compacted (${compacted.fragments.s3} fragment): raw ftsChunks`, compacted.raw.variants.engine.local, compacted.raw.variants.engine.s3),
            ratioRow('compacted: raw FTS ids + top-10 text', compacted.raw.variants.twoStep.local, compacted.raw.variants.twoStep.s3),
            [
              'compacted: S3 requests, ftsChunks / two-step',
              '0',
              `${compacted.raw.variants.engine.s3Requests.meanPerCall} / ${compacted.raw.variants.twoStep.s3Requests.meanPerCall}`,
              '',
            ],
          ]),
    ];
    say('');
    say(table(['measure', 'local', 'shared (s3rver, 127.0.0.1)', 'shared/local p50 (/ p95)'], rowsOut));
    const run = await runContention.finish();
    const totalMs = performance.now() - started;
    say(`\nShared-index benchmark wall time ${sec(totalMs)}; other processes used ${Number.isFinite(run.othersShare) ? pct(run.othersShare) : 'n/a'} of the machine's CPU over the run; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);

    const results = {
      date: new Date().toISOString(),
      machine: { node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model, memGiB: round(totalmem() / 2 ** 30, 0), loadAvgEnd: loadavg(), othersCpuShareOverRun: run.othersShare },
      engine: engineAt,
      config: { FILES, QUERIES, CONTEXT_CALLS, COLD, RAW, VECTORS, DIM, SEED, COMPACT, store: `s3rver behind the test/support/s3TestServer proxy on 127.0.0.1, ${s3.where}` },
      corpus: { files: corpus.files.length, mb: round(corpus.bytes / 2 ** 20, 2), byLanguage: corpus.byLanguage, sources: corpus.sources },
      index: {
        chunks: chunkCount,
        localMs: round(localIndex.ms, 0),
        s3Ms: round(s3Index.ms, 0),
        ratio: round(s3Index.ms / localIndex.ms, 2),
        local: localIndex.value,
        s3: s3Index.value,
        s3Requests: writeRequests,
        s3Operations: writeOps,
        othersCpuShare: { local: localIndexOthers, s3: s3IndexOthers },
      },
      cold,
      rawFts: { ...rawFts, fragments: fragmentsBefore },
      compacted,
      ivfPq: ivf,
      engines: engineResults,
      sanity: { searches: timedQueries.length, sameTop1LocalVsShared: sameTop1, sameTop10InOrderLocalVsShared: sameTop10, sameTop10SetLocalVsShared: sameSet10 },
      ratios: {
        searchP50: round(d('shared', 'search').p50 / d('local', 'search').p50, 2),
        searchP95: round(d('shared', 'search').p95 / d('local', 'search').p95, 2),
        contextP50: round(d('shared', 'context').p50 / d('local', 'context').p50, 2),
        contextP95: round(d('shared', 'context').p95 / d('local', 'context').p95, 2),
        rawFtsNarrowP50: round(rv.narrow.s3.p50 / rv.narrow.local.p50, 2),
        rawFtsEngineP50: round(rv.engine.s3.p50 / rv.engine.local.p50, 2),
        rawFtsTwoStepP50: round(rv.twoStep.s3.p50 / rv.twoStep.local.p50, 2),
        rawColdP50: round(cold.rawConnectOpenFtsS3.p50 / cold.rawConnectOpenFtsLocal.p50, 2),
        ...(ivfD ? { ivfPqP50: round(ivfD.s3.p50 / ivfD.local.p50, 2) } : {}),
      },
      othersCpuShare: { search: searchOthers, context: contextOthers },
      s3ServerCpuSeconds: { searchLoop: round(searchBusy.s3ServerCpuS, 2), contextLoop: round(contextBusy.s3ServerCpuS, 2), run: round(run.s3ServerCpuS, 1) },
      totalSeconds: round(totalMs / 1000, 1),
    };
    const outDir = join(REPO_ROOT, 'bench-results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'shared.json'), `${JSON.stringify(results, null, 2)}\n`);
    say(`Results written to ${join(outDir, 'shared.json')}`);
  } finally {
    for (const f of cleanup.reverse()) {
      try {
        f();
      } catch {
        // already closed
      }
    }
    while (engines.length) await engines.pop()!.dispose().catch(() => undefined);
    await s3.close();
  }
}

if (process.argv[2] === '--s3-server') {
  serveS3().catch((err) => {
    process.stderr.write(`S3 test server child failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
} else {
  main()
    .catch((err) => {
      process.stderr.write(`shared bench failed: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    })
    .finally(() => {
      if (!KEEP && existsSync(WORK)) rmSync(WORK, { recursive: true, force: true });
    });
}
