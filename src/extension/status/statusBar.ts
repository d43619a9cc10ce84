import * as vscode from 'vscode';
import type { StatusModel } from './statusModel';
import { describeStatus, type StatusView } from './statusView';

/** Re-renders at most this often: indexing reports progress many times a second. */
const RENDER_MS = 100;

/**
 * The status bar item: a view of the StatusModel (text, tooltip and colour from
 * describeStatus). Clicking it opens inhouse.statusMenu, which offers the fixes.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly sub: vscode.Disposable;
  private timer?: NodeJS.Timeout;
  private last?: StatusView;

  constructor(private readonly model: StatusModel) {
    this.item = vscode.window.createStatusBarItem('inhouse.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'InHouse';
    this.item.command = 'inhouse.statusMenu';
    this.sub = model.onDidChange(() => this.schedule());
    this.render();
    this.item.show();
  }

  /** What the item shows now (for the e2e suite, through inhouse.internal.status). */
  get view(): StatusView | undefined {
    return this.last;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, RENDER_MS);
  }

  private render(): void {
    const view = describeStatus(this.model.snapshot());
    this.last = view;
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = false;
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      view.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.accessibilityInformation = { label: view.text.replace(/\$\([^)]*\)\s*/g, ''), role: 'button' };
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.sub.dispose();
    this.item.dispose();
  }
}
