import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDatasetReport } from '../../engine/dataset/datasetReport';
import type { DatasetResult } from '../../engine/dataset/datasetTypes';
import { exportTrainingSet } from '../../engine/dataset/exportTrainingSet';
import { DEFAULT_BASE_MODEL, fimLayoutFor } from '../../engine/dataset/fimFormat';
import { FeedbackRecorder } from '../../engine/feedback/feedbackRecorder';
import type { Services } from '../services';

export const EXPORT_TRAINING_SET = 'inhouse.exportTrainingSet';

/**
 * "InHouse: Export Training Set": pick a folder, export the index's house code, the recorded
 * feedback and the conventions as training data with the LoRA recipe, and show the figures.
 * The base model is the completion model when its FIM tokens are known, else the default base.
 */
export function registerTraining(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(EXPORT_TRAINING_SET, async (target?: vscode.Uri) => {
      try {
        return await exportCommand(s, target);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        s.log.error(`${EXPORT_TRAINING_SET} failed: ${message}`);
        void vscode.window.showErrorMessage(`InHouse: could not export the training set. ${message}`);
        return undefined;
      }
    }),
  ];
}

async function exportCommand(s: Services, target: vscode.Uri | undefined): Promise<DatasetResult | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri =
    target ??
    (
      await vscode.window.showOpenDialog({
        title: 'Export InHouse training set',
        openLabel: 'Export Here',
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        defaultUri: folder,
      })
    )?.[0];
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('InHouse: pick a folder on this machine\'s disk for the training set.');
    return undefined;
  }
  const recorder = s.feedback instanceof FeedbackRecorder ? s.feedback : undefined;
  let baseModel = s.settings()['completion.model'];
  try {
    fimLayoutFor({ baseModel });
  } catch {
    s.log.warn(`The FIM tokens of ${baseModel} are unknown; exporting for ${DEFAULT_BASE_MODEL}.`);
    baseModel = DEFAULT_BASE_MODEL;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'InHouse: exporting the training set', cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let last = 0;
      try {
        const read = recorder ? await recorder.read() : undefined;
        return await exportTrainingSet(s.engine, read, {
          outDir: uri.fsPath,
          baseModel,
          log: s.log,
          signal: abort.signal,
          onProgress: (p) => {
            const phases = { reading: 0, sampling: 40, cleaning: 70, writing: 90 };
            const at = phases[p.phase] + (p.total ? (p.done / p.total) * 10 : 0);
            if (at > last) {
              progress.report({ message: p.phase, increment: at - last });
              last = at;
            }
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  const st = result.stats;
  s.log.info(formatDatasetReport(result));
  // The command's result does not wait for the user to dismiss the notification.
  void vscode.window
    .showInformationMessage(
      `InHouse: exported ${st.samples.train} training and ${st.samples.valid} validation samples (about ${st.tokens.total} tokens) to ${path.basename(result.outDir)}. ` +
        `${st.duplicatesRemoved.exact + st.duplicatesRemoved.near} duplicates removed, ${st.secretsRedacted} secrets redacted, ${st.leakage.sharedFiles} files in both splits.`,
      'Show Statistics',
      'Open README',
    )
    .then(async (choice) => {
      if (choice === 'Show Statistics') {
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: formatDatasetReport(result) });
        await vscode.window.showTextDocument(doc, { preview: true });
      } else if (choice === 'Open README' && result.files.includes('README.md')) {
        await vscode.window.showTextDocument(vscode.Uri.file(path.join(result.outDir, 'README.md')));
      }
    });
  return result;
}
