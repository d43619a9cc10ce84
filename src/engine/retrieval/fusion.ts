/** A retrieved chunk as fusion sees it: identity and place. */
export interface Ranked {
  id: string;
  fileKey: string;
  startLine: number;
  endLine: number;
  /** An outline holds only member signatures, so it never hides a member's own chunk. */
  shape?: string;
}

export interface RankedList<T extends Ranked> {
  items: T[];
  /** How much a rank in this list counts; 1 is the norm. */
  weight: number;
}

/** The usual RRF constant: dampens the gap between the first few ranks. */
const RRF_K = 60;

/**
 * Reciprocal-rank fusion: each list contributes weight / (k + rank) for every item it holds.
 * Rank-based, so BM25 scores, cosine distances and exact symbol hits mix without calibration.
 */
export function fuse<T extends Ranked>(lists: RankedList<T>[]): { item: T; score: number }[] {
  const byId = new Map<string, { item: T; score: number }>();
  for (const list of lists) {
    list.items.forEach((item, rank) => {
      const add = list.weight / (RRF_K + rank + 1);
      const prior = byId.get(item.id);
      if (prior) prior.score += add;
      else byId.set(item.id, { item, score: add });
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || a.item.id.localeCompare(b.item.id));
}

/**
 * Walks a best-first list and drops an item that overlaps a better one from the same file
 * (a method inside a class chunk already shown, a part of a function already shown), then
 * keeps at most `perFile` items per file.
 */
export function dedupe<T extends Ranked>(ranked: T[], perFile: number): T[] {
  const kept: T[] = [];
  const byFile = new Map<string, T[]>();
  for (const item of ranked) {
    const same = byFile.get(item.fileKey) ?? [];
    if (same.length >= perFile) continue;
    if (same.some((k) => overlaps(k, item))) continue;
    same.push(item);
    byFile.set(item.fileKey, same);
    kept.push(item);
  }
  return kept;
}

/** Containment either way, or more than half of the shorter range shared. */
function overlaps(a: Ranked, b: Ranked): boolean {
  if (a.shape === 'outline' || b.shape === 'outline') return false;
  const shared = Math.min(a.endLine, b.endLine) - Math.max(a.startLine, b.startLine) + 1;
  if (shared <= 0) return false;
  const shorter = Math.min(a.endLine - a.startLine, b.endLine - b.startLine) + 1;
  return shared * 2 > shorter;
}
