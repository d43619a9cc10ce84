// Runs inside the extension host of a real editor (see index.ts), against the extension
// under development, with the folder the runner opened as the only workspace folder.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'inhouse.inhouse';

async function waitFor(what: string, ok: () => boolean, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

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
    for (const id of ['inhouse.reindex', 'inhouse.showIndexStatus', 'inhouse.openLogs']) {
      assert.ok(commands.includes(id), `${id} is not registered`);
    }
  });

  it('indexes the workspace into .inhouse/index', async () => {
    const dir = join(workspace, '.inhouse', 'index');
    await waitFor(dir, () => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.lance')));
  });

  it('runs its commands without throwing', async () => {
    await vscode.commands.executeCommand('inhouse.reindex');
    await vscode.commands.executeCommand('inhouse.showIndexStatus');
    await vscode.commands.executeCommand('inhouse.openLogs');
  });
});
