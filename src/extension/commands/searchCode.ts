import * as vscode from 'vscode';
import type { Services } from '../services';
import { sharedRef } from '../sharedIndex/sharedChunk';
import { describeFailure } from './availability';
import { searchItems, type SearchItem } from './searchItems';

const DEBOUNCE_MS = 150;
const LIMIT = 30;

/** The rows Search Code shows for `query` (also used by the e2e suite). */
export async function searchSymbols(s: Services, query: string): Promise<SearchItem[]> {
  if (!query.trim()) return [];
  const hits = await s.engine.search(query, { limit: LIMIT });
  // A shared hit's file is not on this disk: its text opens it.
  s.sharedDocuments.remember(hits);
  return searchItems(hits);
}

type Row = vscode.QuickPickItem & { hit?: SearchItem };

/**
 * Opens a search result at its lines; library files (outside the workspace) open the same way,
 * and hits from the team's shared index (not on this disk) as a read-only document of the chunk.
 */
export async function openHit(
  s: Services,
  hit: Pick<SearchItem, 'fileKey' | 'startLine' | 'endLine'> & Partial<Pick<SearchItem, 'id' | 'symbol'>>,
  preview = false,
): Promise<vscode.TextEditor> {
  const shared = sharedRef(hit);
  if (shared) return s.sharedDocuments.open(shared, { preview });
  const start = new vscode.Position(Math.max(0, hit.startLine - 1), 0);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(hit.fileKey));
  const editor = await vscode.window.showTextDocument(doc, { preview, selection: new vscode.Range(start, start) });
  editor.revealRange(new vscode.Range(start, new vscode.Position(Math.max(0, hit.endLine - 1), 0)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

/**
 * A quick pick over the index: each keystroke (debounced) runs engine.search; rows carry a
 * codicon by kind, `path:line` and the library; accepting opens the location.
 */
export function showSearchCode(s: Services, initial = ''): Promise<void> {
  const pick = vscode.window.createQuickPick<Row>();
  pick.title = 'InHouse: Search Code';
  pick.placeholder = 'Type a symbol name or words from the code (workspace and internal libraries)';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.value = initial;
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;

  const run = async (query: string) => {
    const mine = ++generation;
    if (!query.trim()) {
      pick.items = [];
      pick.busy = false;
      return;
    }
    pick.busy = true;
    try {
      const items = await searchSymbols(s, query);
      if (mine !== generation) return;
      pick.items = items.length
        ? items.map((hit) => ({ label: hit.label, description: hit.description, detail: hit.detail, alwaysShow: true, hit }))
        : [{ label: '$(info) No matches', description: 'Try another name, or run "InHouse: Reindex" if the code changed outside the editor.', alwaysShow: true }];
    } catch (err) {
      if (mine !== generation) return;
      const failure = describeFailure(err, s.status);
      pick.items = [{ label: `$(error) ${failure.message}`, alwaysShow: true }];
    } finally {
      if (mine === generation) pick.busy = false;
    }
  };

  return new Promise<void>((resolve) => {
    const subs: vscode.Disposable[] = [
      pick.onDidChangeValue((value) => {
        clearTimeout(timer);
        timer = setTimeout(() => void run(value), DEBOUNCE_MS);
      }),
      pick.onDidAccept(() => {
        const hit = pick.selectedItems[0]?.hit;
        if (!hit) return;
        pick.hide();
        openHit(s, hit).catch((err) => void vscode.window.showErrorMessage(`InHouse: cannot open ${hit.fileKey}: ${(err as Error).message}`));
      }),
      pick.onDidHide(() => {
        clearTimeout(timer);
        for (const d of subs) d.dispose();
        pick.dispose();
        resolve();
      }),
    ];
    pick.show();
    if (initial) void run(initial);
  });
}
