import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { Engine } from '../../engine/engine';
import type { CrawlRoot } from '../../engine/indexing/crawler';
import type { IndexSummary } from '../../engine/indexing/indexer';
import type { Settings } from '../../engine/settings';
import type { Services } from '../services';
import { OllamaHealth } from '../status/ollamaHealth';
import { changeAction, planRoots, type RootPlan } from './indexRoots';

const SAVE_DEBOUNCE_MS = 300;
const RESCAN_DEBOUNCE_MS = 1_000;
/** Settings whose change alters what is indexed or how it is chunked. */
const INDEX_KEYS: (keyof Settings)[] = ['libraries', 'index.exclude', 'index.maxFileBytes', 'index.maxLineLength', 'index.maxChunkLines'];

export interface IndexRun {
  rebuild?: boolean;
  /** Started by the user: say so if a run is already going, and show every error. */
  interactive?: boolean;
  /** A cancellable notification (start, reindex, settings); otherwise the window's progress. */
  notify?: boolean;
}

const isDir = (dir: string) => {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Keeps the index in line with the workspace folders and the configured libraries: a full
 * (incremental) run after activation, on demand and when the roots or index settings change,
 * then one-file updates from file watchers, which also see changes made outside the editor.
 * Reports into the StatusModel; does nothing (no index, no model calls) until the workspace
 * is trusted. Parsing runs in the engine's worker threads, off the extension host's thread.
 */
export class IndexController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private rescanTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** A run asked for while one was going: done once it ends. */
  private again?: IndexRun;
  private plan: RootPlan = { roots: [], warnings: [] };
  private started = false;
  private disposed = false;
  private summary?: IndexSummary;
  readonly health: OllamaHealth;

  private readonly engine: Engine;
  private readonly log: vscode.LogOutputChannel;

  constructor(private readonly services: Services) {
    this.engine = services.engine;
    this.log = services.log;
    this.health = new OllamaHealth(services, () => vscode.workspace.isTrusted);
    this.disposables.push(this.health);
  }

  private get settings(): Settings {
    return this.services.settings();
  }

  /** The roots of the last plan and why any configured one was left out. */
  get roots(): RootPlan {
    return this.plan;
  }

  /** The last completed run's summary, if any in this session. */
  get lastSummary(): IndexSummary | undefined {
    return this.summary;
  }

  get isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** Called by activate() as it returns; the work starts on a later turn, so activation never waits for it. */
  async start(): Promise<void> {
    this.services.status.markActivated();
    if (this.started || this.disposed) return;
    await new Promise((r) => setImmediate(r));
    if (!vscode.workspace.isTrusted) {
      this.services.status.setIndex({ kind: 'untrusted' });
      this.log.info('Workspace not trusted: InHouse does not index it or call a model until it is trusted.');
      const sub = vscode.workspace.onDidGrantWorkspaceTrust(() => {
        sub.dispose();
        void this.start();
      });
      this.disposables.push(sub);
      return;
    }
    this.started = true;
    let before = this.settings;
    this.disposables.push(
      this.services.onDidChangeSettings((after) => {
        const changed = INDEX_KEYS.some((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
        before = after;
        if (changed) {
          this.log.info('Index settings changed; updating the index.');
          void this.indexAll({ notify: true });
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.indexAll({ notify: true })),
    );
    await this.indexAll({ notify: true });
    // Ollama's health is worth knowing before the first question, but not before the index.
    void this.health.check();
  }

  /** Recomputes the roots, re-arms the watchers and runs an incremental (or full) index. */
  indexAll(run: IndexRun = {}): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.services.status.setIndex({ kind: 'untrusted' });
      return Promise.resolve();
    }
    if (this.running) {
      if (run.interactive) void vscode.window.showInformationMessage('InHouse is already indexing; it will run again once this run ends.');
      this.again = { rebuild: this.again?.rebuild || run.rebuild, interactive: this.again?.interactive || run.interactive, notify: this.again?.notify || run.notify };
      return this.running.then(() => this.running);
    }
    this.running = this.runOnce(run).finally(() => {
      this.running = undefined;
      const next = this.again;
      this.again = undefined;
      if (next && !this.disposed) void this.indexAll(next);
    });
    return this.running;
  }

  private async runOnce(run: IndexRun): Promise<void> {
    const { status } = this.services;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    this.plan = planRoots(folders, this.settings.libraries, homedir(), isDir);
    for (const w of this.plan.warnings) this.log.warn(w);
    if (run.interactive && this.plan.warnings.length) {
      void vscode.window.showWarningMessage(`InHouse: ${this.plan.warnings[0]}`, 'Open Settings').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.libraries');
      });
    }
    this.watch(this.plan.roots);
    if (!this.plan.roots.length) {
      status.setIndex({ kind: 'no-folder' });
      return;
    }
    const roots = this.plan.roots;
    status.setIndex({ kind: 'indexing', done: 0, total: 0 });
    const location = run.notify || run.interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    await vscode.window.withProgress({ location, title: 'InHouse: indexing', cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      try {
        const summary = await this.engine.index(roots, {
          rebuild: run.rebuild,
          signal: abort.signal,
          onProgress: (p) => {
            if (p.phase === 'embedding') {
              progress.report({ message: `embedding ${p.done}/${p.total} chunks` });
              return;
            }
            if (p.phase === 'finishing') {
              progress.report({ message: 'building the search index' });
              return;
            }
            if (p.phase !== 'indexing' || !p.total) return;
            const pct = (p.done / p.total) * 100;
            progress.report({ message: `${p.done}/${p.total} files`, increment: pct - reported });
            reported = pct;
            status.setIndex({ kind: 'indexing', done: p.done, total: p.total });
          },
        });
        this.summary = summary;
        this.log.info(
          `Indexed ${summary.files} files, ${summary.chunks} chunks in ${summary.seconds.toFixed(1)} s ` +
            `(${roots.length} root${roots.length === 1 ? '' : 's'}: ${roots.map((r) => r.source).join(', ')}; ` +
            `${summary.added} added, ${summary.changed} changed, ${summary.removed} removed).`,
        );
        for (const w of summary.conventions?.warnings ?? []) this.log.warn(`Conventions: ${w}`);
        status.setIndex({ kind: 'ready', files: summary.files, chunks: summary.chunks });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (abort.signal.aborted) {
          this.log.info(`Indexing cancelled: ${message}`);
          const partial = await this.engine.status().catch(() => undefined);
          status.setIndex(partial ? { kind: 'ready', files: partial.files, chunks: partial.chunks, note: 'last run cancelled; Reindex to finish' } : { kind: 'error', message });
          return;
        }
        this.log.error(`Indexing failed: ${message}`);
        status.setIndex({ kind: 'error', message });
        void vscode.window.showErrorMessage(`InHouse could not index: ${message}`, 'Reindex', 'Open Logs').then((c) => {
          if (c === 'Reindex') void vscode.commands.executeCommand('inhouse.reindex');
          else if (c === 'Open Logs') this.log.show();
        });
      } finally {
        sub.dispose();
      }
    });
  }

  /** One watcher per root, re-armed when the roots change; out-of-workspace libraries too. */
  private watch(roots: CrawlRoot[]): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const r of roots) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(r.root), '**/*'));
      this.watchers.push(
        watcher,
        watcher.onDidChange((uri) => this.onChange(uri, 'change')),
        watcher.onDidCreate((uri) => this.onChange(uri, 'create')),
        watcher.onDidDelete((uri) => this.onChange(uri, 'delete')),
      );
    }
  }

  /** A rename arrives as delete + create; each side is handled like any other event. */
  private onChange(uri: vscode.Uri, event: 'change' | 'create' | 'delete'): void {
    if (uri.scheme !== 'file' || this.disposed) return;
    const action = changeAction(uri.fsPath, event, this.plan.roots, this.engine.dbDir);
    if (action === 'ignore') return;
    if (action === 'rescan') {
      clearTimeout(this.rescanTimer);
      this.rescanTimer = setTimeout(() => void this.indexAll({}), RESCAN_DEBOUNCE_MS);
      return;
    }
    const key = uri.fsPath;
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        // Behind a full run: its crawl may already have passed this file.
        void (this.running ?? Promise.resolve())
          .then(() => this.engine.updateFile(key))
          .then(() => this.refreshCounts())
          .catch((err) => this.log.warn(`Could not update the index for ${key}: ${(err as Error).message}`));
      }, SAVE_DEBOUNCE_MS),
    );
  }

  /** After a one-file update, the ready status shows the new counts. */
  private async refreshCounts(): Promise<void> {
    if (this.pending.size || this.running || this.services.status.index.kind !== 'ready') return;
    const s = await this.engine.status();
    if (!this.running && this.services.status.index.kind === 'ready') this.services.status.setIndex({ kind: 'ready', files: s.files, chunks: s.chunks });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.rescanTimer);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
