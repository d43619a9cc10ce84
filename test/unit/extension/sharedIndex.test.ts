import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, SettingsError, validateSettings } from '../../../src/engine/settings';
import type { SearchHit } from '../../../src/engine/retrieval/retriever';
import type { SharedState } from '../../../src/engine/shared/sharedIndex';
import { unavailable } from '../../../src/extension/commands/availability';
import { indexReport } from '../../../src/extension/commands/indexReport';
import { searchItems } from '../../../src/extension/commands/searchItems';
import { OutageNotice, isCredentialProblem, outageMessage } from '../../../src/extension/sharedIndex/outageNotice';
import {
  HEADER_LINES,
  editorLanguageId,
  exactPathGlob,
  isSharedKey,
  parseSharedKey,
  parseSharedUri,
  renderSharedChunk,
  sharedRef,
  sharedUriParts,
} from '../../../src/extension/sharedIndex/sharedChunk';
import {
  credentialOptions,
  credentialProblem,
  parseCredentials,
  serializeCredentials,
  sharedIndexConfig,
  type SharedSettings,
} from '../../../src/extension/sharedIndex/sharedConfig';
import { describeStatus, fixesFor, type StatusSnapshot } from '../../../src/extension/status/statusView';

const ROOT = join(__dirname, '..', '..', '..', '..');

function settings(over: Partial<SharedSettings> = {}): SharedSettings {
  return {
    'sharedIndex.uri': DEFAULTS['sharedIndex.uri'],
    'sharedIndex.refreshSeconds': DEFAULTS['sharedIndex.refreshSeconds'],
    'sharedIndex.storageOptions': DEFAULTS['sharedIndex.storageOptions'],
    ...over,
  };
}

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
const ENV = {
  AWS_ACCESS_KEY_ID: 'ENVKEY',
  AWS_SECRET_ACCESS_KEY: 'env-secret',
  AWS_SESSION_TOKEN: 'env-token',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL: 'https://s3.env.example',
};

describe('shared index in the editor (pure parts)', () => {
  it('keeps the pure modules free of vscode, so they run here', () => {
    for (const f of ['sharedIndex/sharedConfig.ts', 'sharedIndex/sharedChunk.ts', 'sharedIndex/outageNotice.ts']) {
      const text = readFileSync(join(ROOT, 'src', 'extension', f), 'utf8');
      assert.ok(!/from\s+['"]vscode['"]/.test(text), f);
    }
  });

  describe('configuration from settings, environment and stored credentials', () => {
    it('is off while inhouse.sharedIndex.uri is empty, whatever else is set', () => {
      assert.equal(sharedIndexConfig(settings(), ENV, { accessKeyId: 'A', secretAccessKey: 'B' }), undefined);
      assert.equal(sharedIndexConfig(settings({ 'sharedIndex.uri': '   ' }), ENV), undefined);
    });

    it('takes the environment, then the settings, then the stored credentials', () => {
      const uri = 's3://team/inhouse';
      const envOnly = sharedIndexConfig(settings({ 'sharedIndex.uri': uri }), ENV)!;
      assert.equal(envOnly.uri, uri);
      assert.equal(envOnly.refreshSeconds, 300);
      assert.deepEqual(
        { id: envOnly.storageOptions.aws_access_key_id, secret: envOnly.storageOptions.aws_secret_access_key, token: envOnly.storageOptions.aws_session_token },
        { id: 'ENVKEY', secret: 'env-secret', token: 'env-token' },
      );
      assert.equal(envOnly.storageOptions.aws_region, 'eu-west-1');

      const withSettings = sharedIndexConfig(
        settings({ 'sharedIndex.uri': uri, 'sharedIndex.refreshSeconds': 60, 'sharedIndex.storageOptions': { aws_region: 'us-east-2', aws_endpoint: 'https://minio.internal:9000' } }),
        ENV,
      )!;
      assert.equal(withSettings.refreshSeconds, 60);
      assert.equal(withSettings.storageOptions.aws_region, 'us-east-2', 'settings win over the environment');
      assert.equal(withSettings.storageOptions.aws_endpoint, 'https://minio.internal:9000');
      assert.equal(withSettings.storageOptions.aws_access_key_id, 'ENVKEY', 'credentials still come from the environment');

      const all = sharedIndexConfig(settings({ 'sharedIndex.uri': uri, 'sharedIndex.storageOptions': { aws_region: 'us-east-2' } }), ENV, {
        accessKeyId: 'STORED',
        secretAccessKey: SECRET,
      })!;
      assert.equal(all.storageOptions.aws_access_key_id, 'STORED', 'stored credentials win');
      assert.equal(all.storageOptions.aws_secret_access_key, SECRET);
      assert.equal(all.storageOptions.aws_session_token, undefined, "the environment's session token does not pair with stored keys");
      assert.equal(all.storageOptions.aws_region, 'us-east-2');

      const temporary = sharedIndexConfig(settings({ 'sharedIndex.uri': uri }), ENV, { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 'stored-token' })!;
      assert.equal(temporary.storageOptions.aws_session_token, 'stored-token');
    });

    it('never puts credentials into the settings-side options', () => {
      const storageOptions = { aws_region: 'us-east-1', aws_endpoint: 'http://127.0.0.1:9000' };
      const before = JSON.stringify(storageOptions);
      const config = sharedIndexConfig(settings({ 'sharedIndex.uri': 's3://b/p', 'sharedIndex.storageOptions': storageOptions }), {}, { accessKeyId: 'K', secretAccessKey: SECRET })!;
      assert.equal(JSON.stringify(storageOptions), before, 'the settings object is not changed');
      assert.notEqual(config.storageOptions, storageOptions);
      assert.ok(!JSON.stringify(storageOptions).includes(SECRET));
      // Settings refuse secrets outright, so settings files never hold one.
      for (const key of ['aws_secret_access_key', 'aws_access_key_id', 'aws_session_token', 'azure_storage_account_key']) {
        assert.throws(() => validateSettings({ 'sharedIndex.storageOptions': { [key]: SECRET } }), SettingsError, key);
      }
    });

    it('allows a plain-http endpoint and path-style requests unless the settings say otherwise', () => {
      const http = sharedIndexConfig(settings({ 'sharedIndex.uri': 's3://b', 'sharedIndex.storageOptions': { aws_endpoint: 'http://127.0.0.1:9000' } }), {})!;
      assert.equal(http.storageOptions.allow_http, 'true');
      assert.equal(http.storageOptions.aws_virtual_hosted_style_request, 'false');
      const explicit = sharedIndexConfig(
        settings({ 'sharedIndex.uri': 's3://b', 'sharedIndex.storageOptions': { aws_endpoint: 'http://h:1', allow_http: 'false', aws_virtual_hosted_style_request: 'true' } }),
        {},
      )!;
      assert.equal(explicit.storageOptions.allow_http, 'false');
      assert.equal(explicit.storageOptions.aws_virtual_hosted_style_request, 'true');
      const aws = sharedIndexConfig(settings({ 'sharedIndex.uri': 's3://b', 'sharedIndex.storageOptions': { aws_region: 'eu-west-1' } }), {})!;
      assert.deepEqual(aws.storageOptions, { aws_region: 'eu-west-1' });
    });

    it('reads back what it stores, and nothing malformed', () => {
      const c = { accessKeyId: ' AKIA ', secretAccessKey: SECRET, sessionToken: '' };
      assert.deepEqual(parseCredentials(serializeCredentials(c)), { accessKeyId: 'AKIA', secretAccessKey: SECRET });
      assert.deepEqual(parseCredentials(serializeCredentials({ ...c, sessionToken: 'tok' })), { accessKeyId: 'AKIA', secretAccessKey: SECRET, sessionToken: 'tok' });
      for (const bad of [undefined, '', 'not json', '{}', '{"accessKeyId":"a"}', '{"accessKeyId":"a","secretAccessKey":""}', 'null', '[1]']) {
        assert.equal(parseCredentials(bad), undefined, String(bad));
      }
      assert.deepEqual(credentialOptions({ accessKeyId: 'A', secretAccessKey: 'B' }), { aws_access_key_id: 'A', aws_secret_access_key: 'B' });
    });

    it('validates what is typed without repeating it', () => {
      assert.match(credentialProblem('accessKeyId', '  ')!, /access key ID is required/);
      assert.match(credentialProblem('secretAccessKey', '')!, /secret access key is required/);
      assert.equal(credentialProblem('sessionToken', ''), undefined, 'the session token is optional');
      const spaced = credentialProblem('secretAccessKey', `${SECRET} x`)!;
      assert.match(spaced, /spaces/);
      assert.ok(!spaced.includes(SECRET));
      assert.equal(credentialProblem('accessKeyId', 'AKIAEXAMPLE'), undefined);
    });

    it('shows a refused storage option by name, never its value', () => {
      const raw = { 'sharedIndex.storageOptions': { aws_region: 'x', aws_secret_access_key: SECRET } };
      let message = '';
      try {
        validateSettings(raw);
      } catch (err) {
        message = (err as Error).message;
      }
      assert.ok(!message.includes(SECRET), message);
      assert.match(message, /^Setting inhouse\.sharedIndex\.storageOptions must be .*; got options aws_region, aws_secret_access_key \(values not shown\)/);
      // Other settings still quote what was refused.
      assert.throws(() => validateSettings({ 'chat.model': 3 }), /got 3\./);
    });
  });

  describe('shared chunks as read-only documents', () => {
    it('recognises shared file keys', () => {
      assert.ok(isSharedKey('shared:payments/src/ledger.py'));
      assert.ok(!isSharedKey('/ws/src/ledger.py'));
      assert.deepEqual(parseSharedKey('shared:payments/src/a/ledger.py'), { library: 'payments', path: 'src/a/ledger.py' });
      assert.equal(parseSharedKey('shared:payments'), undefined);
      assert.equal(parseSharedKey('shared:/x.py'), undefined);
      assert.equal(sharedRef({ fileKey: '/ws/a.ts', startLine: 1, endLine: 2 }), undefined);
    });

    it('round-trips a chunk through its document URI, odd names included', () => {
      const ref = sharedRef({ fileKey: 'shared:payments/src/my file#1?.py', startLine: 3, endLine: 9, id: 'abc', symbol: 'Ledger.post' })!;
      const parts = sharedUriParts(ref);
      assert.equal(parts.path, '/payments/src/my file#1?.py');
      assert.deepEqual(parseSharedUri(parts.path, parts.query), ref);
      assert.deepEqual(parseSharedUri('/payments/x.py', 'lines=2-1'), { library: 'payments', path: 'x.py', startLine: 2, endLine: 2 });
      assert.equal(parseSharedUri('/payments/x.py', ''), undefined);
      assert.equal(parseSharedUri('/x.py', 'lines=1-2'), undefined);
    });

    it('shows the chunk under a header naming the library, path and lines, as a comment of its language', () => {
      const ref = { library: 'payments', path: 'src/ledger.py', startLine: 3, endLine: 5 };
      const text = renderSharedChunk(ref, { text: 'def post(x):\n    return x', language: 'python' });
      const lines = text.split('\n');
      assert.match(lines[0], /^# Shared index · library payments · src\/ledger\.py, lines 3-5 · read-only/);
      assert.equal(lines[HEADER_LINES], 'def post(x):');
      assert.ok(text.endsWith('return x\n'));
      assert.match(renderSharedChunk(ref, { text: 'x', language: 'typescript' }), /^\/\/ Shared index/);
      assert.match(renderSharedChunk(ref, { text: '# Rule', language: 'markdown' }), /^<!-- Shared index .* -->\n/);
      assert.match(renderSharedChunk(ref, undefined, 'The shared index is unavailable now.'), /^Shared index .*\n\nThe shared index is unavailable now\.\n$/);
      assert.equal(editorLanguageId('tsx'), 'typescriptreact');
      assert.equal(editorLanguageId('python'), 'python');
      assert.equal(exactPathGlob('src/ledger.py'), 'src/ledger.py');
      assert.equal(exactPathGlob('src/[id].ts'), undefined);
    });

    it('names the shared library in search rows', () => {
      const hit = (over: Partial<SearchHit>): SearchHit => ({
        id: 'x',
        fileKey: '/ws/src/a.ts',
        root: '/ws',
        path: 'src/a.ts',
        source: 'workspace',
        language: 'typescript',
        kind: 'function',
        shape: 'symbol',
        name: 'f',
        qualifiedName: 'f',
        startLine: 1,
        endLine: 2,
        signature: 'function f()',
        doc: '',
        text: 'function f() {}',
        textHash: 'h',
        symbol: 'f',
        score: 1,
        ...over,
      });
      const [shared, local] = searchItems([
        hit({ id: 's1', fileKey: 'shared:payments/src/charge.ts', root: '', path: 'src/charge.ts', source: 'payments', symbol: 'chargeCard', startLine: 4 }),
        hit({ fileKey: '/libs/payments/src/charge.ts', source: 'payments', path: 'src/charge.ts' }),
      ]);
      assert.equal(shared.description, 'src/charge.ts:4 · library payments (shared index)');
      assert.equal(shared.id, 's1');
      assert.equal(shared.language, 'typescript');
      assert.equal(local.description, 'src/charge.ts:1 · library payments');
    });
  });

  describe('outages', () => {
    const down: SharedState = { state: 'unavailable', uri: 's3://team/idx', message: 'Cannot reach the storage of s3://team/idx (error sending request).', since: 1 };
    const ready: SharedState = { state: 'ready', uri: 's3://team/idx', sources: ['payments'], chunks: 12, openedMs: 5, refreshedAt: 2 };

    it('notifies once per outage, not per query or retry, and again after a recovery', () => {
      const n = new OutageNotice();
      assert.equal(n.next({ state: 'connecting', uri: 's3://team/idx' }), undefined);
      assert.equal(n.next(ready), undefined);
      assert.equal(n.next(down), 'notify');
      assert.ok(n.inOutage);
      assert.equal(n.next({ ...down, since: 2 }), undefined);
      assert.equal(n.next({ state: 'connecting', uri: 's3://team/idx' }), undefined);
      assert.equal(n.next(down), undefined);
      assert.equal(n.next(ready), 'recovered');
      assert.ok(!n.inOutage);
      assert.equal(n.next(ready), undefined);
      assert.equal(n.next(down), 'notify', 'a new outage');
      n.reset();
      assert.equal(n.next(down), 'notify', 'another shared index: a new outage');
      assert.equal(n.next({ state: 'off' }), undefined);
      assert.equal(n.next(down), 'notify');
    });

    it('names the fix first: credentials when access was denied, settings when unreachable', () => {
      const unreachable = outageMessage(down as Extract<SharedState, { state: 'unavailable' }>);
      assert.match(unreachable.message, /s3:\/\/team\/idx is unavailable, so search uses the local index only\. Cannot reach/);
      assert.deepEqual(unreachable.actions, ['Open Settings', 'Set Credentials', 'Open Logs']);
      const denied = outageMessage({ ...(down as Extract<SharedState, { state: 'unavailable' }>), message: 'Access to s3://team/idx was denied (wrong secret key). Check …' });
      assert.deepEqual(denied.actions, ['Set Credentials', 'Open Settings', 'Open Logs']);
      assert.ok(isCredentialProblem('The credentials for s3://x have expired.'));
      assert.ok(!isCredentialProblem('Cannot reach the storage of s3://x (refused). Check the network and AWS_ENDPOINT_URL (or … credentials).'));
    });

    it('shows the shared index in the status: libraries and chunks when ready, a warning with fixes when unavailable', () => {
      const base: StatusSnapshot = {
        index: { kind: 'ready', files: 2, chunks: 7 },
        model: { kind: 'ok', model: 'm' },
        completions: { kind: 'on' },
        models: { chat: 'm', completion: 'c', embedding: '' },
      };
      const off = describeStatus({ ...base, shared: { state: 'off' } });
      assert.ok(!off.lines.some((l) => /Shared index/.test(l)));
      const on = describeStatus({ ...base, shared: { ...(ready as object), sources: ['billing', 'payments'] } as SharedState });
      assert.equal(on.text, '$(database) InHouse: 7 chunks', 'the status bar text stays as the smoke test reads it');
      assert.ok(on.lines.includes('Shared index s3://team/idx: ready, 2 libraries (billing, payments), 12 chunks'), on.lines.join('\n'));
      assert.ok(on.tooltip.includes('Shared index s3://team/idx: ready, 2 libraries \\(billing, payments\\), 12 chunks'), 'markdown-escaped in the tooltip');
      assert.equal(on.severity, 'normal');

      const many = describeStatus({ ...base, shared: { ...(ready as object), sources: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] } as SharedState });
      assert.ok(many.lines.some((l) => l.includes('7 libraries (a, b, c, d, e and 2 more)')));

      const outage = { ...base, shared: down };
      const v = describeStatus(outage);
      assert.equal(v.text, '$(database) InHouse: 7 chunks · $(cloud) shared index unavailable');
      assert.equal(v.severity, 'warning');
      assert.ok(v.lines.some((l) => /^Shared index s3:\/\/team\/idx: unavailable, searching the local index only\. Cannot reach/.test(l)));
      assert.deepEqual(
        fixesFor(outage)
          .map((f) => f.id)
          .slice(0, 3),
        ['openSharedSettings', 'setSharedCredentials', 'openLogs'],
      );
      const untrusted = describeStatus({ ...outage, index: { kind: 'untrusted' } });
      assert.ok(!untrusted.lines.some((l) => /Shared index/.test(l)), 'nothing is searched in an untrusted workspace');
    });

    it('lets Search Code run with no folder open when the shared index is ready', () => {
      const facts = { trusted: true, index: { kind: 'no-folder' as const } };
      assert.ok(unavailable('InHouse: Search Code', ['trusted', 'index'], facts));
      assert.equal(unavailable('InHouse: Search Code', ['trusted', 'index'], { ...facts, sharedReady: true }), undefined);
      assert.ok(unavailable('InHouse: Reindex', ['trusted', 'roots'], { ...facts, sharedReady: true }), 'nothing local to index still');
    });

    it('reports the shared index in Show Index Status', () => {
      const report = indexReport({
        status: { dbDir: '/ws/.inhouse/index', roots: ['/ws'], files: 1, chunks: 2, skipped: {}, secretsRedacted: 0, filesWithSyntaxErrors: 0, sources: { workspace: 1 }, shared: ready },
        conventions: { rules: 0, warnings: [] },
        rootWarnings: [],
        state: 'Index: ready',
      });
      assert.match(report.markdown, /## Shared index\n\n`s3:\/\/team\/idx`: ready, 12 chunks, read-only\..*\n\n- library \*\*payments\*\*/);
      const outage = indexReport({
        status: { dbDir: '/ws/.inhouse/index', roots: ['/ws'], files: 1, chunks: 2, skipped: {}, secretsRedacted: 0, filesWithSyntaxErrors: 0, sources: {}, shared: down },
        conventions: { rules: 0, warnings: [] },
        rootWarnings: [],
        state: 'Index: ready',
      });
      assert.match(outage.markdown, /## Shared index\n\n`s3:\/\/team\/idx`: unavailable since .*\n\nCannot reach/);
    });
  });
});
