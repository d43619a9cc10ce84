import * as vscode from 'vscode';
import type { IndexController } from '../indexing/indexController';
import type { Services } from '../services';
import { showStatusMenu } from '../status/statusMenu';
import { describeStatus } from '../status/statusView';
import { addLibrary } from './addLibrary';
import { describeFailure, unavailable, type Need } from './availability';
import { Fixes } from './fixes';
import { indexReport, type IndexReport } from './indexReport';
import { searchSymbols, showSearchCode } from './searchCode';
import { selectModel } from './selectModel';

/** One row of the command table. */
interface CommandSpec {
  /** As the palette shows it, for messages. */
  title: string;
  /** What must hold for the command to run; otherwise it says why not and offers the fix. */
  needs: Need[];
  run(...args: unknown[]): unknown;
  /**
   * Not in the palette (not declared in package.json): for the e2e suite and scripts. It
   * throws instead of showing messages.
   */
  internal?: boolean;
}

const STATUS_SCHEME = 'inhouse-status';

/** The read-only "InHouse Index Status.md" document, re-rendered on each Show Index Status. */
class StatusDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private text = '';
  readonly uri = vscode.Uri.from({ scheme: STATUS_SCHEME, path: '/InHouse Index Status.md' });

  set(text: string): void {
    this.text = text;
    this.changed.fire(this.uri);
  }

  provideTextDocumentContent(): string {
    return this.text;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * Every InHouse command, as a table of id → handler. Each handler runs only when what it
 * needs is there (trust, a folder, an index); otherwise the user is told why and offered the
 * fix. Failures are shown with the engine's message, which names the setting or command.
 */
export function registerCommands(s: Services, indexing: IndexController): vscode.Disposable[] {
  const recheck = () => indexing.health.check();
  const fixes = new Fixes(s, recheck);
  const documents = new StatusDocuments();
  const facts = () => ({ trusted: vscode.workspace.isTrusted, index: s.status.index, sharedReady: s.status.shared.state === 'ready' });

  const showIndexStatus = async (options?: { details?: boolean }): Promise<IndexReport> => {
    const [status, book] = await Promise.all([s.engine.status(), s.engine.conventionBook().catch(() => undefined)]);
    const state = describeStatus(s.status.snapshot());
    const report = indexReport({
      status,
      conventions: { rules: book?.rules.length ?? 0, warnings: book?.warnings ?? [] },
      rootWarnings: indexing.roots.warnings,
      lastRun: indexing.lastSummary,
      state: state.lines[0],
    });
    documents.set(report.markdown);
    const open = () =>
      vscode.workspace.openTextDocument(documents.uri).then((doc) => vscode.languages.setTextDocumentLanguage(doc, 'markdown')).then((doc) => vscode.window.showTextDocument(doc, { preview: true }));
    if (options?.details) await open();
    else {
      // Not awaited: the command returns while the notification waits for a click.
      void vscode.window.showInformationMessage(report.summary, 'Show Details', 'Reindex').then((c) => {
        if (c === 'Show Details') void open();
        else if (c === 'Reindex') void vscode.commands.executeCommand('inhouse.reindex');
      });
    }
    return report;
  };

  const table: Record<string, CommandSpec> = {
    'inhouse.reindex': {
      title: 'InHouse: Reindex',
      needs: ['trusted', 'roots'],
      run: (args) => indexing.indexAll({ interactive: true, notify: true, rebuild: (args as { rebuild?: boolean } | undefined)?.rebuild === true }),
    },
    'inhouse.showIndexStatus': {
      title: 'InHouse: Show Index Status',
      needs: ['trusted', 'roots'],
      run: (args) => showIndexStatus(args as { details?: boolean } | undefined),
    },
    'inhouse.openLogs': { title: 'InHouse: Open Logs', needs: [], run: () => s.log.show() },
    'inhouse.searchCode': {
      title: 'InHouse: Search Code',
      needs: ['trusted', 'index'],
      run: (query) => showSearchCode(s, typeof query === 'string' ? query : ''),
    },
    'inhouse.selectModel': {
      title: 'InHouse: Select Model',
      needs: ['trusted'],
      run: (args) => selectModel(s, fixes, args as Parameters<typeof selectModel>[2]),
    },
    'inhouse.addLibrary': {
      title: 'InHouse: Add Internal Library',
      needs: ['trusted'],
      run: (args) => addLibrary(s, args as Parameters<typeof addLibrary>[1]),
    },
    'inhouse.statusMenu': { title: 'InHouse: Show Status and Fixes', needs: [], run: () => showStatusMenu(s, fixes, recheck) },

    'inhouse.internal.activationTime': { title: 'activation time', needs: [], internal: true, run: () => s.status.activationMs },
    'inhouse.internal.status': {
      title: 'status',
      needs: [],
      internal: true,
      run: () => {
        const view = describeStatus(s.status.snapshot());
        return {
          index: s.status.index,
          model: s.status.model,
          completions: s.status.completions,
          configured: s.status.configured,
          shared: s.status.shared,
          activationMs: s.status.activationMs,
          text: view.text,
          fixes: view.fixes.map((f) => f.id),
          roots: indexing.roots,
        };
      },
    },
    'inhouse.internal.searchCode': {
      title: 'search',
      needs: ['trusted', 'index'],
      internal: true,
      run: (query) => searchSymbols(s, String(query ?? '')),
    },
    'inhouse.internal.checkOllama': { title: 'check Ollama', needs: [], internal: true, run: () => recheck().then(() => s.status.model) },
  };

  const disposables: vscode.Disposable[] = [documents, vscode.workspace.registerTextDocumentContentProvider(STATUS_SCHEME, documents)];
  for (const [id, spec] of Object.entries(table)) {
    disposables.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        const blocked = unavailable(spec.title, spec.needs, facts());
        if (blocked) {
          if (spec.internal) throw new Error(blocked.message);
          void fixes.offer(blocked.message, blocked.fixes, 'warning');
          return undefined;
        }
        try {
          return await spec.run(...args);
        } catch (err) {
          if (spec.internal) throw err;
          const failure = describeFailure(err, s.status);
          s.log.error(`${spec.title} failed: ${failure.message}`);
          void fixes.offer(`${spec.title} failed. ${failure.message}`, failure.fixes, 'error');
          return undefined;
        }
      }),
    );
  }
  return disposables;
}
