import type * as vscode from 'vscode';
import type { Services } from '../services';

// PLACEHOLDER (session 2, replaced by the inline completion work before landing).
export function registerCompletions(_s: Services): vscode.Disposable[] {
  return [];
}
