import * as vscode from 'vscode';
import { OllamaError, resolveOllamaHost } from '../../engine/llm/ollamaClient';
import type { ModelNeed } from '../../engine/llm/ollamaClient';
import type { Settings } from '../../engine/settings';
import type { Services } from '../services';
import { reportOllama } from './ollamaStatus';

/** The whole check (version + up to three models) gives up after this long. */
const CHECK_BOUND_MS = 10_000;
/** While Ollama is down or a model is missing, look again this often, so the status recovers by itself. */
const RECHECK_MS = 60_000;
const SETTINGS_DEBOUNCE_MS = 500;

/**
 * Asks Ollama, before the user does, whether it is up and has the configured models, and
 * reports the answer into the status model (reportOllama). Runs after the first index run,
 * when Ollama settings change, on demand (status menu), and every minute while unhealthy.
 * Never in an untrusted workspace.
 */
export class OllamaHealth implements vscode.Disposable {
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private disposed = false;
  /** The last problem logged: a minute-by-minute recheck logs it once, not every time. */
  private lastProblem?: string;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly services: Services,
    private readonly trusted: () => boolean,
  ) {
    let before = services.settings();
    this.publish(before);
    this.disposables.push(
      services.onDidChangeSettings((after) => {
        const keys: (keyof Settings)[] = ['ollama.host', 'ollama.timeoutSeconds', 'chat.model', 'completion.model', 'completion.enabled', 'embedding.model'];
        const changed = keys.some((k) => before[k] !== after[k]);
        before = after;
        this.publish(after);
        if (changed) this.schedule(SETTINGS_DEBOUNCE_MS);
      }),
    );
  }

  /** Tells the status model which models and address the settings name. */
  private publish(s: Settings): void {
    let host: string | undefined;
    try {
      host = resolveOllamaHost(s['ollama.host']);
    } catch {
      host = undefined; // named by the check's message
    }
    this.services.status.setConfigured({ chat: s['chat.model'], completion: s['completion.model'], embedding: s['embedding.model'], host });
  }

  /** Checks now (or joins the check in flight). */
  check(): Promise<void> {
    if (this.disposed || !this.trusted()) return Promise.resolve();
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), ms);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    const { status, log } = this.services;
    const s = this.services.settings();
    const needs: [string, ModelNeed][] = [[s['chat.model'], 'completion']];
    if (s['completion.enabled']) needs.push([s['completion.model'], 'insert']);
    if (s['embedding.model']) needs.push([s['embedding.model'], 'embedding']);
    const bound = Math.min(CHECK_BOUND_MS, s['ollama.timeoutSeconds'] * 1000);
    const signal = AbortSignal.timeout(bound);
    let healthy = false;
    try {
      const client = this.services.engine.ollamaClient;
      // A model pulled or removed since the last look must be seen as such.
      client.invalidateModelInfo();
      await client.checkVersion(signal);
      for (const [model, need] of needs) {
        try {
          await client.check(model, need, signal);
        } catch (err) {
          reportOllama(status, model, err);
          this.note((err as Error).message);
          return;
        }
      }
      reportOllama(status, s['chat.model']);
      healthy = true;
      if (this.lastProblem !== undefined) log.info('Ollama check: Ollama and the configured models are ready.');
      this.lastProblem = undefined;
    } catch (err) {
      if (err instanceof OllamaError && err.kind === 'bad-host') {
        status.setModel({ kind: 'unreachable', message: err.message });
      } else if (signal.aborted) {
        // Our own bound: as far as the user is concerned, Ollama is not answering.
        status.setModel({ kind: 'unreachable', message: `Ollama did not answer within ${bound / 1000} s. Start it with \`ollama serve\`, or set inhouse.ollama.host.` });
      } else {
        reportOllama(status, '', err);
      }
      this.note((err as Error).message);
    } finally {
      if (!healthy) this.schedule(RECHECK_MS);
    }
  }

  private note(problem: string): void {
    if (problem !== this.lastProblem) this.services.log.warn(`Ollama check: ${problem}`);
    this.lastProblem = problem;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
