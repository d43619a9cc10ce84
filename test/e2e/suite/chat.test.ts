// The chat view and "Explain with House Conventions" inside a real editor's extension host,
// against the Ollama test server. The chat's state is read through inhouse.test.chatSnapshot and
// questions go through inhouse.test.chatReceive, which feeds the same validator and router the
// webview's messages go through; both exist only in an extension test run.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { waitFor as waitForState } from './waitFor';

const EXTENSION_ID = 'inhouse.inhouse';
const MODEL = 'llama3.2:3b';

interface Snapshot {
  ready: boolean;
  running: number;
  turns: { id: string; surface: string; question: string; answer: string; status: string; notes: string[]; citations: unknown[]; error?: { message: string; fixes: string[] } }[];
}

/** Polls for a state (see waitFor.ts); 60 s unless told otherwise. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000): Promise<T> => waitForState(what, probe, ms);

const snapshot = () => vscode.commands.executeCommand<Snapshot>('inhouse.test.chatSnapshot');
const receive = (message: unknown) => vscode.commands.executeCommand('inhouse.test.chatReceive', message);

async function finishedTurn(turnId?: string) {
  return waitFor(`turn ${turnId ?? '(last)'} to finish`, async () => {
    const s = await snapshot();
    const t = turnId ? s.turns.find((x) => x.id === turnId) : s.turns.at(-1);
    return t && t.status !== 'streaming' ? t : undefined;
  });
}

describe('Chat view and explain', () => {
  let server: OllamaTestServer;
  let workspace: string;
  const config = () => vscode.workspace.getConfiguration('inhouse');

  before(async function () {
    this.timeout(180_000);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
    workspace = (vscode.workspace.workspaceFolders ?? [])[0].uri.fsPath;
    server = await OllamaTestServer.start({ models: standardModels() });
    await config().update('ollama.host', server.url, vscode.ConfigurationTarget.Workspace);
    await config().update('chat.model', MODEL, vscode.ConfigurationTarget.Workspace);
    // Answers read the index: wait for the first run to write it.
    const dir = join(workspace, '.inhouse', 'index');
    await waitFor('the index', () => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.lance')), 150_000);
    await receive({ id: 'e2e-new', type: 'chat/newConversation' });
  });

  after(async () => {
    await config().update('ollama.host', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('chat.model', undefined, vscode.ConfigurationTarget.Workspace);
    await server?.close();
  });

  it('explains the symbol at the cursor into the chat view, whose page loads under its CSP', async () => {
    server.clearRequests();
    server.script({ endpoint: 'chat', chunks: ['`greet` picks ', 'a polite or a casual greeting', ' from `g.polite`.'] });
    const doc = await vscode.workspace.openTextDocument(join(workspace, 'src', 'greeter.ts'));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(3, 4, 3, 4); // inside greet(), nothing selected
    const turnId = await vscode.commands.executeCommand<string>('inhouse.explain');
    assert.ok(turnId, 'inhouse.explain started no turn');
    const turn = await finishedTurn(turnId);
    assert.equal(turn.error?.message, undefined);
    assert.equal(turn.status, 'done');
    assert.equal(turn.surface, 'explain');
    assert.match(turn.question, /^Explain greet \(src\/greeter\.ts:3-5\)$/);
    assert.equal(turn.answer, '`greet` picks a polite or a casual greeting from `g.polite`.');
    const chat = server.lastRequest('/api/chat');
    assert.ok(chat, 'no /api/chat request');
    assert.equal(chat.body.model, MODEL);
    assert.ok(JSON.stringify(chat.body.messages).includes('g.polite ? `Good day'), 'the prompt lacks the explained code');
    // The webview's script ran (nonce, CSP, bundle) and asked for its state.
    await waitFor('the chat view to load', async () => (await snapshot()).ready || undefined, 30_000);
  });

  it('answers a chat question sent through the validated message path, with the history', async () => {
    server.clearRequests();
    server.script({ endpoint: 'chat', chunks: ['Call ', '`greet({ name, polite: true })`.'] });
    await receive({ id: 'e2e-1', type: 'chat/ask', question: 'How do I greet politely?' });
    const turn = await finishedTurn();
    assert.equal(turn.status, 'done', turn.error?.message);
    assert.equal(turn.question, 'How do I greet politely?');
    assert.equal(turn.answer, 'Call `greet({ name, polite: true })`.');
    const messages = server.lastRequest('/api/chat')?.body.messages as { role: string; content: string }[];
    assert.ok(messages.some((m) => m.role === 'assistant' && m.content.includes('picks a polite or a casual greeting')), 'the earlier turn was not passed as history');
  });

  it('refuses malformed messages from the view', async () => {
    const before = (await snapshot()).turns.length;
    await receive({ id: 'e2e-2', type: 'workbench/run', command: 'x' });
    await receive({ id: 'e2e-3', type: 'chat/ask', question: 42 });
    await receive({ type: 'chat/ask', question: 'no id' });
    assert.equal((await snapshot()).turns.length, before);
  });

  it('stop aborts the Ollama request and keeps the partial answer', async () => {
    server.clearRequests();
    server.faults.chunkDelayMs = 200;
    try {
      server.script({ endpoint: 'chat', chunks: Array.from({ length: 50 }, (_, i) => `word${i} `) });
      await receive({ id: 'e2e-4', type: 'chat/ask', question: 'Tell me everything about Counter.' });
      await waitFor('some streamed text', async () => ((await snapshot()).turns.at(-1)?.answer ? true : undefined));
      await receive({ id: 'e2e-5', type: 'chat/stop' });
      const turn = await finishedTurn();
      assert.equal(turn.status, 'stopped');
      assert.ok(turn.answer.startsWith('word0'), turn.answer);
      assert.ok(!turn.answer.includes('word49'));
      const req = server.lastRequest('/api/chat');
      await waitFor('the request to be aborted', () => req?.aborted || undefined, 10_000);
    } finally {
      await server.resetFaults();
    }
  });

  it('shows a missing model as an error that names the fix', async () => {
    server.faults.missingModel = MODEL;
    try {
      await receive({ id: 'e2e-6', type: 'chat/ask', question: 'Anything?' });
      const turn = await finishedTurn();
      assert.equal(turn.status, 'error');
      assert.match(turn.error?.message ?? '', /ollama pull llama3\.2:3b/);
      assert.deepEqual(turn.error?.fixes, ['selectModel', 'openModelSetting']);
    } finally {
      await server.resetFaults();
    }
  });

  it('starts a new conversation', async () => {
    assert.ok((await snapshot()).turns.length > 0);
    await vscode.commands.executeCommand('inhouse.chat.newConversation');
    assert.equal((await snapshot()).turns.length, 0);
  });
});
