// Chunks of the team's shared index as read-only documents: their files are not on this disk,
// so a hit is shown as its chunk text under a header naming the library, path and lines. Pure
// (no `vscode`), unit-tested in plain Node.
import { languageById } from '../../engine/languages/registry';

/** The scheme of the read-only documents that show shared chunks. */
export const SHARED_SCHEME = 'inhouse-shared';
/** The engine's file keys for the shared index: `shared:<library>/<relPath>`. */
const KEY_PREFIX = 'shared:';

/** Which chunk of the shared index a document shows. */
export interface SharedChunkRef {
  library: string;
  /** Relative to the library's root. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** The chunk id, when known: the exact way back to its text. */
  id?: string;
  /** The symbol, when known: how a search finds the chunk again. */
  symbol?: string;
}

/** The chunk's text and language as the index holds them. */
export interface SharedChunkText {
  text: string;
  /** The engine's language id (typescript, tsx, python, …). */
  language: string;
}

/** True for a hit or citation from the shared index: its file is not on this disk. */
export function isSharedKey(fileKey: string): boolean {
  return fileKey.startsWith(KEY_PREFIX);
}

export function parseSharedKey(fileKey: string): { library: string; path: string } | undefined {
  if (!isSharedKey(fileKey)) return undefined;
  const rest = fileKey.slice(KEY_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { library: rest.slice(0, slash), path: rest.slice(slash + 1) };
}

export function sharedKey(ref: Pick<SharedChunkRef, 'library' | 'path'>): string {
  return `${KEY_PREFIX}${ref.library}/${ref.path}`;
}

/** The chunk a hit or citation names, when it is from the shared index. */
export function sharedRef(hit: { fileKey: string; startLine: number; endLine: number; id?: string; symbol?: string }): SharedChunkRef | undefined {
  const key = parseSharedKey(hit.fileKey);
  if (!key) return undefined;
  const startLine = Math.max(1, Math.floor(hit.startLine) || 1);
  return {
    ...key,
    startLine,
    endLine: Math.max(startLine, Math.floor(hit.endLine) || startLine),
    ...(hit.id ? { id: hit.id } : {}),
    ...(hit.symbol ? { symbol: hit.symbol } : {}),
  };
}

/**
 * The document URI's path and query for a chunk: the path ends in the file's name (the tab's
 * title, and how the editor picks a language); the query says which chunk.
 */
export function sharedUriParts(ref: SharedChunkRef): { path: string; query: string } {
  const q = new URLSearchParams({ lines: `${ref.startLine}-${ref.endLine}` });
  if (ref.id) q.set('id', ref.id);
  if (ref.symbol) q.set('symbol', ref.symbol);
  return { path: `/${ref.library}/${ref.path}`, query: q.toString() };
}

/** The chunk a document URI names (see sharedUriParts), or undefined for anything else. */
export function parseSharedUri(path: string, query: string): SharedChunkRef | undefined {
  const m = /^\/([^/]+)\/(.+)$/.exec(path);
  const lines = /^(\d{1,9})-(\d{1,9})$/.exec(new URLSearchParams(query).get('lines') ?? '');
  if (!m || !lines) return undefined;
  const q = new URLSearchParams(query);
  return sharedRef({
    fileKey: sharedKey({ library: m[1], path: m[2] }),
    startLine: Number(lines[1]),
    endLine: Number(lines[2]),
    id: q.get('id') ?? undefined,
    symbol: q.get('symbol') ?? undefined,
  });
}

/** A stable key for caching a chunk's text. */
export function chunkCacheKey(ref: SharedChunkRef): string {
  return `${ref.library}\n${ref.path}\n${ref.startLine}-${ref.endLine}`;
}

/** Where the chunk's first line is in the rendered document (0-based): after the header. */
export const HEADER_LINES = 2;

function commented(language: string | undefined, line: string): string {
  const spec = language ? languageById(language) : undefined;
  if (spec?.lineComment) return `${spec.lineComment} ${line}`;
  if (spec?.blockComment) return `${spec.blockComment[0]} ${line} ${spec.blockComment[1]}`;
  return line;
}

/**
 * The document's text: one header line naming the library, the path and the lines (a comment
 * in the chunk's language, so it does not break highlighting), a blank line, then the chunk.
 * Without the text, the header and why it is missing.
 */
export function renderSharedChunk(ref: SharedChunkRef, chunk: SharedChunkText | undefined, missing?: string): string {
  const language = chunk?.language;
  const header = commented(language, `Shared index · library ${ref.library} · ${ref.path}, lines ${ref.startLine}-${ref.endLine} · read-only (not on this disk)`);
  if (chunk) return `${header}\n\n${chunk.text.replace(/\r\n/g, '\n')}${chunk.text.endsWith('\n') ? '' : '\n'}`;
  return `${header}\n\n${missing ?? 'The shared index does not hold this chunk any more.'}\n`;
}

/** The editor's language id for the engine's, where they differ. */
export function editorLanguageId(engineLanguage: string): string {
  return engineLanguage === 'tsx' ? 'typescriptreact' : engineLanguage;
}

/** A glob that matches exactly `path`, or undefined when the path holds glob syntax. */
export function exactPathGlob(path: string): string | undefined {
  return /[*?[\]{}()!+@\\]/.test(path) ? undefined : path;
}
