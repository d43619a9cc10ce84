import type { Chunk } from './chunk';

interface Heading {
  row: number;
  level: number;
  title: string;
  /** Rows the heading itself occupies (2 for setext underlines). */
  height: number;
}

/**
 * Markdown has no grammar among ours; design docs and conventions are chunked by heading
 * instead. Each heading opens a section that runs to the next heading; the qualified name
 * is the heading path (`Guide > Errors`). Headings inside fenced code do not count.
 */
export function chunkMarkdown(lines: string[], maxLines: number): Chunk[] {
  const headings = findHeadings(lines);
  const chunks: Chunk[] = [];
  const path: Heading[] = [];
  const firstRow = headings.length ? headings[0].row : lines.length;
  pushSection(chunks, lines, 0, firstRow - 1, undefined, [], maxLines);
  headings.forEach((h, i) => {
    while (path.length && path[path.length - 1].level >= h.level) path.pop();
    const parents = path.map((p) => p.title);
    path.push(h);
    const end = i + 1 < headings.length ? headings[i + 1].row - 1 : lines.length - 1;
    pushSection(chunks, lines, h.row, end, h, parents, maxLines);
  });
  return chunks;
}

function findHeadings(lines: string[]): Heading[] {
  const out: Heading[] = [];
  let fence: string | undefined;
  for (let row = 0; row < lines.length; row++) {
    const line = lines[row];
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1];
      if (!fence) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      continue;
    }
    if (fence) continue;
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (atx) {
      out.push({ row, level: atx[1].length, title: atx[2].trim(), height: 1 });
      continue;
    }
    const next = lines[row + 1];
    if (next !== undefined && line.trim() !== '' && /^\s{0,3}(=+|-+)\s*$/.test(next) && !/^\s{0,3}([-*+]\s|>|\d+[.)]\s)/.test(line)) {
      out.push({ row, level: next.trim()[0] === '=' ? 1 : 2, title: line.trim(), height: 2 });
      row++;
    }
  }
  return out;
}

function pushSection(
  out: Chunk[],
  lines: string[],
  start: number,
  end: number,
  heading: Heading | undefined,
  parents: string[],
  maxLines: number,
): void {
  while (end >= start && lines[end].trim() === '') end--;
  if (end < start || (!heading && lines.slice(start, end + 1).every((l) => l.trim() === ''))) return;
  const name = heading?.title ?? '';
  const qualifiedName = [...parents, name].filter(Boolean).join(' > ');
  const signature = heading ? `${'#'.repeat(heading.level)} ${heading.title}` : '';
  for (let s = start; s <= end; s += maxLines) {
    const e = Math.min(end, s + maxLines - 1);
    const body = lines.slice(s, e + 1).join('\n');
    out.push({
      kind: heading ? 'section' : 'block',
      shape: heading ? (s === start && e === end ? 'whole' : 'part') : 'block',
      name,
      qualifiedName,
      parent: parents.join(' > '),
      startLine: s + 1,
      endLine: e + 1,
      signature,
      doc: '',
      text: s === start || !heading ? body : `${signature} …\n${body}`,
      refs: [],
    });
  }
}
