import type { Chunk } from './chunk';

export interface LineRange {
  /** 0-based rows, inclusive. */
  start: number;
  end: number;
}

/**
 * Chunks for the lines no symbol covers (imports, top-level statements), so that every
 * line of a file is searchable. Runs of blank lines are dropped; long runs are split.
 */
export function blockChunks(lines: string[], covered: LineRange[], maxLines: number): Chunk[] {
  const isCovered = new Uint8Array(lines.length);
  for (const r of covered) isCovered.fill(1, Math.max(0, r.start), Math.min(lines.length, r.end + 1));
  const out: Chunk[] = [];
  let row = 0;
  while (row < lines.length) {
    if (isCovered[row] || lines[row].trim() === '') {
      row++;
      continue;
    }
    let end = row;
    let lastText = row;
    while (end + 1 < lines.length && !isCovered[end + 1] && end + 1 - row < maxLines) {
      end++;
      if (lines[end].trim() !== '') lastText = end;
    }
    out.push(block(lines, row, lastText));
    row = end + 1;
  }
  return out;
}

function block(lines: string[], start: number, end: number): Chunk {
  return {
    kind: 'block',
    shape: 'block',
    name: '',
    qualifiedName: '',
    parent: '',
    startLine: start + 1,
    endLine: end + 1,
    signature: '',
    doc: '',
    text: lines.slice(start, end + 1).join('\n'),
    refs: [],
  };
}
