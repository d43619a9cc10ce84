import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { makeTmp, readRows, removeTmp, writeTree } from '../../support/indexKit';
import { spawnCli } from '../../support/spawnCli';
import { REPO_ROOT, testAssets } from '../../support/testAssets';

interface Result {
  code: number;
  out: string;
  err: string;
}

/** One in-process CLI run with captured streams. */
async function cli(argv: string[], cwd: string): Promise<Result> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTty: false }, cwd, testAssets());
  return { code, out, err };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('inhouse CLI', function () {
  this.timeout(60_000);
  let tmp: string;
  let ws: string;
  let lib: string;
  let db: string;

  before(async () => {
    tmp = makeTmp('cli');
    ws = path.join(tmp, 'ws');
    lib = path.join(tmp, 'acme-lib');
    db = path.join(tmp, 'db');
    writeTree(ws, {
      'src/billing/invoice.ts': 'export function computeInvoiceTotal(lines: number[]): number {\n  return lines.length;\n}\n',
      'src/util/strings.ts': 'export function slugifyTitle(title: string): string {\n  return title;\n}\n',
      'docs/guide.md': '# Guide\n\nInvoices are totalled with computeInvoiceTotal.\n',
      '.env': 'SECRET=1\n',
    });
    writeTree(lib, {
      'ledger/post.ts': 'export function postLedgerEntry(invoiceTotal: number): number {\n  return invoiceTotal;\n}\n',
    });
    const r = await cli(['index', 'ws', '--library', 'acme=acme-lib', '--db', 'db'], tmp);
    assert.equal(r.code, 0, r.err);
  });
  after(() => removeTmp(tmp));

  describe('usage errors exit with 2', () => {
    const cases: [string, string[], RegExp][] = [
      ['no arguments', [], /Usage: inhouse/],
      ['an unknown command', ['frobnicate'], /Unknown command "frobnicate"/],
      ['an unknown option', ['status', '--bogus'], /bogus/],
      ['index without roots', ['index'], /index needs at least one folder/],
      ['--library without =', ['index', 'ws', '--library', 'acme'], /--library takes NAME=PATH/],
      ['--library without a name', ['index', 'ws', '--library', '=acme-lib'], /--library takes NAME=PATH/],
      ['--library without a path', ['index', 'ws', '--library', 'acme='], /--library takes NAME=PATH/],
      ['a reserved --library name', ['index', 'ws', '--library', 'workspace=acme-lib'], /reserved/],
      ['a --library name given twice', ['index', 'ws', '--library', 'a=acme-lib', '--library', 'a=ws'], /given twice/],
      ['a bad --log-level', ['status', '--db', 'db', '--log-level', 'loud'], /--log-level must be one of/],
      ['status with arguments', ['status', 'extra', '--db', 'db'], /takes no arguments/],
      ['--shared on index', ['index', 'ws', '--shared', 's3://team/x'], /--shared is for search/],
      ['--storage-option without object storage', ['search', 'x', '--db', 'db', '--storage-option', 'aws_region=eu'], /applies to an object-storage index/],
      ['a malformed --storage-option', ['search', 'x', '--shared', 's3://team/x', '--storage-option', 'novalue'], /KEY=VALUE/],
      ['search without a query', ['search', '--db', 'db'], /search takes one query/],
      ['search with two queries', ['search', 'a', 'b', '--db', 'db'], /search takes one query/],
      ['an empty query', ['search', '', '--db', 'db'], /query is empty/],
      ['a blank query', ['search', '   ', '--db', 'db'], /query is empty/],
      ['a 100 KB query', ['search', 'x'.repeat(100_000), '--db', 'db'], /limit is 2000/],
      ['a query with no words', ['search', '?!', '--db', 'db'], /no words/],
      ['-k 0', ['search', 'invoice', '-k', '0', '--db', 'db'], /-k must be a whole number from 1 to 1000; got "0"/],
      ['-k 1001', ['search', 'invoice', '-k', '1001', '--db', 'db'], /-k must be/],
      ['-k abc', ['search', 'invoice', '-k', 'abc', '--db', 'db'], /-k must be/],
    ];
    for (const [name, argv, message] of cases) {
      it(name, async () => {
        const r = await cli(argv, tmp);
        assert.equal(r.code, 2, r.err);
        assert.equal(r.out, '', 'nothing on stdout');
        assert.match(r.err, message);
      });
    }

    it('--help prints the usage on stdout and exits 0', async () => {
      const r = await cli(['--help'], tmp);
      assert.equal(r.code, 0);
      assert.match(r.out, /^Usage: inhouse <command>/);
      assert.equal(r.err, '');
    });
  });

  describe('errors exit with 1 and one line on stderr', () => {
    it('a root that does not exist', async () => {
      const r = await cli(['index', 'no-such-dir'], tmp);
      assert.equal(r.code, 1);
      assert.equal(r.out, '');
      assert.deepEqual(lines(r.err), [`inhouse: Root folder not found: ${path.join(tmp, 'no-such-dir')}. Check the path you passed to inhouse index.`]);
      assert.equal(fs.existsSync(path.join(tmp, 'no-such-dir')), false, 'nothing was created for it');
    });

    it('status on a missing index names `inhouse index`', async () => {
      const missing = path.join(tmp, 'nowhere');
      const r = await cli(['status', '--db', missing], tmp);
      assert.equal(r.code, 1);
      assert.equal(r.out, '');
      assert.equal(lines(r.err).length, 1);
      assert.match(r.err, /No InHouse index at .*nowhere\. Build one with `inhouse index <folder> --db .*nowhere`/);
      assert.equal(fs.existsSync(missing), false);

      const noDb = await cli(['status'], ws);
      assert.equal(noDb.code, 1);
      assert.match(noDb.err, /No index found in .* Build one with `inhouse index <folder>`, or pass --db DIR\./);
    });

    it('search on a missing index', async () => {
      const r = await cli(['search', 'invoice', '--db', path.join(tmp, 'nowhere')], tmp);
      assert.equal(r.code, 1);
      assert.equal(lines(r.err).length, 1);
      assert.match(r.err, /inhouse index/);
    });

    it('a foreign --db folder', async () => {
      const r = await cli(['index', 'ws', '--db', 'ws'], tmp);
      assert.equal(r.code, 1);
      assert.equal(lines(r.err).length, 1);
      assert.match(r.err, /is not empty and is not an InHouse index/);
    });
  });

  describe('--json output', () => {
    it('index: a summary with counts', async () => {
      const r = await cli(['index', 'ws', '--library', 'acme=acme-lib', '--db', 'db', '--json'], tmp);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      const s = JSON.parse(r.out);
      assert.equal(s.dbDir, db);
      assert.deepEqual([s.files, s.chunks, s.added, s.changed, s.unchanged, s.removed], [4, 4, 0, 0, 5, 0]);
      assert.deepEqual(s.skipped, { 'secret-file': 1 });
      assert.equal(s.secretsRedacted, 0);
      assert.equal(typeof s.seconds, 'number');
      assert.deepEqual(s.roots, [
        { root: ws, source: 'workspace' },
        { root: lib, source: 'acme' },
      ]);
    });

    it('status: files, chunks, sources and skips', async () => {
      const r = await cli(['status', '--db', 'db', '--json'], tmp);
      assert.equal(r.code, 0, r.err);
      const s = JSON.parse(r.out);
      assert.deepEqual(
        { files: s.files, chunks: s.chunks, sources: s.sources, skipped: s.skipped, roots: s.roots },
        { files: 4, chunks: 4, sources: { workspace: 3, acme: 1 }, skipped: { 'secret-file': 1 }, roots: [ws, lib] },
      );
    });

    it('search: an array of hits with forward-slash paths relative to their root', async () => {
      const r = await cli(['search', 'computeInvoiceTotal', '--db', 'db', '--json', '-k', '3'], tmp);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      const hits = JSON.parse(r.out) as Record<string, unknown>[];
      assert.ok(Array.isArray(hits) && hits.length >= 1 && hits.length <= 3);
      for (const h of hits) {
        assert.deepEqual(Object.keys(h).sort(), ['endLine', 'kind', 'path', 'score', 'source', 'startLine', 'symbol']);
        assert.ok(!String(h.path).includes('\\') && !path.isAbsolute(String(h.path)), String(h.path));
        assert.equal(typeof h.score, 'number');
      }
      assert.deepEqual(
        { path: hits[0].path, startLine: hits[0].startLine, endLine: hits[0].endLine, symbol: hits[0].symbol, kind: hits[0].kind, source: hits[0].source },
        { path: 'src/billing/invoice.ts', startLine: 1, endLine: 3, symbol: 'computeInvoiceTotal', kind: 'function', source: 'workspace' },
      );
    });

    it('an error prints nothing on stdout, even with --json', async () => {
      const r = await cli(['search', '', '--db', 'db', '--json'], tmp);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
    });
  });

  describe('libraries', () => {
    it('--library NAME=PATH tags rows with the name, and search --source filters on it', async () => {
      const rows = await readRows(db, 'chunks');
      const bySource = (src: string) => rows.filter((r) => r.source === src).map((r) => r.path).sort();
      assert.deepEqual(bySource('acme'), ['ledger/post.ts']);
      assert.deepEqual(bySource('workspace'), ['docs/guide.md', 'src/billing/invoice.ts', 'src/util/strings.ts']);

      // "invoice" is in both sources (invoiceTotal in the library).
      const all = JSON.parse((await cli(['search', 'invoice', '--db', 'db', '--json'], tmp)).out) as { source: string; path: string }[];
      assert.deepEqual([...new Set(all.map((h) => h.source))].sort(), ['acme', 'workspace']);
      const acme = await cli(['search', 'invoice', '--db', 'db', '--json', '--source', 'acme'], tmp);
      assert.equal(acme.code, 0, acme.err);
      assert.deepEqual(JSON.parse(acme.out).map((h: { source: string; path: string }) => [h.source, h.path]), [['acme', 'ledger/post.ts']]);
      const none = await cli(['search', 'invoice', '--db', 'db', '--json', '--source', "nope' OR '1'='1"], tmp);
      assert.deepEqual([none.code, JSON.parse(none.out)], [0, []]);

      const text = await cli(['search', 'postLedgerEntry', '--db', 'db'], tmp);
      assert.match(text.out, /^ledger\/post\.ts:1 {2}postLedgerEntry {2}function {2}\[acme\]\n/);
    });
  });

  describe('the default index folder', () => {
    it('is .inhouse/index under the first root, and status finds it from a subfolder', async () => {
      const r = await cli(['index', '.'], ws);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^Indexed 3 files, 3 chunks in [\d.]+ s \(4 added, 0 changed, 0 unchanged, 0 removed\)\.\n/);
      assert.ok(fs.existsSync(path.join(ws, '.inhouse', 'index', 'inhouse-index.json')));
      const s = await cli(['status', '--json'], path.join(ws, 'src', 'util'));
      assert.equal(s.code, 0, s.err);
      assert.equal(JSON.parse(s.out).dbDir, path.join(ws, '.inhouse', 'index'));
      // The index folder itself is never indexed.
      const again = await cli(['index', '.', '--json'], ws);
      assert.equal(JSON.parse(again.out).unchanged, 4);
      fs.rmSync(path.join(ws, '.inhouse'), { recursive: true });
    });
  });

  describe('the built CLI (dist/cli.js)', () => {
    it('keeps data on stdout and logs on stderr, with the documented exit codes', async () => {
      const r = await spawnCli(['index', 'ws', '--db', 'spawned-db', '--json', '--log-level', 'debug'], tmp);
      assert.equal(r.code, 0, r.err);
      const summary = JSON.parse(r.out);
      assert.deepEqual([summary.files, summary.chunks, summary.added], [3, 3, 4]);
      assert.ok(lines(r.err).some((l) => l.startsWith('[debug] crawl: walking')), `debug logs were written:\n${r.err}`);
      assert.ok(
        lines(r.err).every((l) => /^\[(error|warn|info|debug|trace)\] /.test(l)),
        `stderr holds only log lines:\n${r.err}`,
      );

      const search = await spawnCli(['search', 'slugifyTitle', '--db', 'spawned-db', '--json'], tmp);
      assert.equal(search.code, 0, search.err);
      assert.equal(search.err, '');
      assert.equal(JSON.parse(search.out)[0].path, 'src/util/strings.ts');

      const usage = await spawnCli(['search', '', '--db', 'spawned-db'], tmp);
      assert.deepEqual([usage.code, usage.out], [2, '']);
      assert.match(usage.err, /^inhouse: The search query is empty/);

      const missing = await spawnCli(['status', '--db', 'nowhere'], tmp);
      assert.deepEqual([missing.code, missing.out, lines(missing.err).length], [1, '', 1]);

      const version = await spawnCli(['--version'], tmp);
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
      assert.deepEqual([version.code, version.out, version.err], [0, `${pkg.version}\n`, '']);
    });
  });
});
