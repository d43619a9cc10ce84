import * as path from 'node:path';
import * as vscode from 'vscode';
import { SHARED_SCHEME } from '../sharedIndex/sharedChunk';

/** The read-only documents that show a proposed edit on the right side of the diff preview. */
export const PROPOSAL_SCHEME = 'inhouse-proposal';

/**
 * A code block's "Insert" and "Apply…": apply shows the whole file with the selection replaced
 * next to the current file (vscode.diff), and edits only when the user confirms and the file
 * has not changed in between.
 */
export class CodeActions implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, string>();
  private counter = 0;
  private readonly registration: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.proposals.get(uri.query) ?? '';
  }

  private editor(): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme !== PROPOSAL_SCHEME);
    if (!editor || editor.document.uri.scheme === PROPOSAL_SCHEME) {
      void vscode.window.showInformationMessage('InHouse: open the file to change in an editor first.');
      return undefined;
    }
    if (editor.document.uri.scheme === SHARED_SCHEME) {
      void vscode.window.showInformationMessage("InHouse: that editor shows a read-only chunk of the team's shared index; open the file to change in an editor first.");
      return undefined;
    }
    return editor;
  }

  async insert(code: string): Promise<boolean> {
    const editor = this.editor();
    if (!editor) return false;
    const ok = await editor.edit((b) => {
      for (const sel of editor.selections) b.insert(sel.active, code);
    });
    if (ok) await vscode.window.showTextDocument(editor.document, editor.viewColumn);
    return ok;
  }

  async apply(code: string): Promise<boolean> {
    const editor = this.editor();
    if (!editor) return false;
    const doc = editor.document;
    let range: vscode.Range = editor.selection;
    if (editor.selection.isEmpty) {
      const choice = await vscode.window.showInformationMessage(
        'InHouse: nothing is selected. Select the code to replace, or insert the block at the cursor.',
        'Insert at Cursor',
      );
      return choice ? this.insert(code) : false;
    }
    const version = doc.version;
    const text = doc.getText();
    const proposed = text.slice(0, doc.offsetAt(range.start)) + code + text.slice(doc.offsetAt(range.end));
    const key = String(++this.counter);
    this.proposals.set(key, proposed);
    const name = path.basename(doc.uri.path);
    const right = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${name}`, query: key });
    let applied = false;
    try {
      await vscode.commands.executeCommand('vscode.diff', doc.uri, right, `${name} ↔ InHouse proposal`, { preview: true });
      const choice = await vscode.window.showInformationMessage(`Apply the proposed change to ${name}?`, 'Apply', 'Discard');
      if (choice === 'Apply') {
        if (doc.isClosed || doc.version !== version) {
          void vscode.window.showWarningMessage(`InHouse: ${name} changed since the preview; apply the block again to see a fresh diff.`);
        } else {
          const edit = new vscode.WorkspaceEdit();
          edit.replace(doc.uri, range, code);
          applied = await vscode.workspace.applyEdit(edit);
          if (!applied) void vscode.window.showWarningMessage(`InHouse: the change to ${name} could not be applied.`);
        }
      }
    } catch (err) {
      this.log.warn(`Applying a code block failed: ${(err as Error).message}`);
      throw err;
    } finally {
      await this.closeDiff(right).catch(() => undefined);
      this.proposals.delete(key);
    }
    if (applied) {
      range = new vscode.Range(range.start, doc.positionAt(doc.offsetAt(range.start) + code.length));
      const shown = await vscode.window.showTextDocument(doc, { selection: range, viewColumn: editor.viewColumn });
      shown.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
    return applied;
  }

  private async closeDiff(right: vscode.Uri): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === right.toString());
    if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
  }

  dispose(): void {
    this.registration.dispose();
    this.proposals.clear();
  }
}
