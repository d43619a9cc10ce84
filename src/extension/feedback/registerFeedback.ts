import type * as vscode from 'vscode';
import type { FeedbackSink } from '../../engine/feedback/feedbackEvents';

// PLACEHOLDER (session 2, replaced by the feedback recorder work before landing).
export function createFeedback(_context: vscode.ExtensionContext, _log: vscode.LogOutputChannel): FeedbackSink {
  return { record: async () => undefined };
}
