import type * as vscode from 'vscode';
import type { Services } from '../services';

// PLACEHOLDER (session 2, replaced by the chat panel work before landing).
export function registerChat(_s: Services): vscode.Disposable[] {
  return [];
}
