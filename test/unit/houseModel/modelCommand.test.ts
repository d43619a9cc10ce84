import { strict as assert } from 'node:assert';
import { runModelCommand, type ModelCommandValues } from '../../../src/cli/modelCommand';
import type { PromptRule } from '../../../src/engine/prompts/promptTypes';
import { OllamaTestServer } from '../../support/ollamaTestServer';
import { BASE, houseModels, makeAdapter, type AdapterFixture } from './houseModelKit';

function capture(isTty = false) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTty }, out, err, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('inhouse model create (runModelCommand)', () => {
  let server: OllamaTestServer;
  let fx: AdapterFixture;

  beforeEach(async () => {
    server = await OllamaTestServer.start({ models: houseModels() });
    fx = await makeAdapter();
  });
  afterEach(async () => {
    await server.close();
    await fx.cleanup();
  });

  const values = (over: ModelCommandValues = {}): ModelCommandValues => ({ adapter: fx.dir, base: BASE, name: 'acme-coder', host: server.url, ...over });

  it('prints the model name on stdout and the progress on stderr', async () => {
    const c = capture();
    const code = await runModelCommand(['create'], values(), c.io, fx.root);
    assert.equal(code, 0, c.stderr());
    assert.equal(c.stdout(), 'acme-coder\n');
    assert.match(c.stderr(), /hashing adapter_model\.safetensors 100%/);
    assert.match(c.stderr(), /adapter_model\.safetensors: uploaded/);
    assert.match(c.stderr(), /create: writing manifest\ncreate: success\n/);
    assert.match(server.lastRequest('/api/create')?.body.system, /^You are InHouse/);
  });

  it('--json prints the result; a re-run reports the blobs as already there', async () => {
    await runModelCommand(['create'], values(), capture().io, fx.root);
    const c = capture();
    assert.equal(await runModelCommand(['create'], values({ json: true, modelfile: true }), c.io, fx.root), 0, c.stderr());
    const result = JSON.parse(c.stdout());
    assert.equal(result.model, 'acme-coder');
    assert.deepEqual(result.uploaded, []);
    assert.deepEqual(result.alreadyPresent, ['adapter_config.json', 'adapter_model.safetensors']);
    assert.equal(result.modelfilePath, `${fx.dir}/Modelfile`);
    assert.match(c.stderr(), /already in Ollama, not uploaded again/);
  });

  it('--system-from-conventions builds the SYSTEM prompt from the rules; --parameter overrides', async () => {
    const rules: PromptRule[] = [{ id: 'errors', severity: 'must', title: 'Errors name the fix', text: 'Say what to do next.', source: 'workspace', path: 'x.md' }];
    const c = capture();
    const code = await runModelCommand(
      ['create'],
      values({ 'system-from-conventions': true, db: fx.root, parameter: ['num_ctx=4096', 'stop=<|im_end|>'] }),
      c.io,
      fx.root,
      { loadRules: async () => rules },
    );
    assert.equal(code, 0, c.stderr());
    const body = server.lastRequest('/api/create')?.body;
    assert.match(body.system, /- \[errors\] \(must\) Errors name the fix: Say what to do next\./);
    assert.deepEqual(body.parameters, { num_ctx: 4096, temperature: 0.2, stop: ['<|im_end|>'] });
    assert.match(c.stderr(), /Conventions: 1 rule from/);
  });

  it('--system-from-conventions without an index says how to build one', async () => {
    const c = capture();
    assert.equal(await runModelCommand(['create'], values({ 'system-from-conventions': true }), c.io, fx.root), 1);
    assert.match(c.stderr(), /No index found in .*inhouse index <folder>.*--db DIR/);
    assert.equal(server.requestsTo('/api/create').length, 0);
  });

  it('bad usage exits 2 naming the missing flag', async () => {
    const c = capture();
    assert.equal(await runModelCommand(['create'], values({ base: undefined }), c.io, fx.root), 2);
    assert.match(c.stderr(), /needs --base MODEL/);
    const d = capture();
    assert.equal(await runModelCommand(['delete'], values(), d.io, fx.root), 2);
    assert.match(d.stderr(), /Unknown model command "delete"/);
  });

  it('failures exit 1 with the message that names the fix', async () => {
    server.faults.missingModel = BASE;
    const c = capture();
    assert.equal(await runModelCommand(['create'], values(), c.io, fx.root), 1);
    assert.match(c.stderr(), /inhouse: The base model qwen2\.5-coder:1\.5b-base is not pulled .*ollama pull qwen2\.5-coder:1\.5b-base/);
    assert.equal(c.stdout(), '');
    await server.refuseConnections();
    const d = capture();
    assert.equal(await runModelCommand(['create'], values(), d.io, fx.root), 1);
    assert.match(d.stderr(), /Ollama is not reachable at .*ollama serve/);
  });
});
