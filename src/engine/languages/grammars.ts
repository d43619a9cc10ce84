import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, Query } from 'web-tree-sitter';
import type { LanguageSpec } from './registry';

export interface GrammarAssets {
  /** Folder holding tree-sitter.wasm and the grammar wasm files. */
  wasmDir: string;
  /** Folder holding the .scm symbol queries. */
  queryDir: string;
}

export interface LoadedGrammar {
  parser: Parser;
  query: Query;
}

/**
 * Lazily loads grammars and compiles their queries, once per language per thread.
 * Owned by whoever parses (a worker, a test); dispose() frees the wasm objects.
 */
export class Grammars {
  private init?: Promise<void>;
  private readonly loaded = new Map<string, Promise<LoadedGrammar>>();

  constructor(private readonly assets: GrammarAssets) {}

  get(lang: LanguageSpec): Promise<LoadedGrammar> {
    let entry = this.loaded.get(lang.id);
    if (!entry) {
      entry = this.load(lang);
      this.loaded.set(lang.id, entry);
    }
    return entry;
  }

  private async load(lang: LanguageSpec): Promise<LoadedGrammar> {
    if (!lang.wasm || !lang.query) throw new Error(`Language ${lang.id} has no grammar.`);
    this.init ??= Parser.init({ locateFile: (file: string) => join(this.assets.wasmDir, file) });
    await this.init;
    const language = await Language.load(join(this.assets.wasmDir, lang.wasm));
    const parser = new Parser();
    parser.setLanguage(language);
    const files = Array.isArray(lang.query) ? lang.query : [lang.query];
    const source = files.map((f) => readFileSync(join(this.assets.queryDir, f), 'utf8')).join('\n');
    return { parser, query: new Query(language, source) };
  }

  async dispose(): Promise<void> {
    for (const entry of this.loaded.values()) {
      const g = await entry.catch(() => undefined);
      g?.query.delete();
      g?.parser.delete();
    }
    this.loaded.clear();
  }
}
