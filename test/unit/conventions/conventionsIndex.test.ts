import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConventionBook } from '../../../src/engine/conventions/conventionBook';
import type { EngineHost } from '../../../src/engine/host';
import { classifyPath, crawl, isCrawlSkip, type CrawlOptions } from '../../../src/engine/indexing/crawler';
import { ParsePool } from '../../../src/engine/indexing/workerPool';
import { silentLogger } from '../../../src/engine/log';
import { createNodeHost } from '../../../src/engine/nodeHost';
import { CONVENTIONS_SOURCE, ftsChunks, loadRuleRows, matchesFilter } from '../../../src/engine/retrieval/chunkQueries';
import { loadLanceDb } from '../../../src/engine/store/lancedbModule';
import { chunkRowsOf, makeTmp, readRows, removeTmp, withEngine, writeTree } from '../../support/indexKit';
import { REPO_ROOT, testAssets } from '../../support/testAssets';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'conventions');

/** Copies a fixture tree, turning `dot-inhouse` into `.inhouse` (git ignores `.inhouse/` folders in this repo). */
function copyFixture(name: string, to: string): string {
  fs.cpSync(path.join(FIXTURES, name), to, { recursive: true });
  if (fs.existsSync(path.join(to, 'dot-inhouse'))) fs.renameSync(path.join(to, 'dot-inhouse'), path.join(to, '.inhouse'));
  return to;
}

const options = (over: Partial<CrawlOptions> = {}): CrawlOptions => ({ maxFileBytes: 1_000_000, extraExcludes: [], isIndexable: () => true, ...over });

describe('conventions in the index', () => {
  let tmp: string;
  beforeEach(() => (tmp = makeTmp('conventions')));
  afterEach(() => removeTmp(tmp));

  describe('crawler', () => {
    const tree = () =>
      writeTree(tmp, {
        '.gitignore': '.inhouse/\n',
        '.inhouse/conventions/a.md': '# A',
        '.inhouse/conventions/sub/b.md': '# B',
        '.inhouse/conventions/node_modules/c.md': '# C',
        '.inhouse/index/notes.md': '# index',
        '.inhouse/notes.md': '# notes',
        'sub/.inhouse/conventions/d.md': '# D',
        'src/a.ts': 'export {};',
      });

    it('enters .inhouse/conventions, even when .inhouse/ is gitignored, and nothing else of .inhouse', async () => {
      tree();
      const read: string[] = [];
      const inner = createNodeHost();
      const host: EngineHost = { ...inner, readDir: (p) => (read.push(path.relative(tmp, p)), inner.readDir(p)) };
      const out: string[] = [];
      for await (const item of crawl(host, [{ root: tmp, source: 'workspace' }], options(), silentLogger)) {
        out.push(isCrawlSkip(item) ? `${item.relPath} !${item.reason}` : item.relPath);
      }
      assert.deepEqual(out, ['.gitignore', '.inhouse/conventions/a.md', '.inhouse/conventions/sub/b.md', 'src/a.ts']);
      assert.ok(!read.includes('.inhouse'), 'the .inhouse folder itself is never listed');
      assert.ok(!read.some((d) => d.startsWith(path.join('.inhouse', 'index'))), '.inhouse/index is never read');
    });

    it('honours index.exclude for the conventions folder', async () => {
      tree();
      const out: string[] = [];
      for await (const item of crawl(createNodeHost(), [{ root: tmp, source: 'workspace' }], options({ extraExcludes: ['.inhouse/conventions/'] }), silentLogger)) {
        out.push(item.relPath);
      }
      assert.deepEqual(out, ['.gitignore', 'src/a.ts']);
    });

    it('classifies single files the same way (editor saves)', async () => {
      tree();
      const verdict = (rel: string) => classifyPath(createNodeHost(), { root: tmp, source: 'workspace' }, rel, { extraExcludes: [], isIndexable: () => true });
      assert.equal(await verdict('.inhouse/conventions/a.md'), 'indexable');
      assert.equal(await verdict('.inhouse/conventions/sub/b.md'), 'indexable');
      assert.equal(await verdict('.inhouse/conventions/node_modules/c.md'), 'ignored');
      assert.equal(await verdict('.inhouse/index/notes.md'), 'ignored');
      assert.equal(await verdict('.inhouse/notes.md'), 'ignored');
      assert.equal(await verdict('sub/.inhouse/conventions/d.md'), 'ignored');
    });
  });

  it('parse workers return rule rows and the frontmatter warning, naming the file', async () => {
    const assets = testAssets();
    const pool = new ParsePool(assets.workerScript, { assets, analyzer: { maxLineLength: 2000, maxChunkLines: 60, parseTimeoutMs: 10_000 } }, 1, silentLogger);
    try {
      const bytes = fs.readFileSync(path.join(FIXTURES, 'workspace', 'dot-inhouse', 'conventions', 'broken.md'));
      const identity = { fileKey: '/ws/.inhouse/conventions/broken.md', root: '/ws', path: '.inhouse/conventions/broken.md', source: 'workspace', fileHash: 'h' };
      const outcome = await pool.analyze({ ...identity, language: 'markdown', bytes });
      assert.ok(outcome.ok);
      assert.deepEqual(chunkRowsOf(outcome.rows).map((r) => `${r.kind}:${r.name}`), ['rule:broken/structured-logging', 'rule:broken/no-secrets-in-logs']);
      assert.equal(outcome.warnings?.length, 1);
      assert.match(outcome.warnings?.[0] ?? '', /^Convention file \.inhouse\/conventions\/broken\.md: the frontmatter is not valid YAML: line 4/);
      // The same bytes elsewhere are plain markdown, with no warning.
      const plain = await pool.analyze({ ...identity, path: 'notes/broken.md', language: 'markdown', bytes });
      assert.ok(plain.ok);
      assert.ok(plain.rows.length > 0 && chunkRowsOf(plain.rows).every((r) => r.kind !== 'rule'));
      assert.equal(plain.warnings, undefined);
    } finally {
      await pool.dispose();
    }
  });

  it('indexes workspace and library conventions as rules, found with the conventions source and loaded with precedence', async () => {
    const ws = copyFixture('workspace', path.join(tmp, 'ws'));
    const lib = copyFixture('library', path.join(tmp, 'lib'));
    fs.writeFileSync(path.join(ws, '.gitignore'), '.inhouse/\n');
    // The index lives where the CLI puts it by default: inside the workspace's .inhouse.
    const dbDir = path.join(ws, '.inhouse', 'index');
    await withEngine(dbDir, (e) => e.index([{ root: ws, source: 'workspace' }, { root: lib, source: 'acme-lib' }]));

    const chunkRows = await readRows(dbDir, 'chunks');
    assert.ok(!chunkRows.some((r) => String(r.path).startsWith('.inhouse/index')), 'nothing from the index folder is indexed');
    const ruleRows = chunkRows.filter((r) => r.kind === 'rule').map((r) => `${r.source}:${r.name}`).sort();
    assert.deepEqual(ruleRows, [
      'acme-lib:conventions/booleans',
      'acme-lib:conventions/timeouts',
      'acme-lib:retries',
      'acme-lib:wrap-errors',
      'workspace:api/pagination',
      'workspace:api/plural-resource-names',
      'workspace:broken/no-secrets-in-logs',
      'workspace:broken/structured-logging',
      'workspace:contributing/code-style/imports',
      'workspace:contributing/code-style/tests',
      'workspace:contributing/commit-messages',
      'workspace:contributing/setup',
      'workspace:naming',
      'workspace:validate-input',
      'workspace:wrap-errors',
    ]);

    const db = await loadLanceDb().connect(dbDir);
    const table = await db.openTable('chunks');
    try {
      const search = (q: string) => ftsChunks(table, q, { source: CONVENTIONS_SOURCE }, 10);
      const validate = await search('validate request bodies schema');
      assert.equal(validate[0]?.name, 'validate-input');
      assert.ok(validate.every((h) => h.kind === 'rule'), 'the conventions source returns rules only');
      const timeouts = await search('outbound call timeout');
      assert.deepEqual([timeouts[0]?.name, timeouts[0]?.source], ['conventions/timeouts', 'acme-lib']);
      // Without the filter the intro section of api.md is found too; with it, it is not.
      const intro = await ftsChunks(table, 'every HTTP handler in the service', {}, 10);
      assert.equal(intro[0]?.kind, 'section');
      assert.ok(!(await search('every HTTP handler in the service')).some((h) => h.kind !== 'rule'));
      assert.ok(matchesFilter(validate[0], { source: CONVENTIONS_SOURCE }));
      assert.ok(!matchesFilter(intro[0], { source: CONVENTIONS_SOURCE }));
      assert.equal((await loadRuleRows(table)).length, ruleRows.length);

      const book = await ConventionBook.load(table);
      // The library's wrap-errors loses to the workspace's; its Booleans rule is a copy of naming.md.
      // Precedence order: workspace, then libraries; within each, path in byte order, then line.
      assert.deepEqual(book.rules.map((r) => r.id), [
        'api/plural-resource-names',
        'validate-input',
        'api/pagination',
        'broken/structured-logging',
        'broken/no-secrets-in-logs',
        'wrap-errors',
        'naming',
        'contributing/setup',
        'contributing/code-style/imports',
        'contributing/code-style/tests',
        'contributing/commit-messages',
        'retries',
        'conventions/timeouts',
      ]);
      assert.equal(book.get('wrap-errors')?.source, 'workspace');
      assert.equal(book.get('conventions/booleans')?.id, 'naming');
      assert.deepEqual(book.warnings, [
        "Convention file .inhouse/conventions/broken.md: the frontmatter is not valid YAML: line 4: the list opened with '[' is never closed; " +
          'the frontmatter is ignored and the rules load with the default id, severity and applies.',
      ]);

      const forFile = (p: string, query?: string) => book.applicableRules({ path: p, query, limit: 3 }).map((r) => r.id);
      assert.deepEqual(forFile('src/api/users.ts'), ['validate-input', 'api/plural-resource-names', 'retries']);
      // Pagination matches the words; the other two match none, so must comes before should.
      assert.deepEqual(forFile('src/api/users.ts', 'cursor and limit for a list endpoint'), ['api/pagination', 'validate-input', 'api/plural-resource-names']);
      assert.deepEqual(forFile('tools/ledger.go', 'return err'), ['wrap-errors', 'broken/structured-logging', 'broken/no-secrets-in-logs']);
    } finally {
      table.close();
      db.close();
    }
  });
});
