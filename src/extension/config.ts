import * as vscode from 'vscode';
import { SETTINGS_SPEC, validateSettings, type SettingKey, type Settings } from '../engine/settings';

/** The one place the extension reads settings; the engine only ever sees typed Settings. */
export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration('inhouse');
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(SETTINGS_SPEC)) {
    const inspected = config.inspect(key);
    const value = inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
    if (value !== undefined) raw[key] = value;
  }
  return validateSettings(raw);
}

export type SettingTarget = 'workspace' | 'user';

/**
 * Writes one inhouse.* setting (validated first, so a bad value names its key instead of
 * landing in settings.json). Without a target: where the setting is set now, the workspace
 * if a folder is open, else the user settings.
 */
export async function writeSetting<K extends SettingKey>(key: K, value: Settings[K], target?: SettingTarget): Promise<void> {
  validateSettings({ [key]: value });
  const config = vscode.workspace.getConfiguration('inhouse');
  let where: vscode.ConfigurationTarget;
  if (target) where = target === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  else {
    const inspected = config.inspect(key);
    where =
      inspected?.workspaceValue !== undefined || (inspected?.globalValue === undefined && vscode.workspace.workspaceFolders?.length)
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  }
  if (where !== vscode.ConfigurationTarget.Global && !vscode.workspace.workspaceFolders?.length) where = vscode.ConfigurationTarget.Global;
  await config.update(key, value, where);
}
