import { languageById, languageForPath, type LanguageSpec } from '../languages/registry';

/**
 * How context is written as comments inside the file being completed: line comments where the
 * language has them (`// x`, `# x`), else one block comment around the whole context
 * (`<!-- … -->` in Markdown). A language without either gets no context: comment syntax it does
 * not have would teach the model to write it.
 */
export type CommentStyle =
  | { kind: 'line'; marker: string }
  | { kind: 'block'; open: string; close: string };

export function commentStyleFor(language: string, path: string): CommentStyle | undefined {
  const spec: LanguageSpec | undefined = languageById(language) ?? languageForPath(path);
  if (!spec) return undefined;
  if (spec.lineComment) return { kind: 'line', marker: spec.lineComment };
  if (spec.blockComment) return { kind: 'block', open: spec.blockComment[0], close: spec.blockComment[1] };
  return undefined;
}

/** `text` as comment lines; in a block style the lines go inside the block, made harmless. */
export function commentLines(text: string, style: CommentStyle): string[] {
  const lines = text.replace(/\r/g, '').replace(/\n+$/, '').split('\n');
  if (style.kind === 'line') return lines.map((l) => (l.trim() ? `${style.marker} ${l.trimEnd()}` : style.marker));
  // A closing delimiter inside would end the comment early.
  const close = style.close;
  const broken = `${close.slice(0, -1)} ${close.slice(-1)}`;
  return lines.map((l) => l.trimEnd().split(close).join(broken));
}
