/** Loads our TextMate grammars with vscode-textmate + vscode-oniguruma, as VS Code does (not a test file). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

const ROOT = join(__dirname, '..', '..', '..', '..');
const GRAMMARS: Record<string, string> = {
  'source.modelfile': join(ROOT, 'syntaxes', 'modelfile.tmLanguage.json'),
};

let registry: Promise<vsctm.Registry> | undefined;

function loadRegistry(): Promise<vsctm.Registry> {
  registry ??= (async () => {
    const wasm = readFileSync(join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) => {
        const path = GRAMMARS[scopeName];
        if (!path) return null;
        return vsctm.parseRawGrammar(readFileSync(path, 'utf8'), path);
      },
    });
  })();
  return registry;
}

export async function loadGrammar(scopeName: string): Promise<vsctm.IGrammar> {
  const grammar = await (await loadRegistry()).loadGrammar(scopeName);
  if (!grammar) throw new Error(`grammar ${scopeName} not found`);
  return grammar;
}

export interface Token {
  line: number;
  text: string;
  scopes: string[];
}

/** Tokenizes a whole document, carrying the rule stack from line to line as an editor does. */
export function tokenize(grammar: vsctm.IGrammar, text: string): Token[] {
  const out: Token[] = [];
  let stack = vsctm.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) out.push({ line: i, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    stack = r.ruleStack;
  });
  return out;
}

/** The scopes of the first token on `line` (0-based) whose text is exactly `text` (trimmed when `trim`). */
export function scopesOf(tokens: Token[], line: number, text: string): string[] {
  const hit = tokens.find((t) => t.line === line && t.text === text) ?? tokens.find((t) => t.line === line && t.text.trim() === text);
  if (!hit) {
    const seen = tokens.filter((t) => t.line === line).map((t) => JSON.stringify(t.text));
    throw new Error(`no token ${JSON.stringify(text)} on line ${line}; tokens: ${seen.join(' ')}`);
  }
  return hit.scopes;
}

/** A readable dump, for failure messages. */
export function dump(tokens: Token[], line?: number): string {
  return tokens
    .filter((t) => line === undefined || t.line === line)
    .map((t) => `${t.line}: ${JSON.stringify(t.text)} ${t.scopes.slice(1).join(' ')}`)
    .join('\n');
}
