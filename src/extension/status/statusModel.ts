import * as vscode from 'vscode';
import type { SharedState } from '../../engine/shared/sharedIndex';
import type { StatusSnapshot } from './statusView';

/** What the index is doing. */
export type IndexState =
  | { kind: 'starting' }
  | { kind: 'indexing'; done: number; total: number }
  | { kind: 'ready'; files: number; chunks: number; /** Something worth saying about the last run, e.g. that it was cancelled. */ note?: string }
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

/** What the settings name: shown in the tooltip and used by the fixes (e.g. which model to pull). */
export interface ConfiguredModels {
  chat: string;
  completion: string;
  embedding: string;
  /** The resolved Ollama address, when it resolves. */
  host?: string;
}

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
  private configuredState: ConfiguredModels = { chat: '', completion: '', embedding: '' };
  private sharedState: SharedState = { state: 'off' };
  /** When activate() began, near enough: the model is among the first things it builds. */
  private readonly createdAt = performance.now();
  private activatedInMs?: number;

  /** How long activate() took, once it returned (see markActivated). */
  get activationMs(): number | undefined {
    return this.activatedInMs;
  }

  /** Called once activation has returned; later calls keep the first measurement. */
  markActivated(ms = performance.now() - this.createdAt): void {
    this.activatedInMs ??= Math.round(ms * 10) / 10;
  }

  get index(): IndexState {
    return this.indexState;
  }
  get model(): ModelState {
    return this.modelState;
  }
  get completions(): CompletionState {
    return this.completionState;
  }

  get configured(): ConfiguredModels {
    return this.configuredState;
  }

  /** The team's shared index, as its reader last reported it. */
  get shared(): SharedState {
    return this.sharedState;
  }

  /** Everything describeStatus renders. */
  snapshot(): StatusSnapshot {
    return {
      index: this.indexState,
      model: this.modelState,
      completions: this.completionState,
      models: this.configuredState,
      ollamaHost: this.configuredState.host,
      shared: this.sharedState,
    };
  }

  setConfigured(state: ConfiguredModels): void {
    if (JSON.stringify(state) === JSON.stringify(this.configuredState)) return;
    this.configuredState = state;
    this.changed.fire();
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

  setShared(state: SharedState): void {
    // A refresh that found nothing new only moves refreshedAt: not news for the status bar.
    const same = (a: SharedState) => JSON.stringify(a.state === 'ready' ? { ...a, refreshedAt: 0 } : a);
    if (same(state) === same(this.sharedState)) return;
    this.sharedState = state;
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
