import * as vscode from 'vscode';
import type { Fixes } from '../commands/fixes';
import type { Services } from '../services';
import { describeStatus, type Fix } from './statusView';

type Row = vscode.QuickPickItem & { fix?: Fix };

const plain = (text: string) => text.replace(/\$\([^)]*\)\s*/g, '').trim();

/**
 * The status bar's click: the state in the title and one row per fix for it (describeStatus),
 * most pressing first. Opening it also asks Ollama again when its state is not known to be good.
 */
export async function showStatusMenu(s: Services, fixes: Fixes, recheck: () => Promise<void>): Promise<void> {
  const snapshot = () => s.status.snapshot();
  const pick = vscode.window.createQuickPick<Row>();
  const render = () => {
    const view = describeStatus(snapshot());
    pick.title = `InHouse: ${plain(view.text).replace(/^InHouse:\s*/, '')}`;
    const lines = view.lines;
    pick.placeholder = lines.slice(1, 3).join(' · ') || 'Pick a fix or an action';
    const header: Row = { label: lines[0] ?? '', kind: vscode.QuickPickItemKind.Separator };
    pick.items = [header, ...view.fixes.map((f) => ({ label: f.label, detail: f.detail, fix: f }))];
  };
  render();
  const subs = [s.status.onDidChange(render)];
  if (s.status.model.kind !== 'ok' && vscode.workspace.isTrusted) {
    pick.busy = true;
    void recheck().finally(() => (pick.busy = false));
  }
  const chosen = await new Promise<Fix | undefined>((resolve) => {
    subs.push(
      pick.onDidAccept(() => {
        resolve(pick.selectedItems[0]?.fix);
        pick.hide();
      }),
      pick.onDidHide(() => resolve(undefined)),
    );
    pick.show();
  });
  for (const d of subs) d.dispose();
  pick.dispose();
  if (chosen) await fixes.run(chosen);
}
