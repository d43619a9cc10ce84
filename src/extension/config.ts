import * as vscode from 'vscode';
import { SETTINGS_SPEC, validateSettings, type Settings } from '../engine/settings';

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
