import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Table } from '@lancedb/lancedb';
import type { Engine } from '../../../src/engine/engine';
import { ContextCache } from '../../../src/engine/retrieval/contextCache';
import { makeTmp, newEngine, removeTmp, writeTree } from '../../support/indexKit';

describe('completion context cache (integration)', function () {
  this.timeout(60_000);
  let tmp: string;
  let ws: string;
  let engine: Engine;
  const caller = () => path.join(ws, 'src/app.ts');
  const at = { line: 3, column: '  return priceWithTax('.length };

  before(async () => {
    tmp = makeTmp('ctx-cache');
    ws = path.join(tmp, 'ws');
    writeTree(ws, {
      'src/tax.ts': 'export function priceWithTax(cents: number): number {\n  return cents * 1.2;\n}\n',
      'src/app.ts': "import { priceWithTax } from './tax';\nexport function total(c: number): number {\n  return priceWithTax(c);\n}\n",
    });
    engine = newEngine(path.join(tmp, 'db'));
    await engine.index([{ root: ws, source: 'workspace' }]);
  });

  after(async () => {
    await engine?.dispose();
    removeTmp(tmp);
  });

  const definition = async () => {
    const snippets = await engine.context(caller(), at, { limit: 5, maxChars: 4000 });
    return snippets.find((s) => s.reason === 'definition' && s.symbol === 'priceWithTax')?.text;
  };

  it('serves repeated requests the same answer, and a re-indexed definition its new text', async () => {
    const first = await definition();
    assert.match(first ?? '', /cents \* 1\.2/);
    assert.equal(await definition(), first);
    fs.writeFileSync(path.join(ws, 'src/tax.ts'), 'export function priceWithTax(cents: number): number {\n  return cents * 1.25;\n}\n');
    await engine.updateFile(path.join(ws, 'src/tax.ts'));
    assert.match((await definition()) ?? '', /cents \* 1\.25/);
  });

  it('with no time left for similar code, leaves it out at first and serves it from the cache next time', async () => {
    writeTree(ws, {
      'src/report.ts': 'export function monthlyRevenueReport(rows: number[]): number {\n  return rows.length;\n}\n',
      'src/other.ts': 'export function quarterlyRevenueReport(rows: number[]): number {\n  return rows.length * 3;\n}\n',
    });
    await engine.index([{ root: ws, source: 'workspace' }]);
    const file = path.join(ws, 'src/report.ts');
    const text = 'export function monthlyRevenueReport(rows: number[]): number {\n  const quarterly = revenueReport\n}\n';
    const at2 = { line: 2, column: '  const quarterly = revenueReport'.length };
    const hurried = await engine.context(file, at2, { limit: 5, maxChars: 4000, text, similarBudgetMs: 0 });
    assert.deepEqual(hurried.filter((s) => s.reason === 'similar'), []);
    // Without a budget the search is waited for; it lands in the cache.
    const patient = await engine.context(file, at2, { limit: 5, maxChars: 4000, text });
    const similar = patient.filter((s) => s.reason === 'similar').map((s) => s.symbol);
    assert.ok(similar.includes('quarterlyRevenueReport'), JSON.stringify(patient));
    const again = await engine.context(file, at2, { limit: 5, maxChars: 4000, text, similarBudgetMs: 0 });
    assert.deepEqual(again.filter((s) => s.reason === 'similar').map((s) => s.symbol), similar);
  });

  it('a full index run empties it', async () => {
    fs.writeFileSync(path.join(ws, 'src/tax.ts'), 'export function priceWithTax(cents: number): number {\n  return cents * 1.5;\n}\n');
    await engine.index([{ root: ws, source: 'workspace' }]);
    assert.match((await definition()) ?? '', /cents \* 1\.5/);
  });
});

/**
 * A stand-in for the chunks table: answers id lookups and full-text searches from `rows`,
 * counts the queries it was asked, and can hold its answers back until released.
 */
class FakeTable {
  readonly asked: { kind: 'ids' | 'fts'; columns: string[]; detail: string }[] = [];
  private held: (() => void)[] | undefined;

  constructor(private readonly rows: { id: string; file_key: string; text: string; search_text: string }[]) {}

  /** Answers wait for release() from now on. */
  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  query() {
    let where = '';
    let words = '';
    let columns: string[] = [];
    let limit = Infinity;
    const builder = {
      where: (w: string) => ((where = w), builder),
      fullTextSearch: (q: string) => ((words = q), builder),
      select: (c: string[]) => ((columns = c), builder),
      limit: (n: number) => ((limit = n), builder),
      toArray: async () => {
        this.asked.push({ kind: words ? 'fts' : 'ids', columns, detail: words || where });
        if (this.held) await new Promise<void>((go) => this.held!.push(go));
        const hits = words
          ? this.rows.filter((r) => words.split(' ').some((w) => r.search_text.split(' ').includes(w)))
          : this.rows.filter((r) => where.includes(`'${r.id}'`));
        return hits.slice(0, limit).map((r) => Object.fromEntries(columns.map((c) => [c, (r as Record<string, string>)[c]])));
      },
    };
    return builder;
  }
}

describe('completion context cache: texts only', () => {
  const rows = [
    { id: 'a:0', file_key: '/ws/a.ts', text: 'function alpha() {}', search_text: 'alpha function' },
    { id: 'a:1', file_key: '/ws/a.ts', text: 'function beta() {}', search_text: 'beta function' },
    { id: 'b:0', file_key: '/ws/b.ts', text: 'function gamma() {}', search_text: 'gamma function' },
  ];
  const table = (fake: FakeTable) => fake as unknown as Table;

  it('reads only the id, file and text columns, and asks the table once per text', async () => {
    const fake = new FakeTable(rows);
    const cache = new ContextCache();
    const first = await cache.textHits(table(fake), ['a:0', 'b:0', 'missing']);
    assert.deepEqual([...first.keys()].sort(), ['a:0', 'b:0']);
    assert.equal(first.get('a:0')?.text, 'function alpha() {}');
    assert.deepEqual(fake.asked.map((q) => q.columns), [['id', 'file_key', 'text']]);
    const second = await cache.textHits(table(fake), ['a:0', 'b:0']);
    assert.equal(second.get('b:0')?.text, 'function gamma() {}');
    assert.equal(fake.asked.length, 1, 'served from memory');
  });

  it('a re-indexed file loses its texts, other files keep theirs', async () => {
    const fake = new FakeTable(rows);
    const cache = new ContextCache();
    await cache.textHits(table(fake), ['a:0', 'a:1', 'b:0']);
    cache.dropFile('/ws/a.ts');
    await cache.textHits(table(fake), ['a:0', 'a:1', 'b:0']);
    assert.equal(fake.asked.length, 2);
    assert.match(fake.asked[1].detail, /'a:0'/);
    assert.match(fake.asked[1].detail, /'a:1'/);
    assert.doesNotMatch(fake.asked[1].detail, /'b:0'/);
  });

  it('similar code: one search for a query asked twice while it runs, then from memory', async () => {
    const fake = new FakeTable(rows);
    const cache = new ContextCache();
    fake.hold();
    const first = cache.similarTexts(table(fake), 'gamma', 6);
    const second = cache.similarTexts(table(fake), 'gamma', 6);
    assert.equal(cache.peekSimilarTexts('gamma', 6), undefined, 'nothing to peek at while it runs');
    fake.release();
    assert.deepEqual((await first).map((h) => h.id), ['b:0']);
    assert.deepEqual((await second).map((h) => h.id), ['b:0']);
    assert.deepEqual((await cache.similarTexts(table(fake), 'gamma', 6)).map((h) => [h.id, h.fileKey, h.text]), [['b:0', '/ws/b.ts', 'function gamma() {}']]);
    assert.deepEqual(cache.peekSimilarTexts('gamma', 6)?.map((h) => h.id), ['b:0']);
    assert.equal(fake.asked.length, 1);
    assert.deepEqual(fake.asked[0].columns, ['id', 'file_key', 'text']);
  });

  it('an answer that arrives after the index changed is given but not kept, nor waited for again', async () => {
    const fake = new FakeTable(rows);
    const cache = new ContextCache();
    fake.hold();
    const stale = cache.similarTexts(table(fake), 'alpha', 6);
    const staleTexts = cache.textHits(table(fake), ['a:0']);
    cache.dropFile('/ws/a.ts');
    // Asked again after the change: a search of its own, not the one under way.
    const fresh = cache.similarTexts(table(fake), 'alpha', 6);
    fake.release();
    assert.deepEqual((await stale).map((h) => h.id), ['a:0']);
    assert.equal((await staleTexts).get('a:0')?.text, 'function alpha() {}');
    await fresh;
    assert.equal(fake.asked.filter((q) => q.kind === 'fts').length, 2);
    // The fresh answer is kept; the stale text was not: asking again reads it anew.
    await cache.similarTexts(table(fake), 'alpha', 6);
    assert.equal(fake.asked.filter((q) => q.kind === 'fts').length, 2);
    await cache.textHits(table(fake), ['a:0']);
    assert.equal(fake.asked.filter((q) => q.kind === 'ids').length, 2);
  });
});
