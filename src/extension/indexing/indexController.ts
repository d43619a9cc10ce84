import * as vscode from 'vscode';
import type { Engine } from '../../engine/engine';
import type { Settings } from '../../engine/settings';
import type { Services } from '../services';

const SAVE_DEBOUNCE_MS = 300;

/**
 * Keeps the index in line with the workspace: a full (incremental) run at start and on
 * demand, then one-file updates from a file watcher, which also sees changes made outside
 * the editor. Shows state in a status bar item.
 */
export class IndexController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly status: vscode.StatusBarItem;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private running?: Promise<void>;

  private readonly engine: Engine;
  private readonly log: vscode.LogOutputChannel;

  constructor(private readonly services: Services) {
    this.engine = services.engine;
    this.log = services.log;
    this.status = vscode.window.createStatusBarItem('inhouse.index', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'InHouse index';
    this.status.command = 'inhouse.showIndexStatus';
    this.disposables.push(this.status);
  }

  private get settings(): Settings {
    return this.services.settings();
  }

  async start(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.setStatus('$(shield) InHouse: untrusted', 'This workspace is not trusted, so InHouse does not index it or call a model.');
      this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.start()));
      return;
    }
    const watcher = vscode.workspace.createFileSystemWatcher('**/*');
    this.disposables.push(
      watcher,
      watcher.onDidChange((uri) => this.queueUpdate(uri)),
      watcher.onDidCreate((uri) => this.queueUpdate(uri)),
      watcher.onDidDelete((uri) => this.queueUpdate(uri)),
    );
    await this.indexAll({ rebuild: false, interactive: false });
  }

  indexAll(options: { rebuild: boolean; interactive: boolean }): Promise<void> {
    if (this.running) {
      if (options.interactive) void vscode.window.showInformationMessage('InHouse is already indexing.');
      return this.running;
    }
    const roots = [
      ...(vscode.workspace.workspaceFolders ?? []).map((f) => ({ root: f.uri.fsPath, source: 'workspace' })),
      ...Object.entries(this.settings.libraries).map(([source, root]) => ({ root, source })),
    ];
    this.running = Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'InHouse: indexing', cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let reported = 0;
          try {
            this.setStatus('$(sync~spin) InHouse: indexing', 'Indexing the workspace');
            const summary = await this.engine.index(roots, {
              rebuild: options.rebuild,
              signal: abort.signal,
              onProgress: (p) => {
                if (p.phase !== 'indexing' || !p.total) return;
                const pct = (p.done / p.total) * 100;
                progress.report({ message: `${p.done}/${p.total} files`, increment: pct - reported });
                reported = pct;
                this.status.text = `$(sync~spin) InHouse: ${p.done}/${p.total}`;
              },
            });
            this.log.info(`Indexed ${summary.files} files, ${summary.chunks} chunks in ${summary.seconds.toFixed(1)} s.`);
            this.setStatus(`$(database) InHouse: ${summary.chunks} chunks`, `${summary.files} files indexed. Click for details.`);
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            this.log.error(`Indexing failed: ${message}`);
            this.setStatus('$(error) InHouse: index error', message);
            if (options.interactive || !abort.signal.aborted) void vscode.window.showErrorMessage(`InHouse: ${message}`);
          } finally {
            sub.dispose();
          }
        },
      ),
    ).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async showStatus(): Promise<void> {
    try {
      const s = await this.engine.status();
      const skipped = Object.entries(s.skipped).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
      void vscode.window.showInformationMessage(
        `InHouse index: ${s.files} files, ${s.chunks} chunks. Skipped: ${skipped}. Secrets redacted: ${s.secretsRedacted}.`,
        { modal: false },
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`InHouse: ${err instanceof Error ? err.message : String(err)}`, 'Reindex').then((c) => {
        if (c) void vscode.commands.executeCommand('inhouse.reindex');
      });
    }
  }

  private queueUpdate(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const key = uri.fsPath;
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        // Behind a full run: its crawl may already have passed this file.
        void (this.running ?? Promise.resolve())
          .then(() => this.engine.updateFile(key))
          .catch((err) => this.log.warn(`Could not update ${key}: ${(err as Error).message}`));
      }, SAVE_DEBOUNCE_MS),
    );
  }

  private setStatus(text: string, tooltip: string): void {
    this.status.text = text;
    this.status.tooltip = tooltip;
    this.status.show();
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    for (const d of this.disposables) d.dispose();
  }
}
