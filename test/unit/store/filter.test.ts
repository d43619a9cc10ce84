import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { inList, sqlString } from '../../../src/engine/store/filter';
import { loadLanceDb } from '../../../src/engine/store/lancedbModule';
import { makeTmp, removeTmp } from '../../support/indexKit';

/** Values a path, a symbol or a user filter can hold, several shaped as injections. */
const NASTY = [
  'plain.ts',
  "it's.ts",
  "x' OR '1'='1.ts",
  "'; DROP TABLE chunks; --",
  "a' OR 1=1 --",
  "''",
  "'",
  'back\\slash.ts',
  'ends-with-backslash\\',
  "\\' OR '1'='1",
  '100%.ts',
  '_%_',
  'dq"quoted".ts',
  'naïve été.ts',
  '✓ 😀.ts',
  'tab\there',
  'new\nline',
  '',
];

describe('store filter literals', () => {
  describe('sqlString', () => {
    it('quotes and doubles single quotes, and changes nothing else', () => {
      assert.equal(sqlString('plain'), "'plain'");
      assert.equal(sqlString("it's"), "'it''s'");
      assert.equal(sqlString("x' OR '1'='1"), "'x'' OR ''1''=''1'");
      assert.equal(sqlString("'; DROP TABLE chunks; --"), "'''; DROP TABLE chunks; --'");
      assert.equal(sqlString("''"), "''''''");
      assert.equal(sqlString('a\\b'), "'a\\b'");
      assert.equal(sqlString('100%'), "'100%'");
      assert.equal(sqlString('naïve'), "'naïve'");
      assert.equal(sqlString(''), "''");
    });

    it('never lets a quote end the literal early', () => {
      for (const v of NASTY) {
        const lit = sqlString(v);
        assert.ok(lit.startsWith("'") && lit.endsWith("'"), v);
        // Inside the literal every quote is doubled: removing the pairs leaves none.
        assert.ok(!lit.slice(1, -1).replace(/''/g, '').includes("'"), v);
      }
    });

    it('refuses a NUL character', () => {
      assert.throws(() => sqlString('a\0b'), /NUL/);
    });
  });

  describe('inList', () => {
    it('builds a parenthesised list of literals', () => {
      assert.equal(inList(['a']), "('a')");
      assert.equal(inList(["a'b", 'c']), "('a''b', 'c')");
      assert.equal(inList(["') OR ('1'='1"]), "(''') OR (''1''=''1')");
    });

    it('refuses an empty list (IN () is not valid SQL) and NUL characters', () => {
      assert.throws(() => inList([]), /at least one/);
      assert.throws(() => inList(['ok', 'bad\0']), /NUL/);
    });
  });

  describe('against LanceDB', function () {
    this.timeout(30_000);
    let tmp: string;

    before(() => {
      tmp = makeTmp('filter');
    });
    after(() => removeTmp(tmp));

    it('each value matches exactly its own row, in = and IN filters, and deletes remove only it', async () => {
      const db = await loadLanceDb().connect(path.join(tmp, 'db'));
      const rows = NASTY.map((v, i) => ({ i, v }));
      const table = await db.createTable('t', rows);
      try {
        for (const { i, v } of rows) {
          const eq = (await table.query().where(`v = ${sqlString(v)}`).toArray()) as { i: number }[];
          assert.deepEqual(eq.map((r) => r.i), [i], JSON.stringify(v));
          assert.equal(await table.countRows(`v IN ${inList([v, 'no such value'])}`), 1, JSON.stringify(v));
        }
        const several = (await table.query().where(`v IN ${inList(NASTY.slice(0, 6))}`).toArray()) as { i: number }[];
        assert.deepEqual(several.map((r) => r.i).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);

        await table.delete(`v IN ${inList(["x' OR '1'='1.ts"])}`);
        await table.delete(`v = ${sqlString("a' OR 1=1 --")}`);
        await table.delete(`v = ${sqlString("\\' OR '1'='1")}`);
        assert.equal(await table.countRows(), NASTY.length - 3);
        const left = ((await table.query().toArray()) as { v: string }[]).map((r) => r.v).sort();
        const expected = NASTY.filter((v) => !["x' OR '1'='1.ts", "a' OR 1=1 --", "\\' OR '1'='1"].includes(v)).sort();
        assert.deepEqual(left, expected);
      } finally {
        table.close();
        db.close();
      }
    });
  });
});
