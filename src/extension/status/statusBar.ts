import * as vscode from 'vscode';
import type { StatusModel } from './statusModel';

// PLACEHOLDER (session 2, replaced by the status bar work before landing).
export class StatusBar implements vscode.Disposable {
  constructor(_model: StatusModel) {}
  dispose(): void {}
}
