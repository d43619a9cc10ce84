import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../../src/engine/engine';
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
