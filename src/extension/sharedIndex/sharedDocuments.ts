import * as vscode from 'vscode';
import type { Engine } from '../../engine/engine';
import type { SearchHit } from '../../engine/retrieval/retriever';
import {
  HEADER_LINES,
  SHARED_SCHEME,
  chunkCacheKey,
  editorLanguageId,
  exactPathGlob,
  parseSharedUri,
  renderSharedChunk,
  sharedKey,
  sharedRef,
  sharedUriParts,
  type SharedChunkRef,
  type SharedChunkText,
} from './sharedChunk';

/** Chunk texts kept for the documents (search hits carry theirs); the oldest go first. */
const MAX_CACHED = 500;
/** How many of a file's chunks a search for one of them looks through. */
const LOOKUP_LIMIT = 50;

/**
 * The read-only `inhouse-shared:` documents that show chunks of the team's shared index, whose
 * files are not on this disk. Texts come from the search hits that listed them, else from the
 * shared index (by chunk id, else by searching the library's file again).
 */
export class SharedDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, SharedChunkText>();
  /** Documents shown without their text (the index was unavailable): refreshed when it is back. */
  private readonly missing = new Map<string, vscode.Uri>();

  constructor(
    private readonly engine: Engine,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Keeps the texts of the shared hits among `hits`, so opening one needs no request. */
  remember(hits: readonly SearchHit[]): void {
    for (const h of hits) {
      const ref = sharedRef(h);
      if (ref) this.keep(ref, { text: h.text, language: h.language });
    }
  }

  uriFor(ref: SharedChunkRef): vscode.Uri {
    return vscode.Uri.from({ scheme: SHARED_SCHEME, ...sharedUriParts(ref) });
  }

  /** Opens the chunk (with `chunk` as its text when the caller has it) and puts the cursor on its first line. */
  async open(ref: SharedChunkRef, options: { chunk?: SharedChunkText; preview?: boolean; viewColumn?: vscode.ViewColumn } = {}): Promise<vscode.TextEditor> {
    const uri = this.uriFor(ref);
    if (options.chunk) {
      this.keep(ref, options.chunk);
      // Already open without its text: show the text now.
      if (this.missing.has(uri.toString())) this.changed.fire(uri);
    }
    let doc = await vscode.workspace.openTextDocument(uri);
    const language = this.texts.get(chunkCacheKey(ref))?.language;
    if (language && doc.languageId === 'plaintext') {
      const id = editorLanguageId(language);
      if ((await vscode.languages.getLanguages()).includes(id)) doc = await vscode.languages.setTextDocumentLanguage(doc, id);
    }
    const first = new vscode.Position(Math.min(HEADER_LINES, Math.max(0, doc.lineCount - 1)), 0);
    const editor = await vscode.window.showTextDocument(doc, { preview: options.preview ?? false, selection: new vscode.Range(first, first), viewColumn: options.viewColumn });
    editor.revealRange(new vscode.Range(first, first), vscode.TextEditorRevealType.AtTop);
    return editor;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = parseSharedUri(uri.path, uri.query);
    if (!ref) return 'This is not a chunk of the shared index.\n';
    let problem: string | undefined;
    let chunk = this.texts.get(chunkCacheKey(ref));
    if (!chunk) {
      try {
        chunk = await this.lookup(ref);
      } catch (err) {
        problem = (err as Error).message;
        this.log.debug(`Shared chunk ${ref.library}/${ref.path}:${ref.startLine} not read: ${problem}`);
      }
    }
    if (chunk) {
      this.missing.delete(uri.toString());
      return renderSharedChunk(ref, chunk);
    }
    this.missing.set(uri.toString(), uri);
    const state = this.engine.sharedIndex?.state;
    const why =
      !this.engine.sharedIndex
        ? 'No shared index is configured now (inhouse.sharedIndex.uri), so this chunk cannot be shown.'
        : state?.state === 'unavailable'
          ? `The shared index is unavailable now, so this chunk cannot be shown; it appears here when the index is reachable again. ${state.message}`
          : problem
            ? `This chunk could not be read from the shared index: ${problem}`
            : 'The shared index does not hold this chunk any more (a newer version replaced it). Search for it again.';
    return renderSharedChunk(ref, undefined, why);
  }

  /** Re-reads the documents shown without their text: the shared index is reachable again. */
  refreshMissing(): void {
    for (const uri of this.missing.values()) this.changed.fire(uri);
  }

  private keep(ref: SharedChunkRef, chunk: SharedChunkText): void {
    const key = chunkCacheKey(ref);
    this.texts.delete(key);
    this.texts.set(key, chunk);
    if (this.texts.size > MAX_CACHED) this.texts.delete(this.texts.keys().next().value!);
  }

  /** The chunk's text from the shared index: by id when known, else by searching its file. */
  private async lookup(ref: SharedChunkRef): Promise<SharedChunkText | undefined> {
    if (!this.engine.sharedIndex) return undefined;
    if (ref.id) {
      const hit = await this.engine.sharedChunk(ref.id);
      if (hit && hit.source === ref.library) return this.found(ref, hit);
    }
    const name = ref.path.slice(ref.path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
    const query = ref.symbol?.trim() || name;
    if (!query.trim()) return undefined;
    const hits = await this.engine.search(query, { limit: LOOKUP_LIMIT, source: ref.library, pathGlob: exactPathGlob(ref.path), perFile: LOOKUP_LIMIT });
    const key = sharedKey(ref);
    const inFile = hits.filter((h) => h.fileKey === key);
    const hit =
      inFile.find((h) => ref.id && h.id === ref.id) ??
      inFile.find((h) => h.startLine === ref.startLine && h.endLine === ref.endLine) ??
      inFile.find((h) => h.startLine <= ref.startLine && h.endLine >= ref.endLine);
    return hit ? this.found(ref, hit) : undefined;
  }

  private found(ref: SharedChunkRef, hit: { text: string; language: string }): SharedChunkText {
    const chunk = { text: hit.text, language: hit.language };
    this.keep(ref, chunk);
    return chunk;
  }

  dispose(): void {
    this.changed.dispose();
    this.texts.clear();
    this.missing.clear();
  }
}
