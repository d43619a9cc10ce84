import * as path from 'node:path';
import * as vscode from 'vscode';
import { assetsIn, createEngine, type Engine } from '../engine/engine';
import { createNodeHost } from '../engine/nodeHost';
import { readSettings } from './config';
import { IndexController } from './indexing/indexController';

/**
 * Composition root for the editor host. Everything created here is owned by the
 * extension context and disposed with it.
 */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('InHouse', { log: true });
  context.subscriptions.push(log);
  try {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      log.info('No folder is open; InHouse indexes workspace folders once one is opened.');
      return;
    }
    const settings = readSettings();
    const dbDir = path.join(folders[0].uri.fsPath, '.inhouse', 'index');
    const engine: Engine = createEngine(createNodeHost(), settings, { dbDir, assets: assetsIn(path.join(context.extensionPath, 'dist')) }, log);
    context.subscriptions.push({ dispose: () => void engine.dispose() });
    const controller = new IndexController(engine, settings, log);
    context.subscriptions.push(controller);
    context.subscriptions.push(
      vscode.commands.registerCommand('inhouse.reindex', () => controller.indexAll({ rebuild: false, interactive: true })),
      vscode.commands.registerCommand('inhouse.showIndexStatus', () => controller.showStatus()),
      vscode.commands.registerCommand('inhouse.openLogs', () => log.show()),
    );
    // Activation must not wait for indexing.
    void controller.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error(`Activation failed: ${message}`);
    void vscode.window.showErrorMessage(`InHouse could not start: ${message}`, 'Open Logs').then((choice) => {
      if (choice) log.show();
    });
  }
}

export function deactivate(): void {
  // Disposal runs through context.subscriptions.
}
