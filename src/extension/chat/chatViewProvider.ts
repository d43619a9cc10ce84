import * as vscode from 'vscode';
import type { ChatController } from './chatController';
import { chatHtml, newNonce } from './chatHtml';

export const CHAT_VIEW_ID = 'inhouse.chat';

/**
 * The "Chat" webview view: scripts on, resources only from dist/ and media/, no command URIs,
 * a fresh nonce each time the page loads. The state lives in the controller, so the page can be
 * destroyed when hidden and drawn again from scratch.
 */
export class ChatViewProvider implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly controller: ChatController,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [dist, media] };
    const attached = this.controller.attach(view.webview);
    view.webview.html = chatHtml({
      cspSource: view.webview.cspSource,
      nonce: newNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat', 'chat.css')).toString(),
    });
    view.onDidDispose(() => {
      attached.dispose();
      if (this.view === view) this.view = undefined;
    });
  }

  /** Shows the view (resolving it if needed) and moves the focus to its question box. */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    this.controller.focusComposer();
  }
}
