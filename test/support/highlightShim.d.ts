// The root program compiles media/chat/markdown.ts for its Node unit tests. highlight.js's own
// types carry `/// <reference lib="dom" />`, which would put DOM globals (window, a DOM
// `performance`, DOM fetch types) into every Node file of the program. tsconfig.json maps the
// highlight.js modules here instead; media/chat/tsconfig.json checks the webview against the
// real types (`npm run compile-tests` runs both).
interface HighlightShim {
  registerLanguage(name: string, language: unknown): void;
  registerAliases(aliases: string | string[], options: { languageName: string }): void;
  getLanguage(name: string): unknown;
  highlight(code: string, options: { language: string; ignoreIllegals?: boolean }): { value: string };
}
declare const shim: HighlightShim;
export default shim;
