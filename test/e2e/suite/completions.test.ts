// Inline completions in a real extension host, against the Ollama test server: a suggestion is
// shown and accepted through the editor's own commands, a cancelled request is aborted at the
// server, and a missing model pauses completions. Run alone with INHOUSE_E2E_GREP=completions.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { waitFor as waitForState } from './waitFor';

const EXTENSION_ID = 'inhouse.inhouse';
const MODEL = 'qwen2.5-coder:1.5b';

interface Report {
  requests: number;
  served: Record<string, number>;
  overheadMs: { count: number; p50: number; p95: number; max: number };
  engineMs: { count: number; p50: number; p95: number; max: number };
  outcomes: { shown: number; acceptedFull: number; acceptedPartial: number; rejected: number };
  pause: { kind: string };
}

/** Polls for a state (see waitFor.ts); 30 s unless told otherwise. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> => waitForState(what, probe, ms);

const stats = async (): Promise<Report> => (await vscode.commands.executeCommand<Report>('inhouse.completions.stats'))!;

describe('inline completions', () => {
  let server: OllamaTestServer;
  let file: string;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('inhouse');

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
    server = await OllamaTestServer.start({ models: standardModels() });
    await config().update('ollama.host', server.url, vscode.ConfigurationTarget.Global);
    await config().update('completion.model', MODEL, vscode.ConfigurationTarget.Global);
    await config().update('completion.debounceMs', 20, vscode.ConfigurationTarget.Global);
    await waitFor('the settings', () => config().get('ollama.host') === server.url && config().get('completion.model') === MODEL);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    mkdirSync(join(folder, 'src'), { recursive: true });
    file = join(folder, 'src', 'mathOps.ts');
    writeFileSync(file, 'export function add(a: number, b: number): number {\n  \n}\n');
  });

  after(async () => {
    // The timing report a benchmark reads: provider overhead outside the debounce and the engine.
    const report = await stats().catch(() => undefined);
    if (report) console.log(`completion stats: ${JSON.stringify(report)}`);
    for (const key of ['ollama.host', 'completion.model', 'completion.debounceMs']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await server?.close();
  });

  it('shows a suggestion from the model and records its acceptance', async () => {
    server.script({ endpoint: 'generate', chunks: ['return a', ' + b;'] });
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(1, 2, 1, 2);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('a suggestion shown', async () => (await stats()).outcomes.shown >= 1);
    const generate = server.requestsTo('/api/generate');
    assert.equal(generate.length, 1);
    assert.equal(generate[0].body.model, MODEL);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    await waitFor('the suggestion inserted', () => doc.getText().includes('  return a + b;\n'));
    await waitFor('the acceptance recorded', async () => (await stats()).outcomes.acceptedFull === 1);
  });

  it('serves the rest of a suggestion the user types without asking the model, and records a partial acceptance', async () => {
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(doc.positionAt(doc.getText().length), '\nexport function sub(a: number, b: number): number {\n  \n}\n'));
    const line = doc.lineCount - 3;
    editor.selection = new vscode.Selection(line, 2, line, 2);
    server.script({ endpoint: 'generate', chunks: ['return a - b;'], when: (r) => String(r.body?.prompt).includes('function sub') });
    const shown = (await stats()).outcomes.shown;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('a suggestion shown', async () => (await stats()).outcomes.shown > shown);
    const asked = server.requestsTo('/api/generate').length;
    const reused = (await stats()).served['typed-ahead'];
    await vscode.commands.executeCommand('type', { text: 'ret' });
    await waitFor('the rest served from the suggestion', async () => (await stats()).served['typed-ahead'] > reused);
    const partial = (await stats()).outcomes.acceptedPartial;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.acceptNextWord');
    await waitFor('a word accepted', () => doc.lineAt(line).text.trim().startsWith('return'));
    assert.notEqual(doc.lineAt(line).text.trim(), 'return a - b;', 'only part of it accepted');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await waitFor('the partial acceptance recorded', async () => (await stats()).outcomes.acceptedPartial > partial);
    assert.equal(server.requestsTo('/api/generate').length, asked, 'no model call while typing through the suggestion');
  });

  it('aborts the request at the server when the editor cancels it', async () => {
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(3, 0), '\nexport function mul(a: number, b: number): number {\n  \n}\n'));
    editor.selection = new vscode.Selection(5, 2, 5, 2);
    // The reply starts, then stalls: the request is open at the server until it is hung up on.
    server.script({ endpoint: 'generate', chunks: ['return a', ' * b;'], when: (r) => String(r.body?.prompt).includes('function mul') });
    server.faults.chunkDelayMs = 20_000;
    // Other parts (health checks) may send their own requests: find ours by its prompt.
    const ours = () => server.requestsTo('/api/generate').find((r) => typeof r.body?.prompt === 'string' && r.body.prompt.includes('function mul'));
    // The trigger command resolves when the provider does: not awaited here.
    const triggered = vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('the request at the server', () => ours() !== undefined);
    // An edit elsewhere: the editor asks again (or cancels), and no newer request can use the answer.
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// header\n'));
    const request = ours()!;
    await waitFor('the request aborted', () => request.aborted, 10_000).catch((err) => {
      console.log(server.requestsTo('/api/generate').map((r) => `${JSON.stringify(r.body).slice(0, 200)} aborted=${r.aborted}`).join('\n'));
      throw err;
    });
    await triggered;
    await server.resetFaults();
  });

  it('pauses on a missing model and resumes when the setting changes', async () => {
    await config().update('completion.model', 'not-pulled:7b', vscode.ConfigurationTarget.Global);
    await waitFor('the setting', () => config().get('completion.model') === 'not-pulled:7b');
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(6, 2, 6, 2);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('completions paused', async () => (await stats()).pause.kind === 'blocked');
    await config().update('completion.model', MODEL, vscode.ConfigurationTarget.Global);
    await waitFor('completions resumed', async () => (await stats()).pause.kind === 'running');
  });

  it('toggles completions off and on', async () => {
    await vscode.commands.executeCommand('inhouse.toggleCompletions');
    await waitFor('off', () => config().get('completion.enabled') === false);
    await vscode.commands.executeCommand('inhouse.toggleCompletions');
    await waitFor('on', () => config().get('completion.enabled') === true);
    await config().update('completion.enabled', undefined, vscode.ConfigurationTarget.Global);
  });
});
