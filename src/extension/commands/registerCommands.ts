import * as vscode from 'vscode';
import type { IndexController } from '../indexing/indexController';
import type { Services } from '../services';

// PLACEHOLDER (session 2, replaced by the commands work before landing).
export function registerCommands(s: Services, indexing: IndexController): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('inhouse.reindex', () => indexing.indexAll({ rebuild: false, interactive: true })),
    vscode.commands.registerCommand('inhouse.showIndexStatus', () => indexing.showStatus()),
    vscode.commands.registerCommand('inhouse.openLogs', () => s.log.show()),
  ];
}
