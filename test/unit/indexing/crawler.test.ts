import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineHost } from '../../../src/engine/host';
import { silentLogger } from '../../../src/engine/log';
import { createNodeHost } from '../../../src/engine/nodeHost';
import {
  crawl,
  isCrawlSkip,
  RootNotFoundError,
  type CrawlFile,
  type CrawlOptions,
  type CrawlRoot,
  type CrawlSkip,
} from '../../../src/engine/indexing/crawler';

const acceptAll = () => true;
const codeOnly = (rel: string) => /\.(ts|js|py)$/.test(rel);

function options(overrides: Partial<CrawlOptions> = {}): CrawlOptions {
  return { maxFileBytes: 1_000_000, extraExcludes: [], isIndexable: acceptAll, ...overrides };
}

/** Host wrapper recording every call, so tests can prove what the crawler never touched. */
function countingHost(inner: EngineHost = createNodeHost()) {
  const calls = { readDir: [] as string[], stat: [] as string[], readFile: [] as string[] };
  const host: EngineHost = {
    readDir: (p) => (calls.readDir.push(p), inner.readDir(p)),
    stat: (p) => (calls.stat.push(p), inner.stat(p)),
    readFile: (p) => (calls.readFile.push(p), inner.readFile(p)),
    realPath: (p) => inner.realPath(p),
  };
  return { host, calls };
}

function errno(code: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation not permitted, '${p}'`), { code });
}

async function collect(roots: CrawlRoot[], opts: CrawlOptions = options(), host: EngineHost = createNodeHost()) {
  const out: (CrawlFile | CrawlSkip)[] = [];
  for await (const item of crawl(host, roots, opts, silentLogger)) out.push(item);
  return out;
}

/** Compact rendering: 'path' for files, 'path !reason' for skips. */
function render(items: (CrawlFile | CrawlSkip)[]): string[] {
  return items.map((i) => (isCrawlSkip(i) ? `${i.relPath} !${i.reason}` : i.relPath));
}

describe('crawler', () => {
  let tmp: string;
  let root: string;

  const write = (rel: string, content = 'x\n', base = root) => {
    const p = path.join(base, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  };
  const ws = (): CrawlRoot[] => [{ root, source: 'workspace' }];

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inhouse-crawl-'));
    root = path.join(tmp, 'repo');
    fs.mkdirSync(root);
  });

  afterEach(() => {
    // Restore permissions first, or rmSync cannot enter directories a test locked.
    const unlock = (dir: string) => {
      fs.chmodSync(dir, 0o755);
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) unlock(path.join(dir, e.name));
    };
    unlock(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('applies nested .gitignore files relative to their own directory, with negations and dir patterns', async () => {
    write('.gitignore', '*.log\nlogs/\ngen/\n!keep.log\n');
    write('a.ts');
    write('x.log');
    write('keep.log');
    write('logs/l.ts');
    write('src/gen/g.ts');
    write('notes/gen'); // a file: the dir-only pattern gen/ must not hide it
    write('only-here.ts');
    write('b.tmp.ts');
    write('sub/.gitignore', '/only-here.ts\n!x.log\n*.tmp.ts\n');
    write('sub/only-here.ts');
    write('sub/deep/only-here.ts');
    write('sub/x.log');
    write('sub/a.tmp.ts');
    write('sub/y.log');
    const { host, calls } = countingHost();

    const items = await collect(ws(), options({ isIndexable: (p) => !p.endsWith('.gitignore') }), host);

    assert.deepEqual(render(items), [
      'a.ts',
      'b.tmp.ts',
      'keep.log',
      'notes/gen',
      'only-here.ts',
      'sub/deep/only-here.ts',
      'sub/x.log',
    ]);
    assert.ok(!calls.readDir.includes(path.join(root, 'logs')), 'ignored directory must not be read');
    assert.ok(!calls.readDir.includes(path.join(root, 'src', 'gen')));
  });

  it('applies .inhouseignore after .gitignore so it can override, at any level, plus extraExcludes', async () => {
    write('.gitignore', 'generated/\nforced.ts\n');
    write('.inhouseignore', '!generated/\nlegacy/\n*.snap.ts\n');
    write('generated/g.ts');
    write('legacy/old.ts');
    write('a.snap.ts');
    write('forced.ts');
    write('local.ts');
    write('sub/.inhouseignore', 'local.ts\n');
    write('sub/local.ts');
    write('sub/kept.ts');
    write('x.gen.ts');
    write('tmp/t.ts');

    const items = await collect(
      ws(),
      options({ isIndexable: codeOnly, extraExcludes: ['*.gen.ts', 'tmp/', '!forced.ts'] }),
    );

    // extraExcludes win over ignore files in the tree, so '!forced.ts' re-includes a gitignored file.
    assert.deepEqual(render(items), ['forced.ts', 'generated/g.ts', 'local.ts', 'sub/kept.ts']);
  });

  it('never enters default-excluded directories, even when an ignore file negates them', async () => {
    write('.gitignore', '!node_modules/\n!dist/\n');
    write('src/a.ts');
    const excluded = [
      'node_modules', 'bower_components', 'dist', 'build', 'out', 'target', 'vendor', 'third_party', '.venv', 'venv',
      '__pycache__', '.tox', '.mypy_cache', '.pytest_cache', '.next', '.nuxt', 'coverage', '.gradle', '.idea',
      '.vscode-test', '.inhouse', '.git', '.hg', '.svn',
    ];
    for (const d of excluded) write(`${d}/inner/f.ts`);
    write('packages/p/node_modules/dep/index.js');
    write('packages/p/index.ts');
    const { host, calls } = countingHost();

    const items = await collect(ws(), options({ isIndexable: codeOnly }), host);

    assert.deepEqual(render(items), ['packages/p/index.ts', 'src/a.ts']);
    for (const d of excluded) {
      assert.ok(!calls.readDir.some((p) => p.startsWith(path.join(root, d))), `${d} was read`);
    }
    assert.ok(!calls.readDir.includes(path.join(root, 'packages', 'p', 'node_modules')));
    assert.deepEqual(
      calls.readDir.map((p) => path.relative(root, p)).sort(),
      ['', 'packages', 'packages/p', 'src'],
    );
  });

  it('excludes lockfiles, minified bundles and source maps', async () => {
    const lockfiles = [
      'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock', 'Pipfile.lock',
      'composer.lock', 'Gemfile.lock', 'go.sum', 'app.min.js', 'style.min.css', 'app.js.map',
    ];
    for (const f of lockfiles) write(f);
    write('nested/yarn.lock');
    write('app.js');
    write('package.json');
    write('go.mod');

    const items = await collect(ws());

    assert.deepEqual(render(items), ['app.js', 'go.mod', 'package.json']);
  });

  it('skips files over maxFileBytes from stat alone, and reports size and mtime of the rest', async () => {
    write('big.ts', 'x'.repeat(101));
    const exact = write('exact.ts', 'y'.repeat(100));
    const { host, calls } = countingHost();

    const items = await collect(ws(), options({ maxFileBytes: 100 }), host);

    assert.deepEqual(items, [
      {
        root, source: 'workspace', absPath: path.join(root, 'big.ts'), relPath: 'big.ts',
        reason: 'too-large', detail: '101 bytes > 100',
      },
      {
        root, source: 'workspace', absPath: exact, relPath: 'exact.ts',
        size: 100, mtimeMs: fs.statSync(exact).mtimeMs,
      },
    ]);
    assert.deepEqual(calls.readFile, []);
  });

  it('reports secret files, checking the name before the size', async () => {
    write('.env', 'A=1\n'.repeat(100));
    write('id_rsa');
    write('certs/server.pem');
    write('main.ts');

    const items = await collect(ws(), options({ maxFileBytes: 10 }));

    const summary = items.map((i) => (isCrawlSkip(i) ? [i.relPath, i.reason, i.detail] : [i.relPath, 'file']));
    assert.deepEqual(summary, [
      ['.env', 'secret-file', 'env-file'],
      ['certs/server.pem', 'secret-file', 'key-file'],
      ['id_rsa', 'secret-file', 'key-file'],
      ['main.ts', 'file'],
    ]);
  });

  it('takes the secret-file check by injection and passes it the relative path', async () => {
    write('conf/creds.ts');
    write('conf/ok.ts');
    const seen: string[] = [];
    const isSecretFile = (rel: string) => (seen.push(rel), rel.endsWith('creds.ts') ? 'credentials' : undefined);

    const items = await collect(ws(), options({ isSecretFile }));

    assert.deepEqual(seen, ['conf/creds.ts', 'conf/ok.ts']);
    assert.deepEqual(
      items.filter(isCrawlSkip).map((s) => [s.relPath, s.reason, s.detail]),
      [['conf/creds.ts', 'secret-file', 'credentials']],
    );
    assert.deepEqual(render(items), ['conf/creds.ts !secret-file', 'conf/ok.ts']);
  });

  it('silently ignores files the language filter rejects, without stat-ing them', async () => {
    write('README.md', 'x'.repeat(5000));
    write('a.ts');
    const { host, calls } = countingHost();

    const items = await collect(ws(), options({ isIndexable: codeOnly, maxFileBytes: 1024 }), host);

    assert.deepEqual(render(items), ['a.ts']);
    assert.ok(!calls.stat.includes(path.join(root, 'README.md')));
  });

  it('reports an unreadable directory once and keeps walking', async () => {
    write('a.ts');
    write('locked/hidden.ts');
    write('z.ts');
    const locked = path.join(root, 'locked');
    fs.chmodSync(locked, 0o000);
    let host = createNodeHost();
    let readableAnyway = true;
    try {
      fs.readdirSync(locked);
    } catch {
      readableAnyway = false;
    }
    if (readableAnyway) {
      // Running as root: permission bits do not stop reads, so simulate the denial.
      const inner = host;
      host = { ...inner, readDir: (p) => (p === locked ? Promise.reject(errno('EACCES', p)) : inner.readDir(p)) };
    }

    const items = await collect(ws(), options(), host);

    assert.deepEqual(items[1], {
      root, source: 'workspace', absPath: locked, relPath: 'locked', reason: 'unreadable', detail: 'EACCES',
    });
    assert.deepEqual(render(items), ['a.ts', 'locked !unreadable', 'z.ts']);
  });

  it('reports a file whose stat fails as unreadable', async () => {
    write('a.ts');
    const denied = write('denied.ts');
    const inner = createNodeHost();
    const host: EngineHost = { ...inner, stat: (p) => (p === denied ? Promise.reject(errno('EPERM', p)) : inner.stat(p)) };

    const items = await collect(ws(), options(), host);

    assert.deepEqual(render(items), ['a.ts', 'denied.ts !unreadable']);
    assert.equal((items[1] as CrawlSkip).detail, 'EPERM');
  });

  it('follows symlinks but reports loops and dangling links', async () => {
    write('a/f.ts');
    write('outside/o.ts', 'x', tmp);
    fs.symlinkSync('..', path.join(root, 'a', 'up')); // loops back to the root
    fs.symlinkSync('.', path.join(root, 'a', 'self'));
    fs.symlinkSync('a', path.join(root, 'again')); // a second route into an already-crawled dir
    fs.symlinkSync(path.join(root, 'missing.ts'), path.join(root, 'dangling.ts'));
    fs.symlinkSync('cycle.ts', path.join(root, 'cycle.ts'));
    fs.symlinkSync('a/f.ts', path.join(root, 'link.ts'));
    fs.symlinkSync(path.join(tmp, 'outside'), path.join(root, 'ext'));

    const items = await collect(ws());

    assert.deepEqual(render(items), [
      'a/f.ts',
      'a/self !symlink-loop',
      'a/up !symlink-loop',
      'again !symlink-loop',
      'cycle.ts !symlink-loop',
      'dangling.ts !unreadable',
      'ext/o.ts',
      'link.ts',
    ]);
    const byPath = new Map(items.map((i) => [i.relPath, i]));
    assert.equal((byPath.get('dangling.ts') as CrawlSkip).detail, 'dangling symlink');
    assert.match((byPath.get('a/up') as CrawlSkip).detail ?? '', /ancestor/);
    assert.match((byPath.get('again') as CrawlSkip).detail ?? '', /already crawled/);
    assert.equal(byPath.get('ext/o.ts')!.absPath, path.join(root, 'ext', 'o.ts'));
    assert.equal((byPath.get('link.ts') as CrawlFile).size, 2);
  });

  it('ignores fifos and other special files', async function () {
    write('a.ts');
    try {
      execFileSync('mkfifo', [path.join(root, 'pipe.ts')]);
    } catch {
      this.skip();
    }

    const items = await collect(ws());

    assert.deepEqual(render(items), ['a.ts']);
  });

  it('handles spaces, quotes and non-ASCII characters in paths and ignore rules', async () => {
    const weird = write(`dossier été/naïve "q" 'x'.ts`, 'héllo');
    write('with space.ts');
    write('dossier été/drop me.ts');
    write('dossier été/.gitignore', 'drop me.ts\n');
    write(`日本/ファイル.ts`);

    const items = await collect(ws(), options({ isIndexable: codeOnly }));

    assert.deepEqual(render(items), [`dossier été/naïve "q" 'x'.ts`, 'with space.ts', '日本/ファイル.ts']);
    const first = items[0] as CrawlFile;
    assert.equal(first.absPath, weird);
    assert.equal(first.size, Buffer.byteLength('héllo'));
    assert.equal(fs.readFileSync(first.absPath, 'utf8'), 'héllo');
  });

  it('walks several roots in order and tags each item with its root and source', async () => {
    const lib = path.join(tmp, 'corelib');
    write('src/app.ts');
    write('util.ts', 'x', lib);
    write('.gitignore', 'util.ts\n'); // a workspace rule must not leak into the library
    write('big.ts', 'x'.repeat(50), lib);

    const items = await collect(
      [{ root, source: 'workspace' }, { root: lib, source: 'corelib' }],
      options({ maxFileBytes: 20, isIndexable: codeOnly }),
    );

    assert.deepEqual(
      items.map((i) => [i.source, i.root, i.relPath, isCrawlSkip(i) ? i.reason : 'file']),
      [
        ['workspace', root, 'src/app.ts', 'file'],
        ['corelib', lib, 'big.ts', 'too-large'],
        ['corelib', lib, 'util.ts', 'file'],
      ],
    );
  });

  it('throws RootNotFoundError for a missing root or a file root, before yielding anything', async () => {
    write('a.ts');
    const missing = path.join(tmp, 'nope');
    const yielded: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const i of crawl(createNodeHost(), [...ws(), { root: missing, source: 'lib' }], options(), silentLogger)) {
          yielded.push(i.relPath);
        }
      })(),
      (err: unknown) => {
        assert.ok(err instanceof RootNotFoundError);
        assert.equal(err.message, `Root folder not found: ${missing}. Check the path you passed to inhouse index.`);
        assert.equal(err.root, missing);
        return true;
      },
    );
    assert.deepEqual(yielded, []);

    const fileRoot = path.join(root, 'a.ts');
    await assert.rejects(collect([{ root: fileRoot, source: 'workspace' }]), RootNotFoundError);
  });

  it('produces the same depth-first, name-sorted order whatever order readDir returns', async () => {
    for (const f of ['b.ts', 'a.ts', 'a/z.ts', 'a/m/k.ts', 'B.ts', 'c/x.ts', 'a/m/a.ts']) write(f);
    const inner = createNodeHost();
    let seed = 7;
    const shuffled: EngineHost = {
      ...inner,
      readDir: async (p) => {
        const entries = await inner.readDir(p);
        for (let i = entries.length - 1; i > 0; i--) {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          const j = seed % (i + 1);
          [entries[i], entries[j]] = [entries[j], entries[i]];
        }
        return entries;
      },
    };

    const expected = ['B.ts', 'a/m/a.ts', 'a/m/k.ts', 'a/z.ts', 'a.ts', 'b.ts', 'c/x.ts'];
    assert.deepEqual(render(await collect(ws(), options(), shuffled)), expected);
    assert.deepEqual(render(await collect(ws(), options(), shuffled)), expected);
    assert.deepEqual(render(await collect(ws())), expected);
  });

  it('stops early when the signal is aborted', async () => {
    for (const f of ['a.ts', 'b.ts', 'c/d.ts', 'e.ts']) write(f);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const item of crawl(createNodeHost(), ws(), options({ signal: controller.signal }), silentLogger)) {
      seen.push(item.relPath);
      if (seen.length === 2) controller.abort();
    }
    assert.deepEqual(seen, ['a.ts', 'b.ts']);

    const pre = new AbortController();
    pre.abort();
    assert.deepEqual(await collect(ws(), options({ signal: pre.signal })), []);
  });
});
