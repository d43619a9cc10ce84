import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { assetsIn, createEngine, type Engine, type EngineAssets, type EngineConfig, type IndexStatus } from '../engine/engine';
import { isRemoteUri, parseStorageOptions, remoteLocation, storageOptionsFromEnv } from '../engine/store/location';
import type { IndexProgress, IndexSummary } from '../engine/indexing/indexer';
import { createLineLogger, isLogLevel } from '../engine/log';
import { createNodeHost } from '../engine/nodeHost';
import { validateSettings } from '../engine/settings';
import type { ContextSnippet } from '../engine/retrieval/completionContext';
import type { SearchHit } from '../engine/retrieval/retriever';
import type { AnswerEvent, AnswerSources } from '../engine/answers/answerTypes';
import { reportError, UsageError } from './errors';
import { runDatasetCommand } from './datasetCommand';
import { MODEL_USAGE, runModelCommand } from './modelCommand';
import { EVAL_USAGE, runEvalCommand } from './evalCommand';
import { DEFAULT_DB, findDb as locateDb } from './indexLocation';


const USAGE = `Usage: inhouse <command> [options]

Commands:
  ask "<question>" [--db DIR] [--model M] [-k N] [--json]
                      Answer a question about the code base with the chat model, citing the
                      code [n] and the house conventions it used; sources are listed at the end.
  complete <file> --line L --column C [--db DIR] [--model M] [--json]
                      Print the inline completion (fill-in-the-middle) at that position.
  explain <file> --lines A-B [--db DIR] [--model M] [--json]
                      Explain those lines against the house conventions: what the code does,
                      how it fits the house, and deviations with the rule and a fix.
  dataset [--db DIR] [--out DIR] [--feedback FILE_OR_DIR] [--fim-rate R] [--spm-rate R]
          [--valid-share S] [--min-survival R] [--seed N] [--base-model M] [--json]
                      Export the training set (FIM + chat JSONL, split by file) and the LoRA
                      recipe, from the index and the recorded feedback.
${MODEL_USAGE}
${EVAL_USAGE}
  context <file> --line L --column C [--db DIR] [--shared URI] [-k N] [--max-chars N] [--json]
                      The code an inline completion at that position should see: definitions
                      of what it calls, the enclosing outline, similar code. Line from 1,
                      column from 0 (UTF-16 units).
  index <root>... [--db DIR] [--library NAME=PATH]... [--rebuild] [--json]
                      Index the folders (and internal libraries); re-runs are incremental.
  index [<base>] --library NAME=PATH... --db s3://BUCKET/PREFIX [--storage-option K=V]...
                      Write the team's shared index of internal libraries to object storage
                      (in CI). Library paths are relative to <base> (default: here); each run
                      replaces only the libraries it names. Concurrent jobs are safe.
  status [--db DIR] [--shared URI] [--json]
                      Show what the index holds: files, chunks, skips by reason, secrets redacted.
  search "<query>" [--db DIR] [--shared URI] [-k N] [--source S] [--lang L] [--path GLOB] [--json]
                      Search the index: keywords, symbol names (exact and prefix), and
                      embeddings when a model is configured; filters by source (workspace, a
                      library name, or conventions for the house rules), language and path
                      glob (relative to the root, e.g. 'src/**/*.ts').

Options:
  --model NAME        Ollama model for ask/explain (default: inhouse.chat.model) or for
                      complete (default: inhouse.completion.model).
  --embed-model NAME  Ollama embedding model (e.g. nomic-embed-text) for index and search;
                      without it search is keyword + symbols, with no model at all.
  --host URL          Ollama address (default: OLLAMA_HOST, else http://127.0.0.1:11434).
  --db DIR            Index folder (default: .inhouse/index under the first root, or found
                      upward from the current folder), or an s3:// (gs://, az://) URI.
  --shared URI        For search, context, ask, explain, complete, status: also query the
                      team's shared index at URI (s3://BUCKET/PREFIX); results are fused and
                      name their library. Without a local index the shared one answers alone.
  --storage-option K=V
                      A LanceDB storage option for s3:// (repeatable), over the environment:
                      AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                      AWS_SESSION_TOKEN, AWS_REGION.
  --log-level LEVEL   off | error | warn | info | debug | trace (default: warn).
  -h, --help          Show this help.
  --version           Print the version.

Exit codes: 0 ok, 1 error, 2 bad usage.`;

const OPTIONS = {
  db: { type: 'string' },
  shared: { type: 'string' },
  'storage-option': { type: 'string', multiple: true },
  library: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  rebuild: { type: 'boolean' },
  k: { type: 'string', short: 'k' },
  source: { type: 'string' },
  lang: { type: 'string' },
  path: { type: 'string' },
  line: { type: 'string' },
  lines: { type: 'string' },
  model: { type: 'string' },
  column: { type: 'string' },
  'max-chars': { type: 'string' },
  'embed-model': { type: 'string' },
  host: { type: 'string' },
  'log-level': { type: 'string' },
  out: { type: 'string' },
  feedback: { type: 'string' },
  'fim-rate': { type: 'string' },
  'spm-rate': { type: 'string' },
  'valid-share': { type: 'string' },
  'min-survival': { type: 'string' },
  seed: { type: 'string' },
  'base-model': { type: 'string' },
  adapter: { type: 'string' },
  base: { type: 'string' },
  name: { type: 'string' },
  'system-from-conventions': { type: 'boolean' },
  parameter: { type: 'string', multiple: true },
  modelfile: { type: 'boolean' },
  force: { type: 'boolean' },
  models: { type: 'string' },
  tasks: { type: 'string' },
  margin: { type: 'string' },
  resume: { type: 'boolean' },
  run: { type: 'string' },
  dataset: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseCli>['values'];

function parseCli(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTty: boolean;
}

/**
 * Runs one CLI invocation and returns its exit code; data goes to io.out, logs to io.err.
 * `assets` defaults to the ones the build lays out beside the bundle (tests pass their own).
 */
export async function runCli(argv: string[], io: Io, cwd = process.cwd(), assets: EngineAssets = assetsIn(__dirname)): Promise<number> {
  let engine: Engine | undefined;
  try {
    const { values, positionals } = parseCli(argv);
    if (values.version) {
      io.out(`${version()}\n`);
      return 0;
    }
    const [command, ...args] = positionals;
    if (values.help || !command) {
      (values.help ? io.out : io.err)(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    const level = values['log-level'] ?? 'warn';
    if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of off, error, warn, info, debug, trace.`);
    const log = createLineLogger(io.err, level);
    const host = createNodeHost();

    switch (command) {
      case 'index': {
        if (values.shared !== undefined) {
          throw new UsageError('index writes one index: put the shared one in --db s3://… (--shared is for search, context, ask, explain, complete and status).');
        }
        if (values.db !== undefined && isRemoteUri(values.db)) {
          // A shared index holds internal libraries only; a folder argument is where their
          // relative paths start (the CI checkout), not a workspace to index.
          if (args.length > 1) throw new UsageError('With an object-storage --db, give at most one folder: the base of the --library paths.');
          if (!values.library?.length) {
            throw new UsageError('A shared index holds internal libraries: name each with --library NAME=PATH (e.g. --library payments=libs/payments).');
          }
          const base = resolve(cwd, args[0] ?? '.');
          const libraries = parseLibraries(values.library, base);
          const location = remoteLocation(values.db, storageOptions(values));
          const settings = cliSettings(values, { libraries: Object.fromEntries(libraries.map((l) => [l.source, l.root])) });
          engine = createEngine(host, settings, { dbDir: location.uri, location, assets }, log);
          const progress = io.isTty && !values.json ? progressBar(io) : undefined;
          const summary = await engine.index(libraries, { rebuild: values.rebuild, onProgress: progress?.update });
          progress?.clear();
          io.out(values.json ? `${JSON.stringify({ dbDir: location.uri, ...summary }, null, 2)}\n` : formatSummary(summary, location.uri));
          return 0;
        }
        if (args.length === 0) throw new UsageError('index needs at least one folder: inhouse index <root>...');
        const roots = args.map((r) => ({ root: resolve(cwd, r), source: 'workspace' }));
        const libraries = parseLibraries(values.library ?? [], cwd);
        const settings = cliSettings(values, { libraries: Object.fromEntries(libraries.map((l) => [l.source, l.root])) });
        const dbDir = values.db ? resolve(cwd, values.db) : join(roots[0].root, DEFAULT_DB);
        engine = createEngine(host, settings, { dbDir, assets }, log);
        const progress = io.isTty && !values.json ? progressBar(io) : undefined;
        const summary = await engine.index([...roots, ...libraries], { rebuild: values.rebuild, onProgress: progress?.update });
        progress?.clear();
        log.debug(`index ran in pid ${process.pid}: MALLOC_ARENA_MAX ${process.env.MALLOC_ARENA_MAX ?? 'unset'}, LANCE_FTS_NUM_SHARDS ${process.env.LANCE_FTS_NUM_SHARDS ?? 'unset'}`);
        io.out(values.json ? `${JSON.stringify({ dbDir, ...summary }, null, 2)}\n` : formatSummary(summary, dbDir));
        return 0;
      }
      case 'status': {
        noPositionals(command, args);
        engine = createEngine(host, cliSettings(values), readConfig(values, cwd, assets), log);
        const status = await engine.status();
        io.out(values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
        return 0;
      }
      case 'search': {
        if (args.length !== 1) throw new UsageError('search takes one query; quote it: inhouse search "<query>"');
        const limit = parseLimit(values.k);
        engine = createEngine(host, cliSettings(values), readConfig(values, cwd, assets), log);
        const hits = await engine.search(args[0], { limit, source: values.source, language: values.lang, pathGlob: values.path });
        io.out(values.json ? `${JSON.stringify(hits.map(jsonHit), null, 2)}\n` : formatHits(hits));
        return 0;
      }
      case 'context': {
        if (args.length !== 1) throw new UsageError('context takes one file: inhouse context <file> --line L --column C');
        const line = parseWhole('--line', values.line, 1);
        const column = parseWhole('--column', values.column, 0);
        const limit = parseLimit(values.k);
        const maxChars = values['max-chars'] === undefined ? 6000 : parseWhole('--max-chars', values['max-chars'], 200);
        engine = createEngine(host, cliSettings(values), readConfig(values, cwd, assets), log);
        const snippets = await engine.context(resolve(cwd, args[0]), { line, column }, { limit, maxChars });
        io.out(values.json ? `${JSON.stringify(snippets.map(jsonHit), null, 2)}\n` : formatContext(snippets));
        return 0;
      }
      case 'dataset':
        return await runDatasetCommand(args, values, io, cwd);
      case 'eval':
        return await runEvalCommand(args, values, io, cwd);
      case 'model':
        return await runModelCommand(args, values, io, cwd, { assets });
      case 'ask': {
        if (args.length !== 1 || !args[0].trim()) throw new UsageError('ask takes one question; quote it: inhouse ask "<question>"');
        const settings = cliSettings(values, values.model !== undefined ? { 'chat.model': values.model } : {});
        engine = createEngine(host, settings, readConfig(values, cwd, assets), log);
        const k = values.k === undefined ? undefined : parseLimit(values.k);
        return await printAnswer(engine.ask(args[0], { limit: k }), io, Boolean(values.json));
      }
      case 'explain': {
        if (args.length !== 1) throw new UsageError('explain takes one file: inhouse explain <file> --lines A-B');
        const range = parseLineRange(values.lines);
        const settings = cliSettings(values, values.model !== undefined ? { 'chat.model': values.model } : {});
        engine = createEngine(host, settings, readConfig(values, cwd, assets), log);
        return await printAnswer(engine.explain(resolve(cwd, args[0]), range), io, Boolean(values.json));
      }
      case 'complete': {
        if (args.length !== 1) throw new UsageError('complete takes one file: inhouse complete <file> --line L --column C');
        const line = parseWhole('--line', values.line, 1);
        const column = parseWhole('--column', values.column, 0);
        const settings = cliSettings(values, values.model !== undefined ? { 'completion.model': values.model } : {});
        engine = createEngine(host, settings, readConfig(values, cwd, assets), log);
        const result = await engine.complete(resolve(cwd, args[0]), { line, column });
        if (values.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
        else if (result.text) io.out(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
        else io.err('No completion: the model returned nothing worth inserting here.\n');
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}". Run inhouse --help.`);
    }
  } catch (err) {
    return reportError(err, io);
  } finally {
    await engine?.dispose();
  }
}

/**
 * Where read commands find their indexes: --db (a folder, or object storage), else the
 * nearest .inhouse/index; plus the shared index of --shared. With --shared, no local index is
 * needed: the shared one alone answers.
 */
function readConfig(values: Values, cwd: string, assets: EngineAssets): EngineConfig {
  const options = storageOptions(values);
  const shared = values.shared !== undefined ? { uri: remoteLocation(values.shared, options).uri, storageOptions: options, refreshSeconds: 300 } : undefined;
  if (values.db !== undefined && isRemoteUri(values.db)) {
    const location = remoteLocation(values.db, options);
    return { dbDir: location.uri, location, shared, assets };
  }
  let dbDir: string;
  try {
    dbDir = locateDb(values.db, cwd);
  } catch (err) {
    if (!shared) throw err;
    dbDir = resolve(cwd, DEFAULT_DB);
  }
  return { dbDir, shared, assets };
}

/** Object-storage options: the standard environment variables, then --storage-option KEY=VALUE. */
function storageOptions(values: Values): Record<string, string> {
  const remote = values.shared !== undefined || (values.db !== undefined && isRemoteUri(values.db));
  if (values['storage-option']?.length && !remote) throw new UsageError('--storage-option applies to an object-storage index: --db s3://… or --shared s3://….');
  try {
    return parseStorageOptions(values['storage-option'] ?? [], storageOptionsFromEnv(process.env));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Settings from the command line: the defaults plus --embed-model and --host. */
function cliSettings(values: Values, extra: Record<string, unknown> = {}) {
  return validateSettings({
    ...extra,
    ...(values['embed-model'] !== undefined ? { 'embedding.model': values['embed-model'] } : {}),
    ...(values.host !== undefined ? { 'ollama.host': values.host } : {}),
  });
}

function noPositionals(command: string, args: string[]): void {
  if (args.length) throw new UsageError(`${command} takes no arguments; got "${args.join(' ')}".`);
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 10;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`-k must be a whole number from 1 to 1000; got "${raw}".`);
  return n;
}

function parseWhole(flag: string, raw: string | undefined, min: number): number {
  if (raw === undefined) throw new UsageError(`${flag} is required.`);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number from ${min}; got "${raw}".`);
  return n;
}

/** `--lines A-B` (or a single line `A`), 1-based and inclusive. */
function parseLineRange(raw: string | undefined): { startLine: number; endLine: number } {
  if (raw === undefined) throw new UsageError('--lines is required, e.g. --lines 10-42.');
  const m = /^\s*(\d+)\s*(?:[-:]\s*(\d+)\s*)?$/.exec(raw);
  const startLine = m ? Number(m[1]) : NaN;
  const endLine = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || startLine < 1 || endLine < startLine) {
    throw new UsageError(`--lines must be A-B with 1 <= A <= B (lines count from 1); got "${raw}".`);
  }
  return { startLine, endLine };
}

/**
 * Streams an answer to stdout with its sources at the end (or one JSON object with --json).
 * A stream that fails halfway is reported as cut off, so no one takes it for a whole answer.
 */
async function printAnswer(events: AsyncIterable<AnswerEvent>, io: Io, json: boolean): Promise<number> {
  let sources: AnswerSources = { citations: [], rules: [] };
  const notes: string[] = [];
  let text = '';
  let done: Extract<AnswerEvent, { type: 'done' }> | undefined;
  try {
    for await (const e of events) {
      if (e.type === 'sources') {
        sources = e.sources;
        notes.push(...e.notes);
        if (!json) for (const n of e.notes) io.err(`Note: ${n}\n`);
      } else if (e.type === 'text') {
        text += e.text;
        if (!json) io.out(e.text);
      } else {
        done = e;
      }
    }
  } catch (err) {
    if (!json && text) io.out('\n');
    if (text) io.err('inhouse: the answer above is incomplete.\n');
    throw err;
  }
  if (!done) throw new Error('the answer stream ended without finishing');
  const allNotes = [...notes, ...done.notes.filter((n) => !notes.includes(n))];
  if (json) {
    io.out(`${JSON.stringify({ answer: text, model: done.model, promptId: done.promptId, cutShort: done.cutShort, notes: allNotes, ...sources }, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const n of done.notes.filter((n) => !notes.includes(n))) lines.push(`Note: ${n}`);
  if (done.cutShort) lines.push('Note: the answer reached its length limit (inhouse.chat.maxTokens) and stops early.');
  if (sources.citations.length) {
    lines.push('', 'Sources:');
    for (const c of sources.citations) {
      const where = c.source === 'workspace' ? '' : `  [${c.source}]`;
      lines.push(`  [${c.n}] ${c.path}:${c.startLine}-${c.endLine}  ${c.symbol || '(block)'}${where}`);
    }
  }
  if (sources.rules.length) {
    lines.push('', 'Conventions:');
    for (const r of sources.rules) lines.push(`  ${r.id}  ${r.title}${r.source === 'workspace' ? '' : `  [${r.source}]`}`);
  }
  io.out(`${text.endsWith('\n') || !text ? '' : '\n'}${lines.length ? `${lines.join('\n')}\n` : ''}`);
  return 0;
}

function parseLibraries(specs: string[], cwd: string): { root: string; source: string }[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq).trim();
    const path = spec.slice(eq + 1).trim();
    if (eq <= 0 || !path) throw new UsageError(`--library takes NAME=PATH; got "${spec}".`);
    if (name === 'workspace' || name === 'conventions') throw new UsageError(`--library name "${name}" is reserved; pick another.`);
    if (seen.has(name)) throw new UsageError(`--library ${name} is given twice.`);
    seen.add(name);
    return { root: resolve(cwd, path), source: name };
  });
}


function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(join(__dirname, '..', 'package.json')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function progressBar(io: Io) {
  let last = 0;
  const width = 30;
  return {
    update(p: IndexProgress) {
      const now = Date.now();
      if (now - last < 100 && p.done !== p.total) return;
      last = now;
      if (p.phase === 'crawling') io.err(`\r\x1b[2KScanning… ${p.done} files`);
      else if (p.phase === 'finishing') io.err('\r\x1b[2KUpdating the search index…');
      else if (p.phase === 'embedding') io.err(`\r\x1b[2KEmbedding… ${p.done}/${p.total} chunks`);
      else {
        const filled = p.total ? Math.round((p.done / p.total) * width) : 0;
        io.err(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total} files`);
      }
    },
    clear() {
      io.err('\r\x1b[2K');
    },
  };
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
}

function formatSummary(s: IndexSummary, dbDir: string): string {
  return [
    `Indexed ${s.files} files, ${s.chunks} chunks in ${s.seconds.toFixed(1)} s ` +
      `(${s.added} added, ${s.changed} changed, ${s.unchanged} unchanged, ${s.removed} removed).`,
    `Skipped: ${formatCounts(s.skipped)}.`,
    `Secrets redacted: ${s.secretsRedacted}. Files with syntax errors (indexed from the partial tree): ${s.filesWithSyntaxErrors}.`,
    ...(s.embeddings
      ? [
          `Embeddings (${s.embeddings.model}): ${s.embeddings.embedded} of ${s.embeddings.pending} new chunk contents embedded` +
            (s.embeddings.error ? ` — stopped: ${s.embeddings.error}` : '.'),
        ]
      : []),
    ...(s.conventions ? [`House conventions: ${s.conventions.rules} rules.`, ...s.conventions.warnings.map((w) => `  Problem: ${w}`)] : []),
    `Index: ${dbDir}`,
    '',
  ].join('\n');
}

function formatStatus(s: IndexStatus): string {
  return [
    `Index: ${s.dbDir}`,
    `Roots: ${s.roots.join(', ') || 'none'}`,
    `Files: ${s.files} (${formatCounts(s.sources)})`,
    `Chunks: ${s.chunks}`,
    `Skipped: ${formatCounts(s.skipped)}`,
    `Secrets redacted: ${s.secretsRedacted}`,
    `Files with syntax errors: ${s.filesWithSyntaxErrors}`,
    ...(s.shared ? [`Shared index: ${formatShared(s.shared)}`] : []),
    '',
  ].join('\n');
}

function formatShared(s: NonNullable<IndexStatus['shared']>): string {
  switch (s.state) {
    case 'ready':
      return `${s.uri}: ${s.chunks} chunks of ${s.sources.join(', ') || 'no libraries'} (opened in ${Math.round(s.openedMs)} ms)`;
    case 'unavailable':
      return `${s.uri}: unavailable; ${s.message}`;
    case 'connecting':
      return `${s.uri}: connecting`;
    default:
      return 'off';
  }
}

function formatContext(snippets: ContextSnippet[]): string {
  if (!snippets.length) return 'No context found.\n';
  return snippets
    .map((s) => {
      const preview = (s.text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 120);
      const where = s.source === 'workspace' ? '' : `  [${s.source}]`;
      return `${s.path}:${s.startLine}  ${s.symbol || '(block)'}  ${s.kind}  (${s.reason})${where}\n    ${preview}`;
    })
    .join('\n')
    .concat('\n');
}

function jsonHit(h: Pick<SearchHit, 'path' | 'startLine' | 'endLine' | 'symbol' | 'kind' | 'score' | 'source'>) {
  return { path: h.path, startLine: h.startLine, endLine: h.endLine, symbol: h.symbol, kind: h.kind, score: h.score, source: h.source };
}

function formatHits(hits: SearchHit[]): string {
  if (!hits.length) return 'No results.\n';
  return hits
    .map((h) => {
      const preview = (h.signature || h.text.split('\n').find((l) => l.trim()) || '').trim().slice(0, 120);
      const where = h.source === 'workspace' ? '' : `  [${h.source}]`;
      return `${h.path}:${h.startLine}  ${h.symbol || '(block)'}  ${h.kind}${where}\n    ${preview}`;
    })
    .join('\n')
    .concat('\n');
}

/** The `inhouse` command itself (src/cli/inhouse.ts starts it). */
export function main(argv: string[]): void {
  runCli(argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTty: Boolean(process.stderr.isTTY),
  }).then((code) => {
    process.exitCode = code;
  });
}
