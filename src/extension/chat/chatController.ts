import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnswerEvent } from '../../engine/answers/answerTypes';
import type { FeedbackInput } from '../../engine/feedback/feedbackEvents';
import {
  parseWebviewMessage,
  type ContextItemView,
  type ExtensionEvent,
  type FixAction,
  type RequestResult,
  type RequestType,
  type WebviewRequest,
  type WebviewRequestOf,
} from '../../protocol/chatProtocol';
import type { Services } from '../services';
import { sharedRef } from '../sharedIndex/sharedChunk';
import { reportOllama } from '../status/ollamaStatus';
import { CodeActions } from './codeActions';
import { ContextItems } from './contextItems';
import {
  emptyConversation,
  historyFor,
  restoreConversation,
  splitSources,
  stateView,
  trimTurns,
  turnView,
  type Conversation,
  type StoredTurn,
} from './conversation';
import { errorMessage, fixesFor, isCancellation } from './errorFixes';

const STATE_KEY = 'inhouse.chat.conversation';
const MODEL_LIST_TIMEOUT_MS = 10_000;

/** An explain request, as the inhouse.explain command resolved it. */
export interface ExplainTarget {
  fileKey: string;
  startLine: number;
  endLine: number;
  /** The document's current text (unsaved edits included). */
  text: string;
  title: string;
  notes: string[];
}

type Handlers = { [K in RequestType]: (m: WebviewRequestOf<K>) => Promise<RequestResult<K>> | RequestResult<K> };

/**
 * The chat's state and behaviour, independent of whether the view is showing: the conversation,
 * the attached context and the answers streaming. The view provider attaches a webview; messages
 * from it are validated here before anything acts on them.
 */
export class ChatController implements vscode.Disposable {
  private conversation: Conversation;
  private webview?: vscode.Webview;
  private ready = false;
  private readonly running = new Map<string, AbortController>();
  private readonly disposables: vscode.Disposable[] = [];
  private turnCounter = 0;
  readonly context: ContextItems;
  private readonly code: CodeActions;
  private readonly handlers: Handlers;

  constructor(private readonly s: Services) {
    this.conversation = restoreConversation(s.context.workspaceState.get(STATE_KEY));
    this.context = new ContextItems(s, () => this.post({ type: 'context/changed', items: this.context.views() }));
    this.code = new CodeActions(s.log);
    this.disposables.push(this.code, s.onDidChangeSettings((settings) => this.post({ type: 'model/changed', current: settings['chat.model'] })));
    this.handlers = {
      'view/ready': () => {
        this.ready = true;
        return this.state();
      },
      'chat/ask': (m) => ({ turnId: this.ask(m.question, m.id) }),
      'chat/stop': (m) => ({ stopped: this.stop(m.turnId) }),
      'chat/rate': (m) => this.rate(m.turnId, m.rating),
      'chat/correct': (m) => this.correct(m.turnId, m.corrected),
      'chat/newConversation': () => this.newConversation(),
      'model/list': () => this.listModels(),
      'model/select': (m) => this.selectModel(m.model),
      'code/copy': async (m) => {
        await vscode.env.clipboard.writeText(m.code);
        return {};
      },
      'code/insert': async (m) => ({ inserted: await this.code.insert(m.code) }),
      'code/apply': async (m) => ({ applied: await this.code.apply(m.code) }),
      'citation/open': (m) => this.openCitation(m.turnId, m.n, m.ruleId),
      'context/addSelection': async () => ({ added: await this.context.addSelection(vscode.window.activeTextEditor) }),
      'context/addFile': async () => ({ added: await this.context.pickFile() }),
      'context/remove': (m) => {
        this.context.remove(m.itemId);
        return {};
      },
      'history/restore': () => this.state(),
      'fix/run': (m) => this.runFix(m.action),
    };
  }

  // -------------------------------------------------------------------------------------------
  // The view
  // -------------------------------------------------------------------------------------------

  attach(webview: vscode.Webview): vscode.Disposable {
    this.webview = webview;
    this.ready = false;
    const sub = webview.onDidReceiveMessage((raw) => void this.receive(raw));
    return new vscode.Disposable(() => {
      sub.dispose();
      if (this.webview === webview) {
        this.webview = undefined;
        this.ready = false;
      }
    });
  }

  get viewReady(): boolean {
    return this.ready;
  }

  /** Events for a view that is not there are dropped: it gets the whole state when it loads. */
  private post(event: ExtensionEvent): void {
    if (!this.webview || !this.ready) return;
    void this.webview.postMessage(event).then(undefined, () => undefined);
  }

  /** Validates a message from the webview, runs its handler and replies. Public for the test hook. */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.s.log.warn(`Chat view sent a message that was refused: ${parsed.error}`);
      if (parsed.id && this.webview) void this.webview.postMessage({ type: 'reply', re: parsed.id, ok: false, error: parsed.error } satisfies ExtensionEvent);
      return;
    }
    const m = parsed.message;
    let reply: ExtensionEvent;
    try {
      const handler = this.handlers[m.type] as (m: WebviewRequest) => unknown;
      // A synchronous result is replied to at once: view/ready's state must not miss a chunk
      // streamed while an await let other work in.
      const result = handler(m);
      reply = { type: 'reply', re: m.id, ok: true, result: result instanceof Promise ? await result : result };
    } catch (err) {
      const message = errorMessage(err);
      this.s.log.warn(`Chat ${m.type} failed: ${message}`);
      reply = { type: 'reply', re: m.id, ok: false, error: message };
    }
    // view/ready's reply must reach the view even though `ready` was just set by it.
    if (this.webview) void this.webview.postMessage(reply).then(undefined, () => undefined);
  }

  private state() {
    return stateView(this.conversation, this.context.views(), this.s.settings()['chat.model']);
  }

  focusComposer(): void {
    this.post({ type: 'composer/focus' });
  }

  /** What the extension-host test reads (registered only in test mode). */
  snapshot(): { ready: boolean; running: number; turns: ReturnType<typeof turnView>[]; context: ContextItemView[] } {
    return { ready: this.ready, running: this.running.size, turns: this.conversation.turns.map(turnView), context: this.context.views() };
  }

  // -------------------------------------------------------------------------------------------
  // Answers
  // -------------------------------------------------------------------------------------------

  ask(question: string, re?: string): string {
    const attachments = this.context.takeAttachments();
    const history = historyFor(this.conversation.turns);
    const model = this.s.settings()['chat.model'];
    const turn = this.newTurn('chat', question, attachments.labels);
    const active = vscode.window.activeTextEditor?.document;
    const ctrl = new AbortController();
    const events = this.s.engine.ask(question, {
      history,
      attachments: attachments.items,
      activeFile: active?.uri.scheme === 'file' ? active.uri.fsPath : undefined,
      model,
      signal: ctrl.signal,
    });
    this.post({ type: 'context/changed', items: this.context.views() });
    void this.stream(turn, events, ctrl, model, re);
    return turn.id;
  }

  explain(target: ExplainTarget): string {
    const model = this.s.settings()['chat.model'];
    const turn = this.newTurn('explain', target.title, []);
    turn.notes.push(...target.notes);
    const ctrl = new AbortController();
    const events = this.explainEvents(turn, target, model, ctrl.signal);
    void this.stream(turn, events, ctrl, model);
    return turn.id;
  }

  private async *explainEvents(turn: StoredTurn, t: ExplainTarget, model: string, signal: AbortSignal): AsyncGenerator<AnswerEvent> {
    const file = await this.s.engine.readSource(t.fileKey, t.text);
    turn.language = file.language;
    turn.path = file.relPath;
    yield* this.s.engine.explain(t.fileKey, { startLine: t.startLine, endLine: t.endLine }, { text: t.text, model, signal });
  }

  private newTurn(surface: 'chat' | 'explain', question: string, context: string[]): StoredTurn {
    const turn: StoredTurn = {
      id: `t${Date.now().toString(36)}-${(++this.turnCounter).toString(36)}`,
      surface,
      question,
      answer: '',
      status: 'streaming',
      citations: [],
      rules: [],
      notes: [],
      context,
      targets: [],
      language: '',
    };
    this.conversation.turns.push(turn);
    return turn;
  }

  private async stream(turn: StoredTurn, events: AsyncGenerator<AnswerEvent>, ctrl: AbortController, model: string, re?: string): Promise<void> {
    this.running.set(turn.id, ctrl);
    this.post({ type: 'answer/start', turn: turnView(turn), re });
    try {
      for await (const ev of events) {
        if (ev.type === 'sources') {
          const { citations, rules, targets } = splitSources(ev.sources);
          Object.assign(turn, { citations, rules, targets });
          turn.notes.push(...ev.notes);
          this.post({ type: 'answer/sources', turnId: turn.id, citations, rules, notes: turn.notes });
        } else if (ev.type === 'text') {
          turn.answer += ev.text;
          this.post({ type: 'answer/chunk', turnId: turn.id, text: ev.text });
        } else {
          turn.model = ev.model;
          turn.promptId = ev.promptId;
          turn.notes.push(...ev.notes);
          if (ev.cutShort) turn.notes.push('The answer reached its length limit (inhouse.chat.maxTokens) and may be cut short.');
          turn.status = 'done';
          this.post({ type: 'answer/done', turnId: turn.id, model: ev.model, promptId: ev.promptId, cutShort: ev.cutShort, notes: turn.notes });
        }
      }
      if (turn.status === 'streaming') throw new Error('The answer ended without finishing; try again.');
      reportOllama(this.s.status, model);
    } catch (err) {
      const stopped = isCancellation(err, ctrl.signal);
      const message = stopped ? 'Stopped.' : errorMessage(err);
      const fixes: FixAction[] = stopped ? [] : fixesFor(err);
      turn.status = stopped ? 'stopped' : 'error';
      if (!stopped) {
        turn.error = { message, fixes };
        reportOllama(this.s.status, model, err);
        this.s.log.warn(`Chat ${turn.surface} failed: ${message}`);
      }
      this.post({ type: 'answer/error', turnId: turn.id, message, incomplete: turn.answer.length > 0, stopped, fixes });
    } finally {
      this.running.delete(turn.id);
      this.save();
    }
  }

  stop(turnId?: string): boolean {
    let stopped = false;
    for (const [id, ctrl] of this.running) {
      if (turnId !== undefined && id !== turnId) continue;
      ctrl.abort();
      stopped = true;
    }
    return stopped;
  }

  newConversation() {
    this.stop();
    this.conversation = emptyConversation();
    this.save();
    const state = this.state();
    this.post({ type: 'state/reset', state });
    this.focusComposer();
    return state;
  }

  private save(): void {
    this.conversation.turns = trimTurns(this.conversation.turns);
    const stored: Conversation = { version: 1, turns: this.conversation.turns.filter((t) => t.status !== 'streaming') };
    void Promise.resolve(this.s.context.workspaceState.update(STATE_KEY, stored)).catch((err: unknown) =>
      this.s.log.warn(`Could not save the chat history: ${errorMessage(err)}`),
    );
  }

  private turn(turnId: string): StoredTurn {
    const t = this.conversation.turns.find((x) => x.id === turnId);
    if (!t) throw new Error('That answer is no longer in the conversation.');
    return t;
  }

  // -------------------------------------------------------------------------------------------
  // Feedback
  // -------------------------------------------------------------------------------------------

  private feedbackBase(t: StoredTurn) {
    if (t.status !== 'done' || !t.promptId || !t.model) throw new Error('Only a finished answer can be rated or corrected.');
    return {
      promptId: t.promptId,
      model: t.model,
      contextIds: t.targets.map((c) => c.id),
      ruleIds: t.rules.map((r) => r.id),
      language: t.language,
      ...(t.path ? { path: t.path } : {}),
    };
  }

  private async rate(turnId: string, rating: 'up' | 'down'): Promise<Record<string, never>> {
    const t = this.turn(turnId);
    const event: FeedbackInput = { ...this.feedbackBase(t), kind: 'chat.rating', surface: t.surface, rating, question: t.question, answer: t.answer };
    t.rating = rating;
    this.save();
    this.post({ type: 'turn/updated', turnId, rating });
    await this.s.feedback.record(event);
    return {};
  }

  private async correct(turnId: string, corrected: string): Promise<Record<string, never>> {
    const t = this.turn(turnId);
    const event: FeedbackInput = {
      ...this.feedbackBase(t),
      kind: 'correction',
      surface: t.surface,
      prompt: t.question,
      original: t.answer,
      corrected,
    };
    t.correctedText = corrected;
    t.corrected = true;
    this.save();
    this.post({ type: 'turn/updated', turnId, corrected: true });
    await this.s.feedback.record(event);
    return {};
  }

  // -------------------------------------------------------------------------------------------
  // Models, citations, fixes
  // -------------------------------------------------------------------------------------------

  private async listModels(): Promise<{ models: string[]; current: string }> {
    const current = this.s.settings()['chat.model'];
    const signal = AbortSignal.timeout(MODEL_LIST_TIMEOUT_MS);
    try {
      const models = await this.s.engine.ollamaClient.listModels(signal);
      reportOllama(this.s.status, current);
      return { models: [...new Set(models)].sort(), current };
    } catch (err) {
      reportOllama(this.s.status, current, err);
      throw err;
    }
  }

  private async selectModel(model: string): Promise<{ current: string }> {
    const config = vscode.workspace.getConfiguration('inhouse');
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await config.update('chat.model', model, target);
    this.s.log.info(`Chat model set to ${model}.`);
    return { current: model };
  }

  private async openCitation(turnId: string, n?: number, ruleId?: string): Promise<Record<string, never>> {
    const t = this.turn(turnId);
    let file: string | undefined;
    let startLine = 1;
    let endLine = 1;
    if (n !== undefined) {
      const c = t.targets.find((x) => x.n === n);
      if (!c) throw new Error(`Source [${n}] is not one this answer had.`);
      // From the team's shared index: not on this disk, shown as the chunk's text.
      const shared = sharedRef({ ...c, symbol: t.citations.find((x) => x.n === n)?.symbol });
      if (shared) {
        await this.s.sharedDocuments.open(shared, { preview: true, viewColumn: vscode.ViewColumn.Active });
        return {};
      }
      ({ fileKey: file, startLine, endLine } = c);
    } else if (ruleId !== undefined) {
      if (!t.rules.some((r) => r.id === ruleId)) throw new Error(`Rule [${ruleId}] is not one this answer had.`);
      const rule = (await this.s.engine.conventionBook()).get(ruleId);
      if (!rule) throw new Error(`The house rule ${ruleId} is no longer in the index; reindex to refresh it.`);
      file = this.ruleFile(rule.source, rule.path);
      if (!file && this.fromSharedIndex(rule.source)) {
        const ref = { library: rule.source, path: rule.path, startLine: rule.startLine, endLine: rule.endLine };
        await this.s.sharedDocuments.open(ref, { chunk: { text: rule.text, language: 'markdown' }, preview: true, viewColumn: vscode.ViewColumn.Active });
        return {};
      }
      if (!file) throw new Error(`Cannot find the file of house rule ${ruleId} (${rule.path} in ${rule.source}).`);
      ({ startLine, endLine } = rule);
    }
    if (!file || !path.isAbsolute(file)) throw new Error('This source has no file to open.');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const last = Math.min(Math.max(endLine, startLine), doc.lineCount) - 1;
    const first = Math.min(Math.max(startLine, 1), doc.lineCount) - 1;
    const range = new vscode.Range(first, 0, last, doc.lineAt(last).text.length);
    const editor = await vscode.window.showTextDocument(doc, { selection: range, preview: true, viewColumn: vscode.ViewColumn.Active });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return {};
  }

  /** Whether `source` is a library of the team's shared index (and not one indexed here). */
  private fromSharedIndex(source: string): boolean {
    const shared = this.s.status.shared;
    return shared.state === 'ready' && shared.sources.includes(source) && this.s.settings().libraries[source] === undefined;
  }

  private ruleFile(source: string, relPath: string): string | undefined {
    const roots =
      source === 'workspace'
        ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)
        : [this.s.settings().libraries[source]].filter((r): r is string => typeof r === 'string');
    return roots.map((r) => path.join(r, relPath)).find((p) => existsSync(p));
  }

  private async runFix(action: FixAction): Promise<Record<string, never>> {
    switch (action) {
      case 'openHostSetting':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.ollama.host');
        break;
      case 'openModelSetting':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.chat.model');
        break;
      case 'selectModel':
        if ((await vscode.commands.getCommands(true)).includes('inhouse.selectModel')) await vscode.commands.executeCommand('inhouse.selectModel');
        else await vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.chat.model');
        break;
      case 'openLogs':
        this.s.log.show();
        break;
      case 'reindex':
        await vscode.commands.executeCommand('inhouse.reindex');
        break;
    }
    return {};
  }

  dispose(): void {
    this.stop();
    for (const d of this.disposables) d.dispose();
  }
}
