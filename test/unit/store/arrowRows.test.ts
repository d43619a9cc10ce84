import { strict as assert } from 'node:assert';
import { Bool, Field, Float64, Int32, LargeUtf8, List, Schema, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { blocksToTable, columnsOf, rowsToTable, schemaOf, stringColumn } from '../../../src/engine/store/arrowRows';
import { CHUNK_COLUMNS, encodeRows, NO_ROWS, transferables } from '../../../src/engine/store/columns';
import { columnStrings } from '../../support/indexKit';
import { CHUNKS_SCHEMA } from '../../../src/engine/store/schema';

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

  it('sizes four-byte characters (two UTF-16 units each) exactly', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ s: '🚀'.repeat(1000 + i), i, f: i, b: i % 2 === 0, l: [String(i)] }));
    const table = rowsToTable(schema, rows);
    assert.equal(table.get(49)?.toJSON().s, '🚀'.repeat(1049));
    assert.equal(table.get(0)?.toJSON().s, '🚀'.repeat(1000));
  });

  it('names the column and row of a value of the wrong type', () => {
    assert.throws(() => rowsToTable(schema, [{ s: 3, i: 0, f: 0, b: false, l: [] }]), /column s row 0 is not a string/);
  });

  describe('encoded blocks', () => {
    const plain = (t: ReturnType<typeof rowsToTable>) =>
      t.toArray().map((r) => {
        const o = r.toJSON() as Record<string, unknown>;
        return { ...o, l: Array.from(o.l as Iterable<string>) };
      });
    const rows = Array.from({ length: 23 }, (_, i) => ({
      s: i % 5 === 0 ? '' : `row ${i} ${'é'.repeat(i)} 🚀`,
      i: i * 7 - 50,
      f: i / 3,
      b: i % 3 === 0,
      l: Array.from({ length: i % 4 }, (_, k) => `r${i}k${k}`),
    }));
    const columns = columnsOf(schema);

    it('concatenate into the same table as the rows written at once, whatever the split', () => {
      const whole = plain(rowsToTable(schema, rows));
      assert.deepEqual(whole, rows);
      // Splits at odd sizes put bool bits and list offsets across byte and block boundaries.
      for (const cuts of [[1], [3, 9, 10], [7, 7, 15, 22]]) {
        const bounds = [0, ...cuts, rows.length];
        const blocks = bounds.slice(1).map((end, k) => encodeRows(columns, rows.slice(bounds[k], end)));
        assert.deepEqual(plain(blocksToTable(schema, [NO_ROWS, ...blocks, NO_ROWS])), whole, `cuts ${cuts.join(',')}`);
      }
    });

    it('make an empty table from no rows', () => {
      const t = blocksToTable(schema, [NO_ROWS]);
      assert.equal(t.numRows, 0);
      assert.equal(t.schema.fields.length, schema.fields.length);
    });

    it('refuse a block whose column kinds do not match the schema', () => {
      const other = new Schema([new Field('s', new Int32(), false), ...schema.fields.slice(1)]);
      const block = encodeRows(columns, rows.slice(0, 2));
      assert.throws(() => blocksToTable(other, [block]), /column s holds utf8 values, not int32/);
    });

    it('hand out each buffer once for transfer, and every one of them', () => {
      const block = encodeRows(columns, rows);
      const buffers = transferables(block);
      assert.equal(new Set(buffers).size, buffers.length);
      // utf8: offsets + bytes; int32, float64, bool: values; strings: counts + item offsets + item bytes.
      assert.equal(buffers.length, 2 + 1 + 1 + 1 + 3);
      const moved = structuredClone(block, { transfer: buffers });
      assert.deepEqual(plain(blocksToTable(schema, [moved])), rows);
      assert.equal(block.columns.every((c) => (c.kind === 'utf8' ? c.bytes.byteLength === 0 : true)), true, 'the sender keeps nothing');
    });

    it('encode lone surrogates as the replacement character, like any UTF-8 encoder', () => {
      const odd = [{ ...rows[1], s: 'a\ud800b' }];
      assert.equal(columnStrings(columns, encodeRows(columns, odd), 's')[0], 'a\ufffdb');
    });

    it('describe the chunks table: CHUNKS_SCHEMA is built from CHUNK_COLUMNS', () => {
      assert.deepEqual(columnsOf(CHUNKS_SCHEMA), CHUNK_COLUMNS);
      assert.deepEqual(columnsOf(schemaOf(CHUNK_COLUMNS)), CHUNK_COLUMNS);
    });
  });
});

describe('stringColumn', () => {
  const schema = new Schema([new Field('s', new Utf8(), true)]);
  const values = ['', 'plain ascii', 'naïve "été"', 'x'.repeat(40), '漢字 🚀', 'plain ascii', 'src/a b.ts'];

  it('decodes every value as Arrow does, over several batches, ASCII or not', () => {
    // One batch all ASCII (decoded once and sliced), one mixed (value by value), one empty.
    const batches = [values.filter((v) => /^[\x00-\x7f]*$/.test(v)), values, []];
    const table = new Table(batches.map((b) => rowsToTable(schema, b.map((s) => ({ s }))).batches[0]));
    const vector = table.getChild('s');
    assert.deepEqual(stringColumn(vector), Array.from(vector!.toArray() as string[]));
    assert.deepEqual(stringColumn(vector), [...batches[0], ...values]);
  });

  it('reads a null as the empty string', () => {
    const vector = vectorFromArray(['a', null, 'ü'], new Utf8());
    assert.deepEqual(stringColumn(vector), ['a', '', 'ü']);
  });

  it('pools repeated values: the pool holds each distinct value once, across columns', () => {
    const pool = new Map<string, string>();
    const a = stringColumn(rowsToTable(schema, values.map((s) => ({ s }))).getChild('s'), pool);
    const b = stringColumn(rowsToTable(schema, [{ s: 'plain ascii' }]).getChild('s'), pool);
    assert.deepEqual(a, values);
    assert.equal(pool.size, new Set(values).size);
    assert.equal(pool.get('plain ascii'), a[1]);
    assert.equal(b[0], pool.get('plain ascii'));
  });

  it('reads a column of another type through Arrow: large strings, numbers', () => {
    const pool = new Map<string, string>();
    assert.deepEqual(stringColumn(vectorFromArray(['a', null, 'ü', 'a'], new LargeUtf8()), pool), ['a', '', 'ü', 'a']);
    assert.deepEqual([...pool.keys()], ['a', '', 'ü']);
    assert.deepEqual(stringColumn(vectorFromArray([1, 2], new Int32())), ['1', '2']);
  });

  it('reads a missing column as no values', () => {
    assert.deepEqual(stringColumn(null), []);
  });
});
