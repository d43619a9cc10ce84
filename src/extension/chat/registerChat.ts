import * as vscode from 'vscode';
import type { Services } from '../services';
import { ChatController } from './chatController';
import { CHAT_VIEW_ID, ChatViewProvider } from './chatViewProvider';
import { explainTarget } from './explainTarget';

/**
 * The chat view, its commands and "Explain with House Conventions". Everything returned is
 * disposed by the caller (main.ts ties it to the extension context).
 */
export function registerChat(s: Services): vscode.Disposable[] {
  const controller = new ChatController(s);
  const provider = new ChatViewProvider(s.context.extensionUri, controller);
  const disposables: vscode.Disposable[] = [
    controller,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, provider),
    vscode.commands.registerCommand('inhouse.chat.newConversation', () => {
      controller.newConversation();
      return provider.reveal();
    }),
    vscode.commands.registerCommand('inhouse.chat.addSelection', async () => {
      if (await controller.context.addSelection(vscode.window.activeTextEditor)) await provider.reveal();
    }),
    vscode.commands.registerCommand('inhouse.chat.addFile', async (uri?: unknown) => {
      const added = uri instanceof vscode.Uri ? await controller.context.addFile(uri) : await controller.context.pickFile();
      if (added) await provider.reveal();
    }),
    vscode.commands.registerCommand('inhouse.explain', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage('InHouse: open a file and select the code to explain.');
        return undefined;
      }
      const target = await explainTarget(editor, s.engine, s.log);
      if (typeof target === 'string') {
        void vscode.window.showInformationMessage(`InHouse: ${target}`);
        return undefined;
      }
      const turnId = controller.explain(target);
      await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
      return turnId;
    }),
  ];
  // Only under an extension test run (extensionTestsPath): lets the extension-host suite see the
  // chat's state and drive it through the same validated message path the webview uses.
  if (s.context.extensionMode === vscode.ExtensionMode.Test) {
    disposables.push(
      vscode.commands.registerCommand('inhouse.test.chatSnapshot', () => controller.snapshot()),
      vscode.commands.registerCommand('inhouse.test.chatReceive', (message: unknown) => controller.receive(message)),
    );
  }
  return disposables;
}
