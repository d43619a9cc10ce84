import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { CONVENTIONS_DIR, isInConventionsDir } from '../conventions/conventionFiles';
import type { DirEntry, EngineHost, FileStat } from '../host';
import type { Logger } from '../log';
import { secretFileReason } from './secrets';

export interface CrawlRoot {
  /** Absolute directory. */
  root: string;
  /** 'workspace' or a library name. */
  source: string;
}

export type SkipReason =
  | 'too-large'
  | 'secret-file'
  | 'unreadable'
  | 'symlink-loop'
  | 'binary'
  | 'minified'
  | 'invalid-utf8'
  | 'unsupported';

export interface CrawlFile {
  root: string;
  source: string;
  absPath: string;
  /** Forward slashes, relative to root. */
  relPath: string;
  size: number;
  mtimeMs: number;
}

export interface CrawlSkip {
  root: string;
  source: string;
  absPath: string;
  /** Forward slashes, relative to root; '.' when the root itself is skipped. */
  relPath: string;
  reason: SkipReason;
  detail?: string;
}

export interface CrawlOptions {
  maxFileBytes: number;
  /** Gitignore-syntax patterns applied to every root; they take precedence over ignore files in the tree. */
  extraExcludes: string[];
  /** Language filter: files it rejects are silently ignored, not reported as skips. */
  isIndexable(relPath: string): boolean;
  /** Defaults to secretFileReason; returns a description when the file must never be read. */
  isSecretFile?(relPath: string): string | undefined;
  signal?: AbortSignal;
}

export class RootNotFoundError extends Error {
  constructor(readonly root: string, cause?: string) {
    super(
      cause
        ? `Root folder could not be opened: ${root} (${cause}). Check the path you passed to inhouse index and its permissions.`
        : `Root folder not found: ${root}. Check the path you passed to inhouse index.`,
    );
    this.name = 'RootNotFoundError';
  }
}

export function isCrawlSkip(item: CrawlFile | CrawlSkip): item is CrawlSkip {
  return (item as CrawlSkip).reason !== undefined;
}

/**
 * Dependency, tool and VCS directories. They are excluded whatever the ignore files say, because
 * indexing them would swamp the index with code the user does not own (and some are huge).
 */
export const DEFAULT_EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'dist', 'build', 'out', 'target', 'vendor',
  'third_party', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache', '.pytest_cache', '.next', '.nuxt',
  'coverage', '.gradle', '.idea', '.vscode-test', '.inhouse',
]);

/** Generated files with no conventions worth learning. */
export const DEFAULT_EXCLUDED_FILES: ReadonlySet<string> = new Set([
  'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock', 'Pipfile.lock',
  'composer.lock', 'Gemfile.lock', 'go.sum',
]);
const DEFAULT_EXCLUDED_SUFFIXES = ['.min.js', '.min.css', '.map'];

/**
 * InHouse's own folder is excluded (the index lives in it) except for the house conventions,
 * which the crawl enters straight from the root without listing the rest of `.inhouse`.
 * Ignore files outside the conventions folder do not hide it: `.inhouse/` is usually ignored
 * to keep the index out of git, not the conventions. `index.exclude` patterns still apply.
 */
const INHOUSE_DIR = '.inhouse';

/** Read in this order so that .inhouseignore rules, added last, win over .gitignore in the same directory. */
const IGNORE_FILES = ['.gitignore', '.inhouseignore'];

/** Bounds open file handles in huge flat directories while still overlapping stat latency. */
const STAT_CONCURRENCY = 64;

/** Git only folds case where the file system does; following the platform default avoids surprising misses. */
const IGNORE_CASE = process.platform === 'win32' || process.platform === 'darwin';

function isDefaultExcluded(name: string, isDir: boolean): boolean {
  if (isDir) return DEFAULT_EXCLUDED_DIRS.has(name);
  return DEFAULT_EXCLUDED_FILES.has(name) || DEFAULT_EXCLUDED_SUFFIXES.some((s) => name.endsWith(s));
}

/** Rules of one directory's ignore files; they match paths relative to that directory, as in git. */
interface Matcher {
  /** Relative dir of the ignore files with a trailing '/', or '' at the root. */
  prefix: string;
  ig: Ignore;
}

type Decision = 'ignored' | 'kept' | undefined;

function decide(ig: Ignore, rel: string): Decision {
  const r = ig.test(rel);
  return r.ignored ? 'ignored' : r.unignored ? 'kept' : undefined;
}

interface DirItem {
  kind: 'dir';
  absPath: string;
  relPath: string;
  realPath: string;
  viaLink: boolean;
}
type Item = { kind: 'out'; out: CrawlFile | CrawlSkip } | DirItem;

interface Frame {
  realPath: string;
  chain: Matcher[];
  items: Item[];
  next: number;
}

/** Settled outcome of a stat, so one failing entry does not reject the whole batch. */
type Probe = { stat?: FileStat; realPath?: string; error?: NodeJS.ErrnoException };

async function mapLimit<T, R>(inputs: T[], limit: number, fn: (input: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await fn(inputs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

function errorDetail(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? (e instanceof Error ? e.message : String(err));
}

/** Byte-wise order: independent of locale and ICU version, so runs on different machines agree. */
function byName(a: DirEntry, b: DirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Walks each root depth-first and yields, in a deterministic order, every indexable file and every
 * file or directory that was deliberately skipped. Ignored paths (ignore files, default excludes,
 * language filter) are not reported at all. Stops quietly when options.signal is aborted.
 */
export async function* crawl(
  host: EngineHost,
  roots: CrawlRoot[],
  options: CrawlOptions,
  log: Logger,
): AsyncGenerator<CrawlFile | CrawlSkip> {
  // Validate every root first so a typo in the last one fails before minutes of work on the others.
  const realRoots: string[] = [];
  for (const r of roots) {
    const abs = path.resolve(r.root);
    let st: FileStat | undefined;
    try {
      st = await host.stat(abs);
    } catch (err) {
      throw new RootNotFoundError(r.root, errorDetail(err));
    }
    if (!st || st.kind !== 'directory') throw new RootNotFoundError(r.root);
    realRoots.push(await host.realPath(abs).catch(() => abs));
  }

  // ignore() caches every path it tests; with no extra patterns that would be memory for nothing.
  const extra = options.extraExcludes.length > 0 ? ignore({ ignorecase: IGNORE_CASE }).add(options.extraExcludes) : undefined;
  const isSecret = options.isSecretFile ?? secretFileReason;
  const aborted = () => options.signal?.aborted === true;

  for (let ri = 0; ri < roots.length; ri++) {
    if (aborted()) return;
    const { root, source } = roots[ri];
    const absRoot = path.resolve(root);
    log.debug(`crawl: walking ${absRoot} (${source})`);

    const file = (absPath: string, relPath: string, st: FileStat): CrawlFile => ({
      root, source, absPath, relPath, size: st.size, mtimeMs: st.mtimeMs,
    });
    const skip = (absPath: string, relPath: string, reason: SkipReason, detail?: string): CrawlSkip =>
      detail === undefined ? { root, source, absPath, relPath, reason } : { root, source, absPath, relPath, reason, detail };

    const isIgnored = (chain: Matcher[], relPath: string, isDir: boolean): boolean => {
      const suffix = isDir ? '/' : '';
      let d = extra && decide(extra, relPath + suffix);
      for (let i = chain.length - 1; d === undefined && i >= 0; i--) {
        d = decide(chain[i].ig, relPath.slice(chain[i].prefix.length) + suffix);
      }
      return d === 'ignored';
    };

    const readIgnoreFiles = async (absDir: string, relDir: string, entries: DirEntry[]): Promise<Matcher | undefined> => {
      const present = IGNORE_FILES.filter((n) => entries.some((e) => e.name === n && e.kind !== 'directory'));
      if (present.length === 0) return undefined;
      const texts = await Promise.all(
        present.map((n) =>
          host.readFile(path.join(absDir, n)).then(
            (bytes) => new TextDecoder('utf-8').decode(bytes),
            (err) => {
              // Missing rules only widen the crawl; warn rather than abort the whole index.
              log.warn(`crawl: cannot read ${path.join(absDir, n)}; its rules are not applied`, errorDetail(err));
              return '';
            },
          ),
        ),
      );
      const rules = texts.filter((t) => t.trim() !== '');
      if (rules.length === 0) return undefined;
      const ig = ignore({ ignorecase: IGNORE_CASE });
      for (const t of rules) ig.add(t);
      return { prefix: relDir === '' ? '' : relDir + '/', ig };
    };

    /** `.inhouse/conventions` under the root, unless missing or excluded by index.exclude. */
    const conventionsDir = async (absRoot: string, realRoot: string): Promise<DirItem | undefined> => {
      if (extra && decide(extra, `${CONVENTIONS_DIR}/`) === 'ignored') return undefined;
      const abs = path.join(absRoot, ...CONVENTIONS_DIR.split('/'));
      const st = await host.stat(abs).catch(() => undefined);
      if (st?.kind !== 'directory') return undefined;
      const realPath = await host.realPath(abs).catch(() => path.join(realRoot, ...CONVENTIONS_DIR.split('/')));
      return { kind: 'dir', absPath: abs, relPath: CONVENTIONS_DIR, realPath, viaLink: false };
    };

    /** Reads one directory into the ordered list of what the walk will emit or descend into. */
    const expand = async (
      absDir: string, relDir: string, realDir: string, parentChain: Matcher[],
    ): Promise<{ items: Item[]; chain: Matcher[] } | { error: unknown }> => {
      let entries: DirEntry[];
      try {
        entries = await host.readDir(absDir);
      } catch (error) {
        return { error };
      }
      entries.sort(byName);
      const own = await readIgnoreFiles(absDir, relDir, entries);
      const chain = own ? [...parentChain, own] : parentChain;
      const conventions =
        relDir === '' && entries.some((e) => e.name === INHOUSE_DIR && e.kind === 'directory')
          ? await conventionsDir(absDir, realDir)
          : undefined;

      const candidates: DirEntry[] = [];
      const slots: (Item | { kind: 'probe'; entry: DirEntry; at: number })[] = [];
      for (const e of entries) {
        const relPath = relDir === '' ? e.name : `${relDir}/${e.name}`;
        if (e.kind === 'directory') {
          if (relPath === INHOUSE_DIR) {
            if (conventions) slots.push(conventions);
            continue;
          }
          if (isDefaultExcluded(e.name, true) || isIgnored(chain, relPath, true)) continue;
          slots.push({ kind: 'dir', absPath: path.join(absDir, e.name), relPath, realPath: path.join(realDir, e.name), viaLink: false });
        } else if (e.kind === 'file') {
          // Cheap name checks first: most files in a large tree never need a stat. Secret
          // files are reported whatever their language, so the status can show they were kept out.
          if (isDefaultExcluded(e.name, false) || isIgnored(chain, relPath, false)) continue;
          const secret = isSecret(relPath);
          if (secret !== undefined) {
            slots.push({ kind: 'out', out: skip(path.join(absDir, e.name), relPath, 'secret-file', secret) });
            continue;
          }
          if (!options.isIndexable(relPath)) continue;
          slots.push({ kind: 'probe', entry: e, at: candidates.push(e) - 1 });
        } else if (e.kind === 'symlink') {
          slots.push({ kind: 'probe', entry: e, at: candidates.push(e) - 1 });
        }
        // Sockets, fifos and devices are neither code nor worth a report.
      }

      const probes = await mapLimit(candidates, STAT_CONCURRENCY, async (e): Promise<Probe> => {
        const abs = path.join(absDir, e.name);
        try {
          const st = await host.stat(abs);
          if (e.kind === 'symlink' && st?.kind === 'directory') return { stat: st, realPath: await host.realPath(abs) };
          return { stat: st };
        } catch (error) {
          return { error: error as NodeJS.ErrnoException };
        }
      });

      const items: Item[] = [];
      for (const slot of slots) {
        if (slot.kind !== 'probe') {
          items.push(slot);
          continue;
        }
        const e = slot.entry;
        const abs = path.join(absDir, e.name);
        const relPath = relDir === '' ? e.name : `${relDir}/${e.name}`;
        const { stat: st, realPath, error } = probes[slot.at];
        const isLink = e.kind === 'symlink';
        if (error) {
          const loop = error.code === 'ELOOP';
          items.push({ kind: 'out', out: skip(abs, relPath, loop ? 'symlink-loop' : 'unreadable', loop ? 'symlink cycle' : errorDetail(error)) });
          continue;
        }
        if (!st) {
          if (isLink) items.push({ kind: 'out', out: skip(abs, relPath, 'unreadable', 'dangling symlink') });
          else log.debug(`crawl: ${abs} vanished during the walk`);
          continue;
        }
        if (st.kind === 'directory') {
          // Only reachable for symlinks (or a file replaced by a directory mid-walk).
          if (isDefaultExcluded(e.name, true) || isIgnored(chain, relPath, true)) continue;
          items.push({ kind: 'dir', absPath: abs, relPath, realPath: realPath ?? path.join(realDir, e.name), viaLink: isLink });
          continue;
        }
        if (st.kind !== 'file') continue;
        if (isLink) {
          // A linked file's name was not filtered yet because its kind was unknown before the stat.
          if (isDefaultExcluded(e.name, false) || isIgnored(chain, relPath, false)) continue;
          const secret = isSecret(relPath);
          if (secret !== undefined) {
            items.push({ kind: 'out', out: skip(abs, relPath, 'secret-file', secret) });
            continue;
          }
          if (!options.isIndexable(relPath)) continue;
        }
        if (st.size > options.maxFileBytes) {
          items.push({ kind: 'out', out: skip(abs, relPath, 'too-large', `${st.size} bytes > ${options.maxFileBytes}`) });
          continue;
        }
        items.push({ kind: 'out', out: file(abs, relPath, st) });
      }
      return { items, chain };
    };

    const visited = new Set<string>([realRoots[ri]]);
    const stack: Frame[] = [];

    const rootExpanded = await expand(absRoot, '', realRoots[ri], []);
    if ('error' in rootExpanded) {
      log.warn(`crawl: cannot read root ${absRoot}`, errorDetail(rootExpanded.error));
      yield skip(absRoot, '.', 'unreadable', errorDetail(rootExpanded.error));
      continue;
    }
    stack.push({ realPath: realRoots[ri], chain: rootExpanded.chain, items: rootExpanded.items, next: 0 });

    while (stack.length > 0) {
      if (aborted()) {
        log.debug('crawl: aborted');
        return;
      }
      const top = stack[stack.length - 1];
      if (top.next >= top.items.length) {
        stack.pop();
        continue;
      }
      const item = top.items[top.next++];
      if (item.kind === 'out') {
        yield item.out;
        continue;
      }
      if (item.viaLink && visited.has(item.realPath)) {
        const ancestor = stack.some((f) => f.realPath === item.realPath);
        yield skip(item.absPath, item.relPath, 'symlink-loop', ancestor ? `links to ancestor ${item.realPath}` : `target ${item.realPath} already crawled`);
        continue;
      }
      visited.add(item.realPath);
      const chain = item.relPath === CONVENTIONS_DIR ? [] : top.chain;
      const expanded = await expand(item.absPath, item.relPath, item.realPath, chain);
      if ('error' in expanded) {
        log.debug(`crawl: cannot read ${item.absPath}`, errorDetail(expanded.error));
        yield skip(item.absPath, item.relPath, 'unreadable', errorDetail(expanded.error));
        continue;
      }
      stack.push({ realPath: item.realPath, chain: expanded.chain, items: expanded.items, next: 0 });
    }
  }
}

/**
 * What a full crawl would do with one file, for single-file updates (editor saves): the same
 * default excludes, ignore files along the path, secret and language checks.
 */
export async function classifyPath(
  host: EngineHost,
  root: CrawlRoot,
  relPath: string,
  options: Pick<CrawlOptions, 'extraExcludes' | 'isIndexable' | 'isSecretFile'>,
): Promise<'ignored' | 'secret-file' | 'indexable'> {
  const parts = relPath.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return 'ignored';
  // The conventions folder's own two levels pass the default excludes and the ignore files above it.
  const skipped = parts.length > 2 && isInConventionsDir(relPath) ? 2 : 0;
  if (parts.slice(skipped, -1).some((p) => isDefaultExcluded(p, true)) || isDefaultExcluded(parts[parts.length - 1], false)) return 'ignored';
  const matchers: Matcher[] = [];
  for (let depth = skipped; depth < parts.length; depth++) {
    const relDir = parts.slice(0, depth).join('/');
    const ig = ignore({ ignorecase: IGNORE_CASE });
    let any = false;
    for (const name of IGNORE_FILES) {
      const text = await host.readFile(path.join(root.root, relDir, name)).then(
        (b) => new TextDecoder('utf-8').decode(b),
        () => '',
      );
      if (text.trim()) {
        ig.add(text);
        any = true;
      }
    }
    if (any) matchers.push({ prefix: relDir === '' ? '' : `${relDir}/`, ig });
  }
  const extra = options.extraExcludes.length > 0 ? ignore({ ignorecase: IGNORE_CASE }).add(options.extraExcludes) : undefined;
  // A path is ignored if it, or any directory above it, is ignored (git never descends there).
  for (let depth = 1; depth <= parts.length; depth++) {
    const rel = parts.slice(0, depth).join('/') + (depth < parts.length ? '/' : '');
    let d = extra && decide(extra, rel);
    for (let i = matchers.length - 1; d === undefined && i >= 0; i--) {
      if (rel.startsWith(matchers[i].prefix) && rel.length > matchers[i].prefix.length) d = decide(matchers[i].ig, rel.slice(matchers[i].prefix.length));
    }
    if (d === 'ignored') return 'ignored';
  }
  if ((options.isSecretFile ?? secretFileReason)(relPath) !== undefined) return 'secret-file';
  return options.isIndexable(relPath) ? 'indexable' : 'ignored';
}
