import { strict as assert } from 'node:assert';
import { complete, planFim, type FimRequest } from '../../../src/engine/llm/fim';
import { modelInfoFromShow } from '../../../src/engine/llm/modelInfo';
import { OllamaClient } from '../../../src/engine/llm/ollamaClient';
import { OllamaTestServer, standardModels, type ModelSpec } from '../../support/ollamaTestServer';
import { BOUND_MS, drainPieces, expectOllamaError, TEST_RETRY, TIMEOUT_MS, waitFor } from './llmTestKit';

const PREFIX = 'def add(a, b):\n    return ';
const SUFFIX = '\n\nprint(add(1, 2))\n';

function fimRequest(model: string, overrides: Partial<FimRequest> = {}): FimRequest {
  return { model, prefix: PREFIX, suffix: SUFFIX, numCtx: 4096, numPredict: 128, keepAlive: '30m', temperature: 0.1, ...overrides };
}

/** Code models without the insert capability, one per family, as people pull them. */
const RAW_MODELS: { spec: ModelSpec; prompt: string; stops: string[] }[] = [
  {
    spec: { name: 'qwen2.5-coder:1.5b-base', family: 'qwen2', capabilities: ['completion'] },
    prompt: `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>`,
    stops: ['<|endoftext|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>'],
  },
  {
    spec: { name: 'codellama:7b-code', family: 'llama', capabilities: ['completion'] },
    prompt: `<PRE> ${PREFIX} <SUF>${SUFFIX} <MID>`,
    stops: ['<EOT>'],
  },
  {
    spec: { name: 'deepseek-coder:1.3b-base', family: 'llama', capabilities: ['completion'] },
    prompt: `<\u{FF5C}fim\u{2581}begin\u{FF5C}>${PREFIX}<\u{FF5C}fim\u{2581}hole\u{FF5C}>${SUFFIX}<\u{FF5C}fim\u{2581}end\u{FF5C}>`,
    stops: ['<\u{FF5C}end\u{2581}of\u{2581}sentence\u{FF5C}>'],
  },
  {
    spec: { name: 'starcoder2:3b', family: 'starcoder2', capabilities: ['completion'] },
    prompt: `<fim_prefix>${PREFIX}<fim_suffix>${SUFFIX}<fim_middle>`,
    stops: ['<|endoftext|>', '<file_sep>'],
  },
  {
    spec: { name: 'codestral:22b', family: 'llama', capabilities: ['completion'] },
    prompt: `[SUFFIX]${SUFFIX}[PREFIX]${PREFIX}`,
    stops: ['</s>', '[PREFIX]', '[SUFFIX]'],
  },
  {
    spec: { name: 'codegemma:2b', family: 'gemma', capabilities: ['completion'] },
    prompt: `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>`,
    stops: ['<|file_separator|>'],
  },
  {
    // A house fine-tune: the family shows in the name.
    spec: { name: 'house/qwen2.5-coder-lora', family: 'qwen2', capabilities: ['completion'] },
    prompt: `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>`,
    stops: ['<|endoftext|>'],
  },
  {
    // Nothing in the name: the architecture (details.family) decides.
    spec: { name: 'acme/autocomplete:v3', family: 'starcoder2', capabilities: ['completion'] },
    prompt: `<fim_prefix>${PREFIX}<fim_suffix>${SUFFIX}<fim_middle>`,
    stops: ['<|endoftext|>'],
  },
  {
    // Nothing in the name, an ambiguous family: the Modelfile template names the tokens.
    spec: { name: 'acme/tabby:latest', family: 'llama', capabilities: ['completion'], template: '<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>' },
    prompt: `<PRE> ${PREFIX} <SUF>${SUFFIX} <MID>`,
    stops: ['<EOT>'],
  },
];

describe('fill in the middle (complete)', function () {
  this.timeout(30_000);
  let server: OllamaTestServer;
  let client: OllamaClient;

  beforeEach(async () => {
    server = await OllamaTestServer.start({ models: [...standardModels(), ...RAW_MODELS.map((m) => m.spec)] });
    client = new OllamaClient({ host: server.url, timeoutMs: TIMEOUT_MS, retry: TEST_RETRY });
  });
  afterEach(async () => {
    await server.close();
  });

  it('a model with the insert capability gets prompt + suffix through its own template (no raw)', async () => {
    server.script({ endpoint: 'generate', chunks: ['a ', '+ b'] });
    const { plan, stream } = await complete(client, fimRequest('qwen2.5-coder:1.5b', { stop: ['\n\n'] }));
    assert.equal(plan.mode, 'insert');
    assert.equal(plan.template?.name, 'qwen-coder');
    assert.ok(plan.specialTokens.includes('<|fim_middle|>'));
    assert.equal(await stream.text(), 'a + b');
    assert.equal(stream.summary?.doneReason, 'stop');
    const reqs = server.requestsTo('/api/generate');
    assert.equal(reqs.length, 1);
    const body = reqs[0].body;
    assert.equal(body.model, 'qwen2.5-coder:1.5b');
    assert.equal(body.prompt, PREFIX);
    assert.equal(body.suffix, SUFFIX);
    assert.equal('raw' in body, false);
    assert.equal(body.stream, true);
    assert.equal(body.keep_alive, '30m');
    assert.equal(body.options.num_ctx, 4096);
    assert.equal(body.options.num_predict, 128);
    assert.equal(body.options.temperature, 0.1);
    assert.ok(body.options.stop.includes('\n\n'), 'the caller stop is kept');
    assert.ok(body.options.stop.includes('<|endoftext|>'), 'the family stops are added');
  });

  for (const { spec, prompt, stops } of RAW_MODELS) {
    it(`${spec.name} (no insert) gets raw: true and exactly its family's layout and stops`, async () => {
      server.script({ endpoint: 'generate', chunks: ['a + b'] });
      const { plan, stream } = await complete(client, fimRequest(spec.name));
      assert.equal(plan.mode, 'raw');
      assert.equal(await stream.text(), 'a + b');
      const body = server.lastRequest('/api/generate')?.body;
      assert.equal(body.model, spec.name);
      assert.equal(body.raw, true);
      assert.equal(body.prompt, prompt);
      assert.equal('suffix' in body, false);
      for (const s of stops) assert.ok(body.options.stop.includes(s), `stop ${JSON.stringify(s)} in ${JSON.stringify(body.options.stop)}`);
      for (const s of stops) assert.ok(plan.specialTokens.includes(s) || s === '\n\n', `special token ${s}`);
      assert.equal(body.keep_alive, '30m');
      assert.equal(body.options.num_ctx, 4096);
    });
  }

  it('the family stop sequences end the middle before a leaked token', async () => {
    server.script({ endpoint: 'generate', chunks: ['a + b', '<|endoftext|>', 'junk'] });
    const { stream } = await complete(client, fimRequest('qwen2.5-coder:1.5b-base'));
    assert.equal(await stream.text(), 'a + b');
  });

  it('an empty suffix goes raw for a known family (the template would treat the prefix as a chat message)', async () => {
    const { plan } = await complete(client, fimRequest('qwen2.5-coder:1.5b', { suffix: '' }));
    assert.equal(plan.mode, 'raw');
    assert.equal(plan.request.prompt, `<|fim_prefix|>${PREFIX}<|fim_suffix|><|fim_middle|>`);
  });

  it('an empty suffix for an insert model of unknown family is sent as a newline', async () => {
    server.addModel({ name: 'acme/mystery:1b', family: 'mystery', capabilities: ['completion', 'insert'], template: '{{ if .Suffix }}<hole>{{ .Suffix }}</hole>{{ end }}{{ .Prompt }}' });
    const { plan, stream } = await complete(client, fimRequest('acme/mystery:1b', { suffix: '' }));
    assert.equal(plan.mode, 'insert');
    assert.deepEqual(plan.specialTokens, []);
    await stream.text();
    assert.equal(server.lastRequest('/api/generate')?.body.suffix, '\n');
  });

  it("a model without insert and of unknown family → 'unsupported' naming inhouse.completion.model; nothing generated", async () => {
    const { error } = await expectOllamaError(() => complete(client, fimRequest('llama3.2:3b')), 'unsupported');
    assert.equal(
      error.message,
      'The model llama3.2:3b cannot fill in the middle: it lacks the insert capability and InHouse knows no fill-in-the-middle layout for its family (llama). Set inhouse.completion.model to a code model such as qwen2.5-coder:1.5b-base.',
    );
    assert.equal(server.requestsTo('/api/generate').length, 0);
  });

  it("an embedding model → 'unsupported' naming inhouse.completion.model", async () => {
    const { error } = await expectOllamaError(() => complete(client, fimRequest('nomic-embed-text')), 'unsupported');
    assert.match(error.message, /cannot generate text/);
    assert.match(error.message, /inhouse\.completion\.model/);
  });

  it("a model that is not pulled → 'model-missing' naming `ollama pull` and inhouse.completion.model", async () => {
    const { error } = await expectOllamaError(() => complete(client, fimRequest('qwen2.5-coder:7b-base')), 'model-missing');
    assert.equal(
      error.message,
      `The model qwen2.5-coder:7b-base is not pulled in Ollama at ${server.url}: run \`ollama pull qwen2.5-coder:7b-base\`, or set inhouse.completion.model to a model you have.`,
    );
  });

  it('asks /api/show once per model, not once per completion', async () => {
    await (await complete(client, fimRequest('qwen2.5-coder:1.5b'))).stream.text();
    await (await complete(client, fimRequest('qwen2.5-coder:1.5b'))).stream.text();
    await (await complete(client, fimRequest('QWEN2.5-coder:1.5b'))).stream.text();
    assert.equal(server.requestsTo('/api/show').length, 1);
    assert.equal(server.requestsTo('/api/generate').length, 3);
  });

  it("a middle cut at num_predict ends with truncated: true (done_reason 'length')", async () => {
    server.script({ endpoint: 'generate', chunks: ['a', ' +', ' b', ' + c'] });
    const { stream } = await complete(client, fimRequest('qwen2.5-coder:1.5b', { numPredict: 2 }));
    assert.equal(await stream.text(), 'a +');
    assert.equal(stream.summary?.truncated, true);
  });

  it("aborting mid-middle → 'cancelled' and the generate request aborted", async () => {
    server.faults.chunkDelayMs = 300;
    server.script({ endpoint: 'generate', chunks: ['a', ' +', ' b', ' + c'] });
    const controller = new AbortController();
    const { stream } = await complete(client, fimRequest('qwen2.5-coder:1.5b'), controller.signal);
    const pieces: string[] = [];
    await expectOllamaError(async () => {
      for await (const piece of stream) {
        pieces.push(piece);
        controller.abort();
      }
    }, 'cancelled');
    assert.deepEqual(pieces, ['a']);
    const rec = server.lastRequest('/api/generate');
    assert.ok(rec);
    await waitFor(() => rec.aborted);
  });

  it("a cut generate stream → 'unreachable' after the text so far; a garbage line → 'bad-reply'", async () => {
    server.faults.cutStreamAfterChunks = 1;
    server.script({ endpoint: 'generate', chunks: ['a', ' + b'] }, { endpoint: 'generate', chunks: ['a', ' + b'] });
    const pieces: string[] = [];
    const cut = await complete(client, fimRequest('qwen2.5-coder:1.5b'));
    await expectOllamaError(() => drainPieces(cut.stream, pieces), 'unreachable');
    assert.deepEqual(pieces, ['a']);
    server.faults.cutStreamAfterChunks = undefined;
    server.faults.garbageLineAfterChunks = 1;
    const garbled = await complete(client, fimRequest('qwen2.5-coder:1.5b'));
    const more: string[] = [];
    await expectOllamaError(() => drainPieces(garbled.stream, more), 'bad-reply');
    assert.deepEqual(more, ['a']);
  });

  it("a slow model → 'timeout' within the bound", async () => {
    await client.modelInfo('qwen2.5-coder:1.5b');
    server.faults.delayMs = 60_000;
    const { ms } = await expectOllamaError(async () => (await complete(client, fimRequest('qwen2.5-coder:1.5b'))).stream.text(), 'timeout');
    assert.ok(ms < BOUND_MS, `took ${ms} ms`);
  });
});

describe('planFim (pure)', () => {
  const info = (name: string, capabilities: string[], family = 'qwen2') =>
    modelInfoFromShow(name, { details: { family, families: [family] }, capabilities, template: '{{ .Prompt }}' });

  it('merges the stops of the family and of the caller without duplicates or empties', () => {
    const plan = planFim(fimRequest('starcoder2:3b', { stop: ['<|endoftext|>', '', '\n\n'] }), info('starcoder2:3b', ['completion'], 'starcoder2'));
    const stops = plan.request.stop ?? [];
    assert.equal(stops.filter((s) => s === '<|endoftext|>').length, 1);
    assert.ok(stops.includes('\n\n'));
    assert.ok(!stops.includes(''));
  });

  it('passes numCtx, numPredict, keepAlive and temperature through', () => {
    const plan = planFim(fimRequest('codellama:7b-code', { numCtx: 6144, numPredict: 64, keepAlive: '-1', temperature: 0 }), info('codellama:7b-code', ['completion'], 'llama'));
    assert.equal(plan.request.numCtx, 6144);
    assert.equal(plan.request.numPredict, 64);
    assert.equal(plan.request.keepAlive, '-1');
    assert.equal(plan.request.temperature, 0);
    assert.equal(plan.request.raw, true);
  });
});
