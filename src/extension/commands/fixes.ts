import * as vscode from 'vscode';
import type { Services } from '../services';
import { isSafeModelName, pullCommand, type Fix, type FixId } from '../status/statusView';

const WALKTHROUGH = 'inhouse.gettingStarted';

/** Short names for fixes offered as message buttons. */
const BUTTON: Record<FixId, string> = {
  reindex: 'Reindex',
  showIndexStatus: 'Show Index Status',
  openLogs: 'Open Logs',
  searchCode: 'Search Code',
  startOllama: 'How to Start Ollama',
  recheckOllama: 'Check Again',
  copyPull: 'Copy Pull Command',
  runPull: 'Pull in Terminal',
  selectModel: 'Select Model',
  openHostSetting: 'Open Settings',
  upgradeOllama: 'Download Ollama',
  toggleCompletions: 'Toggle Inline Completions',
  trustWorkspace: 'Manage Workspace Trust',
  openFolder: 'Open Folder',
  addLibrary: 'Add Internal Library',
  setSharedCredentials: 'Set Credentials',
  openSharedSettings: 'Open Settings',
  walkthrough: 'Get Started',
};

const COMMAND_FOR: Partial<Record<FixId, string>> = {
  reindex: 'inhouse.reindex',
  showIndexStatus: 'inhouse.showIndexStatus',
  openLogs: 'inhouse.openLogs',
  searchCode: 'inhouse.searchCode',
  selectModel: 'inhouse.selectModel',
  addLibrary: 'inhouse.addLibrary',
  setSharedCredentials: 'inhouse.setSharedIndexCredentials',
  toggleCompletions: 'inhouse.toggleCompletions',
  trustWorkspace: 'workbench.trust.manage',
  openFolder: 'workbench.action.files.openFolder',
};

/**
 * Runs the fixes the status menu and failure messages offer. One per activation, made by
 * registerCommands; `recheckOllama` comes from the Ollama health check.
 */
export class Fixes {
  constructor(
    private readonly s: Services,
    private readonly recheckOllama: () => Promise<void>,
  ) {}

  async run(fix: Fix | FixId): Promise<void> {
    const s = this.s;
    const f: Fix = typeof fix === 'string' ? { id: fix, label: BUTTON[fix] } : fix;
    const extensionId = s.context.extension.id;
    const command = COMMAND_FOR[f.id];
    if (command) {
      await vscode.commands.executeCommand(command);
      return;
    }
    switch (f.id) {
      case 'startOllama':
        await vscode.commands.executeCommand(
          'workbench.action.openWalkthrough',
          { category: `${extensionId}#${WALKTHROUGH}`, step: `${extensionId}#${WALKTHROUGH}#installOllama` },
          false,
        );
        return;
      case 'walkthrough':
        await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extensionId}#${WALKTHROUGH}`, false);
        return;
      case 'recheckOllama':
        await this.recheckOllama();
        return;
      case 'copyPull': {
        const model = f.model ?? s.status.configured.chat;
        await vscode.env.clipboard.writeText(pullCommand(model));
        void vscode.window.showInformationMessage(`Copied \`${pullCommand(model)}\`: run it in a terminal, then use "Check Again" in the InHouse status menu.`);
        return;
      }
      case 'runPull': {
        const model = f.model ?? s.status.configured.chat;
        if (!isSafeModelName(model)) {
          void vscode.window.showErrorMessage(`InHouse: "${model}" does not look like an Ollama model name; fix the inhouse.*.model setting.`);
          return;
        }
        const terminal = vscode.window.createTerminal({ name: `ollama pull ${model}` });
        terminal.show();
        terminal.sendText(pullCommand(model));
        return;
      }
      case 'openHostSetting':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.ollama.host');
        return;
      case 'openSharedSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.sharedIndex');
        return;
      case 'upgradeOllama':
        await vscode.env.openExternal(vscode.Uri.parse('https://ollama.com/download'));
        return;
      default:
        return;
    }
  }

  /** Shows `message` with one button per fix (at most three), and runs the one chosen. */
  async offer(message: string, fixes: readonly FixId[], severity: 'error' | 'warning' | 'info' = 'warning'): Promise<void> {
    const buttons = fixes.slice(0, 3).map((f) => BUTTON[f]);
    const show = severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(`InHouse: ${message}`, ...buttons);
    const fix = fixes.find((f) => BUTTON[f] === choice);
    if (fix) await this.run(fix);
  }
}
