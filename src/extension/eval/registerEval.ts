import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatEvalReport } from '../../engine/eval/evalReport';
import { candidateModels, DEFAULT_EVAL_TASKS, runEval } from '../../engine/eval/evalRun';
import { latestRunId, newRunId, readManifest } from '../../engine/eval/evalRunStore';
import type { EvalReport } from '../../engine/eval/evalTypes';
import type { Services } from '../services';
import { evalReportHtml, newNonce } from './evalHtml';

export const EVALUATE_MODELS = 'inhouse.evaluateModels';
export const EVAL_VIEW_TYPE = 'inhouse.evalReport';

/**
 * "InHouse: Evaluate Models": pick the candidates (the completion and chat models preselected),
 * run the held-out tasks with progress in a cancellable notification, and show the report.
 * Runs live beside the index (`.inhouse/eval/<run>`); a cancelled run can be resumed next time.
 */
export function registerEval(s: Services): vscode.Disposable[] {
  let panel: vscode.WebviewPanel | undefined;
  const show = (report: EvalReport) => {
    if (!panel) {
      panel = vscode.window.createWebviewPanel(EVAL_VIEW_TYPE, 'InHouse Model Evaluation', vscode.ViewColumn.Active, {
        enableScripts: false,
        enableCommandUris: false,
        enableFindWidget: true,
        localResourceRoots: [],
      });
      panel.iconPath = vscode.Uri.joinPath(s.context.extensionUri, 'media', 'icons', 'inhouse.svg');
      panel.onDidDispose(() => (panel = undefined));
    } else {
      panel.reveal();
    }
    panel.webview.html = evalReportHtml(report, newNonce());
  };
  return [
    vscode.commands.registerCommand(EVALUATE_MODELS, async () => {
      try {
        const report = await evaluate(s);
        if (report) show(report);
        return report;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        s.log.error(`${EVALUATE_MODELS} failed: ${message}`);
        void vscode.window.showErrorMessage(`InHouse: could not evaluate the models. ${message}`);
        return undefined;
      }
    }),
    { dispose: () => panel?.dispose() },
  ];
}

async function evaluate(s: Services): Promise<EvalReport | undefined> {
  const settings = s.settings();
  const client = s.engine.ollamaClient;
  const outDir = path.join(path.dirname(s.engine.dbDir), 'eval');

  // A run that was cancelled (or crashed) can be finished instead of started over.
  let runId: string | undefined;
  const last = await latestRunId(outDir);
  if (last && !(await finished(outDir, last))) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Resume the last run', description: last, id: last },
        { label: 'Start a new run', id: '' },
      ],
      { title: 'InHouse: Evaluate Models', placeHolder: 'The last evaluation did not finish' },
    );
    if (!pick) return undefined;
    runId = pick.id || undefined;
  }

  let models: string[] = [];
  if (!runId) {
    const preselected = candidateModels(settings);
    // Unreachable Ollama fails here, with the fix in the message, before anything is asked.
    const pulled = await client.listModels();
    const names = [...new Set([...preselected, ...pulled])];
    const picks = await vscode.window.showQuickPick(
      names.map((n) => ({ label: n, picked: preselected.includes(n), description: pulled.includes(n) ? undefined : 'not pulled' })),
      { title: 'InHouse: Evaluate Models', placeHolder: 'Models to compare (the base, the house model, a bigger general model)', canPickMany: true },
    );
    if (!picks?.length) return undefined;
    models = picks.map((p) => p.label);
    runId = newRunId(outDir);
  }

  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'InHouse: evaluating models', cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let shown = 0;
      try {
        return await runEval(client, s.engine, {
          outDir,
          runId: runId!,
          models,
          tasks: DEFAULT_EVAL_TASKS,
          settings,
          signal: abort.signal,
          log: s.log,
          onProgress: (p) => {
            if (p.phase === 'tasks') progress.report({ message: 'drawing held-out tasks' });
            else if (p.phase === 'checking') progress.report({ message: `checking ${p.model}` });
            else if (p.phase === 'running' && p.total > 0) {
              const at = (p.done / p.total) * 100;
              progress.report({ message: `${p.done}/${p.total}${p.model ? ` · ${p.model}` : ''}`, increment: Math.max(0, at - shown) });
              shown = Math.max(shown, at);
            }
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  s.log.info(formatEvalReport(report));
  const rec = report.recommendation;
  if (report.cancelled) {
    void vscode.window.showInformationMessage(`InHouse: evaluation cancelled; ${report.ran + report.resumed} finished tasks are kept. Run the command again to resume.`);
  } else if (rec && rec.model !== settings['completion.model']) {
    void vscode.window.showInformationMessage(`InHouse recommends ${rec.model}. ${rec.reason}`, 'Use for Completions').then(async (choice) => {
      if (choice) await vscode.workspace.getConfiguration('inhouse').update('completion.model', rec.model, vscode.ConfigurationTarget.Global);
    });
  }
  return report;
}

/** A run is finished once its report says it was not cancelled. */
async function finished(outDir: string, runId: string): Promise<boolean> {
  if (!(await readManifest(path.join(outDir, runId)))) return true;
  try {
    const report = JSON.parse(await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(outDir, runId, 'report.json'))).then((b) => Buffer.from(b).toString('utf8'))) as EvalReport;
    return !report.cancelled;
  } catch {
    return false;
  }
}
