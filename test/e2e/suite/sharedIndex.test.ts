// The team's shared index (issue #7) in the extension host: CI's index in S3-compatible storage
// (the S3 test server), read beside the workspace's own index, with credentials from the
// editor's secret storage. Run alone with INHOUSE_E2E_GREP="shared index".
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { createEngine } from '../../../src/engine/engine';
import { silentLogger } from '../../../src/engine/log';
import { createNodeHost } from '../../../src/engine/nodeHost';
import { validateSettings } from '../../../src/engine/settings';
import type { SharedState } from '../../../src/engine/shared/sharedIndex';
import { remoteLocation } from '../../../src/engine/store/location';
import { S3TestServer } from '../../support/s3TestServer';
import { testAssets } from '../../support/testAssets';
import { waitFor as waitForState } from './waitFor';

const EXTENSION_ID = 'inhouse.inhouse';
const ACCESS_KEY_ID = 'inhouse-e2e-reader';
const SECRET = `e2e-Secret-${Math.random().toString(36).slice(2)}-do-not-log`;
const WRONG_SECRET = `wrong-${SECRET}`;

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 90_000): Promise<T> => waitForState(what, probe, ms);

interface Row {
  label: string;
  description: string;
  symbol: string;
  fileKey: string;
  startLine: number;
  source: string;
  id: string;
}
interface Opened {
  uri: string;
  scheme: string;
  languageId: string;
  text: string;
  line: number;
}
interface SharedProbe {
  state: SharedState;
  notices: number;
  logDir: string;
  globalStorage: string;
}

const status = () => vscode.commands.executeCommand<{ index: { kind: string }; shared: SharedState; text: string; fixes: string[] }>('inhouse.internal.status');
const search = (q: string) => vscode.commands.executeCommand<Row[]>('inhouse.internal.searchCode', q);
const shared = () => vscode.commands.executeCommand<SharedProbe>('inhouse.test.sharedIndex');
const setCredentials = (c?: { accessKeyId: string; secretAccessKey: string }) => vscode.commands.executeCommand<SharedState>('inhouse.test.setSharedIndexCredentials', c);
const config = () => vscode.workspace.getConfiguration('inhouse');

/** The InHouse log channel's file(s) under the extension host's log folder. */
function logText(logDir: string): string {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.name === 'InHouse.log' && p.includes('inhouse.inhouse')) found.push(p);
    }
  };
  // context.logUri is <logs>/…/exthost/inhouse.inhouse; the channel's file is at or near it.
  walk(dirname(dirname(logDir)), 0);
  found.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

describe('shared index in object storage', () => {
  let s3: S3TestServer;
  let tmp: string;
  let workspace: string;
  let uri: string;

  before(async function () {
    this.timeout(180_000);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.ok(folders.length > 0, 'the runner must open a workspace folder');
    workspace = folders[0].uri.fsPath;
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    await waitFor('the local index to be ready', async () => (await status()).index.kind === 'ready');

    // CI's side: a library indexed into the bucket, as `inhouse index --library payments=… --db s3://…` does.
    s3 = await S3TestServer.start({ buckets: ['team'], accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    tmp = mkdtempSync(join(tmpdir(), 'inhouse-e2e-shared-'));
    const lib = join(tmp, 'payments');
    mkdirSync(join(lib, 'src'), { recursive: true });
    writeFileSync(
      join(lib, 'src', 'charge.ts'),
      [
        '/** Charges a card, retrying once on a network error. */',
        'export function chargeCardWithRetry(cardToken: string, cents: number): string {',
        '  return `${cardToken}:${cents}`;',
        '}',
        '',
      ].join('\n'),
    );
    uri = s3.uri('team', 'inhouse');
    const location = remoteLocation(uri, s3.storageOptions());
    const writer = createEngine(createNodeHost(), validateSettings({}), { dbDir: location.uri, location, assets: testAssets() }, silentLogger);
    try {
      const summary = await writer.index([{ root: lib, source: 'payments' }]);
      assert.ok(summary.added >= 1, JSON.stringify(summary));
    } finally {
      await writer.dispose();
    }
  });

  after(async function () {
    this.timeout(60_000);
    await config().update('sharedIndex.uri', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('sharedIndex.storageOptions', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('sharedIndex.refreshSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    await setCredentials(undefined);
    await waitFor('the shared index to be off', async () => (await status()).shared.state === 'off', 30_000).catch(() => undefined);
    await s3?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('says once that the credentials are wrong, then searches the library once they are right', async () => {
    await setCredentials({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: WRONG_SECRET });
    // Only non-secret options in settings; the endpoint is plain http, path-style.
    const { aws_endpoint, aws_region, allow_http, aws_virtual_hosted_style_request } = s3.storageOptions();
    await config().update('sharedIndex.storageOptions', { aws_endpoint, aws_region, allow_http, aws_virtual_hosted_style_request }, vscode.ConfigurationTarget.Workspace);
    await config().update('sharedIndex.refreshSeconds', 10, vscode.ConfigurationTarget.Workspace);
    await config().update('sharedIndex.uri', uri, vscode.ConfigurationTarget.Workspace);

    const denied = await waitFor('the wrong secret to be refused', async () => {
      const p = await shared();
      return p.state.state === 'unavailable' ? p : undefined;
    });
    assert.match(denied.state.state === 'unavailable' ? denied.state.message : '', /denied|Set Shared Index Credentials/);
    assert.equal(denied.notices, 1, 'one notification for the outage');
    const st = await status();
    assert.match(st.text, /shared index unavailable/);
    // Credentials first (access was denied), then the settings; Ollama's fixes may come before both.
    const at = (id: string) => st.fixes.indexOf(id);
    assert.ok(at('setSharedCredentials') >= 0 && at('setSharedCredentials') < at('openSharedSettings'), `fixes: ${st.fixes.join(', ')}`);

    await setCredentials({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    const ready = await waitFor('the shared index to be ready', async () => {
      const p = await shared();
      return p.state.state === 'ready' ? p.state : undefined;
    });
    assert.deepEqual(ready.sources, ['payments']);
    assert.ok(ready.chunks > 0);
    assert.equal((await shared()).notices, 1, 'a recovery is not another warning');
    assert.doesNotMatch((await status()).text, /shared index/);

    const rows = await search('chargeCardWithRetry');
    const hit = rows.find((r) => r.symbol === 'chargeCardWithRetry');
    assert.ok(hit, `no shared hit in ${JSON.stringify(rows.map((r) => [r.label, r.description]))}`);
    assert.equal(hit.source, 'payments');
    assert.equal(hit.fileKey, 'shared:payments/src/charge.ts');
    assert.equal(hit.description, 'src/charge.ts:2 · library payments (shared index)');
    // The local index still answers beside it.
    assert.ok((await search('greet')).some((r) => r.symbol === 'greet' && r.source === 'workspace'));
  });

  it('opens a shared hit as a read-only document of its chunk, not a missing file', async () => {
    const hit = (await search('chargeCardWithRetry')).find((r) => r.symbol === 'chargeCardWithRetry')!;
    const opened = await vscode.commands.executeCommand<Opened>('inhouse.test.openHit', hit);
    assert.equal(opened.scheme, 'inhouse-shared');
    assert.match(opened.text, /^\/\/ Shared index · library payments · src\/charge\.ts, lines 2-4 · read-only/);
    assert.match(opened.text, /export function chargeCardWithRetry\(cardToken: string, cents: number\): string \{/);
    assert.equal(opened.languageId, 'typescript');
    assert.equal(opened.line, 2, 'the cursor is on the chunk, below the header');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('finds a chunk again for a document it has no text for (a citation, a restored tab)', async () => {
    const hit = (await search('chargeCardWithRetry')).find((r) => r.symbol === 'chargeCardWithRetry')!;
    const read = async (query: string, path = '/payments/src/charge.ts') =>
      (await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'inhouse-shared', path, query }))).getText();
    // Other line ranges than the search's, so nothing is cached: by symbol, then by chunk id.
    assert.match(await read('lines=3-3&symbol=chargeCardWithRetry'), /lines 3-3 · read-only[^]*export function chargeCardWithRetry/);
    assert.match(await read(`lines=2-2&id=${encodeURIComponent(hit.id)}`), /export function chargeCardWithRetry/);
    assert.match(await read('lines=1-1&symbol=noSuchThing', '/payments/src/gone.ts'), /does not hold this chunk any more/);
  });

  it('keeps credentials out of the logs and the settings files', async () => {
    const probe = await shared();
    const log = await waitFor('the log to name the shared index', () => {
      const text = logText(probe.logDir);
      return /Opening the shared index s3:\/\/team\/inhouse/.test(text) ? text : undefined;
    });
    assert.ok(!log.includes(SECRET), 'the secret is not logged');
    assert.ok(!log.includes(WRONG_SECRET), 'nor the wrong one');
    assert.match(log, /aws_secret_access_key=\*\*\*/, 'the options are logged masked');
    const workspaceSettings = join(workspace, '.vscode', 'settings.json');
    assert.ok(existsSync(workspaceSettings));
    const text = readFileSync(workspaceSettings, 'utf8');
    assert.match(text, /inhouse\.sharedIndex\.uri/);
    assert.ok(!text.includes(SECRET) && !text.includes(ACCESS_KEY_ID), text);
    // User settings: <user data>/User/settings.json, beside globalStorage.
    const userSettings = vscode.Uri.joinPath(vscode.Uri.parse(probe.globalStorage), '..', '..', 'settings.json');
    const userText = await vscode.workspace.fs.readFile(userSettings).then(
      (b) => Buffer.from(b).toString('utf8'),
      () => '',
    );
    assert.ok(!userText.includes(SECRET), 'the secret is not in the user settings');
    for (const key of ['sharedIndex.storageOptions', 'sharedIndex.uri']) {
      const inspected = config().inspect(key);
      assert.ok(!JSON.stringify(inspected).includes(SECRET), key);
    }
  });

  it('goes on with the local index when the store goes away, and says so once', async () => {
    const before = (await shared()).notices;
    await s3.refuseConnections();
    const down = await waitFor(
      'the shared index to be unavailable',
      async () => {
        // Local search keeps working all along.
        assert.ok((await search('greet')).some((r) => r.symbol === 'greet'));
        const p = await shared();
        return p.state.state === 'unavailable' ? p : undefined;
      },
      120_000,
    );
    assert.match(down.state.state === 'unavailable' ? down.state.message : '', /Cannot reach|could not be read/);
    assert.equal(down.notices, before + 1, 'one notification for the new outage');
    for (let i = 0; i < 5; i++) {
      const rows = await search('greet');
      assert.ok(rows.some((r) => r.symbol === 'greet' && r.source === 'workspace'));
      assert.ok(!rows.some((r) => r.source === 'payments'));
    }
    assert.equal((await shared()).notices, before + 1, 'not one per query');
    assert.match((await status()).text, /shared index unavailable/);

    await s3.acceptConnections();
    await waitFor('the shared index to recover on its next refresh', async () => (await shared()).state.state === 'ready', 60_000);
    assert.equal((await shared()).notices, before + 1);
    assert.doesNotMatch((await status()).text, /shared index/);
  });
});
