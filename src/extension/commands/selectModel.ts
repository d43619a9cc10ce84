import * as vscode from 'vscode';
import type { ModelNeed } from '../../engine/llm/ollamaClient';
import { writeSetting } from '../config';
import type { Services } from '../services';
import { reportOllama } from '../status/ollamaStatus';
import { describeFailure } from './availability';
import type { Fixes } from './fixes';

export type ModelRole = 'chat' | 'completion' | 'embedding';

const ROLES: { role: ModelRole; label: string; detail: string; need: ModelNeed; setting: 'chat.model' | 'completion.model' | 'embedding.model' }[] = [
  { role: 'chat', label: '$(comment-discussion) Chat model', detail: 'Chat panel and "Explain with House Conventions" (inhouse.chat.model)', need: 'completion', setting: 'chat.model' },
  { role: 'completion', label: '$(sparkle) Completion model', detail: 'Inline completions, fill in the middle (inhouse.completion.model)', need: 'insert', setting: 'completion.model' },
  { role: 'embedding', label: '$(symbol-numeric) Embedding model', detail: 'Vector search; optional (inhouse.embedding.model)', need: 'embedding', setting: 'embedding.model' },
];

/** Capabilities cost one /api/show per model: asked in parallel, within this bound, then shown if known. */
const INFO_BOUND_MS = 2_000;
const LIST_BOUND_MS = 5_000;

type ModelRow = vscode.QuickPickItem & { model?: string };

/**
 * Select Model: which role, then one of the models Ollama has (with what each can do), and
 * the choice is written to inhouse.<role>.model. `args` skips the pickers (scripts, tests).
 */
export async function selectModel(s: Services, fixes: Fixes, args?: { role?: ModelRole; model?: string }): Promise<string | undefined> {
  let roleArg = args?.role;
  if (!roleArg) {
    const current = s.settings();
    const picked = await vscode.window.showQuickPick(
      ROLES.map((r) => ({ label: r.label, description: current[r.setting] || '(none)', detail: r.detail, role: r.role })),
      { title: 'InHouse: Select Model', placeHolder: 'Which model do you want to change?' },
    );
    if (!picked) return undefined;
    roleArg = picked.role;
  }
  const role = ROLES.find((r) => r.role === roleArg);
  if (!role) throw new Error(`Unknown model role "${roleArg}": use chat, completion or embedding.`);

  if (args?.model !== undefined) {
    await writeSetting(role.setting, args.model);
    return args.model;
  }

  const client = s.engine.ollamaClient;
  let models: string[];
  try {
    models = await client.listModels(AbortSignal.timeout(LIST_BOUND_MS));
    reportOllama(s.status, s.settings()[role.setting] || s.settings()['chat.model']);
  } catch (err) {
    reportOllama(s.status, '', err);
    const failure = describeFailure(err);
    await fixes.offer(`Cannot list Ollama's models. ${failure.message}`, failure.fixes, 'error');
    return undefined;
  }

  const infoSignal = AbortSignal.timeout(INFO_BOUND_MS);
  const caps = new Map<string, string[]>();
  await Promise.all(
    models.map((m) =>
      client
        .modelInfo(m, infoSignal)
        .then((info) => void caps.set(m, info.capabilities))
        .catch(() => undefined),
    ),
  );
  const wanted = role.need === 'insert' ? ['insert', 'completion'] : [role.need];
  const fits = (m: string) => caps.get(m)?.some((c) => wanted.includes(c)) ?? true;
  const current = s.settings()[role.setting];
  const rows: ModelRow[] = [...models]
    .sort((a, b) => Number(fits(b)) - Number(fits(a)) || a.localeCompare(b))
    .map((m) => {
      const c = caps.get(m);
      return {
        label: `${m === current ? '$(check)' : fits(m) ? '$(hubot)' : '$(circle-slash)'} ${m}`,
        description: c ? c.join(', ') : 'capabilities unknown',
        detail: fits(m) ? undefined : `Probably unsuitable: cannot ${role.need === 'completion' ? 'chat' : role.need === 'insert' ? 'complete code' : 'embed'}.`,
        model: m,
      };
    });
  if (role.role === 'embedding') rows.unshift({ label: '$(close) None', description: 'keyword and symbol search only', model: '' });
  if (!models.length) {
    rows.push({ label: '$(info) Ollama has no models yet', description: `Run \`ollama pull ${current || 'MODEL'}\` in a terminal, then try again.` });
  }
  const picked = await vscode.window.showQuickPick(rows, {
    title: `InHouse: ${role.label.replace(/^\$\([^)]*\)\s*/, '')} (now: ${current || 'none'})`,
    placeHolder: `Models available in Ollama at ${client.host}`,
    matchOnDescription: true,
  });
  if (!picked || picked.model === undefined) return undefined;
  try {
    await writeSetting(role.setting, picked.model);
  } catch (err) {
    void vscode.window.showErrorMessage(`InHouse: ${(err as Error).message}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`InHouse: inhouse.${role.setting} is now ${picked.model || 'empty (no embeddings)'}.`);
  return picked.model;
}
