// vscode-free: what became of the suggestion on screen, from what the editor lets an extension
// see in VS Code 1.100's stable API: the item's command (full acceptance) and document and cursor
// changes. Partial acceptance (word, line) and typing through a suggestion both insert a prefix
// of it at the cursor; a multi-character insertion is taken as an accept gesture.
import type { TextEdit } from '../../engine/feedback/editSurvival';

export interface TrackedSuggestion<M> {
  /** The generation id (CompletionController's), constant across typed-ahead remainders. */
  id: string;
  file: string;
  /** Document offset where the text starts (the cursor when first shown). */
  anchor: number;
  text: string;
  meta: M;
  latencyMs: number;
}

export type SuggestionOutcome<M> =
  | { kind: 'accepted'; how: 'full' | 'partial'; acceptedText: string; suggestion: TrackedSuggestion<M> }
  | { kind: 'rejected'; suggestion: TrackedSuggestion<M> };

/** A document change as the tracker needs it: the edit plus the inserted text. */
export interface DocumentEdit extends TextEdit {
  text: string;
}

interface Live<M> extends TrackedSuggestion<M> {
  consumed: number;
  gesture: boolean;
}

export class SuggestionTracker<M> {
  private live?: Live<M>;

  constructor(private readonly onOutcome: (outcome: SuggestionOutcome<M>) => void) {}

  get current(): (TrackedSuggestion<M> & { consumed: number }) | undefined {
    return this.live;
  }

  /**
   * The provider is about to show `text` at `offset` from generation `id`. Returns 'continued'
   * when it is the rest of the suggestion already on screen (typed or accepted up to here).
   */
  show(s: Omit<TrackedSuggestion<M>, 'anchor'> & { offset: number }): 'new' | 'continued' {
    const live = this.live;
    if (live && live.id === s.id && live.file === s.file && live.anchor + live.consumed === s.offset && live.text.slice(live.consumed) === s.text) {
      return 'continued';
    }
    this.settle();
    this.live = { id: s.id, file: s.file, anchor: s.offset, text: s.text, meta: s.meta, latencyMs: s.latencyMs, consumed: 0, gesture: false };
    return 'new';
  }

  /** The item's command ran: the editor inserted the rest of the suggestion. */
  accepted(id: string): void {
    const live = this.live;
    if (!live || live.id !== id) return;
    live.consumed = live.text.length;
    this.settle();
  }

  /** Edits to `file` (offsets before the edits, applied together). */
  documentChanged(file: string, edits: readonly DocumentEdit[]): void {
    const live = this.live;
    if (!live || live.file !== file || !edits.length) return;
    if (edits.length === 1) {
      const e = edits[0];
      const rest = live.text.slice(live.consumed);
      if (e.removed === 0 && e.offset === live.anchor + live.consumed && e.text && rest.startsWith(e.text)) {
        live.consumed += e.text.length;
        if (e.text.length > 1) live.gesture = true;
        if (live.consumed === live.text.length) this.settle();
        return;
      }
    }
    this.settle();
  }

  /** The cursor is at `offset` in `file` (or in no tracked file): anywhere but the suggestion's end hides it. */
  cursorMoved(file: string | undefined, offset: number): void {
    const live = this.live;
    if (live && (live.file !== file || live.anchor + live.consumed !== offset)) this.settle();
  }

  /** The suggestion is gone (another one replaces it, the editor changed, shutdown): record what it came to. */
  settle(): void {
    const live = this.live;
    if (!live) return;
    this.live = undefined;
    const { consumed, gesture, ...suggestion } = live;
    if (consumed === live.text.length) this.onOutcome({ kind: 'accepted', how: 'full', acceptedText: live.text, suggestion });
    else if (gesture && consumed > 0) this.onOutcome({ kind: 'accepted', how: 'partial', acceptedText: live.text.slice(0, consumed), suggestion });
    else this.onOutcome({ kind: 'rejected', suggestion });
  }
}
