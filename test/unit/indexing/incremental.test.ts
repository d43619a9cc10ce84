import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../../src/engine/engine';
import type { CrawlRoot } from '../../../src/engine/indexing/crawler';
import { validateSettings } from '../../../src/engine/settings';
import { sqlString } from '../../../src/engine/store/filter';
import { CHUNK_COLUMNS } from '../../../src/engine/store/columns';
import { IndexStore, type WriteBatch } from '../../../src/engine/store/indexStore';
import {
  columnStrings,
  diffSnapshots,
  makeTmp,
  newEngine,
  readRows,
  removeTmp,
  snapshot,
  symbolsByPath,
  tableVersions,
  withEngine,
  writeTree,
} from '../../support/indexKit';

const BILLING = `import { slugifyTitle } from './util/strings';

/** Sums the invoice lines. */
export function computeInvoiceTotal(lines: number[]): number {
  return lines.reduce((a, b) => a + b, 0);
}

export function applyDiscount(total: number, percent: number): number {
  return total * (1 - percent / 100);
}

export class InvoiceFormatter {
  formatLine(label: string, amount: number): string {
    return \`\${slugifyTitle(label)}: \${amount}\`;
  }
}
`;

const STRINGS = `export const DEFAULT_SEPARATOR = '-';

export function slugifyTitle(title: string): string {
  return title.toLowerCase().split(' ').join(DEFAULT_SEPARATOR);
}
`;

const REPORT_PY = `def build_report(rows):
    return [r for r in rows if r]


class ReportWriter:
    def write_report(self, rows):
        return len(rows)
`;

const GUIDE = `# Billing guide

Invoices are totalled by computeInvoiceTotal.

## Discounts

Discounts use applyDiscount.
`;

const BASE: Record<string, string> = {
  'src/billing.ts': BILLING,
  'src/util/strings.ts': STRINGS,
  'scripts/report.py': REPORT_PY,
  'docs/guide.md': GUIDE,
  '.gitignore': 'generated/\n',
  'generated/api.ts': 'export function generatedApiCall(): void {}\n',
  'node_modules/leftpad/index.ts': 'export function leftPadVendored(s: string): string { return s; }\n',
  'notes.txt': 'not a supported language\n',
};

/** Expected symbol rows per path for the base tree. */
function baseSymbols(): Record<string, string[]> {
  const out: Record<string, string[]> = {
    'docs/guide.md': ['Billing guide', 'Billing guide > Discounts'],
    'scripts/report.py': ['ReportWriter', 'ReportWriter.write_report', 'build_report'],
    // block@1: the import line, outside any symbol.
    'src/billing.ts': ['InvoiceFormatter', 'InvoiceFormatter.formatLine', 'applyDiscount', 'block@1', 'computeInvoiceTotal'],
    'src/util/strings.ts': ['DEFAULT_SEPARATOR', 'slugifyTitle'],
  };
  return out;
}

/** A path's chunk rows as (id, text, lines), sorted: equal before and after means untouched content. */
async function rowsOf(dbDir: string, relPath: string): Promise<string[]> {
  const rows = await readRows(dbDir, 'chunks', `path = ${sqlString(relPath)}`);
  return rows.map((r) => JSON.stringify([r.id, r.start_line, r.end_line, r.text, r.file_hash])).sort();
}

/** Records which file keys every store write touches. */
function spyWrites() {
  const writes: { replaced: string[]; chunkKeys: string[]; files: string[]; deleted: string[] }[] = [];
  const original = IndexStore.prototype.write;
  IndexStore.prototype.write = function (this: IndexStore, batch: WriteBatch) {
    const empty = !batch.replaceKeys.length && !batch.chunks.length && !batch.files.length && !batch.deleteFiles.length;
    if (!empty) writes.push({
      replaced: [...batch.replaceKeys],
      chunkKeys: [...new Set(batch.chunks.flatMap((b) => columnStrings(CHUNK_COLUMNS, b, 'file_key')))],
      files: batch.files.map((f) => f.file_key),
      deleted: [...batch.deleteFiles],
    });
    return original.call(this, batch);
  };
  return {
    writes,
    /** Every key any write touched. */
    touched: () => [...new Set(writes.flatMap((w) => [...w.replaced, ...w.chunkKeys, ...w.files, ...w.deleted]))].sort(),
    restore: () => {
      IndexStore.prototype.write = original;
    },
  };
}

describe('incremental indexing (integration)', function () {
  this.timeout(60_000);
  let tmp: string;
  let root: string;
  let dbDir: string;
  let roots: CrawlRoot[];
  let engine: Engine;
  let refEngine: Engine | undefined;

  const file = (rel: string) => path.join(root, rel);

  /** Snapshot of a clean --rebuild index of the same roots, in a separate db. */
  async function cleanSnapshot(forRoots = roots, settings?: Parameters<typeof newEngine>[1]) {
    const refDb = path.join(tmp, 'ref-db');
    refEngine = newEngine(refDb, settings);
    await refEngine.index(forRoots, { rebuild: true });
    const snap = await snapshot(refDb);
    await refEngine.dispose();
    refEngine = undefined;
    return snap;
  }

  async function assertMatchesRebuild(step: string, forRoots = roots, settings?: Parameters<typeof newEngine>[1]) {
    const diff = diffSnapshots(await snapshot(dbDir), await cleanSnapshot(forRoots, settings));
    assert.equal(diff, undefined, `after ${step}, the index differs from a clean rebuild:\n${diff}`);
  }

  beforeEach(() => {
    tmp = makeTmp('incr');
    root = path.join(tmp, 'ws');
    dbDir = path.join(tmp, 'db');
    roots = [{ root, source: 'workspace' }];
    writeTree(root, BASE);
    engine = newEngine(dbDir);
  });

  afterEach(async () => {
    await engine.dispose();
    await refEngine?.dispose();
    refEngine = undefined;
    removeTmp(tmp);
  });

  it('cold index: counts every crawled file, stores the expected symbols, leaves ignored paths out', async () => {
    const s = await engine.index(roots);
    assert.equal(s.added, 4, 'billing.ts, strings.ts, report.py and guide.md are new');
    assert.deepEqual([s.changed, s.unchanged, s.removed], [0, 0, 0]);
    assert.equal(s.files, 4);
    assert.deepEqual(s.skipped, {});
    assert.equal(s.secretsRedacted, 0);
    assert.equal(s.filesWithSyntaxErrors, 0);

    const symbols = await symbolsByPath(dbDir);
    assert.deepEqual(symbols, baseSymbols());
    assert.equal(s.chunks, 12);

    const files = await readRows(dbDir, 'files');
    assert.deepEqual(files.map((f) => f.path).sort(), ['docs/guide.md', 'scripts/report.py', 'src/billing.ts', 'src/util/strings.ts']);
    for (const f of files) assert.equal(f.file_key, path.join(root, String(f.path)));

    const status = await engine.status();
    assert.equal(status.files, s.files);
    assert.equal(status.chunks, s.chunks);
    assert.deepEqual(status.roots, [root]);
    assert.deepEqual(status.sources, { workspace: s.files });
  });

  it('a re-run with no changes reports everything unchanged and commits nothing', async () => {
    const first = await engine.index(roots);
    const versions = await tableVersions(dbDir);
    const before = await snapshot(dbDir);

    const spy = spyWrites();
    try {
      const again = await engine.index(roots);
      assert.deepEqual([again.added, again.changed, again.unchanged, again.removed], [0, 0, 4, 0]);
      assert.equal(again.files, first.files);
      assert.equal(again.chunks, first.chunks);
      // A fresh engine (a new CLI run) sees the same thing.
      const third = await withEngine(dbDir, (e) => e.index(roots));
      assert.deepEqual([third.added, third.changed, third.unchanged, third.removed], [0, 0, 4, 0]);
    } finally {
      spy.restore();
    }
    assert.deepEqual(spy.writes, [], 'no store write on a no-change run');
    assert.deepEqual(await tableVersions(dbDir), versions, 'no table commit on a no-change run');
    assert.deepEqual(await snapshot(dbDir), before);
  });

  it('a changed file has exactly its own rows replaced', async () => {
    await engine.index(roots);
    const stringsRows = await rowsOf(dbDir, 'src/util/strings.ts');
    const guideRows = await rowsOf(dbDir, 'docs/guide.md');
    assert.equal(stringsRows.length, 2);

    fs.writeFileSync(
      file('src/billing.ts'),
      BILLING.replace('export function applyDiscount', 'export function refundInvoice(total: number): number {\n  return -total;\n}\n\nexport function applyDiscount'),
    );
    const spy = spyWrites();
    const s = await engine.index(roots).finally(spy.restore);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [0, 1, 3, 0]);
    assert.deepEqual(spy.touched(), [file('src/billing.ts')], 'only billing.ts is written');
    assert.deepEqual(spy.writes.flatMap((w) => w.replaced), [file('src/billing.ts')], 'its old rows are replaced');

    assert.deepEqual(await rowsOf(dbDir, 'src/util/strings.ts'), stringsRows, 'strings.ts rows are untouched');
    assert.deepEqual(await rowsOf(dbDir, 'docs/guide.md'), guideRows, 'guide.md rows are untouched');
    const symbols = await symbolsByPath(dbDir);
    assert.deepEqual(symbols['src/billing.ts'], [
      'InvoiceFormatter', 'InvoiceFormatter.formatLine', 'applyDiscount', 'block@1', 'computeInvoiceTotal', 'refundInvoice',
    ]);
    const lines = (await readRows(dbDir, 'chunks', "qualified_name = 'applyDiscount'")).map((r) => [r.start_line, r.end_line]);
    assert.deepEqual(lines, [[12, 14]], 'line numbers follow the edit');
    assert.deepEqual((await engine.search('refundInvoice', { limit: 3 })).map((h) => h.symbol)[0], 'refundInvoice');
    await assertMatchesRebuild('changing billing.ts');
  });

  it('adds, deletes and renames files', async () => {
    await engine.index(roots);

    writeTree(root, { 'src/tax.ts': 'export function computeSalesTax(amount: number): number {\n  return amount * 0.2;\n}\n' });
    let s = await engine.index(roots);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [1, 0, 4, 0]);
    assert.deepEqual((await symbolsByPath(dbDir))['src/tax.ts'], ['computeSalesTax']);
    await assertMatchesRebuild('adding src/tax.ts');

    fs.rmSync(file('src/util/strings.ts'));
    s = await engine.index(roots);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [0, 0, 4, 1]);
    assert.deepEqual(await readRows(dbDir, 'chunks', "path = 'src/util/strings.ts'"), []);
    assert.deepEqual(await readRows(dbDir, 'files', "path = 'src/util/strings.ts'"), []);
    await assertMatchesRebuild('deleting src/util/strings.ts');

    fs.mkdirSync(file('lib'));
    fs.renameSync(file('src/billing.ts'), file('lib/invoices.ts'));
    s = await engine.index(roots);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [1, 0, 3, 1]);
    assert.deepEqual(await readRows(dbDir, 'chunks', "path = 'src/billing.ts'"), []);
    assert.deepEqual((await symbolsByPath(dbDir))['lib/invoices.ts'], baseSymbols()['src/billing.ts']);
    await assertMatchesRebuild('renaming src/billing.ts to lib/invoices.ts');
  });

  it('a touched file (new mtime, same bytes) updates the catalog but rewrites no chunk', async () => {
    await engine.index(roots);
    const versions = await tableVersions(dbDir);
    const rows = await rowsOf(dbDir, 'src/billing.ts');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(file('src/billing.ts'), later, later);

    const spy = spyWrites();
    const s = await engine.index(roots).finally(spy.restore);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [0, 0, 4, 0], 'same content: unchanged, though the catalog stat moves');
    assert.deepEqual(spy.writes, [{ replaced: [], chunkKeys: [], files: [file('src/billing.ts')], deleted: [] }], 'a catalog-only write');
    const after = await tableVersions(dbDir);
    assert.equal(after.chunks, versions.chunks, 'no chunk commit for a touch');
    assert.ok(after.files > versions.files, 'the catalog records the new mtime');
    assert.deepEqual(await rowsOf(dbDir, 'src/billing.ts'), rows);
    const [catalog] = await readRows(dbDir, 'files', "path = 'src/billing.ts'");
    assert.equal(catalog.mtime_ms, fs.statSync(file('src/billing.ts')).mtimeMs);
    await assertMatchesRebuild('touching src/billing.ts');

    // And the next run has nothing left to do.
    const again = await engine.index(roots);
    assert.equal(again.unchanged, 4);
  });

  it('updateFile: a saved change is searchable once the index settles', async () => {
    await engine.index(roots);
    assert.deepEqual(await engine.search('reconcileLedgerEntries', { limit: 5 }), []);
    fs.appendFileSync(file('src/util/strings.ts'), '\nexport function reconcileLedgerEntries(entries: string[]): number {\n  return entries.length;\n}\n');

    const count = await engine.updateFile(file('src/util/strings.ts'));
    assert.equal(count, 3);
    await engine.settle();
    const hits = await engine.search('reconcileLedgerEntries', { limit: 5 });
    assert.equal(hits[0]?.symbol, 'reconcileLedgerEntries');
    assert.equal(hits[0].path, 'src/util/strings.ts');
    assert.deepEqual([hits[0].startLine, hits[0].endLine], [7, 9]);
    await assertMatchesRebuild('updateFile after a save');

    // The update is already in the catalog: a full run finds nothing to do.
    const s = await engine.index(roots);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [0, 0, 4, 0]);
  });

  it('updateFile with unsaved text indexes the buffer; the next full run goes back to the disk', async () => {
    await engine.index(roots);
    const buffer = `${STRINGS}\nexport function draftPaymentSchedule(): void {}\n`;
    const count = await engine.updateFile(file('src/util/strings.ts'), buffer);
    assert.equal(count, 3);
    await engine.settle();
    assert.equal((await engine.search('draftPaymentSchedule', { limit: 5 }))[0]?.symbol, 'draftPaymentSchedule');
    assert.equal(fs.readFileSync(file('src/util/strings.ts'), 'utf8'), STRINGS, 'the file on disk is untouched');

    // The buffer was never saved: a full index must not keep content that is not on disk.
    const s = await engine.index(roots);
    assert.equal(s.changed, 1);
    assert.deepEqual(await engine.search('draftPaymentSchedule', { limit: 5 }), []);
    await assertMatchesRebuild('updateFile with unsaved text, then index');

    // Unsaved text identical to the disk changes nothing.
    const versions = await tableVersions(dbDir);
    assert.equal(await engine.updateFile(file('src/util/strings.ts'), STRINGS), 2);
    assert.equal((await tableVersions(dbDir)).chunks, versions.chunks);
  });

  it('updateFile leaves node_modules and .gitignored paths out of the index', async () => {
    await engine.index(roots);
    const before = await snapshot(dbDir);
    assert.equal(await engine.updateFile(file('node_modules/leftpad/index.ts')), undefined);
    assert.equal(await engine.updateFile(file('generated/api.ts')), undefined);
    writeTree(root, { 'generated/more.ts': 'export function moreGenerated(): void {}\n' });
    assert.equal(await engine.updateFile(file('generated/more.ts')), undefined);
    assert.equal(await engine.updateFile(file('notes.txt')), undefined);
    assert.equal(await engine.updateFile(path.join(tmp, 'outside.ts')), undefined, 'a file outside every root');
    assert.deepEqual(await snapshot(dbDir), before);
    assert.deepEqual(await engine.search('leftPadVendored', { limit: 5 }), []);
    assert.deepEqual(await engine.search('generatedApiCall', { limit: 5 }), []);

    // A file that becomes ignored is dropped by the next update.
    fs.appendFileSync(file('.gitignore'), 'docs/\n');
    assert.equal(await engine.updateFile(file('docs/guide.md')), undefined);
    assert.deepEqual(await readRows(dbDir, 'chunks', "path = 'docs/guide.md'"), []);
    await assertMatchesRebuild('ignoring docs/ and updating guide.md');
  });

  it('updateFile on a deleted file removes its rows', async () => {
    await engine.index(roots);
    fs.rmSync(file('src/billing.ts'));
    assert.equal(await engine.updateFile(file('src/billing.ts')), undefined);
    assert.deepEqual(await readRows(dbDir, 'chunks', "path = 'src/billing.ts'"), []);
    assert.deepEqual(await readRows(dbDir, 'files', "path = 'src/billing.ts'"), []);
    assert.deepEqual(await engine.search('computeInvoiceTotal', { limit: 5 }).then((h) => h.map((x) => x.path)), ['docs/guide.md']);
    await assertMatchesRebuild('deleting billing.ts and calling updateFile');
    const s = await engine.index(roots);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [0, 0, 3, 0]);
  });

  it('after any sequence of operations the index equals a clean rebuild of the tree', async () => {
    const steps: [string, () => Promise<unknown>][] = [
      ['cold index', () => engine.index(roots)],
      ['edit + updateFile', async () => {
        fs.writeFileSync(file('src/billing.ts'), BILLING.replace('computeInvoiceTotal', 'computeGrossTotal'));
        return engine.updateFile(file('src/billing.ts'));
      }],
      ['add two files, delete one, index', async () => {
        writeTree(root, {
          'src/a/b/c.ts': 'export class DeepThing {\n  run(): void {}\n}\n',
          'docs/extra.md': '# Extra\n\nMore words.\n',
        });
        fs.rmSync(file('docs/guide.md'));
        return engine.index(roots);
      }],
      ['unsaved buffer', () => engine.updateFile(file('src/a/b/c.ts'), 'export class DeepThing {}\nexport const UNSAVED = 1;\n')],
      ['rename a directory, index', async () => {
        fs.renameSync(file('src/a'), file('src/z'));
        return engine.index(roots);
      }],
      ['file becomes too short to chunk (empty)', async () => {
        fs.writeFileSync(file('src/util/strings.ts'), '');
        return engine.updateFile(file('src/util/strings.ts'));
      }],
      ['touch + edit another, index with a fresh engine', async () => {
        const t = new Date(Date.now() + 120_000);
        fs.utimesSync(file('docs/extra.md'), t, t);
        fs.writeFileSync(file('src/z/b/c.ts'), 'export class DeepThing {\n  run(): void {}\n  stop(): void {}\n}\n');
        return withEngine(dbDir, (e) => e.index(roots));
      }],
      ['delete via updateFile, then a no-op index', async () => {
        fs.rmSync(file('src/z/b/c.ts'));
        await engine.updateFile(file('src/z/b/c.ts'));
        return engine.index(roots);
      }],
    ];
    for (const [name, step] of steps) {
      await step();
      if (name === 'unsaved buffer') continue; // the index holds a buffer that is not on disk
      await assertMatchesRebuild(name);
    }
    const symbols = await symbolsByPath(dbDir);
    assert.deepEqual(symbols, {
      'docs/extra.md': ['Extra'],
      'scripts/report.py': ['ReportWriter', 'ReportWriter.write_report', 'build_report'],
      'src/billing.ts': ['InvoiceFormatter', 'InvoiceFormatter.formatLine', 'applyDiscount', 'block@1', 'computeGrossTotal'],
    });
  });

  it('maintain(true) compacts and keeps search working, however often it runs', async () => {
    await engine.index(roots);
    fs.appendFileSync(file('src/util/strings.ts'), 'export function afterMaintenance(): void {}\n');
    await engine.updateFile(file('src/util/strings.ts'));
    for (let i = 0; i < 3; i++) assert.equal((await engine.maintain(true)).optimized, true);
    assert.deepEqual(await engine.maintain(), { fts: false, optimized: false }, 'nothing left to do');
    assert.equal((await engine.search('afterMaintenance', { limit: 3 }))[0]?.symbol, 'afterMaintenance');
    await assertMatchesRebuild('maintenance');
  });

  it('re-indexes every file when the chunking settings change', async () => {
    await engine.index(roots);
    const settings = validateSettings({ 'index.maxChunkLines': 40 });
    const s = await withEngine(dbDir, (e) => e.index(roots), settings);
    assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [0, 4, 0, 0]);
    await assertMatchesRebuild('changing index.maxChunkLines', roots, settings);
  });

  it('library roots: rows carry the library source and search can filter on it', async () => {
    const lib = path.join(tmp, 'acme');
    writeTree(lib, {
      'src/ledger.ts': 'export function postLedgerEntry(amount: number): number {\n  return amount;\n}\n',
      'README.md': '# Acme ledger\n\nUse postLedgerEntry for every invoice total.\n',
    });
    const both: CrawlRoot[] = [...roots, { root: lib, source: 'acme-lib' }];
    const s = await engine.index(both);
    assert.equal(s.added, 6);

    const chunks = await readRows(dbDir, 'chunks');
    const sourceOf = (p: string) => [...new Set(chunks.filter((c) => c.path === p).map((c) => c.source))];
    assert.deepEqual(sourceOf('src/ledger.ts'), ['acme-lib']);
    assert.deepEqual(sourceOf('README.md'), ['acme-lib']);
    assert.deepEqual(sourceOf('src/billing.ts'), ['workspace']);
    assert.equal(chunks.find((c) => c.path === 'src/ledger.ts')?.root, lib);

    const status = await engine.status();
    assert.deepEqual(status.sources, { workspace: 4, 'acme-lib': 2 });
    assert.deepEqual(status.roots, [root, lib]);

    // "invoice" is in both sources; the filter keeps one.
    const all = await engine.search('invoice', { limit: 20 });
    assert.deepEqual([...new Set(all.map((h) => h.source))].sort(), ['acme-lib', 'workspace']);
    const acme = await engine.search('invoice', { limit: 20, source: 'acme-lib' });
    assert.deepEqual(acme.map((h) => [h.source, h.path]), [['acme-lib', 'README.md']]);
    assert.deepEqual(await engine.search('postLedgerEntry', { limit: 5, source: 'workspace' }), []);
    const ts = await engine.search('invoice', { limit: 20, language: 'typescript' });
    assert.ok(ts.length > 0 && ts.every((h) => h.language === 'typescript' && h.source === 'workspace'));

    // A saved library file keeps its source.
    fs.appendFileSync(path.join(lib, 'src/ledger.ts'), 'export function voidLedgerEntry(): void {}\n');
    assert.equal(await engine.updateFile(path.join(lib, 'src/ledger.ts')), 2);
    await engine.settle();
    const hits = await engine.search('voidLedgerEntry', { limit: 5 });
    assert.deepEqual([hits[0]?.symbol, hits[0]?.source], ['voidLedgerEntry', 'acme-lib']);
    await assertMatchesRebuild('library update', both);

    // Dropping the library root removes its rows.
    const only = await engine.index(roots);
    assert.equal(only.removed, 2);
    assert.deepEqual(await engine.search('postLedgerEntry', { limit: 5 }), []);
    await assertMatchesRebuild('dropping the library root');
  });
});
