import * as vscode from 'vscode';
import type { FeedbackRead } from '../../engine/feedback/feedbackRecorder';
import {
  DEFAULT_METRICS_QUERY,
  parseMetricsMessage,
  sanitizeMetricsQuery,
  type MetricsEvent,
  type MetricsQuery,
  type MetricsRequest,
  type MetricsView,
} from '../../protocol/metricsProtocol';
import { metricsHtml, newNonce } from './metricsHtml';
import { buildMetricsView } from './metricsView';

export const METRICS_VIEW_TYPE = 'inhouse.usageMetrics';
const QUERY_KEY = 'inhouse.metrics.query';

/** Where the events come from (the FeedbackRecorder in the editor). */
export interface MetricsSource {
  read(): Promise<FeedbackRead>;
}

/**
 * Owns the one usage-metrics panel of the window: scripts on, resources only from
 * media/metrics, no command URIs, a fresh nonce each load. The page keeps no state of its own
 * (the query lives here and in workspace state), so it is not retained when hidden; it asks for
 * the report again when it comes back.
 */
export class MetricsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private query: MetricsQuery;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly source: MetricsSource,
    private readonly log: vscode.LogOutputChannel,
    private readonly state: vscode.Memento,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.query = sanitizeMetricsQuery(state.get(QUERY_KEY, DEFAULT_METRICS_QUERY));
  }

  /** Opens the panel, or brings it forward and redraws it with fresh events. */
  show(): void {
    if (this.panel !== undefined) {
      this.panel.reveal();
      void this.push();
      return;
    }
    const root = vscode.Uri.joinPath(this.extensionUri, 'media', 'metrics');
    const panel = vscode.window.createWebviewPanel(METRICS_VIEW_TYPE, 'InHouse Usage Metrics', vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: true,
      localResourceRoots: [root],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icons', 'inhouse.svg');
    this.panel = panel;
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((raw) => void this.receive(panel.webview, raw)),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
        if (this.panel === panel) this.panel = undefined;
      }),
    ];
    panel.webview.html = metricsHtml({
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'metrics.css')).toString(),
      query: this.query,
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private async receive(webview: vscode.Webview, raw: unknown): Promise<void> {
    const parsed = parseMetricsMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`Usage metrics view sent a message that was refused: ${parsed.error}`);
      if (parsed.id !== undefined) this.post(webview, { type: 'reply', re: parsed.id, ok: false, error: parsed.error });
      return;
    }
    const message: MetricsRequest = parsed.message;
    try {
      if (message.type === 'metrics/query') {
        this.query = { range: message.range, bucket: message.bucket, groupBy: message.groupBy };
        await this.state.update(QUERY_KEY, this.query);
      }
      this.post(webview, { type: 'reply', re: message.id, ok: true, result: await this.build() });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.log.error(`Usage metrics could not be built: ${error}`);
      this.post(webview, { type: 'reply', re: message.id, ok: false, error: `Could not read the feedback events: ${error}` });
    }
  }

  /** Redraws the open page with fresh events (the command run again). */
  private async push(): Promise<void> {
    const panel = this.panel;
    if (panel === undefined) return;
    try {
      this.post(panel.webview, { type: 'metrics/updated', view: await this.build() });
    } catch (err) {
      this.log.error(`Usage metrics could not be built: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async build(): Promise<MetricsView> {
    const started = performance.now();
    const read = await this.source.read();
    const now = this.clock();
    const view = buildMetricsView(read, this.query, { now, utcOffsetMinutes: -now.getTimezoneOffset() });
    this.log.debug(`Usage metrics: ${read.events.length} events, ${this.query.range} by ${this.query.bucket}, in ${(performance.now() - started).toFixed(0)} ms.`);
    return view;
  }

  private post(webview: vscode.Webview, event: MetricsEvent): void {
    void webview.postMessage(event).then(undefined, () => undefined);
  }
}
