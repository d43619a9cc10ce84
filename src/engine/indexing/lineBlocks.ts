import type { Chunk } from './chunk';

export interface LineRange {
  /** 0-based rows, inclusive. */
  start: number;
  end: number;
}

/**
 * A file's text and its lines (split at `\n`, a trailing `\r` dropped). rows() is the same
 * as joining lines again, but when no line lost a `\r` it cuts the text instead, which V8
 * does without copying: joining copied every chunk's text, a class's twice (with its
 * methods'), 145 MB per 10k files. A cut keeps the whole file alive as long as the chunk,
 * which a parse worker drops once it has encoded the file's rows.
 */
export class FileLines {
  /** Where each line starts in `text`, when cutting is exact. */
  private readonly starts: number[] | undefined;

  constructor(
    readonly text: string,
    readonly lines: string[],
  ) {
    if (text.includes('\r')) return;
    const starts = new Array<number>(lines.length);
    let at = 0;
    for (let i = 0; i < lines.length; i++) {
      starts[i] = at;
      at += lines[i].length + 1;
    }
    if (at === text.length + 1) this.starts = starts;
  }

  /** Rows `start` to `end` (0-based, inclusive), joined by newlines. */
  rows(start: number, end: number): string {
    const { starts, lines } = this;
    if (starts === undefined) return lines.slice(start, end + 1).join('\n');
    const last = Math.min(end, lines.length - 1);
    if (start > last) return '';
    return this.text.slice(starts[start], starts[last] + lines[last].length);
  }
}

/**
 * Chunks for the lines no symbol covers (imports, top-level statements), so that every
 * line of a file is searchable. Runs of blank lines are dropped; long runs are split.
 */
export function blockChunks(file: FileLines, covered: LineRange[], maxLines: number): Chunk[] {
  const { lines } = file;
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
    out.push(block(file, row, lastText));
    row = end + 1;
  }
  return out;
}

function block(file: FileLines, start: number, end: number): Chunk {
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
    text: file.rows(start, end),
    refs: [],
  };
}
