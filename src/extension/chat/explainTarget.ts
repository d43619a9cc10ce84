import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Engine } from '../../engine/engine';
import { SHARED_SCHEME } from '../sharedIndex/sharedChunk';
import type { ExplainTarget } from './chatController';

/** Lines explained at most; more is cut (and said so in the answer's notes). */
export const MAX_EXPLAIN_LINES = 400;

const SYMBOL_KINDS = new Set([
  vscode.SymbolKind.Function,
  vscode.SymbolKind.Method,
  vscode.SymbolKind.Constructor,
  vscode.SymbolKind.Class,
  vscode.SymbolKind.Interface,
  vscode.SymbolKind.Struct,
  vscode.SymbolKind.Enum,
  vscode.SymbolKind.Module,
  vscode.SymbolKind.Namespace,
]);

/**
 * What "Explain with House Conventions" explains: the selection, else the innermost function or
 * class at the cursor (the language's symbol provider, else the index), else the cursor's line.
 */
export async function explainTarget(editor: vscode.TextEditor, engine: Engine, log: vscode.LogOutputChannel): Promise<ExplainTarget | string> {
  const doc = editor.document;
  if (doc.uri.scheme === SHARED_SCHEME) {
    return "This is a read-only chunk of the team's shared index, not a file on disk: ask about it by name in the chat instead (the chat searches the shared index too).";
  }
  if (doc.uri.scheme !== 'file') return 'InHouse explains files on disk: save this file first.';
  const notes: string[] = [];
  let startLine: number;
  let endLine: number;
  let name = '';
  const sel = editor.selection;
  if (!sel.isEmpty) {
    startLine = sel.start.line + 1;
    endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1;
  } else {
    const symbol = (await providerSymbol(doc, sel.active, log)) ?? (await indexSymbol(engine, doc.uri.fsPath, sel.active.line + 1, log));
    if (symbol) {
      ({ startLine, endLine, name } = symbol);
    } else {
      if (!doc.lineAt(sel.active.line).text.trim()) return 'Select the code to explain, or put the cursor inside a function or class.';
      startLine = endLine = sel.active.line + 1;
      notes.push('Nothing was selected and no function or class surrounds the cursor: explaining the current line.');
    }
  }
  if (endLine - startLine + 1 > MAX_EXPLAIN_LINES) {
    notes.push(`The selection has ${endLine - startLine + 1} lines; the first ${MAX_EXPLAIN_LINES} are explained.`);
    endLine = startLine + MAX_EXPLAIN_LINES - 1;
  }
  const rel = vscode.workspace.asRelativePath(doc.uri);
  const where = `${rel || path.basename(doc.uri.fsPath)}:${startLine}-${endLine}`;
  return {
    fileKey: doc.uri.fsPath,
    startLine,
    endLine,
    text: doc.getText(),
    title: name ? `Explain ${name} (${where})` : `Explain ${where}`,
    notes,
  };
}

async function providerSymbol(doc: vscode.TextDocument, pos: vscode.Position, log: vscode.LogOutputChannel) {
  let symbols: (vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined;
  try {
    symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[]>('vscode.executeDocumentSymbolProvider', doc.uri);
  } catch (err) {
    log.debug(`No document symbols for explain: ${(err as Error).message}`);
    return undefined;
  }
  let best: { range: vscode.Range; name: string } | undefined;
  const visit = (list: readonly (vscode.DocumentSymbol | vscode.SymbolInformation)[]) => {
    for (const s of list) {
      const range = 'location' in s ? s.location.range : s.range;
      if (!range.contains(pos)) continue;
      if (SYMBOL_KINDS.has(s.kind) && (!best || best.range.contains(range))) best = { range, name: s.name };
      if ('children' in s && s.children) visit(s.children);
    }
  };
  visit(symbols ?? []);
  return best && { startLine: best.range.start.line + 1, endLine: best.range.end.line + 1, name: best.name };
}

async function indexSymbol(engine: Engine, fileKey: string, line: number, log: vscode.LogOutputChannel) {
  try {
    const s = await engine.enclosingSymbol(fileKey, line, line);
    return s && { startLine: s.startLine, endLine: s.endLine, name: s.symbol };
  } catch (err) {
    log.debug(`No indexed symbol for explain: ${(err as Error).message}`);
    return undefined;
  }
}
