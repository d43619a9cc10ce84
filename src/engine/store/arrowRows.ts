import { Bool, Data, Field, Float32, Float64, FixedSizeList, Int32, List, RecordBatch, Schema, Struct, Table, Utf8, makeData, type DataType, type Vector } from 'apache-arrow';
import { isAscii } from 'node:buffer';
import { encodeRows, type ColumnBlock, type ColumnKind, type ColumnSpec, type RowBlock, type Utf8Block } from './columns';

/** The Arrow schema of a column list. */
export function schemaOf(columns: readonly ColumnSpec[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, arrowType(c.kind), false)));
}

function arrowType(kind: ColumnKind): DataType {
  if (kind === 'utf8') return new Utf8();
  if (kind === 'int32') return new Int32();
  if (kind === 'float64') return new Float64();
  if (kind === 'bool') return new Bool();
  if (kind === 'strings') return new List(new Field('item', new Utf8(), true));
  return new FixedSizeList(kind.vector, new Field('item', new Float32(), true));
}

/** The column list of an Arrow schema (the inverse of schemaOf). */
export function columnsOf(schema: Schema): ColumnSpec[] {
  return schema.fields.map((f) => ({ name: f.name, kind: kindOf(f) }));
}

function kindOf(field: Field): ColumnKind {
  const type: DataType = field.type;
  if (type instanceof Utf8) return 'utf8';
  if (type instanceof Int32) return 'int32';
  if (type instanceof Float64) return 'float64';
  if (type instanceof Bool) return 'bool';
  if (type instanceof List && type.valueType instanceof Utf8) return 'strings';
  if (type instanceof FixedSizeList && type.valueType instanceof Float32) return { vector: type.listSize };
  throw new Error(`rowsToTable: column ${field.name} has an unsupported type ${String(type)}`);
}

/**
 * Rows → Arrow, column by column into flat buffers. LanceDB's own conversion of plain
 * objects goes through generic builders and took more CPU than the native write itself on
 * a cold index; this writes each string once into one byte buffer.
 */
export function rowsToTable<R extends object>(schema: Schema, rows: readonly R[]): Table {
  return blocksToTable(schema, [encodeRows(columnsOf(schema), rows)]);
}

/** Encoded blocks → one Arrow record batch: bytes are copied, strings never decoded. */
export function blocksToTable(schema: Schema, blocks: readonly RowBlock[]): Table {
  const parts = blocks.filter((b) => b.length > 0);
  const length = parts.reduce((n, b) => n + b.length, 0);
  const children = schema.fields.map((field, i) => {
    const cols = parts.map((b) => b.columns[i]);
    if (cols.some((c) => c === undefined)) throw new Error(`blocksToTable: a block has no column ${field.name}`);
    return columnData(field, cols, length);
  });
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new Table(schema, new RecordBatch(schema, data));
}

function columnData(field: Field, cols: ColumnBlock[], length: number): Data {
  const type: DataType = field.type;
  const kind = kindOf(field);
  const expected = typeof kind === 'string' ? kind : 'vector';
  for (const c of cols) if (c.kind !== expected) throw new Error(`blocksToTable: column ${field.name} holds ${c.kind} values, not ${expected}`);
  if (kind === 'utf8') return utf8Data(cols as Utf8Block[], length);
  if (kind === 'int32') return makeData({ type: type as Int32, length, nullCount: 0, data: concat(Int32Array, cols.map((c) => (c as { values: Int32Array }).values)) });
  if (kind === 'float64') return makeData({ type: type as Float64, length, nullCount: 0, data: concat(Float64Array, cols.map((c) => (c as { values: Float64Array }).values)) });
  if (kind === 'bool') {
    const bits = new Uint8Array(Math.ceil(length / 8));
    let row = 0;
    for (const c of cols as { values: Uint8Array }[]) {
      for (let i = 0; i < c.values.length; i++, row++) if (c.values[i]) bits[row >> 3] |= 1 << (row & 7);
    }
    return makeData({ type: type as Bool, length, nullCount: 0, data: bits });
  }
  if (kind === 'strings') {
    const lists = cols as { counts: Int32Array; items: Utf8Block }[];
    const offsets = new Int32Array(length + 1);
    let row = 0;
    for (const l of lists) for (let i = 0; i < l.counts.length; i++, row++) offsets[row + 1] = offsets[row] + l.counts[i];
    const child = utf8Data(lists.map((l) => l.items), offsets[length]);
    return makeData({ type: type as List<Utf8>, length, nullCount: 0, valueOffsets: offsets, child });
  }
  const flat = concat(Float32Array, cols.map((c) => (c as { values: Float32Array }).values));
  const child = makeData({ type: new Float32(), length: flat.length, nullCount: 0, data: flat });
  return makeData({ type: type as FixedSizeList<Float32>, length, nullCount: 0, child });
}

function utf8Data(parts: readonly Utf8Block[], length: number): Data<Utf8> {
  if (parts.length === 1) return makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: parts[0].offsets, data: parts[0].bytes });
  const size = parts.reduce((n, p) => n + p.bytes.length, 0);
  if (size > 2 ** 31 - 1) throw new Error('blocksToTable: a string column exceeds 2 GiB in one write; write fewer rows at a time');
  const offsets = new Int32Array(length + 1);
  const bytes = new Uint8Array(size);
  let row = 0;
  let at = 0;
  for (const p of parts) {
    const n = p.offsets.length - 1;
    for (let i = 1; i <= n; i++) offsets[row + i] = at + p.offsets[i];
    bytes.set(p.bytes, at);
    row += n;
    at += p.bytes.length;
  }
  return makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data: bytes });
}

function concat<T extends Int32Array | Float64Array | Float32Array>(Ctor: new (n: number) => T, parts: readonly T[]): T {
  if (parts.length === 1) return parts[0];
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

/** A list<utf8> cell as LanceDB returns it (an Arrow vector, or an array) → strings. */
export function toStrings(value: unknown): string[] {
  if (!value) return [];
  if (Array.isArray(value)) return value.map(String);
  const v = value as { toArray?: () => unknown[] };
  return typeof v.toArray === 'function' ? Array.from(v.toArray(), String) : [];
}

/**
 * A utf8 column → strings, decoded a batch at a time. Arrow's own toArray() decodes value by
 * value through a TextDecoder, which took ≈0.8 s for the symbol columns of a 200k-chunk index
 * in every fresh process. A batch whose bytes are all ASCII (nearly every batch of code) is
 * decoded once and sliced; any other batch value by value.
 *
 * `pool` keeps one copy of each distinct value, for columns where many rows repeat a few
 * values (file keys, kinds, names). Those copies are decoded on their own, so they do not
 * hold on to the batch's whole text the way a slice does.
 */
export function stringColumn(vector: Vector | null, pool?: Map<string, string>): string[] {
  if (!vector) return [];
  if (!vector.data.every((d) => d.type instanceof Utf8)) {
    // Another type (large strings, say, from other Arrow tooling): Arrow's own decoding.
    return Array.from(vector.toArray() as ArrayLike<unknown>, (v) => {
      const s = v === null || v === undefined ? '' : String(v);
      return pool ? (pool.get(s) ?? remember(pool, s)) : s;
    });
  }
  const out = new Array<string>(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const offsets = data.valueOffsets;
    const values = data.values as Uint8Array;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    const base = offsets[0];
    const end = offsets[data.length];
    const whole = isAscii(bytes.subarray(base, end)) ? bytes.toString('latin1', base, end) : undefined;
    for (let i = 0; i < data.length; i++) {
      if (data.nullCount > 0 && !data.getValid(i)) {
        out[at++] = '';
        continue;
      }
      const from = offsets[i];
      const to = offsets[i + 1];
      const s = whole !== undefined ? whole.slice(from - base, to - base) : bytes.toString('utf8', from, to);
      // A slice of `whole` would pin it: the pool keeps a copy of its own.
      out[at++] = pool ? (pool.get(s) ?? remember(pool, whole !== undefined ? bytes.toString('latin1', from, to) : s)) : s;
    }
  }
  return out;
}

function remember(pool: Map<string, string>, s: string): string {
  pool.set(s, s);
  return s;
}
