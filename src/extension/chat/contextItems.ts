import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ContextItemView } from '../../protocol/chatProtocol';
import type { Services } from '../services';
import { SHARED_SCHEME } from '../sharedIndex/sharedChunk';

/** An attachment for the next question, as engine.ask takes it, plus what its chip shows. */
interface ContextItem extends ContextItemView {
  fileKey: string;
  startLine?: number;
  endLine?: number;
  /** The document's text when it was attached (unsaved edits included). */
  text?: string;
}

const MAX_ITEMS = 10;
const MAX_PICK_FILES = 5000;
const PICK_EXCLUDE = '**/{node_modules,.git,.inhouse,dist,out,build,target,.venv,__pycache__}/**';

/** The selection and `#file` chips: attached until the next question is sent. */
export class ContextItems {
  private items: ContextItem[] = [];
  private counter = 0;

  constructor(
    private readonly s: Services,
    private readonly changed: () => void,
  ) {}

  views(): ContextItemView[] {
    return this.items.map(({ id, label, detail, kind }) => ({ id, label, detail, kind }));
  }

  /** Hands the attachments to a question and clears the chips. */
  takeAttachments(): { items: { fileKey: string; startLine?: number; endLine?: number; text?: string }[]; labels: string[] } {
    const taken = this.items;
    this.items = [];
    if (taken.length) this.changed();
    return {
      items: taken.map(({ fileKey, startLine, endLine, text }) => ({ fileKey, startLine, endLine, text })),
      labels: taken.map((i) => i.label),
    };
  }

  remove(id: string): void {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.id !== id);
    if (this.items.length !== before) this.changed();
  }

  async addSelection(editor: vscode.TextEditor | undefined): Promise<boolean> {
    if (!editor || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('InHouse: select some code in an editor first, then add it to the chat.');
      return false;
    }
    const doc = editor.document;
    const sel = editor.selection;
    const startLine = sel.start.line + 1;
    // A selection ending at column 0 does not include that line.
    const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1;
    const name = path.basename(doc.uri.fsPath || doc.uri.path);
    return this.add({
      kind: 'selection',
      label: `${name}:${startLine}-${endLine}`,
      detail: `${vscode.workspace.asRelativePath(doc.uri)} lines ${startLine}-${endLine}`,
      fileKey: doc.uri.fsPath,
      startLine,
      endLine,
      text: doc.getText(),
    }, doc.uri);
  }

  async addFile(uri: vscode.Uri): Promise<boolean> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    return this.add({
      kind: 'file',
      label: path.basename(uri.fsPath),
      detail: vscode.workspace.asRelativePath(uri),
      fileKey: uri.fsPath,
      text: open?.isDirty ? open.getText() : undefined,
    }, uri);
  }

  /** The `#file` flow: open editors first, then the workspace's files. */
  async pickFile(): Promise<boolean> {
    type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
    const openUris = new Map<string, vscode.Uri>();
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === 'file') openUris.set(tab.input.uri.toString(), tab.input.uri);
      }
    }
    const item = (uri: vscode.Uri): Item => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true), uri });
    const items = (async (): Promise<Item[]> => {
      const found = await vscode.workspace.findFiles('**/*', PICK_EXCLUDE, MAX_PICK_FILES);
      const rest = found.filter((u) => !openUris.has(u.toString())).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      return [
        { label: 'Open editors', kind: vscode.QuickPickItemKind.Separator },
        ...[...openUris.values()].map(item),
        { label: 'Workspace', kind: vscode.QuickPickItemKind.Separator },
        ...rest.map(item),
      ];
    })();
    const picked = await vscode.window.showQuickPick(items, { title: 'Attach a file to the chat', placeHolder: 'Type to find a file', matchOnDescription: true });
    return picked?.uri ? this.addFile(picked.uri) : false;
  }

  private async add(item: Omit<ContextItem, 'id'>, uri: vscode.Uri): Promise<boolean> {
    if (uri.scheme === SHARED_SCHEME) {
      void vscode.window.showInformationMessage(
        "InHouse: this is a read-only chunk of the team's shared index, not a file on disk, so it cannot be attached. Ask about it by name instead: the chat searches the shared index too.",
      );
      return false;
    }
    if (uri.scheme !== 'file') {
      void vscode.window.showWarningMessage('InHouse: only files on disk can be attached to the chat (save the file first).');
      return false;
    }
    try {
      // Refuses binary files and languages the index does not know, before the question does.
      await this.s.engine.readSource(item.fileKey, item.text);
    } catch (err) {
      void vscode.window.showWarningMessage(`InHouse: ${(err as Error).message}`);
      return false;
    }
    const same = this.items.findIndex((i) => i.fileKey === item.fileKey && i.startLine === item.startLine && i.endLine === item.endLine);
    if (same >= 0) this.items.splice(same, 1);
    if (this.items.length >= MAX_ITEMS) this.items.shift();
    this.items.push({ ...item, id: `c${++this.counter}` });
    this.changed();
    return true;
  }
}
