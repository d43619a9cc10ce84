/**
 * Language registry: file extension → grammar wasm, symbol query, comment style.
 * Adding a language is one entry here plus one query file in ./queries.
 *
 * Query capture conventions (see queries/*.scm):
 *   @definition.<kind>  the whole definition node; kind is a ChunkKind
 *   @name               its name (must be inside the same match)
 *   @scope              optional explicit parent name (Go receivers)
 *   @package            a package/namespace that prefixes top-level qualified names
 *   @import             a module specifier the file imports
 *   @ref                an identifier called or referenced
 */
export interface LanguageSpec {
  id: string;
  extensions: string[];
  /** Grammar file name in the wasm folder; undefined for languages chunked without a parser. */
  wasm?: string;
  /** Query file name(s) in the queries folder; several are concatenated (shared patterns). */
  query?: string | string[];
  lineComment?: string;
  blockComment?: [string, string];
  /** Node types that are comments, for doc-comment lookup. */
  commentNodes: string[];
  /** Nodes that wrap a definition and belong to it (export, decorators, templates). */
  wrapperNodes: string[];
  /** Nodes that may stand between a doc comment and its definition (attributes). */
  transparentNodes?: string[];
  /** Docstrings live in the body (Python) rather than in a preceding comment. */
  docstring?: boolean;
}

export const LANGUAGES: readonly LanguageSpec[] = [
  {
    id: 'typescript',
    extensions: ['.ts', '.mts', '.cts'],
    wasm: 'tree-sitter-typescript.wasm',
    query: 'typescript.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: ['export_statement'],
  },
  {
    id: 'tsx',
    extensions: ['.tsx'],
    wasm: 'tree-sitter-tsx.wasm',
    query: ['typescript.scm', 'jsx.scm'],
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: ['export_statement'],
  },
  {
    id: 'javascript',
    extensions: ['.js', '.jsx', '.mjs', '.cjs'],
    wasm: 'tree-sitter-javascript.wasm',
    query: ['javascript.scm', 'jsx.scm'],
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: ['export_statement'],
  },
  {
    id: 'python',
    extensions: ['.py', '.pyi'],
    wasm: 'tree-sitter-python.wasm',
    query: 'python.scm',
    lineComment: '#',
    commentNodes: ['comment'],
    wrapperNodes: ['decorated_definition'],
    docstring: true,
  },
  {
    id: 'go',
    extensions: ['.go'],
    wasm: 'tree-sitter-go.wasm',
    query: 'go.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: ['type_declaration', 'const_declaration'],
  },
  {
    id: 'java',
    extensions: ['.java'],
    wasm: 'tree-sitter-java.wasm',
    query: 'java.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['line_comment', 'block_comment'],
    wrapperNodes: [],
  },
  {
    id: 'rust',
    extensions: ['.rs'],
    wasm: 'tree-sitter-rust.wasm',
    query: 'rust.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['line_comment', 'block_comment'],
    wrapperNodes: [],
    transparentNodes: ['attribute_item'],
  },
  {
    id: 'c',
    extensions: ['.c', '.h'],
    wasm: 'tree-sitter-c.wasm',
    query: 'c.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: ['type_definition'],
  },
  {
    id: 'cpp',
    extensions: ['.cc', '.cpp', '.cxx', '.c++', '.hh', '.hpp', '.hxx', '.h++', '.ipp'],
    wasm: 'tree-sitter-cpp.wasm',
    query: 'cpp.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: ['template_declaration', 'type_definition'],
  },
  {
    id: 'csharp',
    extensions: ['.cs'],
    wasm: 'tree-sitter-c_sharp.wasm',
    query: 'csharp.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: [],
  },
  {
    id: 'ruby',
    extensions: ['.rb', '.rake', '.gemspec'],
    wasm: 'tree-sitter-ruby.wasm',
    query: 'ruby.scm',
    lineComment: '#',
    commentNodes: ['comment'],
    wrapperNodes: [],
  },
  {
    id: 'php',
    extensions: ['.php', '.phtml'],
    wasm: 'tree-sitter-php.wasm',
    query: 'php.scm',
    lineComment: '//',
    blockComment: ['/*', '*/'],
    commentNodes: ['comment'],
    wrapperNodes: ['const_declaration'],
    transparentNodes: ['attribute_list'],
  },
  {
    id: 'markdown',
    extensions: ['.md', '.markdown', '.mdx'],
    lineComment: undefined,
    blockComment: ['<!--', '-->'],
    commentNodes: [],
    wrapperNodes: [],
  },
];

/** Grammar wasm file → its path under node_modules; esbuild.mjs copies them next to the bundle. */
export { default as GRAMMAR_SOURCES } from './grammarSources.json';

const BY_EXTENSION = new Map<string, LanguageSpec>();
for (const lang of LANGUAGES) for (const ext of lang.extensions) BY_EXTENSION.set(ext, lang);

export function languageForPath(path: string): LanguageSpec | undefined {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash || dot === path.length - 1) return undefined;
  return BY_EXTENSION.get(path.slice(dot).toLowerCase());
}

export function languageById(id: string): LanguageSpec | undefined {
  return LANGUAGES.find((l) => l.id === id);
}
