import type { Table } from '@lancedb/lancedb';
import picomatch from 'picomatch';
import { chunksByIds, fullText, matchesFilter, whereOf, type ChunkFilter, type ChunkHit } from './chunkQueries';
import { dedupe, fuse, type RankedList } from './fusion';
import { parseQuery, QueryError } from './queryText';
import type { SymbolEntry, SymbolIndex } from './symbolIndex';

export interface SearchOptions extends ChunkFilter {
  limit: number;
  /** Glob over the path relative to its root, e.g. `src/**\/*.ts`. */
  pathGlob?: string;
  /** At most this many results from one file (default 3). */
  perFile?: number;
}

export interface SearchHit extends ChunkHit {
  /** Qualified name, or the name, or '' for a line block. */
  symbol: string;
  score: number;
}

/** Nearest neighbours by embedding; present only when an embedding model is configured. */
export interface VectorSearch {
  search(query: string, filter: ChunkFilter, limit: number): Promise<ChunkHit[]>;
}

/** How much one rank in each list counts in the fusion. */
const WEIGHTS = { exactSymbol: 2, phraseSymbol: 0.5, prefixSymbol: 0.75, keyword: 1, vector: 1 };
const KIND_ORDER: Record<string, number> = { function: 0, method: 0, class: 1, interface: 1, struct: 1, trait: 1, enum: 1, type: 2, constant: 2, module: 3, impl: 3 };

/**
 * Hybrid search: BM25 over split identifiers, exact and prefix symbol lookup, and vectors
 * when an embedder is configured, fused by reciprocal rank, deduplicated and capped per file.
 */
export class Retriever {
  constructor(
    private readonly chunks: Table,
    private readonly symbols: SymbolIndex,
    private readonly vectors?: VectorSearch,
  ) {}

  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    const parsed = parseQuery(query);
    const limit = options.limit;
    const matchPath = compileGlob(options.pathGlob);
    const keep = (e: { path: string; source: string; language: string; kind: string }) => (!matchPath || matchPath(e.path)) && matchesFilter(e, options);
    // Over-fetch: the glob, dedupe and the per-file cap all drop candidates after retrieval.
    const depth = Math.max(40, limit * (matchPath ? 10 : 4));
    const filter: ChunkFilter = { source: options.source, language: options.language };

    const [keyword, vector] = await Promise.all([
      this.keywordEntries(parsed.words, filter, depth),
      this.vectors?.search(query, filter, depth) ?? Promise.resolve([]),
    ]);
    // In a sentence, symbol names are hints, not the question: matched case-sensitively and
    // weighted below the keyword list ("Return the URL…" is not about a `URL` constant).
    const phrase = parsed.single === undefined;
    const exact = rankSymbols(
      parsed.identifiers.flatMap((id) => (phrase ? this.symbols.exactCase(id) : this.symbols.exact(id))).filter(keep),
    );
    const prefix = parsed.single ? rankSymbols(this.symbols.prefix(parsed.single, 50).filter(keep)) : [];

    const lists: RankedList<SymbolEntry | ChunkHit>[] = [
      { items: exact, weight: phrase ? WEIGHTS.phraseSymbol : WEIGHTS.exactSymbol },
      { items: prefix, weight: WEIGHTS.prefixSymbol },
      { items: keyword.filter(keep), weight: WEIGHTS.keyword },
      { items: vector.filter(keep), weight: WEIGHTS.vector },
    ];
    const fused = fuse(lists);
    const scores = new Map(fused.map((f) => [f.item.id, f.score]));
    const top = dedupe(
      fused.map((f) => f.item),
      options.perFile ?? 3,
    ).slice(0, limit);

    const known = new Map<string, ChunkHit>();
    for (const h of vector) known.set(h.id, h);
    const missing = top.filter((t) => !known.has(t.id)).map((t) => t.id);
    if (missing.length) for (const [id, hit] of await chunksByIds(this.chunks, missing)) known.set(id, hit);
    return top.flatMap((t) => {
      const hit = known.get(t.id);
      // A symbol whose row vanished since the in-memory index loaded is simply left out.
      return hit ? [{ ...hit, symbol: hit.qualifiedName || hit.name, score: scores.get(t.id) ?? 0 }] : [];
    });
  }

  /**
   * The BM25 ranking as symbol entries: the query reads only ids and file keys, and the texts
   * are fetched for the few hits that survive fusion. Every column read is a cost per
   * candidate, and in object storage a ranged request per column and fragment (a shared
   * search went from 85 requests to about 30).
   */
  private async keywordEntries(words: string, filter: ChunkFilter, limit: number): Promise<SymbolEntry[]> {
    let q = fullText(this.chunks, words).select(['id', 'file_key']).limit(limit);
    const where = whereOf(filter);
    if (where) q = q.where(where);
    const rows = (await q.toArray()) as { id: string; file_key: string }[];
    const out: SymbolEntry[] = [];
    for (const r of rows) {
      const id = String(r.id);
      // A row the in-memory index does not know yet (written since it loaded) is left out.
      const entry = this.symbols.fileChunks(String(r.file_key)).find((e) => e.id === id);
      if (entry) out.push(entry);
    }
    return out;
  }
}

function rankSymbols(entries: readonly SymbolEntry[]): SymbolEntry[] {
  return [...new Set(entries)].sort(
    (a, b) => (KIND_ORDER[a.kind] ?? 4) - (KIND_ORDER[b.kind] ?? 4) || a.path.localeCompare(b.path) || a.startLine - b.startLine,
  );
}

function compileGlob(glob: string | undefined): ((path: string) => boolean) | undefined {
  if (!glob) return undefined;
  if (glob.length > 500) throw new QueryError('The path glob is longer than 500 characters; shorten it.');
  try {
    // debug: picomatch otherwise turns a glob it cannot compile into one that matches nothing.
    return picomatch(glob, { dot: true, debug: true });
  } catch (err) {
    throw new QueryError(`The path glob "${glob}" is not valid: ${(err as Error).message}`);
  }
}
