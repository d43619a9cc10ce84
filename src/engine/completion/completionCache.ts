/**
 * The inline-completion cache: what the model said at a spot, keyed by the text around the
 * cursor, so going back to a spot (undo, cursor moves, the editor asking twice) costs no model call.
 */

/** How much of the text before and after the cursor identifies a spot; beyond it the prompt is mostly retrieved context anyway. */
export const CACHE_BEFORE_CHARS = 2000;
export const CACHE_AFTER_CHARS = 1000;

export interface CompletionSpot {
  /** The file's key (absolute path, or a synthetic one for unsaved documents). */
  file: string;
  /** The document's text before the cursor (all of it; the key keeps a window). */
  before: string;
  /** The document's text after the cursor. */
  after: string;
  model: string;
}

/** The cache key of a spot: file, model and the text windows around the cursor. */
export function completionCacheKey(spot: CompletionSpot): string {
  const before = spot.before.length > CACHE_BEFORE_CHARS ? spot.before.slice(-CACHE_BEFORE_CHARS) : spot.before;
  const after = spot.after.length > CACHE_AFTER_CHARS ? spot.after.slice(0, CACHE_AFTER_CHARS) : spot.after;
  // NUL cannot be typed into a source file the engine reads, so the parts cannot run together.
  return `${spot.file}\u0000${spot.model}\u0000${before}\u0000${after}`;
}

/** A least-recently-used map: reads refresh an entry, writes beyond `capacity` drop the oldest. */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Map keeps insertion order: re-inserting makes the entry the newest.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
