import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { makeTmp, removeTmp, writeTree } from '../../support/indexKit';
import { S3TestServer } from '../../support/s3TestServer';
import { spawnCli, type CliResult } from '../../support/spawnCli';

/** The built CLI as a CI job runs it: storage settings in the environment, none inherited. */
function run(argv: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return spawnCli(argv, cwd, { ...clean, ...env });
}

describe('inhouse CLI with a shared index in object storage', function () {
  this.timeout(120_000);
  let s3: S3TestServer;
  let tmp: string;
  let env: Record<string, string>;
  const uri = 's3://team/inhouse';

  before(async () => {
    s3 = await S3TestServer.start({ buckets: ['team'] });
    tmp = makeTmp('shared-cli');
    env = {
      AWS_ENDPOINT_URL: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
    writeTree(path.join(tmp, 'ci'), {
      'libs/payments/src/charge.ts':
        '/** Charges a card and returns the receipt id. */\nexport function chargeCard(cardToken: string, cents: number): string {\n  return `${cardToken}:${cents}`;\n}\n',
      'libs/ledger/ledger.py': 'def post_ledger_entry(account, cents):\n    """Posts an entry."""\n    return account + cents\n',
    });
    writeTree(path.join(tmp, 'ws'), {
      'src/checkout.ts': 'export function checkout(token: string) {\n  return chargeCard(token, \n}\n',
    });
  });
  after(async () => {
    await s3?.close();
    removeTmp(tmp);
  });

  it('CI indexes the libraries into s3:// and a developer searches them with --shared', async () => {
    const ci = path.join(tmp, 'ci');
    const index = await run(['index', '--library', 'payments=libs/payments', '--library', 'ledger=libs/ledger', '--db', uri], ci, env);
    assert.equal(index.code, 0, index.err);
    assert.match(index.out, /s3:\/\/team\/inhouse/);
    assert.ok(!`${index.out}${index.err}`.includes('S3RVER'.toLowerCase()), 'no credentials in the output');

    // The status of the shared index itself.
    const status = await run(['status', '--db', uri, '--json'], ci, env);
    assert.equal(status.code, 0, status.err);
    const st = JSON.parse(status.out) as { sources: Record<string, number>; chunks: number };
    assert.deepEqual(Object.keys(st.sources).sort(), ['ledger', 'payments']);

    // A developer: a local index of the workspace, plus --shared.
    const ws = path.join(tmp, 'ws');
    assert.equal((await run(['index', '.'], ws, {})).code, 0);
    const search = await run(['search', 'charge card', '--shared', uri, '--json'], ws, env);
    assert.equal(search.code, 0, search.err);
    const hits = JSON.parse(search.out) as { path: string; symbol: string; source: string }[];
    assert.ok(hits.some((h) => h.symbol === 'chargeCard' && h.source === 'payments' && h.path === 'src/charge.ts'), search.out);

    const context = await run(['context', 'src/checkout.ts', '--line', '2', '--column', '26', '--shared', uri, '--json'], ws, env);
    assert.equal(context.code, 0, context.err);
    const snippets = JSON.parse(context.out) as { symbol: string; source: string }[];
    assert.ok(snippets.some((s) => s.symbol === 'chargeCard' && s.source === 'payments'), context.out);

    // Text output names the library a hit came from.
    const text = await run(['search', 'post ledger entry', '--shared', uri], ws, env);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /ledger\.py:1 {2}post_ledger_entry {2}function.*\[ledger\]/);
  });

  it('searches the shared index alone where there is no local index', async () => {
    const empty = path.join(tmp, 'elsewhere');
    writeTree(empty, { 'README.md': '# nothing indexed here\n' });
    const r = await run(['search', 'chargeCard', '--shared', uri, '--json'], empty, env);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { source: string }[])[0]?.source, 'payments');
  });

  it('says what is wrong: no --library, bad URI, wrong secret, unreachable store', async () => {
    const ci = path.join(tmp, 'ci');
    const noLib = await run(['index', '.', '--db', uri], ci, env);
    assert.equal(noLib.code, 2);
    assert.match(noLib.err, /--library NAME=PATH/);

    const badUri = await run(['search', 'x', '--shared', 'ftp://team/x'], ci, env);
    assert.equal(badUri.code, 2);
    assert.match(badUri.err, /s3:\/\//);

    const wrong = await run(['status', '--db', uri], ci, { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret-42' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /denied.*AWS_SECRET_ACCESS_KEY/);
    assert.ok(!wrong.err.includes('not-the-secret-42'), 'the secret is never printed');

    // An unreachable shared store: the local index still answers, with one warning.
    const ws = path.join(tmp, 'ws');
    const down = await run(['search', 'checkout', '--shared', uri, '--json'], ws, { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 0, down.err);
    assert.ok((JSON.parse(down.out) as { symbol: string }[]).some((h) => h.symbol === 'checkout'));
    assert.equal(down.err.match(/Shared index unavailable/g)?.length, 1, down.err);
  });
});
