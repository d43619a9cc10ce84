/**
 * Maps a file's import specifiers (exactly as the `@import` captures in
 * src/engine/languages/queries/*.scm record them) to indexed files, in memory.
 *
 * Built once from the file catalog and patched per file (addFile/removeFile are a handful of
 * map operations: indexes by absolute path, base name, directory, every trailing run of a
 * directory's segments, declared package, Rust crate name). resolve() is hash lookups over
 * small candidate lists, and its answers are cached per (importing file, specifier) until the
 * next change, so the completion path pays microseconds (a few µs uncached, ~1 µs cached, at
 * 100k files). Every answer is deterministic: ties are broken by path, then by file key. The
 * importing file itself is never part of an answer. Paths are compared case-sensitively
 * (except PHP namespace directories, see below). Configuration that is not in the files —
 * tsconfig `paths`/`baseUrl` (parseTsconfigPaths) and go.mod module paths (parseGoModPath) —
 * comes in through the constructor options or setTsconfig/setGoModule; nothing here reads
 * the disk.
 *
 * What each language supports (specifier forms as the queries capture them):
 *
 * - TypeScript/TSX/JavaScript (`./money`, `../lib/money`, `./a.js`, `@/x`, `react`):
 *   relative specifiers against the importing file's directory (also across roots): the exact
 *   path; then ESM-style TS, an explicit `.js` as `.ts`/`.tsx`/`.d.ts`, `.jsx` as `.tsx`, `.mjs`
 *   as `.mts`/`.d.mts`, `.cjs` as `.cts`/`.d.cts`; then + `.ts .tsx .d.ts .js .jsx .mjs .cjs
 *   .mts .cts`; then `/index` + the same (only these for `.`, `..` and a trailing `/`). One
 *   file at most. Non-relative specifiers go through the
 *   tsconfig/jsconfig `paths` (exact keys, then the `*` pattern with the longest prefix; its
 *   substitutions in order) and then `baseUrl` (only when the tsconfig set one); anything else
 *   (npm packages, `node:` builtins) resolves to nothing. The config that applies is the one
 *   registered for the nearest ancestor directory of the importing file (normally its root).
 *   Not supported: package.json `main`/`exports`/workspaces, `extends`, `rootDirs`.
 * - Python (`a.b.c`, `.models`, `..events`, `.`): relative imports from the importing file's
 *   package directory (one dot = its directory, each further dot one level up); `.` alone is
 *   the package's `__init__.py`. Absolute modules `a.b.c` match `P/a/b/c/__init__.py` (a
 *   regular package wins, as in Python), then `P/a/b/c.py`, then `.pyi`, for any directory P
 *   that is not itself a package (a `P/__init__.py` would make the module's name longer); best
 *   P first: the root, `src/` or the importing file's own directory; then an ancestor of the
 *   importing file; then the shortest. Same root before other roots. Stdlib and site-packages
 *   modules resolve to nothing unless the workspace has a file at such a path.
 *   Not supported: namespace packages as directories (a module inside one resolves fine),
 *   `from x import submodule` (only `x` is captured).
 * - Go (`example.com/shop/internal/money`): with go.mod module paths registered (option
 *   `goModules` or setGoModule), an import under a module maps to that directory (or to the
 *   module's `vendor/<path>`), and an import under no registered module from a file inside a
 *   registered module is external. Otherwise the directory whose absolute path shares the
 *   longest suffix of segments with the import path wins (ties all kept, same root first).
 *   Standard-library paths (first segment without a dot and a known std name, or a single
 *   segment) resolve to nothing. Answer: the directory's `.go` files, `_test.go` files last.
 * - Java (`com.acme.util.Strings`, `com.acme.util` for `.*`, `com.acme.Foo.bar` for static
 *   members, `com.acme.Outer.Inner`): the class file (`packageName` equal to the package, or
 *   with no `packageName` a path ending in `com/acme/util/Strings.java`); else the package's
 *   files (wildcard); else the specifier with trailing segments dropped, as a class (static
 *   members, nested classes). A static wildcard `com.acme.Foo.*` is captured as `com.acme.Foo`
 *   and resolves to Foo.java.
 * - Rust (`crate::a::b::C`, `super::x`, `super`, `self::m`, `mod x` as `x`, `::std::fmt`,
 *   `mycrate::m`): module paths map to `<dir>/a/b/C.rs`, `<dir>/a/b/C/mod.rs`, then shorter
 *   prefixes (`a/b.rs`, `a/b/mod.rs`, `a.rs` …), then the module's own file, so trailing item
 *   names fall away; one file. The module directory of `mod.rs`, `lib.rs`, `main.rs` and other
 *   crate roots (`src/bin/*.rs`, `tests/*.rs`, `examples/*.rs`, `benches/*.rs`, `build.rs`) is
 *   its own directory, of `foo.rs` it is `foo/`. `crate` is the nearest ancestor directory with
 *   `lib.rs`/`main.rs` or named `src`. A single identifier (`mod x;`, `extern crate x`) is a
 *   child module, else a workspace crate; a path whose first segment is a child module
 *   resolves through it (2018 uniform paths), else through a workspace crate
 *   (`<name>/src/lib.rs`, `-` and `_` interchangeable, the root directory's own name too).
 *   `std`, `core`, `alloc` and unknown crates resolve to nothing. `#[path]` is ignored.
 * - C/C++ (`util/str.h`, `../inc/a.h`, `<stdio.h>`): quoted includes relative to the
 *   including file's directory first (that single file if it exists); otherwise, and for
 *   `<...>`, every indexed file whose path ends with the include path, best first: same
 *   root, longest common directory prefix with the includer, shortest path.
 * - C# (`Acme.Util`, `Acme.Util.Strings` from `using static`/aliases, `List<int>`): the
 *   files whose `packageName` is the namespace (files without one: whose directory path ends
 *   with the namespace's segments, dotted folder names such as `Acme.Util/` split); else, as a
 *   type, `Strings.cs` in namespace `Acme.Util`, else that namespace's files. A using inside a
 *   namespace may be relative to it: the importing file's `packageName` prefixes are tried
 *   after the specifier as written. Generic arguments are dropped.
 * - Ruby (`json`, `acme/billing`, `../billing/invoice`, `tasks/x.rake`; `require`,
 *   `require_relative` and `load` are not distinguishable in the captures): `./`/`../`
 *   specifiers are relative only. Others: relative to the file first (require_relative), then
 *   load-path style `P/x/y.rb`: `lib/` in the same root, any `…/lib/`, the root, `spec/`,
 *   `test/`, then anywhere; a one-segment specifier (`json`) only matches at those load-path
 *   places, so stdlib names do not hit deep app files. `.rb` is added unless the specifier
 *   has an extension.
 * - PHP (`App\Models\User`, `\App\X`, `Acme\Shop\Models` for a group use, a function or
 *   const import, `/bootstrap.php` from `__DIR__ . '/bootstrap.php'`, `config.php`): names
 *   map to class files `User.php` whose `packageName` is `App\Models`, or, without a
 *   `packageName`, PSR-4 style by the longest suffix of namespace segments matching the
 *   directories (case-insensitively, so `app/` matches `App`); a file-name-only match counts.
 *   Else the namespace's files (group use): declared, else the folders matching the most
 *   trailing segments (ties: nearest the importer first); else the parent namespace's files
 *   (function/const imports). A one-segment name only matches files whose `packageName` is '' (global).
 *   Paths (containing `/` or ending in `.php`/`.inc`/`.phtml`): relative to the file's
 *   directory, then to its root, then any file whose path ends with it.
 * - Markdown and other languages: nothing.
 */

/** A file in the index. */
export interface IndexedFile {
  /** Absolute path, the index's identity for the file. */
  fileKey: string;
  /** Absolute root directory the file was crawled under. */
  root: string;
  /** Path relative to root, forward slashes. */
  path: string;
  /** Language id from the registry (`typescript`, `python`, …). */
  language: string;
  /** Declared namespace/package for C#, PHP (`App\Models`) and Java (`com.acme.util`), when known. */
  packageName?: string;
}

/** The module-resolution part of a tsconfig.json/jsconfig.json. */
export interface TsPathsConfig {
  /** Relative to the config's directory (normally the root), forward slashes; '' for that directory. */
  baseUrl: string;
  /** compilerOptions.paths: pattern (at most one `*`) to substitutions relative to baseUrl. */
  paths: Record<string, string[]>;
  /**
   * False when the config set no baseUrl: paths then resolve against the config's directory
   * and bare specifiers are not looked up under it. Default true.
   */
  hasBaseUrl?: boolean;
}

export interface ImportResolverOptions {
  /** tsconfig/jsconfig settings by the absolute directory holding the config (normally the root). */
  tsconfig?: Map<string, TsPathsConfig>;
  /** go.mod module paths by the absolute directory holding go.mod. */
  goModules?: Map<string, string>;
}

interface DirInfo {
  readonly abs: string;
  readonly entries: Set<Entry>;
  /** Files per language directly in the directory (0 once they are gone). */
  readonly langs: Map<string, number>;
}

interface Entry {
  readonly file: IndexedFile;
  /** Normalised absolute path (forward slashes). */
  readonly abs: string;
  readonly rootAbs: string;
  readonly base: string;
  readonly dir: DirInfo;
}

/** The importing file, with its derived paths. */
interface From {
  readonly file: IndexedFile;
  readonly abs: string;
  readonly rootAbs: string;
  readonly dirAbs: string;
  readonly base: string;
}

interface PreparedTsConfig {
  readonly baseAbs: string;
  readonly hasBaseUrl: boolean;
  readonly exact: Map<string, string[]>;
  /** Wildcard patterns, longest prefix first. */
  readonly wildcards: { prefix: string; suffix: string; subs: string[] }[];
}

/** A candidate with its sort keys (lower is better), compared in order before path and key. */
interface Ranked {
  e: Entry;
  keys: number[];
}

const TS_EXTS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
const TS_ESM_SWAPS: Record<string, string[]> = {
  '.js': ['.ts', '.tsx', '.d.ts'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts', '.d.mts'],
  '.cjs': ['.cts', '.d.cts'],
};
const TS_LANGS = new Set(['typescript', 'tsx', 'javascript']);
const C_LANGS = new Set(['c', 'cpp']);
const RUST_CRATE_ROOT_DIRS = new Set(['bin', 'tests', 'examples', 'benches']);
const RUST_EXTERN = new Set(['std', 'core', 'alloc', 'proc_macro', 'test']);
const GO_STD = new Set([
  'archive', 'bufio', 'builtin', 'bytes', 'cmp', 'compress', 'container', 'context', 'crypto', 'database', 'debug',
  'embed', 'encoding', 'errors', 'expvar', 'flag', 'fmt', 'go', 'hash', 'html', 'image', 'index', 'internal', 'io',
  'iter', 'log', 'maps', 'math', 'mime', 'net', 'os', 'path', 'plugin', 'reflect', 'regexp', 'runtime', 'slices',
  'sort', 'strconv', 'strings', 'structs', 'sync', 'syscall', 'testing', 'text', 'time', 'unicode', 'unique',
  'unsafe', 'weak', 'vendor', 'cmd',
]);
const PHP_PATH = /[/]|\.(php\d?|inc|phtml)$/i;
const HAS_EXT = /\.[A-Za-z0-9]+$/;
/** Cached answers beyond this many are dropped wholesale. */
const MAX_CACHE = 100_000;

export class ImportResolver {
  /**
   * Removal leaves keys in place (undefined, empty lists and sets, empty directories) and a
   * sweep drops them once they outnumber the live files: V8 maps keep a deleted key's slot in
   * its hash chain until the next rehash, so deleting and re-adding the same key (a file saved
   * over and over, a one-file directory re-indexed) would make its lookups ever slower.
   */
  private readonly byKey = new Map<string, Entry | undefined>();
  private readonly byAbs = new Map<string, Entry[]>();
  private readonly byBase = new Map<string, Set<Entry>>();
  private readonly byDir = new Map<string, DirInfo>();
  /** Every trailing run of a directory's path segments, lower-cased (`b/c`, `c` for `/a/b/c`) → directories. */
  private readonly dirsBySuffix = new Map<string, Set<DirInfo>>();
  private readonly rootCache = new Map<string, string>();
  /** `${language}\0${packageName}` → files. */
  private readonly byPackage = new Map<string, Set<Entry>>();
  /** Rust crate name (`-` as `_`) → its `src/lib.rs`. */
  private readonly rustCrates = new Map<string, Set<Entry>>();
  private readonly tsconfigs = new Map<string, PreparedTsConfig>();
  private readonly goModules = new Map<string, string>();
  private readonly cache = new Map<string, string[]>();
  private live = 0;
  private tombstones = 0;

  constructor(files: Iterable<IndexedFile>, options?: ImportResolverOptions) {
    for (const [dir, cfg] of options?.tsconfig ?? []) this.setTsconfig(dir, cfg);
    for (const [dir, mod] of options?.goModules ?? []) this.setGoModule(dir, mod);
    for (const f of files) this.addFile(f);
  }

  /** Files held. */
  get size(): number {
    return this.live;
  }

  /** Registers (or with undefined, forgets) the tsconfig/jsconfig of a directory. */
  setTsconfig(dir: string, config: TsPathsConfig | undefined): void {
    const dirAbs = normDir(dir);
    this.cache.clear();
    if (!config) {
      this.tsconfigs.delete(dirAbs);
      return;
    }
    const baseUrl = config.baseUrl.replace(/\\/g, '/');
    const baseAbs = isAbsolute(baseUrl) ? normDir(baseUrl) : resolvePath(dirAbs, baseUrl);
    const exact = new Map<string, string[]>();
    const wildcards: PreparedTsConfig['wildcards'] = [];
    for (const [pattern, subs] of Object.entries(config.paths ?? {})) {
      if (!Array.isArray(subs)) continue;
      const clean = subs.filter((s): s is string => typeof s === 'string').map((s) => s.replace(/\\/g, '/'));
      const star = pattern.indexOf('*');
      if (star < 0) exact.set(pattern, clean);
      else if (pattern.indexOf('*', star + 1) < 0) {
        wildcards.push({ prefix: pattern.slice(0, star), suffix: pattern.slice(star + 1), subs: clean });
      }
    }
    wildcards.sort((a, b) => b.prefix.length - a.prefix.length || cmpStr(a.prefix, b.prefix));
    this.tsconfigs.set(dirAbs, { baseAbs, hasBaseUrl: config.hasBaseUrl !== false, exact, wildcards });
  }

  /** Registers (or with undefined, forgets) the go.mod module path of a directory. */
  setGoModule(dir: string, modulePath: string | undefined): void {
    this.cache.clear();
    if (modulePath) this.goModules.set(normDir(dir), modulePath.trim());
    else this.goModules.delete(normDir(dir));
  }

  addFile(f: IndexedFile): void {
    if (this.byKey.get(f.fileKey)) this.removeFile(f.fileKey);
    if (this.cache.size) this.cache.clear();
    const rootAbs = this.normRoot(f.root);
    const abs = joinAbs(rootAbs, f.path);
    const slash = abs.lastIndexOf('/');
    const dirAbs = slash <= 0 ? '/' : abs.slice(0, slash);
    const base = abs.slice(slash + 1);
    let dir = this.byDir.get(dirAbs);
    if (!dir) {
      dir = { abs: dirAbs, entries: new Set(), langs: new Map() };
      this.byDir.set(dirAbs, dir);
      for (const suffix of dirSuffixes(dirAbs)) addTo(this.dirsBySuffix, suffix, dir);
    }
    const e: Entry = { file: f, abs, rootAbs, base, dir };
    dir.entries.add(e);
    dir.langs.set(f.language, (dir.langs.get(f.language) ?? 0) + 1);
    this.byKey.set(f.fileKey, e);
    this.live++;
    const same = this.byAbs.get(abs);
    if (same) same.push(e);
    else this.byAbs.set(abs, [e]);
    addTo(this.byBase, base, e);
    if (f.packageName !== undefined) addTo(this.byPackage, `${f.language}\0${f.packageName}`, e);
    const crate = rustCrateName(e);
    if (crate) addTo(this.rustCrates, crate, e);
  }

  removeFile(fileKey: string): void {
    const e = this.byKey.get(fileKey);
    if (!e) return;
    if (this.cache.size) this.cache.clear();
    this.byKey.set(fileKey, undefined);
    this.live--;
    const same = this.byAbs.get(e.abs);
    if (same) {
      const i = same.indexOf(e);
      if (i >= 0) same.splice(i, 1);
    }
    this.byBase.get(e.base)?.delete(e);
    if (e.file.packageName !== undefined) this.byPackage.get(`${e.file.language}\0${e.file.packageName}`)?.delete(e);
    const crate = rustCrateName(e);
    if (crate) this.rustCrates.get(crate)?.delete(e);
    e.dir.entries.delete(e);
    e.dir.langs.set(e.file.language, Math.max(0, (e.dir.langs.get(e.file.language) ?? 0) - 1));
    if (++this.tombstones > Math.max(10_000, this.live)) this.sweep();
  }

  /** Drops the keys and directories removals left empty. */
  private sweep(): void {
    this.tombstones = 0;
    for (const [k, v] of this.byKey) if (!v) this.byKey.delete(k);
    for (const [k, v] of this.byAbs) if (!v.length) this.byAbs.delete(k);
    for (const map of [this.byBase, this.byPackage, this.rustCrates]) {
      for (const [k, v] of map) if (!v.size) map.delete(k);
    }
    for (const [k, dir] of this.byDir) {
      if (dir.entries.size) continue;
      this.byDir.delete(k);
      for (const suffix of dirSuffixes(k)) {
        const set = this.dirsBySuffix.get(suffix);
        if (!set) continue;
        set.delete(dir);
        if (!set.size) this.dirsBySuffix.delete(suffix);
      }
    }
  }

  /** File keys the specifier refers to, best first; [] when it is external (npm package, stdlib) or unknown. */
  resolve(from: IndexedFile, specifier: string): string[] {
    const cacheKey = `${from.language}\0${from.root}\0${from.path}\0${from.packageName ?? ''}\0${specifier}`;
    const hit = this.cache.get(cacheKey);
    if (hit) return hit.slice();
    const answer = this.compute(from, specifier);
    if (this.cache.size >= MAX_CACHE) this.cache.clear();
    this.cache.set(cacheKey, answer);
    return answer.slice();
  }

  private compute(file: IndexedFile, spec: string): string[] {
    spec = spec.trim();
    if (!spec) return [];
    const rootAbs = this.normRoot(file.root);
    const abs = joinAbs(rootAbs, file.path);
    const from: From = { file, abs, rootAbs, dirAbs: parentDir(abs), base: lastSegment(abs) };
    let found: Entry[];
    const lang = file.language;
    if (TS_LANGS.has(lang)) found = this.resolveTs(from, spec);
    else if (lang === 'python') found = this.resolvePython(from, spec);
    else if (lang === 'go') found = this.resolveGo(from, spec);
    else if (lang === 'java') found = this.resolveJava(spec);
    else if (lang === 'rust') found = this.resolveRust(from, spec);
    else if (C_LANGS.has(lang)) found = this.resolveC(from, spec);
    else if (lang === 'csharp') found = this.resolveCsharp(from, spec);
    else if (lang === 'ruby') found = this.resolveRuby(from, spec);
    else if (lang === 'php') found = this.resolvePhp(from, spec);
    else found = [];
    // Each resolver yields distinct entries, and file keys are unique among entries.
    const out: string[] = [];
    for (const e of found) if (e.file.fileKey !== file.fileKey && e.abs !== abs) out.push(e.file.fileKey);
    return out;
  }

  // ---------------------------------------------------------------- shared lookups

  private at(abs: string, langs?: ReadonlySet<string> | string): Entry | undefined {
    const list = this.byAbs.get(abs);
    if (!list) return undefined;
    for (const e of list) if (langOk(e, langs)) return e;
    return undefined;
  }

  /** Files whose absolute path ends with `/${suffix}` (suffix of whole segments). */
  private endingWith(suffix: string, langs?: ReadonlySet<string> | string): Entry[] {
    const base = lastSegment(suffix);
    const set = this.byBase.get(base);
    if (!set) return [];
    const out: Entry[] = [];
    const tail = '/' + suffix;
    for (const e of set) if (langOk(e, langs) && e.abs.endsWith(tail)) out.push(e);
    return out;
  }

  private normRoot(root: string): string {
    let n = this.rootCache.get(root);
    if (n === undefined) {
      n = normDir(root);
      if (this.rootCache.size > 10_000) this.rootCache.clear();
      this.rootCache.set(root, n);
    }
    return n;
  }

  /**
   * Directories whose absolute path ends with `/${suffix}` (whole segments), holding files of
   * `lang` when given; case-insensitively when asked.
   */
  private dirsEndingWith(suffix: string, lang?: string, caseInsensitive = false): DirInfo[] {
    const set = this.dirsBySuffix.get(suffix.toLowerCase());
    if (!set) return [];
    const out: DirInfo[] = [];
    const tail = '/' + suffix;
    for (const d of set) {
      if (lang !== undefined && !d.langs.get(lang)) continue;
      if (caseInsensitive || d.abs.endsWith(tail)) out.push(d);
    }
    return out;
  }

  private filesIn(dirAbs: string, lang: string): Entry[] {
    const dir = this.byDir.get(dirAbs);
    if (!dir) return [];
    const out: Entry[] = [];
    for (const e of dir.entries) if (e.file.language === lang) out.push(e);
    return out;
  }

  private inPackage(lang: string, pkg: string): Entry[] {
    const set = this.byPackage.get(`${lang}\0${pkg}`);
    return set ? [...set] : [];
  }

  // ---------------------------------------------------------------- TypeScript / JavaScript

  private resolveTs(from: From, spec: string): Entry[] {
    if (spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../')) {
      const dirOnly = spec === '.' || spec === '..' || spec.endsWith('/') || spec.endsWith('/.') || spec.endsWith('/..');
      const hit = this.probeTs(resolvePath(from.dirAbs, spec), dirOnly);
      return hit ? [hit] : [];
    }
    if (spec.startsWith('/') || spec.includes(':')) return [];
    const cfg = this.tsconfigFor(from.dirAbs);
    if (!cfg) return [];
    let subs = cfg.exact.get(spec);
    let star = '';
    if (!subs) {
      for (const w of cfg.wildcards) {
        if (spec.length >= w.prefix.length + w.suffix.length && spec.startsWith(w.prefix) && spec.endsWith(w.suffix)) {
          subs = w.subs;
          star = spec.slice(w.prefix.length, spec.length - w.suffix.length);
          break;
        }
      }
    }
    for (const sub of subs ?? []) {
      const target = sub.replace('*', star);
      const hit = this.probeTs(isAbsolute(target) ? normDir(target) : resolvePath(cfg.baseAbs, target), target.endsWith('/'));
      if (hit) return [hit];
    }
    if (cfg.hasBaseUrl) {
      const hit = this.probeTs(resolvePath(cfg.baseAbs, spec), spec.endsWith('/'));
      if (hit) return [hit];
    }
    return [];
  }

  private probeTs(p: string, dirOnly: boolean): Entry | undefined {
    if (!dirOnly) {
      const exact = this.at(p);
      if (exact) return exact;
      const ext = /\.[mc]?jsx?$/.exec(p)?.[0];
      if (ext) {
        const stem = p.slice(0, p.length - ext.length);
        for (const swap of TS_ESM_SWAPS[ext]) {
          const hit = this.at(stem + swap);
          if (hit) return hit;
        }
      }
      for (const x of TS_EXTS) {
        const hit = this.at(p + x);
        if (hit) return hit;
      }
    }
    for (const x of TS_EXTS) {
      const hit = this.at(`${p}/index${x}`);
      if (hit) return hit;
    }
    return undefined;
  }

  private tsconfigFor(dirAbs: string): PreparedTsConfig | undefined {
    if (!this.tsconfigs.size) return undefined;
    for (let d = dirAbs; ; ) {
      const cfg = this.tsconfigs.get(d);
      if (cfg) return cfg;
      const up = parentDir(d);
      if (up === d) return undefined;
      d = up;
    }
  }

  // ---------------------------------------------------------------- Python

  private resolvePython(from: From, spec: string): Entry[] {
    if (spec.startsWith('.')) {
      let dots = 0;
      while (spec[dots] === '.') dots++;
      let base = from.dirAbs;
      for (let i = 1; i < dots; i++) base = parentDir(base);
      const rest = spec.slice(dots);
      if (!rest) {
        const init = this.at(`${base}/__init__.py`, 'python') ?? this.at(`${base}/__init__.pyi`, 'python');
        return init ? [init] : [];
      }
      const p = `${base}/${rest.split('.').join('/')}`;
      const hit =
        this.at(`${p}/__init__.py`, 'python') ??
        this.at(`${p}.py`, 'python') ??
        this.at(`${p}/__init__.pyi`, 'python') ??
        this.at(`${p}.pyi`, 'python');
      return hit ? [hit] : [];
    }
    if (!/^[\p{L}\p{N}_]+(\.[\p{L}\p{N}_]+)*$/u.test(spec)) return [];
    const rel = spec.split('.').join('/');
    const ranked: Ranked[] = [];
    const consider = (e: Entry, prefixAbs: string, kind: number): void => {
      if (this.at(`${prefixAbs}/__init__.py`, 'python')) return; // the prefix is a package itself
      let place = 2;
      if (prefixAbs === e.rootAbs || prefixAbs === `${e.rootAbs}/src` || prefixAbs === from.dirAbs) place = 0;
      else if (isAncestor(prefixAbs, from.abs)) place = 1;
      ranked.push({ e, keys: [e.rootAbs === from.rootAbs ? 0 : 1, place, prefixAbs.length, kind] });
    };
    for (const d of this.dirsEndingWith(rel, 'python')) {
      const init = this.at(`${d.abs}/__init__.py`, 'python');
      if (init) consider(init, d.abs.slice(0, d.abs.length - rel.length - 1), 0);
      else {
        const stub = this.at(`${d.abs}/__init__.pyi`, 'python');
        if (stub) consider(stub, d.abs.slice(0, d.abs.length - rel.length - 1), 2);
      }
    }
    for (const e of this.endingWith(`${rel}.py`, 'python')) consider(e, e.abs.slice(0, e.abs.length - rel.length - 4), 1);
    for (const e of this.endingWith(`${rel}.pyi`, 'python')) consider(e, e.abs.slice(0, e.abs.length - rel.length - 5), 3);
    return sortRanked(ranked);
  }

  // ---------------------------------------------------------------- Go

  private resolveGo(from: From, spec: string): Entry[] {
    const segs = spec.split('/').filter(Boolean);
    if (!segs.length) return [];
    // Registered modules: the longest module path that prefixes the import wins.
    let best: { dir: string; mod: string } | undefined;
    let inModule = false;
    for (const [dir, mod] of this.goModules) {
      if ((spec === mod || spec.startsWith(mod + '/')) && (!best || mod.length > best.mod.length)) best = { dir, mod };
      if (isAncestor(dir, from.abs)) inModule = true;
    }
    if (best) return goFiles(this.filesIn(resolvePath(best.dir, spec.slice(best.mod.length + 1)), 'go'));
    if (inModule) {
      for (const [dir] of this.goModules) {
        if (!isAncestor(dir, from.abs)) continue;
        const vendored = this.filesIn(`${dir}/vendor/${segs.join('/')}`, 'go');
        if (vendored.length) return goFiles(vendored);
      }
      return [];
    }
    if (!segs[0].includes('.') && (segs.length === 1 || GO_STD.has(segs[0]))) return [];
    // Heuristic: the directories sharing the longest suffix of segments with the import path.
    for (let n = segs.length; n >= 1; n--) {
      const dirs = this.dirsEndingWith(segs.slice(segs.length - n).join('/'), 'go');
      if (!dirs.length) continue;
      const away = (d: DirInfo): number => (d.entries.values().next().value!.rootAbs === from.rootAbs ? 0 : 1);
      dirs.sort((a, b) => away(a) - away(b) || a.abs.length - b.abs.length || cmpStr(a.abs, b.abs));
      return dirs.flatMap((d) => goFiles(this.filesIn(d.abs, 'go')));
    }
    return [];
  }

  // ---------------------------------------------------------------- Java

  private resolveJava(spec: string): Entry[] {
    const segs = spec.split('.').filter(Boolean);
    if (!segs.length) return [];
    const cls = this.javaClass(segs);
    if (cls.length) return cls;
    // A package (wildcard import): its declared files, and files without a declaration in a matching directory.
    const pkgFiles = this.inPackage('java', segs.join('.'));
    for (const d of this.dirsEndingWith(segs.join('/'), 'java')) {
      for (const e of this.filesIn(d.abs, 'java')) if (e.file.packageName === undefined) pkgFiles.push(e);
    }
    if (pkgFiles.length) return sortByPath(pkgFiles);
    for (let n = segs.length - 1; n >= 2; n--) {
      const outer = this.javaClass(segs.slice(0, n));
      if (outer.length) return outer;
    }
    return [];
  }

  private javaClass(segs: string[]): Entry[] {
    const name = segs[segs.length - 1];
    const pkg = segs.slice(0, -1).join('.');
    const tail = '/' + segs.join('/') + '.java';
    const ranked: Ranked[] = [];
    for (const e of this.byBase.get(name + '.java') ?? []) {
      if (e.file.language !== 'java') continue;
      if (e.file.packageName !== undefined) {
        if (e.file.packageName === pkg) ranked.push({ e, keys: [0] });
      } else if (e.abs.endsWith(tail)) ranked.push({ e, keys: [1] });
    }
    return sortRanked(ranked);
  }

  // ---------------------------------------------------------------- Rust

  private resolveRust(from: From, spec: string): Entry[] {
    const segs = (spec.startsWith('::') ? spec.slice(2) : spec).split('::').filter(Boolean);
    if (!segs.length) return [];
    const s = segs[0];
    const crateRoot = isRustCrateRoot(from);
    const ownModDir = crateRoot || from.base === 'mod.rs' ? from.dirAbs : from.abs.slice(0, -3);
    if (s === 'crate') {
      const crateDir = crateRoot ? from.dirAbs : this.rustCrateDir(from);
      return this.rustPath(crateDir, segs.slice(1), crateRoot ? from.abs : undefined, crateDir);
    }
    if (s === 'self') return this.rustPath(ownModDir, segs.slice(1), from.abs, undefined);
    if (s === 'super') {
      if (crateRoot) return [];
      const crateDir = this.rustCrateDir(from);
      let modDir = ownModDir;
      let i = 0;
      while (segs[i] === 'super') {
        if (modDir === crateDir || !isAncestor(crateDir, modDir)) return [];
        modDir = parentDir(modDir);
        i++;
      }
      return this.rustPath(modDir, segs.slice(i), undefined, crateDir);
    }
    // A child module of the current one (`mod x;`, or a 2018-edition path through it)…
    const child = this.rustModuleFile(ownModDir, [s]);
    if (child) return this.rustPath(ownModDir, segs, undefined, undefined);
    if (RUST_EXTERN.has(s)) return [];
    // …or a crate of the workspace.
    const libs = [...(this.rustCrates.get(s) ?? [])];
    if (!libs.length) return [];
    const away = (e: Entry): number => (e.rootAbs === from.rootAbs ? 0 : 1);
    libs.sort((a, b) => away(a) - away(b) || a.abs.length - b.abs.length || cmpStr(a.abs, b.abs));
    const lib = libs[0];
    return this.rustPath(lib.dir.abs, segs.slice(1), lib.abs, lib.dir.abs);
  }

  /**
   * The deepest module file for `segs` under the module directory `modDir`; else the module's
   * own file (`ownFile`, or found from the directory; `crateDir` marks a crate's `src`).
   */
  private rustPath(modDir: string, segs: string[], ownFile: string | undefined, crateDir: string | undefined): Entry[] {
    for (let n = segs.length; n >= 1; n--) {
      const hit = this.rustModuleFile(modDir, segs.slice(0, n));
      if (hit) return [hit];
    }
    if (ownFile) {
      const own = this.at(ownFile, 'rust');
      return own ? [own] : [];
    }
    const own =
      modDir === crateDir
        ? this.at(`${modDir}/lib.rs`, 'rust') ?? this.at(`${modDir}/main.rs`, 'rust')
        : this.at(`${modDir}.rs`, 'rust') ?? this.at(`${modDir}/mod.rs`, 'rust') ??
          (crateDir === undefined ? this.at(`${modDir}/lib.rs`, 'rust') ?? this.at(`${modDir}/main.rs`, 'rust') : undefined);
    return own ? [own] : [];
  }

  private rustModuleFile(modDir: string, segs: string[]): Entry | undefined {
    const p = `${modDir}/${segs.join('/')}`;
    return this.at(`${p}.rs`, 'rust') ?? this.at(`${p}/mod.rs`, 'rust');
  }

  /** The directory `crate::` names: the nearest ancestor with lib.rs/main.rs or named `src`. */
  private rustCrateDir(from: From): string {
    for (let d = from.dirAbs; ; ) {
      if (this.at(`${d}/lib.rs`, 'rust') || this.at(`${d}/main.rs`, 'rust') || lastSegment(d) === 'src') return d;
      const up = parentDir(d);
      if (up === d || d === from.rootAbs) return from.dirAbs;
      d = up;
    }
  }

  // ---------------------------------------------------------------- C / C++

  private resolveC(from: From, spec: string): Entry[] {
    let path = spec;
    const system = path.startsWith('<') && path.endsWith('>');
    if (system) path = path.slice(1, -1).trim();
    path = path.replace(/\\/g, '/');
    if (!path) return [];
    if (!system) {
      const rel = this.at(resolvePath(from.dirAbs, path));
      if (rel) return [rel];
    }
    const suffix = path.split('/').filter((s) => s && s !== '.' && s !== '..').join('/');
    if (!suffix) return [];
    return this.rankByPlace(from, this.endingWith(suffix));
  }

  /** Same root first, then the longest common directory prefix with the importer, then the shortest directory. */
  private rankByPlace(from: From, list: Entry[]): Entry[] {
    return sortRanked(
      list.map((e) => ({ e, keys: [e.rootAbs === from.rootAbs ? 0 : 1, -commonDirPrefix(e.abs, from.abs), e.dir.abs.length] })),
    );
  }

  // ---------------------------------------------------------------- C#

  private resolveCsharp(from: From, spec: string): Entry[] {
    const name = spec.replace(/<.*$/s, '').replace(/^global::/, '').trim();
    if (!name) return [];
    const candidates = [name];
    const enclosing = from.file.packageName ? from.file.packageName.split('.') : [];
    for (let n = enclosing.length; n >= 1; n--) candidates.push(`${enclosing.slice(0, n).join('.')}.${name}`);
    for (const c of candidates) {
      const ns = this.csNamespace(c);
      if (ns.length) return ns;
      const segs = c.split('.');
      if (segs.length < 2) continue;
      const parent = segs.slice(0, -1).join('.');
      const type = this.csNamespace(parent).filter((e) => e.base === `${segs[segs.length - 1]}.cs`);
      if (type.length) return type;
    }
    for (const c of candidates) {
      const segs = c.split('.');
      if (segs.length < 2) continue;
      const ns = this.csNamespace(segs.slice(0, -1).join('.'));
      if (ns.length) return ns;
    }
    return [];
  }

  private csNamespace(ns: string): Entry[] {
    const out = this.inPackage('csharp', ns);
    const segs = ns.split('.');
    const seen = new Set<DirInfo>();
    // Folders as namespace segments (`Acme/Util/`), or a dotted folder name holding several (`Acme.Util/`, `Acme.Util/Text/`).
    const consider = (d: DirInfo): void => {
      if (seen.has(d)) return;
      seen.add(d);
      const dirSegs = d.abs.split('/').flatMap((x) => x.split('.'));
      if (trailingMatch(dirSegs, segs, false) < segs.length) return;
      for (const e of d.entries) if (e.file.language === 'csharp' && e.file.packageName === undefined) out.push(e);
    };
    for (const d of this.dirsEndingWith(segs.join('/'), 'csharp')) consider(d);
    for (let i = 0; i < segs.length - 1; i++) {
      // The dotted folder holds segs[i..j]; later segments are plain folders.
      for (let j = i + 1; j < segs.length; j++) {
        const suffix = [segs.slice(i, j + 1).join('.'), ...segs.slice(j + 1)].join('/');
        for (const d of this.dirsEndingWith(suffix, 'csharp')) consider(d);
      }
    }
    return sortByPath(out);
  }

  // ---------------------------------------------------------------- Ruby

  private resolveRuby(from: From, spec: string): Entry[] {
    const path = spec.replace(/\\/g, '/');
    const names = HAS_EXT.test(lastSegment(path)) ? [path] : [`${path}.rb`, path];
    const relativeOnly = path.startsWith('./') || path.startsWith('../');
    for (const n of names) {
      const hit = this.at(resolvePath(from.dirAbs, n));
      if (hit) return [hit];
    }
    if (relativeOnly || path.startsWith('/')) return [];
    const multi = path.includes('/');
    for (const n of names) {
      const ranked: Ranked[] = [];
      for (const e of this.endingWith(n)) {
        const prefixRel = relativeTo(e.rootAbs, e.abs.slice(0, e.abs.length - n.length - 1));
        let place: number;
        if (prefixRel === 'lib') place = 0;
        else if (prefixRel !== undefined && prefixRel.endsWith('/lib')) place = 1;
        else if (prefixRel === '') place = 2;
        else if (prefixRel !== undefined && /(^|\/)(spec|test)$/.test(prefixRel)) place = 3;
        else if (multi) place = 4;
        else continue;
        ranked.push({ e, keys: [e.rootAbs === from.rootAbs ? 0 : 1, place, -commonDirPrefix(e.abs, from.abs), e.abs.length] });
      }
      if (ranked.length) return sortRanked(ranked);
    }
    return [];
  }

  // ---------------------------------------------------------------- PHP

  private resolvePhp(from: From, spec: string): Entry[] {
    if (PHP_PATH.test(spec)) {
      const rel = spec.replace(/\\/g, '/').replace(/^\/+/, '');
      const hit = this.at(resolvePath(from.dirAbs, rel)) ?? this.at(resolvePath(from.rootAbs, rel));
      if (hit) return [hit];
      const suffix = rel.split('/').filter((s) => s && s !== '.' && s !== '..').join('/');
      return suffix ? this.rankByPlace(from, this.endingWith(suffix)) : [];
    }
    const segs = spec.replace(/^\\+/, '').split('\\').filter(Boolean);
    if (!segs.length) return [];
    if (segs.length === 1) return sortByPath(this.inPackage('php', '').filter((e) => e.base === `${segs[0]}.php`));
    const cls = this.phpClass(segs);
    if (cls.length) return cls;
    const ns = this.phpNamespace(from, segs);
    if (ns.length) return ns;
    return segs.length > 2 ? this.phpNamespace(from, segs.slice(0, -1)) : [];
  }

  private phpClass(segs: string[]): Entry[] {
    const ns = segs.slice(0, -1);
    const nsName = ns.join('\\');
    const ranked: Ranked[] = [];
    for (const e of this.byBase.get(`${segs[segs.length - 1]}.php`) ?? []) {
      if (e.file.language !== 'php') continue;
      if (e.file.packageName !== undefined) {
        if (e.file.packageName === nsName) ranked.push({ e, keys: [-1000] });
        continue;
      }
      ranked.push({ e, keys: [-trailingMatch(e.dir.abs.split('/'), ns, true), e.abs.length] });
    }
    return sortRanked(ranked);
  }

  /** A namespace's files: declared, else the folders matching the most trailing segments (nearest the importer first). */
  private phpNamespace(from: From, segs: string[]): Entry[] {
    const byPkg = this.inPackage('php', segs.join('\\'));
    if (byPkg.length) return sortByPath(byPkg);
    const found: Entry[] = [];
    for (let n = segs.length; n >= 1 && !found.length; n--) {
      for (const d of this.dirsEndingWith(segs.slice(segs.length - n).join('/'), 'php', true)) {
        for (const e of d.entries) if (e.file.language === 'php' && e.file.packageName === undefined) found.push(e);
      }
    }
    return this.rankByPlace(from, found);
  }
}

/** Parses tsconfig.json / jsconfig.json text (JSONC: comments, trailing commas) into baseUrl+paths; follows nothing else. */
export function parseTsconfigPaths(text: string): TsPathsConfig | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stripJsonc(text));
  } catch {
    return undefined;
  }
  const opts = (json as { compilerOptions?: unknown } | null)?.compilerOptions;
  if (!opts || typeof opts !== 'object') return undefined;
  const { baseUrl, paths } = opts as { baseUrl?: unknown; paths?: unknown };
  const hasBaseUrl = typeof baseUrl === 'string';
  const cleanPaths: Record<string, string[]> = {};
  let hasPaths = false;
  if (paths && typeof paths === 'object' && !Array.isArray(paths)) {
    for (const [k, v] of Object.entries(paths as Record<string, unknown>)) {
      if (!Array.isArray(v)) continue;
      cleanPaths[k] = v.filter((s): s is string => typeof s === 'string');
      hasPaths = true;
    }
  }
  if (!hasBaseUrl && !hasPaths) return undefined;
  return { baseUrl: hasBaseUrl ? normRelative(baseUrl as string) : '', paths: cleanPaths, hasBaseUrl };
}

/** The module path of a go.mod file, or undefined. */
export function parseGoModPath(text: string): string | undefined {
  const m = /^\s*module\s+("([^"]+)"|`([^`]+)`|(\S+))/m.exec(text.replace(/\/\/.*$/gm, ''));
  return m ? (m[2] ?? m[3] ?? m[4]) : undefined;
}

// ---------------------------------------------------------------- helpers

/** JSONC to JSON: drops comments and trailing commas outside strings. */
function stripJsonc(text: string): string {
  let out = '';
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
    } else if (c === ',') {
      // A trailing comma: only whitespace and comments before the closing bracket.
      let j = i + 1;
      for (;;) {
        while (j < n && /\s/.test(text[j])) j++;
        if (text[j] === '/' && text[j + 1] === '/') {
          while (j < n && text[j] !== '\n') j++;
        } else if (text[j] === '/' && text[j + 1] === '*') {
          const end = text.indexOf('*/', j + 2);
          j = end < 0 ? n : end + 2;
        } else break;
      }
      if (text[j] !== '}' && text[j] !== ']') out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function normRelative(p: string): string {
  const parts: string[] = [];
  const s = p.replace(/\\/g, '/');
  if (isAbsolute(s)) return normDir(s);
  for (const part of s.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..' && parts.length && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:\//.test(p);
}

/** Forward slashes, no trailing slash (except `/` itself). */
function normDir(p: string): string {
  let r = p.replace(/\\/g, '/');
  while (r.length > 1 && r.endsWith('/') && !/^[A-Za-z]:\/$/.test(r)) r = r.slice(0, -1);
  return r;
}

function joinAbs(dirAbs: string, rel: string): string {
  if (!rel) return dirAbs;
  return dirAbs.endsWith('/') ? dirAbs + rel : `${dirAbs}/${rel}`;
}

/** `base` joined with a relative path, `.` and `..` folded (never above the first segment). */
function resolvePath(base: string, rel: string): string {
  const parts = base.split('/');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  for (const part of rel.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') {
      if (parts.length > 1) parts.pop();
    } else parts.push(part);
  }
  const out = parts.join('/');
  return out || '/';
}

function parentDir(abs: string): string {
  const i = abs.lastIndexOf('/');
  if (i < 0) return abs;
  if (i === 0) return '/';
  return abs.slice(0, i);
}

/** Lower-cased trailing segment runs of a directory path: `/a/b/c` → `c`, `b/c`, `a/b/c`. */
function dirSuffixes(dirAbs: string): string[] {
  const lower = dirAbs.toLowerCase();
  const out: string[] = [];
  for (let i = lower.lastIndexOf('/'); i >= 0; i = i > 0 ? lower.lastIndexOf('/', i - 1) : -1) {
    if (i + 1 < lower.length) out.push(lower.slice(i + 1));
  }
  if (!lower.startsWith('/') && lower) out.push(lower);
  return out;
}

function lastSegment(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Whether `dir` is a proper ancestor directory of `abs`. */
function isAncestor(dir: string, abs: string): boolean {
  return dir === '/' ? abs.length > 1 && abs.startsWith('/') : abs.length > dir.length && abs.startsWith(dir) && abs[dir.length] === '/';
}

/** `abs` relative to `dir` ('' for the directory itself), undefined when outside it. */
function relativeTo(dir: string, abs: string): string | undefined {
  if (abs === dir) return '';
  return isAncestor(dir, abs) ? abs.slice(dir === '/' ? 1 : dir.length + 1) : undefined;
}

/** Characters of the directory prefix two paths share, counted to whole segments. */
function commonDirPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  let lastSlash = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) {
    if (a.charCodeAt(i) === 47) lastSlash = i;
    i++;
  }
  return lastSlash;
}

/** How many trailing elements of `have` equal the trailing elements of `want`. */
function trailingMatch(have: string[], want: string[], caseInsensitive: boolean): number {
  let n = 0;
  for (let i = have.length - 1, j = want.length - 1; i >= 0 && j >= 0; i--, j--) {
    const same = caseInsensitive ? have[i].toLowerCase() === want[j].toLowerCase() : have[i] === want[j];
    if (!same) break;
    n++;
  }
  return n;
}

function langOk(e: Entry, langs: ReadonlySet<string> | string | undefined): boolean {
  if (langs === undefined) return true;
  return typeof langs === 'string' ? e.file.language === langs : langs.has(e.file.language);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpEntries(a: Entry, b: Entry): number {
  return cmpStr(a.file.path, b.file.path) || cmpStr(a.file.fileKey, b.file.fileKey);
}

function sortByPath(list: Entry[]): Entry[] {
  return list.sort(cmpEntries);
}

function sortRanked(list: Ranked[]): Entry[] {
  list.sort((a, b) => {
    const n = Math.max(a.keys.length, b.keys.length);
    for (let i = 0; i < n; i++) {
      const d = (a.keys[i] ?? 0) - (b.keys[i] ?? 0);
      if (d) return d;
    }
    return cmpEntries(a.e, b.e);
  });
  return list.map((r) => r.e);
}

/** A Go package's files: sources by name, then tests. */
function goFiles(list: Entry[]): Entry[] {
  return list.sort((a, b) => Number(a.base.endsWith('_test.go')) - Number(b.base.endsWith('_test.go')) || cmpStr(a.base, b.base));
}

function isRustCrateRoot(from: From): boolean {
  if (from.base === 'lib.rs' || from.base === 'main.rs' || from.base === 'build.rs') return true;
  return RUST_CRATE_ROOT_DIRS.has(lastSegment(from.dirAbs));
}

/** The crate a `<crate>/src/lib.rs` defines, with `-` as `_`; undefined for other files. */
function rustCrateName(e: Entry): string | undefined {
  if (e.base !== 'lib.rs' || e.file.language !== 'rust' || lastSegment(e.dir.abs) !== 'src') return undefined;
  const name = lastSegment(parentDir(e.dir.abs));
  return name ? name.replace(/-/g, '_') : undefined;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
