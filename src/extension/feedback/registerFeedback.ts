import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FeedbackSink } from '../../engine/feedback/feedbackEvents';
import { computeFeedbackStats, FeedbackRecorder } from '../../engine/feedback/feedbackRecorder';
import { formatFeedbackSummary } from '../../engine/feedback/feedbackSummary';
import type { Services } from '../services';

const RECENT_EVENTS = 20;

/**
 * The feedback recorder for this window. Events are kept per workspace in the extension's
 * workspace storage; with no folder open they go to global storage instead. Nothing is sent
 * anywhere.
 */
export function createFeedback(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): FeedbackSink {
  const base = context.storageUri ?? context.globalStorageUri;
  const dir = context.storageUri ? path.join(base.fsPath, 'feedback') : path.join(base.fsPath, 'feedback-no-folder');
  return new FeedbackRecorder({ dir, log });
}

/** inhouse.feedback.show / export / clear. */
export function registerFeedbackCommands(s: Services): vscode.Disposable[] {
  const recorder = s.feedback instanceof FeedbackRecorder ? s.feedback : undefined;
  const unavailable = () =>
    void vscode.window.showWarningMessage('InHouse: feedback events are not recorded in this session, so there is nothing to show, export or clear.');
  const guarded = (id: string, run: (r: FeedbackRecorder) => Promise<void>) =>
    vscode.commands.registerCommand(id, async () => {
      if (recorder === undefined) return unavailable();
      try {
        await run(recorder);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        s.log.error(`${id} failed: ${message}`);
        void vscode.window.showErrorMessage(`InHouse: ${message}`);
      }
    });
  return [
    guarded('inhouse.feedback.show', (r) => showFeedback(r)),
    guarded('inhouse.feedback.export', (r) => exportFeedback(r)),
    guarded('inhouse.feedback.clear', (r) => clearFeedback(r)),
  ];
}

async function showFeedback(recorder: FeedbackRecorder): Promise<void> {
  const read = await recorder.read();
  const stats = computeFeedbackStats(read);
  const content = formatFeedbackSummary(stats, read.events.slice(-RECENT_EVENTS), { location: recorder.dir });
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function exportFeedback(recorder: FeedbackRecorder): Promise<void> {
  const stamp = new Date().toISOString().slice(0, 10);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = `inhouse-feedback-${stamp}.jsonl`;
  const target = await vscode.window.showSaveDialog({
    title: 'Export InHouse feedback events',
    saveLabel: 'Export',
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: { 'JSON Lines': ['jsonl'] },
  });
  if (target === undefined) return;
  let result: { events: number; skipped: number };
  if (target.scheme === 'file') {
    result = await recorder.export(target.fsPath);
  } else {
    // A remote or virtual file system: write through VS Code instead of Node.
    const { text, events, skipped } = await recorder.exportJsonl();
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    result = { events, skipped };
  }
  const skipped = result.skipped > 0 ? ` (${result.skipped} unreadable lines skipped)` : '';
  const choice = await vscode.window.showInformationMessage(
    `InHouse: exported ${result.events} feedback events to ${path.basename(target.path)}${skipped}.`,
    'Open',
  );
  if (choice === 'Open') await vscode.window.showTextDocument(target);
}

async function clearFeedback(recorder: FeedbackRecorder): Promise<void> {
  const { events, files } = await recorder.read();
  if (files === 0) {
    void vscode.window.showInformationMessage('InHouse: there are no feedback events to clear.');
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `Delete all ${events.length} InHouse feedback events for this ${vscode.workspace.workspaceFolders?.length ? 'workspace' : 'window (no folder open)'}?`,
    { modal: true, detail: 'They are the raw material for training and evaluating the house model. Export them first if you may need them. This cannot be undone.' },
    'Clear',
  );
  if (choice !== 'Clear') return;
  await recorder.clear();
  void vscode.window.showInformationMessage('InHouse: feedback events cleared.');
}
