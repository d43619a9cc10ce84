import type * as vscode from 'vscode';
import type { Engine } from '../engine/engine';
import type { FeedbackSink } from '../engine/feedback/feedbackEvents';
import type { Settings } from '../engine/settings';
import type { SharedDocuments } from './sharedIndex/sharedDocuments';
import type { StatusModel } from './status/statusModel';

/**
 * What the composition root (main.ts) hands every part of the extension. Built once per
 * activation; nothing here is a singleton reachable any other way.
 */
export interface Services {
  context: vscode.ExtensionContext;
  engine: Engine;
  /** The current settings (validated); they change when the user edits inhouse.*. */
  settings(): Settings;
  onDidChangeSettings: vscode.Event<Settings>;
  log: vscode.LogOutputChannel;
  status: StatusModel;
  feedback: FeedbackSink;
  /** Opens hits and citations from the team's shared index, whose files are not on this disk. */
  sharedDocuments: SharedDocuments;
}
