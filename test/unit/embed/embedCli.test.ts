import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { makeTmp, removeTmp, writeTree } from '../../support/indexKit';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { testAssets } from '../../support/testAssets';
import { embedInputs } from './embedKit';

interface Result {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], cwd: string): Promise<Result> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTty: false }, cwd, testAssets());
  return { code, out, err };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const DOWN = 'http://127.0.0.1:1';
const UNREACHABLE = `Ollama is not reachable at ${DOWN}. Start it with \`ollama serve\`, or set inhouse.ollama.host.`;

describe('inhouse CLI with --embed-model and --host', function () {
  this.timeout(120_000);
  let server: OllamaTestServer;
  let tmp: string;

  before(async () => {
    server = await OllamaTestServer.start({ models: standardModels() });
    tmp = makeTmp('embed-cli');
    writeTree(path.join(tmp, 'ws'), {
      // Keyword search ranks placeholder first (its path holds the words); vectors rank settle first.
      'src/invoice/tax/round.ts': 'export function placeholder(): void {}\n',
      'src/billing/settle.ts': 'export function settle(amount: number): number {\n  const invoiceTax = amount * RATE;\n  return roundHalfEven(invoiceTax);\n}\n',
      'src/util/math.ts': 'export function roundUp(value: number): number {\n  return Math.ceil(value);\n}\n',
    });
  });
  after(async () => {
    await server.close();
    removeTmp(tmp);
  });

  it('index prints the embeddings line', async () => {
    const r = await cli(['index', 'ws', '--db', 'db', '--embed-model', 'nomic-embed-text', '--host', server.url], tmp);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.ok(lines(r.out).includes('Embeddings (nomic-embed-text): 3 of 3 new chunk contents embedded.'), r.out);
    assert.equal(embedInputs(server).length, 3);
  });

  it('index --json carries the embeddings summary', async () => {
    const r = await cli(['index', 'ws', '--db', 'db', '--embed-model', 'nomic-embed-text', '--host', server.url, '--json'], tmp);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).embeddings, { model: 'nomic-embed-text', pending: 0, embedded: 0, modelChanged: false, ann: 'none' });
  });

  it('search with the model ranks by vectors', async () => {
    server.clearRequests();
    const r = await cli(['search', 'round invoice tax', '--db', 'db', '--embed-model', 'nomic-embed-text', '--host', server.url], tmp);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.equal(lines(r.out)[0], 'src/billing/settle.ts:1  settle  function');
    assert.deepEqual(server.requestsTo('/api/embed').map((r) => r.body.input), [['round invoice tax']]);
  });

  it('search with Ollama unreachable still exits 0 with keyword results, and warns once on stderr naming `ollama serve` (a degraded search is not a failed one)', async () => {
    const r = await cli(['search', 'round invoice tax', '--db', 'db', '--embed-model', 'nomic-embed-text', '--host', DOWN], tmp);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(lines(r.err), [`[warn] Searching without embeddings: ${UNREACHABLE}`]);
    const keyword = await cli(['search', 'round invoice tax', '--db', 'db'], tmp);
    assert.equal(keyword.code, 0, keyword.err);
    assert.equal(keyword.err, '');
    assert.equal(r.out, keyword.out, 'the same results as a keyword-only search');
    assert.equal(lines(r.out)[0], 'src/invoice/tax/round.ts:1  placeholder  function');
  });

  it('index with Ollama unreachable exits 0 (keyword index complete), says why embedding stopped, and warns once', async () => {
    const r = await cli(['index', 'ws', '--db', 'db2', '--embed-model', 'nomic-embed-text', '--host', DOWN], tmp);
    assert.equal(r.code, 0, r.err);
    assert.ok(lines(r.out).some((l) => l.startsWith('Indexed 3 files, 3 chunks')), r.out);
    assert.ok(lines(r.out).includes(`Embeddings (nomic-embed-text): 0 of 0 new chunk contents embedded — stopped: ${UNREACHABLE}`), r.out);
    assert.deepEqual(lines(r.err), [`[warn] Embeddings not updated: ${UNREACHABLE} Keyword and symbol search still work.`]);
  });

  it('a --host that is not an address is an error (exit 1) naming inhouse.ollama.host', async () => {
    const r = await cli(['search', 'round', '--db', 'db', '--embed-model', 'nomic-embed-text', '--host', 'http://bad host'], tmp);
    assert.equal(r.code, 1);
    assert.match(r.err, /"http:\/\/bad host" is not a valid Ollama address\. Set inhouse\.ollama\.host/);
  });
});
