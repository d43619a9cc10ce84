import type { Table } from '@lancedb/lancedb';

/**
 * Every chunk row's `columns`, in a stable order (file, start line, id). The table's own order
 * depends on how the parallel index run batched its writes; sorted, a seed picks the same
 * sample every run.
 */
export async function sortedChunkRecords(chunks: Table, columns: string[]): Promise<Record<string, unknown>[]> {
  const raw = (await chunks.query().select(columns).toArray()) as Record<string, unknown>[];
  const key = (r: Record<string, unknown>) => String(r.file_key);
  return raw.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : Number(a.start_line) - Number(b.start_line) || (String(a.id) < String(b.id) ? -1 : 1)));
}
