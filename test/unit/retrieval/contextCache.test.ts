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

  it('a full index run empties it', async () => {
    fs.writeFileSync(path.join(ws, 'src/tax.ts'), 'export function priceWithTax(cents: number): number {\n  return cents * 1.5;\n}\n');
    await engine.index([{ root: ws, source: 'workspace' }]);
    assert.match((await definition()) ?? '', /cents \* 1\.5/);
  });
});
