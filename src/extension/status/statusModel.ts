import * as vscode from 'vscode';

/** What the index is doing. */
export type IndexState =
  | { kind: 'starting' }
  | { kind: 'indexing'; done: number; total: number }
  | { kind: 'ready'; files: number; chunks: number }
  | { kind: 'error'; message: string }
  | { kind: 'untrusted' }
  | { kind: 'no-folder' };

/** What the last call to Ollama said about it. */
export type ModelState =
  | { kind: 'unknown' }
  | { kind: 'ok'; model: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'model-missing'; model: string; message: string }
  | { kind: 'unsupported'; model: string; message: string }
  | { kind: 'outdated'; message: string };

export type CompletionState = { kind: 'on' } | { kind: 'off' } | { kind: 'paused'; reason: string; until?: number };

/**
 * The extension's state as the status bar shows it: one model that the indexing, chat and
 * completion parts report into, and the status bar (and anything else) renders from.
 */
export class StatusModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private indexState: IndexState = { kind: 'starting' };
  private modelState: ModelState = { kind: 'unknown' };
  private completionState: CompletionState = { kind: 'on' };

  get index(): IndexState {
    return this.indexState;
  }
  get model(): ModelState {
    return this.modelState;
  }
  get completions(): CompletionState {
    return this.completionState;
  }

  setIndex(state: IndexState): void {
    this.indexState = state;
    this.changed.fire();
  }

  setModel(state: ModelState): void {
    if (JSON.stringify(state) === JSON.stringify(this.modelState)) return;
    this.modelState = state;
    this.changed.fire();
  }

  setCompletions(state: CompletionState): void {
    if (JSON.stringify(state) === JSON.stringify(this.completionState)) return;
    this.completionState = state;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
