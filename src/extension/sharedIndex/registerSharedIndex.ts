import * as vscode from 'vscode';
import { openHit } from '../commands/searchCode';
import type { SearchItem } from '../commands/searchItems';
import type { Services } from '../services';
import { SHARED_SCHEME } from './sharedChunk';
import type { SharedCredentials } from './sharedConfig';
import { SharedCredentialStore, promptCredentials } from './sharedCredentials';
import { SharedIndexController } from './sharedIndexController';

/**
 * The team's shared index in the editor: its configuration (settings, environment, stored
 * credentials), its state in the status bar, the credential commands, and the read-only
 * documents its hits open as. Everything returned is disposed by the caller (main.ts).
 */
export function registerSharedIndex(s: Services): vscode.Disposable[] {
  const store = new SharedCredentialStore(s.context.secrets, s.log);
  const controller = new SharedIndexController(s, store);

  const command = (id: string, title: string, run: () => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async () => {
      try {
        return await run();
      } catch (err) {
        // Secret storage and input errors carry no credential values.
        const message = (err as Error).message;
        s.log.error(`${title} failed: ${message}`);
        void vscode.window.showErrorMessage(`InHouse: ${title} failed. ${message}`, 'Open Logs').then((c) => {
          if (c) s.log.show();
        });
        return undefined;
      }
    });

  const disposables: vscode.Disposable[] = [
    controller,
    s.sharedDocuments,
    vscode.workspace.registerTextDocumentContentProvider(SHARED_SCHEME, s.sharedDocuments),
    command('inhouse.setSharedIndexCredentials', 'Set Shared Index Credentials', async () => {
      const credentials = await promptCredentials();
      if (!credentials) return false;
      try {
        await store.set(credentials);
      } catch (err) {
        throw new Error(
          `The editor's secret storage did not take the credentials (${(err as Error).message}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment instead.`,
        );
      }
      const uri = s.settings()['sharedIndex.uri'];
      if (uri) {
        void vscode.window.showInformationMessage(`InHouse: shared index credentials saved in the editor's secret storage; connecting to ${uri}.`);
      } else {
        void vscode.window
          .showInformationMessage("InHouse: shared index credentials saved in the editor's secret storage. Set inhouse.sharedIndex.uri to the shared index to use them.", 'Open Settings')
          .then((c) => {
            if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.sharedIndex.uri');
          });
      }
      return true;
    }),
    command('inhouse.clearSharedIndexCredentials', 'Clear Shared Index Credentials', async () => {
      const had = await store.clear();
      void vscode.window.showInformationMessage(
        had
          ? 'InHouse: shared index credentials removed from the secret storage. The shared index now uses the environment (AWS_ACCESS_KEY_ID, …), if it sets any.'
          : 'InHouse: no shared index credentials were stored.',
      );
      return had;
    }),
  ];

  // Only under an extension test run (extensionTestsPath): the extension-host suite sets
  // credentials without input boxes and opens hits without a quick pick.
  if (s.context.extensionMode === vscode.ExtensionMode.Test) {
    disposables.push(
      vscode.commands.registerCommand('inhouse.test.setSharedIndexCredentials', async (c?: SharedCredentials) => {
        if (c) await store.set(c);
        else await store.clear();
        await controller.apply();
        return s.status.shared;
      }),
      vscode.commands.registerCommand('inhouse.test.sharedIndex', () => ({
        state: s.status.shared,
        notices: controller.notices,
        logDir: s.context.logUri.fsPath,
        globalStorage: s.context.globalStorageUri.toString(),
      })),
      vscode.commands.registerCommand('inhouse.test.openHit', async (hit: SearchItem) => {
        const editor = await openHit(s, hit);
        const doc = editor.document;
        return { uri: doc.uri.toString(), scheme: doc.uri.scheme, languageId: doc.languageId, text: doc.getText(), line: editor.selection.active.line };
      }),
    );
  }
  void controller.apply();
  return disposables;
}
