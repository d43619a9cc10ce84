import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readAdapterFolder } from '../../engine/houseModel/adapterFolder';
import { HouseModelError } from '../../engine/houseModel/houseModelError';
import { houseSystemPrompt } from '../../engine/houseModel/houseSystemPrompt';
import { houseModelfile, registerHouseModel, type RegisteredHouseModel, type RegisterProgress } from '../../engine/houseModel/registerHouseModel';
import { OllamaError } from '../../engine/llm/ollamaError';
import type { PromptRule } from '../../engine/prompts/promptTypes';
import { writeSetting } from '../config';
import type { Services } from '../services';

export const REGISTER_HOUSE_MODEL = 'inhouse.registerHouseModel';

/** What the command can be given instead of asking (scripts, e2e tests). */
export interface RegisterHouseModelArgs {
  adapter?: string;
  base?: string;
  name?: string;
  /** After registering: make it the chat and/or completion model, or leave the settings alone. */
  useFor?: 'both' | 'chat' | 'completion' | 'none';
  /** Write the Modelfile next to the adapter. */
  saveModelfile?: boolean;
}

/** "InHouse: Register House Model". The returned disposables belong to the caller. */
export function registerHouseModelCommand(s: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(REGISTER_HOUSE_MODEL, async (args?: RegisterHouseModelArgs) => {
      try {
        return await runRegisterHouseModel(s, args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        s.log.error(`${REGISTER_HOUSE_MODEL} failed: ${message}`);
        if (err instanceof OllamaError && err.kind === 'cancelled') return undefined;
        const known = err instanceof HouseModelError || err instanceof OllamaError;
        const choice = await vscode.window.showErrorMessage(`InHouse: ${known ? message : `Registering the house model failed: ${message}`}`, 'Open Logs');
        if (choice === 'Open Logs') s.log.show();
        return undefined;
      }
    }),
  ];
}

/**
 * Picks the adapter, the base model and a name; registers with a progress notification that shows
 * Ollama's create status; then offers to make the new model the chat and completion model.
 * Resolves with the new model's name, or undefined when the user backed out.
 */
export async function runRegisterHouseModel(s: Services, args: RegisterHouseModelArgs = {}): Promise<string | undefined> {
  const adapterPath = args.adapter ?? (await pickAdapter());
  if (!adapterPath) return undefined;
  // Read first: a wrong folder is reported before anything else is asked.
  const adapter = await readAdapterFolder(adapterPath);
  const trainedOn = adapter.config?.baseModel ?? '';

  const client = s.engine.ollamaClient;
  const base = args.base ?? (await pickBase(client.host, await client.listModels(AbortSignal.timeout(5_000)), trainedOn));
  if (!base) return undefined;
  const name = args.name ?? (await askName(base));
  if (!name) return undefined;

  let rules: PromptRule[] = [];
  try {
    rules = (await s.engine.conventionBook()).rules;
  } catch (err) {
    s.log.warn(`Register House Model: no conventions for the SYSTEM prompt (${(err as Error).message}); using the house identity alone.`);
  }

  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `InHouse: Registering ${name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await registerHouseModel(
          { adapter: adapterPath, base, name, system: houseSystemPrompt(rules) },
          {
            host: client.host,
            timeoutMs: s.settings()['ollama.timeoutSeconds'] * 1000,
            client,
            signal: abort.signal,
            onProgress: (e) => {
              const message = describeProgress(e);
              if (e.step === 'warning') s.log.warn(`Register House Model: ${e.message}`);
              else s.log.info(`Register House Model: ${message}`);
              if (message) progress.report({ message });
            },
          },
        );
      } finally {
        sub.dispose();
      }
    },
  );
  for (const w of result.warnings) void vscode.window.showWarningMessage(`InHouse: ${w}`);
  await offerSettings(result, args);
  if (args.saveModelfile) await saveModelfile(result);
  return result.model;
}

async function pickAdapter(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'InHouse: the LoRA adapter to register (its folder, or a .gguf file)',
    openLabel: 'Use This Adapter',
    canSelectFolders: true,
    canSelectFiles: true,
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'GGUF adapter': ['gguf'] },
  });
  const uri = picked?.[0];
  if (!uri) return undefined;
  if (uri.scheme !== 'file') throw new HouseModelError(`The adapter must be on this machine's disk (got ${uri.toString()}); Ollama reads it from here.`, 'adapter-missing');
  return uri.fsPath;
}

type BaseRow = vscode.QuickPickItem & { model?: string };

async function pickBase(host: string, models: string[], trainedOn: string): Promise<string | undefined> {
  if (models.length === 0) {
    throw new HouseModelError(`Ollama at ${host} has no models. Pull the base the adapter was trained on (\`ollama pull <base>\`), then try again.`, 'base-missing');
  }
  // The base the adapter was trained on most likely shares words with its Hugging Face name.
  const words = new Set(trainedOn.toLowerCase().split(/[^a-z0-9.]+/).filter((w) => w.length > 1));
  const score = (m: string) => m.toLowerCase().split(/[^a-z0-9.]+/).filter((w) => words.has(w)).length;
  const rows: BaseRow[] = [...models]
    .sort((a, b) => score(b) - score(a) || a.localeCompare(b))
    .map((m) => ({ label: `$(hubot) ${m}`, model: m }));
  const picked = await vscode.window.showQuickPick(rows, {
    title: 'InHouse: the base model the adapter was trained on',
    placeHolder: trainedOn ? `The adapter says it was trained on ${trainedOn}` : `Models in Ollama at ${host}`,
    matchOnDescription: true,
  });
  return picked?.model;
}

async function askName(base: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.name ?? 'house';
  const suggestion = `${folder.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'house'}-coder`;
  return vscode.window.showInputBox({
    title: 'InHouse: the house model\'s name in Ollama',
    value: suggestion,
    prompt: `The LoRA adapter on ${base} is registered under this name.`,
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9._-]*)?$/.test(v.trim()) ? undefined : 'Letters, digits, "-", "_" and ".", with an optional ":tag".'),
  });
}

async function offerSettings(result: RegisteredHouseModel, args: RegisterHouseModelArgs): Promise<void> {
  const BOTH = 'Use for Chat and Completions';
  const CHAT = 'Chat Only';
  const COMPLETION = 'Completions Only';
  const MODELFILE = 'Save Modelfile';
  let useFor = args.useFor;
  if (!useFor) {
    const choice = await vscode.window.showInformationMessage(
      `InHouse: ${result.model} is registered in Ollama (${result.uploaded.length} file(s) uploaded, ${result.alreadyPresent.length} already there). Make it the chat and completion model?`,
      BOTH,
      CHAT,
      COMPLETION,
      MODELFILE,
    );
    if (choice === MODELFILE) {
      await saveModelfile(result);
      return;
    }
    useFor = choice === BOTH ? 'both' : choice === CHAT ? 'chat' : choice === COMPLETION ? 'completion' : 'none';
  }
  if (useFor === 'both' || useFor === 'chat') await writeSetting('chat.model', result.model);
  if (useFor === 'both' || useFor === 'completion') await writeSetting('completion.model', result.model);
  if (useFor !== 'none') void vscode.window.showInformationMessage(`InHouse: ${result.model} is now the ${useFor === 'both' ? 'chat and completion' : useFor} model.`);
}

/** Writes the equivalent Modelfile next to the adapter and opens it. */
async function saveModelfile(result: RegisteredHouseModel): Promise<void> {
  const dir = result.format === 'gguf' ? path.dirname(result.adapterTarget) : result.adapterTarget;
  const file = path.join(dir, 'Modelfile');
  await writeFile(file, houseModelfile(result.request, { modelfileTarget: result.adapterTarget }, file), 'utf8');
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}

/** One line for the notification; bytes as percentages. */
export function describeProgress(e: RegisterProgress): string {
  const pct = (bytes: number, total: number) => `${total > 0 ? Math.floor((100 * bytes) / total) : 100}%`;
  switch (e.step) {
    case 'check':
      return e.message;
    case 'hash':
      return `Hashing ${e.file} ${pct(e.bytes, e.total)}`;
    case 'blob-present':
      return `${e.file} is already in Ollama`;
    case 'upload':
      return `Uploading ${e.file} ${pct(e.bytes, e.total)}`;
    case 'uploaded':
      return `Uploaded ${e.file}`;
    case 'retry':
      return `Retrying the upload of ${e.file} (${e.reason})`;
    case 'create':
      return e.total ? `${e.status} ${pct(e.completed ?? 0, e.total)}` : e.status;
    case 'warning':
      return '';
  }
}
