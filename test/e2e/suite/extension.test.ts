// Runs inside the extension host of a real editor (see index.ts), against the extension
// under development, with the folder the runner opened as the only workspace folder.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { waitFor as waitForState } from './waitFor';

const EXTENSION_ID = 'inhouse.inhouse';

/** Polls for a state (see waitFor.ts); 90 s unless told otherwise. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 90_000): Promise<T> => waitForState(what, probe, ms);

interface InternalStatus {
  index: { kind: string; files?: number; chunks?: number };
  model: { kind: string; model?: string; message?: string };
  text: string;
  fixes: string[];
  activationMs?: number;
  roots: { roots: { root: string; source: string }[]; warnings: string[] };
}
interface Row {
  label: string;
  description: string;
  symbol: string;
  fileKey: string;
  startLine: number;
  source: string;
}

const status = () => vscode.commands.executeCommand<InternalStatus>('inhouse.internal.status');
const search = (q: string) => vscode.commands.executeCommand<Row[]>('inhouse.internal.searchCode', q);
const config = () => vscode.workspace.getConfiguration('inhouse');

describe('InHouse in the extension host', () => {
  let workspace: string;

  before(() => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.ok(folders.length > 0, 'the runner must open a workspace folder');
    workspace = folders[0].uri.fsPath;
    console.log(`node ${process.version}, ${vscode.env.appName} ${vscode.version}, host ${vscode.env.appHost}, remote ${vscode.env.remoteName ?? 'none'}`);
  });

  it('activates and registers its commands', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.ok(ext.isActive);
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'inhouse.reindex',
      'inhouse.showIndexStatus',
      'inhouse.openLogs',
      'inhouse.searchCode',
      'inhouse.selectModel',
      'inhouse.addLibrary',
      'inhouse.statusMenu',
      'inhouse.internal.activationTime',
      'inhouse.internal.status',
      'inhouse.internal.searchCode',
    ]) {
      assert.ok(commands.includes(id), `${id} is not registered`);
    }
  });

  it('registers every command its manifest contributes (a palette entry that does nothing is a bug)', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), []);
  });

  it('measures activation time', async () => {
    const ms = await vscode.commands.executeCommand<number | undefined>('inhouse.internal.activationTime');
    assert.equal(typeof ms, 'number', 'activation time is recorded once activate() returns');
    console.log(`timing: activation ${ms} ms (activate() until it returned; target < 300 ms)`);
    // The target is reported above; the bound here only catches a regression (2 shared cores in CI).
    assert.ok(ms! < 1000, `activation took ${ms} ms`);
  });

  it('indexes the workspace into .inhouse/index', async () => {
    const dir = join(workspace, '.inhouse', 'index');
    await waitFor(dir, () => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.lance')));
  });

  it('shows a ready status bar with the chunk count after indexing', async () => {
    let last: InternalStatus | undefined;
    await waitFor('the status to be ready', async () => (last = await status()).index.kind === 'ready');
    assert.match(last!.text, /InHouse: \d+ chunks/);
    assert.ok((last!.index.chunks ?? 0) > 0);
    assert.deepEqual(last!.roots.roots, [{ root: workspace, source: 'workspace' }]);
    assert.ok(last!.fixes.includes('searchCode'));
  });

  it("finds a scratch workspace symbol with Search Code's search", async () => {
    const rows = await search('greet');
    const greet = rows.find((r) => r.symbol === 'greet');
    assert.ok(greet, `no greet in ${JSON.stringify(rows.map((r) => r.label))}`);
    assert.equal(greet.label, '$(symbol-function) greet');
    assert.equal(greet.description, 'src/greeter.ts:3');
    assert.equal(greet.fileKey, join(workspace, 'src', 'greeter.ts'));
    const counter = (await search('Counter')).find((r) => r.symbol === 'Counter');
    assert.equal(counter?.label, '$(symbol-class) Counter');
  });

  it('runs its commands without throwing', async () => {
    await vscode.commands.executeCommand('inhouse.reindex');
    const report = await vscode.commands.executeCommand<{ summary: string; markdown: string }>('inhouse.showIndexStatus');
    assert.match(report.summary, /^InHouse index: [1-9]\d* files, [1-9]\d* chunks\. Skipped: .*Conventions: \d+ rules/);
    assert.match(report.markdown, /## Problems/);
    await vscode.commands.executeCommand('inhouse.openLogs');
  });

  it('keeps the index current through create, rename and delete', async () => {
    const file = join(workspace, 'src', 'fresh.ts');
    writeFileSync(file, 'export function freshlyAddedHelper(): number {\n  return 42;\n}\n');
    await waitFor('the new file to be searchable', async () => (await search('freshlyAddedHelper')).some((r) => r.fileKey === file), 30_000);
    const moved = join(workspace, 'src', 'moved.ts');
    renameSync(file, moved);
    await waitFor(
      'the rename to move the symbol',
      async () => {
        const rows = (await search('freshlyAddedHelper')).filter((r) => r.symbol === 'freshlyAddedHelper');
        return rows.length === 1 && rows[0].fileKey === moved;
      },
      30_000,
    );
    rmSync(moved);
    await waitFor('the delete to remove the symbol', async () => !(await search('freshlyAddedHelper')).some((r) => r.symbol === 'freshlyAddedHelper'), 30_000);
  });

  describe('Add Internal Library', () => {
    let lib: string;

    before(() => {
      lib = join(dirname(workspace), 'shared-lib');
      mkdirSync(lib, { recursive: true });
      writeFileSync(join(lib, 'ledger.py'), 'def post_ledger_entry(amount):\n    """Posts one entry."""\n    return amount\n');
    });

    after(async () => {
      await config().update('libraries', undefined, vscode.ConfigurationTarget.Workspace);
      await waitFor('the library to leave the roots', async () => (await status()).roots.roots.length === 1 && (await status()).index.kind === 'ready');
    });

    it('refuses reserved, duplicate and invalid names and folders inside the workspace', async () => {
      const add = (args: object) => vscode.commands.executeCommand<{ added: boolean; problem?: string }>('inhouse.addLibrary', args);
      assert.match((await add({ folder: lib, name: 'workspace' })).problem ?? '', /reserved/);
      assert.match((await add({ folder: lib, name: 'conventions' })).problem ?? '', /reserved/);
      assert.match((await add({ folder: lib, name: 'has space' })).problem ?? '', /letters, digits/);
      assert.match((await add({ folder: join(workspace, 'src'), name: 'src' })).problem ?? '', /inside the workspace folder/);
      assert.match((await add({ folder: join(lib, 'missing'), name: 'x' })).problem ?? '', /does not exist/);
      assert.deepEqual(config().get('libraries'), {});
    });

    it('adds a library to the workspace settings, indexes it and finds its symbols', async () => {
      const result = await vscode.commands.executeCommand<{ added: boolean; problem?: string }>('inhouse.addLibrary', { folder: lib, name: 'shared' });
      assert.ok(result.added, result.problem);
      assert.deepEqual(config().inspect('libraries')?.workspaceValue, { shared: lib });
      await waitFor('the library to be searchable', async () => (await search('post_ledger_entry')).some((r) => r.source === 'shared'), 60_000);
      const row = (await search('post_ledger_entry')).find((r) => r.source === 'shared')!;
      assert.equal(row.description, 'ledger.py:1 · library shared');
      const again = await vscode.commands.executeCommand<{ added: boolean; problem?: string }>('inhouse.addLibrary', { folder: lib, name: 'shared2' });
      assert.match(again.problem ?? '', /already in inhouse\.libraries as "shared"/);
    });
  });

  describe('Ollama health in the status bar', () => {
    let server: OllamaTestServer;

    before(async () => {
      server = await OllamaTestServer.start({ models: standardModels() });
    });

    after(async () => {
      for (const key of ['ollama.host', 'chat.model', 'completion.model']) await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
      await server.close();
    });

    const checkUntil = async (kind: string) => {
      let last: InternalStatus | undefined;
      await waitFor(`Ollama state ${kind}`, async () => {
        await vscode.commands.executeCommand('inhouse.internal.checkOllama');
        return (last = await status()).model.kind === kind;
      }, 30_000);
      return last!;
    };

    it('reports ready models, a missing model with the pull fix, and an unreachable Ollama', async () => {
      await config().update('ollama.host', server.url, vscode.ConfigurationTarget.Workspace);
      await config().update('chat.model', 'llama3.2:3b', vscode.ConfigurationTarget.Workspace);
      await config().update('completion.model', 'qwen2.5-coder:1.5b', vscode.ConfigurationTarget.Workspace);
      const ok = await checkUntil('ok');
      assert.doesNotMatch(ok.text, /Ollama unreachable|model missing/);

      await config().update('chat.model', 'not-pulled:7b', vscode.ConfigurationTarget.Workspace);
      const missing = await checkUntil('model-missing');
      assert.match(missing.text, /InHouse: \d+ chunks · .*model missing/);
      assert.equal(missing.model.model, 'not-pulled:7b');
      assert.deepEqual(missing.fixes.slice(0, 3), ['copyPull', 'runPull', 'selectModel']);

      await config().update('ollama.host', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Workspace);
      const down = await checkUntil('unreachable');
      assert.match(down.text, /Ollama unreachable/);
      assert.match(down.model.message ?? '', /inhouse\.ollama\.host/);
      assert.equal(down.fixes[0], 'startOllama');
    });
  });
});
