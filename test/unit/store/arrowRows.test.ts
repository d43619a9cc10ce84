import { strict as assert } from 'node:assert';
import { Bool, Field, Float64, Int32, List, Schema, Utf8 } from 'apache-arrow';
import { rowsToTable } from '../../../src/engine/store/arrowRows';

describe('rowsToTable', () => {
  const schema = new Schema([
    new Field('s', new Utf8(), false),
    new Field('i', new Int32(), false),
    new Field('f', new Float64(), false),
    new Field('b', new Bool(), false),
    new Field('l', new List(new Field('item', new Utf8(), true)), false),
  ]);

  it('round-trips strings of every width, numbers, booleans and string lists', () => {
    const rows = [
      { s: '', i: -1, f: 1.5, b: true, l: [] },
      { s: 'naïve "été" \\ 100% — 🚀', i: 2 ** 31 - 1, f: 1732838400123.25, b: false, l: ['a', '', 'ü'] },
      { s: 'x'.repeat(10_000) + '漢字', i: 0, f: -0.5, b: true, l: ['only'] },
    ];
    const table = rowsToTable(schema, rows);
    assert.equal(table.numRows, 3);
    const back = table.toArray().map((r) => {
      const o = r.toJSON() as Record<string, unknown>;
      return { ...o, l: Array.from(o.l as Iterable<string>) };
    });
    assert.deepEqual(back, rows);
  });

  it('grows its byte buffer past the first estimate', () => {
    // Four-byte characters are two UTF-16 units each: the estimate of 1.2 bytes per unit is short.
    const rows = Array.from({ length: 50 }, (_, i) => ({ s: '🚀'.repeat(1000 + i), i, f: i, b: i % 2 === 0, l: [String(i)] }));
    const table = rowsToTable(schema, rows);
    assert.equal(table.get(49)?.toJSON().s, '🚀'.repeat(1049));
    assert.equal(table.get(0)?.toJSON().s, '🚀'.repeat(1000));
  });

  it('names the column and row of a value of the wrong type', () => {
    assert.throws(() => rowsToTable(schema, [{ s: 3, i: 0, f: 0, b: false, l: [] }]), /column s row 0 is not a string/);
  });
});
