import type * as vscode from 'vscode';
import type { Services } from '../services';
import { InlineCompletions } from './inlineCompletions';

/**
 * Inline completions: the provider for the supported languages, `inhouse.toggleCompletions`,
 * and the internal `inhouse.completions.accepted` (the items' command) and
 * `inhouse.completions.stats` (timings and outcome counts, for benchmarks and tests).
 */
export function registerCompletions(services: Services): vscode.Disposable[] {
  return new InlineCompletions(services).register();
}
