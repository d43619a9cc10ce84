import * as path from 'node:path';
import * as vscode from 'vscode';
import { assetsIn, createEngine } from '../engine/engine';
import { createNodeHost } from '../engine/nodeHost';
import type { Settings } from '../engine/settings';
import { registerChat } from './chat/registerChat';
import { registerCommands } from './commands/registerCommands';
import { registerCompletions } from './completions/registerCompletions';
import { readSettings } from './config';
import { createFeedback, registerFeedbackCommands } from './feedback/registerFeedback';
import { IndexController } from './indexing/indexController';
import type { Services } from './services';
import { StatusBar } from './status/statusBar';
import { StatusModel } from './status/statusModel';
import { registerTraining } from './training/registerTraining';
import { registerHouseModelCommand } from './houseModel/registerHouseModel';
import { registerUsageMetrics } from './metrics/registerMetrics';
import { registerEval } from './eval/registerEval';
import { SharedDocuments } from './sharedIndex/sharedDocuments';
import { registerSharedIndex } from './sharedIndex/registerSharedIndex';

/**
 * Composition root for the editor host: builds the engine and every part once, hands them the
 * same Services, and ties each registration to the extension context so it is disposed with it.
 */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('InHouse', { log: true });
  context.subscriptions.push(log);
  try {
    const status = new StatusModel();
    context.subscriptions.push(status, new StatusBar(status));
    const folders = vscode.workspace.workspaceFolders ?? [];
    let settings = readSettings();
    const changed = new vscode.EventEmitter<Settings>();
    context.subscriptions.push(changed);
    const dbDir = folders.length
      ? path.join(folders[0].uri.fsPath, '.inhouse', 'index')
      : path.join(context.globalStorageUri.fsPath, 'no-folder-index');
    const engine = createEngine(createNodeHost(), settings, { dbDir, assets: assetsIn(path.join(context.extensionPath, 'dist')) }, log);
    context.subscriptions.push({ dispose: () => void engine.dispose() });
    context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('inhouse')) return;
        try {
          settings = readSettings();
        } catch (err) {
          void vscode.window.showErrorMessage(`InHouse: ${(err as Error).message}`, 'Open Settings').then((c) => {
            if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse');
          });
          return;
        }
        engine.reconfigure(settings);
        changed.fire(settings);
      }),
    );
    const services: Services = {
      context,
      engine,
      settings: () => settings,
      onDidChangeSettings: changed.event,
      log,
      status,
      feedback: createFeedback(context, log),
      sharedDocuments: new SharedDocuments(engine, log),
    };
    const indexing = new IndexController(services);
    context.subscriptions.push(indexing);
    context.subscriptions.push(...registerCommands(services, indexing), ...registerChat(services), ...registerCompletions(services), ...registerFeedbackCommands(services), ...registerTraining(services), ...registerHouseModelCommand(services), ...registerUsageMetrics(services), ...registerEval(services), ...registerSharedIndex(services));
    log.info(`Activated in ${(performance.now() - started).toFixed(0)} ms.`);
    // Activation must not wait for indexing.
    void indexing.start();
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
