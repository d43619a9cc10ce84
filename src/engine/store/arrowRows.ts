import {
  Bool,
  Data,
  Field,
  Float32,
  Float64,
  FixedSizeList,
  Int32,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  type DataType,
} from 'apache-arrow';

/**
 * Rows → Arrow, column by column into flat buffers. LanceDB's own conversion of plain
 * objects goes through generic builders and took more CPU than the native write itself on
 * a cold index; this writes each string once into one growing byte buffer.
 */
export function rowsToTable<R extends object>(schema: Schema, rows: readonly R[]): Table {
  const children = schema.fields.map((field) => column(field, rows.map((r) => (r as Record<string, unknown>)[field.name])));
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new Table(schema, new RecordBatch(schema, data));
}

function column(field: Field, values: unknown[]): Data {
  const type: DataType = field.type;
  if (type instanceof Utf8) return utf8(values as string[], field.name);
  if (type instanceof Int32) return makeData({ type, length: values.length, nullCount: 0, data: Int32Array.from(values as number[]) });
  if (type instanceof Float64) return makeData({ type, length: values.length, nullCount: 0, data: Float64Array.from(values as number[]) });
  if (type instanceof Bool) {
    const bits = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((v, i) => {
      if (v) bits[i >> 3] |= 1 << (i & 7);
    });
    return makeData({ type, length: values.length, nullCount: 0, data: bits });
  }
  if (type instanceof FixedSizeList && type.valueType instanceof Float32) {
    const dim = type.listSize;
    const flat = new Float32Array(values.length * dim);
    values.forEach((v, i) => {
      const vec = v as ArrayLike<number>;
      if (vec.length !== dim) throw new Error(`rowsToTable: column ${field.name} row ${i} has ${vec.length} values, not ${dim}`);
      flat.set(vec, i * dim);
    });
    const child = makeData({ type: new Float32(), length: flat.length, nullCount: 0, data: flat });
    return makeData({ type, length: values.length, nullCount: 0, child });
  }
  if (type instanceof List && type.valueType instanceof Utf8) {
    const offsets = new Int32Array(values.length + 1);
    const flat: string[] = [];
    values.forEach((v, i) => {
      for (const s of v as string[]) flat.push(s);
      offsets[i + 1] = flat.length;
    });
    return makeData({ type, length: values.length, nullCount: 0, valueOffsets: offsets, child: utf8(flat, field.name) });
  }
  throw new Error(`rowsToTable: column ${field.name} has an unsupported type ${String(type)}`);
}

const encoder = new TextEncoder();

function utf8(values: readonly string[], name: string): Data<Utf8> {
  const offsets = new Int32Array(values.length + 1);
  // UTF-8 needs at most 3 bytes per UTF-16 unit; start from a guess and grow when needed.
  let buffer = new Uint8Array(Math.max(64, values.reduce((n, v) => n + v.length, 0) * 1.2));
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string') throw new Error(`rowsToTable: column ${name} row ${i} is not a string`);
    if (buffer.length - at < v.length * 3) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, at + v.length * 3));
      grown.set(buffer.subarray(0, at));
      buffer = grown;
    }
    at += encoder.encodeInto(v, buffer.subarray(at)).written;
    offsets[i + 1] = at;
  }
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data: buffer.subarray(0, at) });
}
