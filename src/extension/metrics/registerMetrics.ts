import * as vscode from 'vscode';
import { FeedbackRecorder } from '../../engine/feedback/feedbackRecorder';
import type { Services } from '../services';
import { MetricsPanel } from './metricsPanel';

export const SHOW_USAGE_METRICS = 'inhouse.showUsageMetrics';

/** inhouse.showUsageMetrics: the usage-metrics panel, drawn from this workspace's feedback events. */
export function registerUsageMetrics(s: Services): vscode.Disposable[] {
  const recorder = s.feedback instanceof FeedbackRecorder ? s.feedback : undefined;
  const panel = recorder ? new MetricsPanel(s.context.extensionUri, recorder, s.log, s.context.workspaceState) : undefined;
  const command = vscode.commands.registerCommand(SHOW_USAGE_METRICS, () => {
    if (panel === undefined) {
      void vscode.window.showWarningMessage('InHouse: feedback events are not recorded in this session, so there are no usage metrics to show.');
      return;
    }
    panel.show();
  });
  return panel ? [command, panel] : [command];
}
