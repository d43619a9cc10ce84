import * as vscode from 'vscode';
import type { CompletionResult } from '../../engine/answers/answerTypes';
import type { FeedbackBase, FeedbackInput } from '../../engine/feedback/feedbackEvents';
import { languageForPath } from '../../engine/languages/registry';
import { OllamaError } from '../../engine/llm/ollamaError';
import type { Settings } from '../../engine/settings';
import type { Services } from '../services';
import { reportOllama } from '../status/ollamaStatus';
import type { CompletionState } from '../status/statusModel';
import { realClock } from './clock';
import { COMPLETION_LANGUAGES } from './completionLanguages';
import { CompletionController, type CompletionQuery } from './completionController';
import { CompletionStats, type CompletionStatsReport } from './completionStats';
import { FailurePause, type PauseState } from './failurePause';
import { SuggestionTracker, type SuggestionOutcome } from './suggestionTracker';
import { SurvivalWatch, type WatchedInsertion } from './survivalWatch';

export const ACCEPT_COMMAND = 'inhouse.completions.accepted';
export const STATS_COMMAND = 'inhouse.completions.stats';
export const TOGGLE_COMMAND = 'inhouse.toggleCompletions';

/** What every feedback event about one suggestion carries. */
type Meta = Omit<FeedbackBase, 'v' | 'id' | 'at'>;

export interface OutcomeCounts {
  shown: number;
  acceptedFull: number;
  acceptedPartial: number;
  rejected: number;
  survivalChecks: number;
}

/** `inhouse.completions.stats`: timings and outcome counts since activation. */
export interface InlineCompletionsReport extends CompletionStatsReport {
  outcomes: OutcomeCounts;
  pause: PauseState;
}

/**
 * Inline completions (ghost text): the provider, its acceptance tracking and feedback, the
 * failure pause and the toggle command. One instance per activation; `disposables()` hands every
 * registration to the composition root.
 */
export class InlineCompletions implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private readonly controller: CompletionController;
  private readonly pause: FailurePause;
  private readonly tracker: SuggestionTracker<Meta>;
  private readonly survival: SurvivalWatch<Meta>;
  private readonly stats = new CompletionStats();
  private readonly outcomes: OutcomeCounts = { shown: 0, acceptedFull: 0, acceptedPartial: 0, rejected: 0, survivalChecks: 0 };
  private settings: Settings;

  constructor(private readonly services: Services) {
    this.settings = services.settings();
    this.pause = new FailurePause(() => this.updateStatus());
    this.controller = new CompletionController({
      complete: (q, signal) => services.engine.complete(q.file, { line: q.line, column: q.column }, { text: q.text, model: q.model, signal }),
      debounceMs: () => this.settings['completion.debounceMs'],
      onSuccess: (result) => {
        this.pause.succeeded();
        reportOllama(services.status, result.model);
      },
      onError: (err, q) => this.failed(err, q),
    });
    this.tracker = new SuggestionTracker((o) => this.outcome(o));
    this.survival = new SurvivalWatch({
      read: (file) => this.readFile(file),
      record: (w, afterSeconds, survived) => this.recordSurvival(w, afterSeconds, survived),
    });
    this.updateStatus();
  }

  /** Every registration this part makes; the composition root disposes them. */
  register(): vscode.Disposable[] {
    const selector = Object.keys(COMPLETION_LANGUAGES).flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]);
    return [
      vscode.languages.registerInlineCompletionItemProvider(selector, this),
      vscode.commands.registerCommand(ACCEPT_COMMAND, (id: unknown) => {
        if (typeof id === 'string') this.tracker.accepted(id);
      }),
      vscode.commands.registerCommand(STATS_COMMAND, () => this.report()),
      vscode.commands.registerCommand(TOGGLE_COMMAND, () => this.toggle()),
      vscode.workspace.onDidChangeTextDocument((e) => this.documentChanged(e)),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        const key = this.fileKey(e.textEditor.document);
        if (key) this.tracker.cursorMoved(key, e.textEditor.document.offsetAt(e.selections[0].active));
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.tracker.settle()),
      this.services.onDidChangeSettings((s) => this.settingsChanged(s)),
      this.services.status.onDidChange(() => {
        const model = this.services.status.model;
        if (model.kind === 'ok') this.pause.healthy(model.model);
      }),
      this,
    ];
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const started = performance.now();
    if (!this.settings['completion.enabled'] || !this.pause.allows()) return undefined;
    // The suggest widget is open: an inline completion would have to extend its item; leave it be.
    if (context.selectedCompletionInfo) return undefined;
    const file = this.fileKey(document);
    if (!file) return undefined;
    this.stats.countRequest();
    const text = document.getText();
    const offset = document.offsetAt(position);
    this.tracker.cursorMoved(file, offset);
    const query: CompletionQuery = {
      file,
      model: this.settings['completion.model'],
      before: text.slice(0, offset),
      after: text.slice(offset),
      line: position.line + 1,
      column: position.character,
      text,
      explicit: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke,
    };
    const abort = new AbortController();
    const cancelled = token.onCancellationRequested(() => abort.abort());
    if (token.isCancellationRequested) abort.abort();
    try {
      const served = await this.controller.provide(query, abort.signal);
      if (!served || token.isCancellationRequested) return undefined;
      const meta = this.meta(served.result, document, file);
      const totalMs = performance.now() - started;
      const overheadMs = totalMs - served.debounceMs - served.engineMs;
      this.stats.add({ from: served.from, overheadMs, engineMs: served.engineMs, promptMs: served.from === 'model' ? served.result.ms.prompt : undefined, totalMs });
      this.services.log.debug(
        `completion: ${served.from}, ${served.text.length} chars, total ${ms(totalMs)} (debounce ${ms(served.debounceMs)}, engine ${ms(served.engineMs)}` +
          `${served.from === 'model' ? `, prompt ${served.result.ms.prompt} ms` : ''}, provider ${ms(overheadMs)})`,
      );
      const latencyMs = Math.round(totalMs);
      if (this.tracker.show({ id: served.generationId, file, offset, text: served.text, meta, latencyMs }) === 'new') {
        this.outcomes.shown++;
        this.record({ ...meta, kind: 'completion.shown', latencyMs, text: served.text });
      }
      return [
        new vscode.InlineCompletionItem(served.text, new vscode.Range(position, position), {
          title: 'Accept inline completion',
          command: ACCEPT_COMMAND,
          arguments: [served.generationId],
        }),
      ];
    } finally {
      cancelled.dispose();
    }
  }

  report(): InlineCompletionsReport {
    return { ...this.stats.report(), outcomes: { ...this.outcomes }, pause: this.pause.state };
  }

  dispose(): void {
    // What is on screen now is neither accepted nor rejected yet: not recorded.
    this.controller.dispose();
    this.pause.dispose();
    this.survival.dispose();
  }

  private async toggle(): Promise<void> {
    const config = vscode.workspace.getConfiguration('inhouse');
    const inspected = config.inspect<boolean>('completion.enabled');
    const enabled = !this.settings['completion.enabled'];
    // A workspace value would override the user setting: flip it where it is set.
    const target =
      inspected?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : inspected?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    await config.update('completion.enabled', enabled, target);
    void vscode.window.showInformationMessage(`InHouse inline completions are ${enabled ? 'on' : 'off'}.`);
  }

  private settingsChanged(next: Settings): void {
    const before = this.settings;
    this.settings = next;
    const changed = (k: keyof Settings): boolean => before[k] !== next[k];
    if (changed('completion.model') || changed('ollama.host') || changed('completion.contextTokens') || changed('completion.maxTokens')) this.controller.reset();
    if (!next['completion.enabled']) this.tracker.settle();
    // Any change may be the fix for what paused completions.
    this.pause.reset();
    this.updateStatus();
  }

  private failed(err: unknown, q: CompletionQuery): void {
    reportOllama(this.services.status, q.model, err);
    const effect = this.pause.failed(err, q.model);
    const message = err instanceof Error ? err.message : String(err);
    if (effect === 'blocked') {
      this.services.log.warn(`Inline completions paused: ${message}`);
      void vscode.window.showWarningMessage(`InHouse inline completions are paused: ${message}`, 'Select Model', 'Open Settings').then((choice) => {
        if (choice === 'Select Model') void vscode.commands.executeCommand('inhouse.selectModel');
        else if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.completion');
      });
    } else if (effect === 'backoff') {
      this.services.log.warn(`Inline completions paused after repeated failures: ${message}`);
    } else if (err instanceof OllamaError) {
      this.services.log.debug(`completion failed (${err.kind}): ${message}`);
    } else {
      this.services.log.debug(`completion skipped: ${message}`);
    }
  }

  private updateStatus(): void {
    const state = this.pause.state;
    let status: CompletionState;
    if (!this.settings['completion.enabled']) status = { kind: 'off' };
    else if (state.kind === 'backoff') status = { kind: 'paused', reason: state.reason, until: Math.round(Date.now() + (state.until - realClock.now())) };
    else if (state.kind === 'blocked') status = { kind: 'paused', reason: state.reason };
    else status = { kind: 'on' };
    this.services.status.setCompletions(status);
  }

  private documentChanged(e: vscode.TextDocumentChangeEvent): void {
    if (!e.contentChanges.length) return;
    const file = this.fileKey(e.document);
    if (!file) return;
    const edits = e.contentChanges.map((c) => ({ offset: c.rangeOffset, removed: c.rangeLength, inserted: c.text.length, text: c.text }));
    this.tracker.documentChanged(file, edits);
    this.survival.documentChanged(file, edits);
  }

  private outcome(o: SuggestionOutcome<Meta>): void {
    const s = o.suggestion;
    if (o.kind === 'rejected') {
      this.outcomes.rejected++;
      this.record({ ...s.meta, kind: 'completion.rejected', text: s.text, latencyMs: s.latencyMs });
      return;
    }
    if (o.how === 'full') this.outcomes.acceptedFull++;
    else this.outcomes.acceptedPartial++;
    this.record({
      ...s.meta,
      kind: 'completion.accepted',
      how: o.how,
      text: s.text,
      ...(o.how === 'partial' ? { acceptedText: o.acceptedText } : {}),
      latencyMs: s.latencyMs,
    });
    this.survival.watch({ file: s.file, anchor: s.anchor, text: o.acceptedText, meta: s.meta });
  }

  private recordSurvival(w: WatchedInsertion<Meta>, afterSeconds: number, survived: number): void {
    this.outcomes.survivalChecks++;
    this.record({ ...w.meta, kind: 'completion.survival', afterSeconds, survived, text: w.text });
  }

  private record(event: FeedbackInput): void {
    this.services.feedback.record(event).catch((err: unknown) => this.services.log.warn(`Could not record feedback: ${(err as Error).message}`));
  }

  private meta(result: CompletionResult, document: vscode.TextDocument, file: string): Meta {
    const language = languageForPath(file)?.id ?? COMPLETION_LANGUAGES[document.languageId]?.engine ?? document.languageId;
    return {
      promptId: result.promptId,
      model: result.model,
      contextIds: result.contextIds,
      ruleIds: result.ruleIds,
      language,
      ...(document.uri.scheme === 'file' ? { path: vscode.workspace.asRelativePath(document.uri, false) } : {}),
    };
  }

  /**
   * The engine's key for a document: its path, or for an unsaved one a name with its language's
   * extension (the engine reads the text given, and has no index context for it). Undefined
   * when the engine does not handle the file.
   */
  private fileKey(document: vscode.TextDocument): string | undefined {
    const lang = COMPLETION_LANGUAGES[document.languageId];
    if (!lang) return undefined;
    if (document.uri.scheme === 'untitled') return `untitled:${document.uri.path}${lang.extension}`;
    if (document.uri.scheme !== 'file') return undefined;
    const path = document.uri.fsPath;
    return languageForPath(path) ? path : undefined;
  }

  private async readFile(file: string): Promise<string | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => !d.isClosed && this.fileKey(d) === file);
    if (open) return open.getText();
    if (file.startsWith('untitled:')) return undefined;
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
    } catch {
      return undefined;
    }
  }
}

function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}
