/**
 * Table columns as plain data, and rows encoded column by column into flat typed arrays.
 * No Arrow here: the parse workers import this, and the Arrow library would only add to
 * their heap. schema.ts builds the Arrow schemas from these lists; arrowRows.ts turns
 * encoded blocks into Arrow tables.
 *
 * A parse worker encodes its file's rows into one block and transfers the buffers, so the
 * indexer's main thread never holds row objects or their strings: it only concatenates
 * blocks into Arrow columns. On the 10k-file benchmark, structured-cloning row objects and
 * building Arrow from them on the main thread cost several seconds of CPU and left ≈100 MB
 * of garbage on its heap.
 */

export type ColumnKind = 'utf8' | 'int32' | 'float64' | 'bool' | 'strings' | { vector: number };

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}

/** Column names are snake_case: unquoted SQL identifiers in LanceDB filters fold case. */
export const CHUNK_COLUMNS: readonly ColumnSpec[] = [
  ...utf8('id', 'file_key', 'root', 'path', 'source', 'language', 'kind', 'shape', 'name', 'qualified_name', 'parent'),
  { name: 'start_line', kind: 'int32' },
  { name: 'end_line', kind: 'int32' },
  ...utf8('signature', 'doc', 'text'),
  { name: 'refs', kind: 'strings' },
  ...utf8('search_text', 'file_hash', 'text_hash'),
];

export const FILE_COLUMNS: readonly ColumnSpec[] = [
  ...utf8('file_key', 'root', 'path', 'source', 'language', 'hash'),
  { name: 'size', kind: 'float64' },
  { name: 'mtime_ms', kind: 'float64' },
  { name: 'chunk_count', kind: 'int32' },
  ...utf8('status', 'skip_reason'),
  { name: 'has_errors', kind: 'bool' },
  { name: 'redactions', kind: 'int32' },
  { name: 'imports', kind: 'strings' },
  ...utf8('package'),
];

function utf8(...names: string[]): ColumnSpec[] {
  return names.map((name) => ({ name, kind: 'utf8' }));
}

export interface Utf8Block {
  /** length + 1 byte offsets into bytes. */
  offsets: Int32Array;
  bytes: Uint8Array;
}

export type ColumnBlock =
  | ({ kind: 'utf8' } & Utf8Block)
  | { kind: 'int32'; values: Int32Array }
  | { kind: 'float64'; values: Float64Array }
  /** One byte per row (bit-packed only when the Arrow column is built). */
  | { kind: 'bool'; values: Uint8Array }
  /** A list of strings per row: each row's item count, and the items of all rows in order. */
  | { kind: 'strings'; counts: Int32Array; items: Utf8Block }
  /** Fixed-size float vectors, row after row. */
  | { kind: 'vector'; values: Float32Array };

export interface RowBlock {
  length: number;
  /** One entry per column, in column order; empty when length is 0. */
  columns: ColumnBlock[];
}

export const NO_ROWS: RowBlock = Object.freeze({ length: 0, columns: Object.freeze([]) as unknown as ColumnBlock[] });

/** Encodes plain row objects (column name → value). */
export function encodeRows<R extends object>(columns: readonly ColumnSpec[], rows: readonly R[]): RowBlock {
  if (rows.length === 0) return NO_ROWS;
  return { length: rows.length, columns: columns.map((c) => encodeColumn(c, rows.map((r) => (r as Record<string, unknown>)[c.name]))) };
}

/** The buffers of a block, for a postMessage transfer list. */
export function transferables(block: RowBlock): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView) => {
    if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  for (const c of block.columns) {
    if (c.kind === 'utf8') {
      add(c.offsets);
      add(c.bytes);
    } else if (c.kind === 'strings') {
      add(c.counts);
      add(c.items.offsets);
      add(c.items.bytes);
    } else add(c.values);
  }
  return [...out];
}

/** Arrow's utf8 offsets are 32-bit. */
const MAX_BYTES = 2 ** 31 - 1;

function encodeColumn(spec: ColumnSpec, values: unknown[]): ColumnBlock {
  const { name, kind } = spec;
  if (kind === 'utf8') return { kind, ...encodeStrings(values, name) };
  if (kind === 'int32') return { kind, values: Int32Array.from(values as number[]) };
  if (kind === 'float64') return { kind, values: Float64Array.from(values as number[]) };
  if (kind === 'bool') return { kind, values: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
  if (kind === 'strings') {
    const counts = new Int32Array(values.length);
    const flat: unknown[] = [];
    values.forEach((v, i) => {
      if (!Array.isArray(v)) throw new Error(`rowsToTable: column ${name} row ${i} is not a list`);
      for (const s of v) flat.push(s);
      counts[i] = v.length;
    });
    return { kind, counts, items: encodeStrings(flat, name) };
  }
  const dim = kind.vector;
  const flat = new Float32Array(values.length * dim);
  values.forEach((v, i) => {
    const vec = v as ArrayLike<number>;
    if (vec?.length !== dim) throw new Error(`rowsToTable: column ${name} row ${i} has ${vec?.length} values, not ${dim}`);
    flat.set(vec, i * dim);
  });
  return { kind: 'vector', values: flat };
}

/** Where strings are encoded before their exact-size copy; grows to the largest column seen. */
let scratch = Buffer.alloc(1 << 20);

function encodeStrings(values: readonly unknown[], name: string): Utf8Block {
  const offsets = new Int32Array(values.length + 1);
  let size = 0;
  // One encoding pass into the scratch buffer, then one copy of exactly the bytes: blocks are
  // transferred as they are. (Measuring each string first, then encoding it, went over every
  // string twice.)
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string') throw new Error(`rowsToTable: column ${name} row ${i} is not a string`);
    // A UTF-16 unit takes at most three UTF-8 bytes.
    const room = size + 3 * v.length;
    if (room > MAX_BYTES) {
      const total = size + Buffer.byteLength(v, 'utf8');
      if (total > MAX_BYTES) throw new Error(`rowsToTable: column ${name} holds more than 2 GiB; write fewer rows at a time`);
    }
    if (room > scratch.length) {
      const grown = Buffer.alloc(Math.min(MAX_BYTES, Math.max(room, 2 * scratch.length)));
      scratch.copy(grown, 0, 0, size);
      scratch = grown;
    }
    size += scratch.write(v, size, 'utf8');
    offsets[i + 1] = size;
  }
  const bytes = new Uint8Array(size);
  bytes.set(scratch.subarray(0, size));
  return { offsets, bytes };
}
