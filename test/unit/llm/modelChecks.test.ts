import { strict as assert } from 'node:assert';
import { MIN_OLLAMA_VERSION } from '../../../src/engine/llm/modelInfo';
import { OllamaClient } from '../../../src/engine/llm/ollamaClient';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { BOUND_MS, expectOllamaError, TEST_RETRY, TIMEOUT_MS, waitFor } from './llmTestKit';

const CODER = 'qwen2.5-coder:1.5b';
const BASE = 'qwen2.5-coder:1.5b-base';

describe('OllamaClient checks (version, tags, show, check)', function () {
  this.timeout(30_000);
  let server: OllamaTestServer;
  let client: OllamaClient;

  beforeEach(async () => {
    server = await OllamaTestServer.start({
      models: [...standardModels(), { name: BASE, family: 'qwen2', capabilities: ['completion'], contextLength: 32768 }],
    });
    client = new OllamaClient({ host: server.url, timeoutMs: TIMEOUT_MS, retry: TEST_RETRY });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('version', () => {
    it('reads /api/version', async () => {
      assert.equal(await client.version(), '0.12.0');
      assert.equal(server.requestsTo('/api/version')[0].method, 'GET');
    });

    it(`accepts ${MIN_OLLAMA_VERSION} and newer, and remembers a passed check`, async () => {
      server.version = MIN_OLLAMA_VERSION;
      assert.equal(await client.checkVersion(), MIN_OLLAMA_VERSION);
      assert.equal(await client.checkVersion(), MIN_OLLAMA_VERSION);
      assert.equal(server.requestsTo('/api/version').length, 1);
    });

    it('accepts 0.0.0, what a build from source reports', async () => {
      server.version = '0.0.0';
      assert.equal(await client.checkVersion(), '0.0.0');
    });

    it("an older Ollama → 'outdated', naming the version, the host and the upgrade", async () => {
      server.version = '0.6.2';
      const { error } = await expectOllamaError(() => client.checkVersion(), 'outdated');
      assert.equal(error.message, `Ollama 0.6.2 at ${server.url} is older than 0.6.4, which InHouse needs: upgrade Ollama (https://ollama.com/download).`);
      // A failed check is not remembered: after the upgrade it passes.
      server.version = '0.13.1';
      assert.equal(await client.checkVersion(), '0.13.1');
    });

    it("a reply without a version → 'bad-reply'", async () => {
      server.faults.httpError = { status: 200, error: '{"name":"not ollama"}', plainText: true, paths: ['/api/version'] };
      await expectOllamaError(() => client.version(), 'bad-reply');
    });
  });

  describe('hasModel / listModels', () => {
    it('lists the pulled models', async () => {
      assert.deepEqual((await client.listModels()).sort(), [BASE, CODER, 'llama3.2:3b', 'nomic-embed-text:latest'].sort());
    });

    it('matches names as Ollama does: case-insensitive, :latest implied, library/ implied', async () => {
      assert.equal(await client.hasModel('nomic-embed-text'), true);
      assert.equal(await client.hasModel('NOMIC-Embed-Text:latest'), true);
      assert.equal(await client.hasModel('library/llama3.2:3b'), true);
      assert.equal(await client.hasModel('registry.ollama.ai/library/qwen2.5-coder:1.5b'), true);
      assert.equal(await client.hasModel('qwen2.5-coder'), false, 'qwen2.5-coder means :latest, which is not pulled');
      assert.equal(await client.hasModel('qwen2.5-coder:7b'), false);
    });

    it('a model hidden as not pulled is not there', async () => {
      server.faults.missingModel = CODER;
      assert.equal(await client.hasModel(CODER), false);
    });
  });

  describe('modelInfo', () => {
    it('reads family, capabilities, context length, template and size from /api/show', async () => {
      const info = await client.modelInfo(CODER);
      assert.equal(info.name, CODER);
      assert.equal(info.family, 'qwen2');
      assert.deepEqual(info.families, ['qwen2']);
      assert.deepEqual(info.capabilities, ['completion', 'insert', 'tools']);
      assert.equal(info.contextLength, 32768);
      assert.match(info.template, /\.Suffix/);
      assert.equal(info.parameterSize, '1.5B');
      assert.deepEqual(server.requestsTo('/api/show')[0].body, { model: CODER });
    });

    it('is cached per client (names compared as Ollama does) until invalidated', async () => {
      await client.modelInfo(CODER);
      await client.modelInfo(CODER.toUpperCase());
      assert.equal(server.requestsTo('/api/show').length, 1);
      client.invalidateModelInfo(CODER);
      await client.modelInfo(CODER);
      assert.equal(server.requestsTo('/api/show').length, 2);
      client.invalidateModelInfo();
      await client.modelInfo(CODER);
      assert.equal(server.requestsTo('/api/show').length, 3);
    });

    it('a failure is not cached: the model may be pulled a minute later', async () => {
      server.faults.missingModel = CODER;
      await expectOllamaError(() => client.modelInfo(CODER), 'model-missing');
      server.faults.missingModel = undefined;
      assert.equal((await client.modelInfo(CODER)).family, 'qwen2');
    });
  });

  describe('check (the preflight of a feature)', () => {
    it('passes for a model that can do what it is needed for, and returns its info', async () => {
      assert.equal((await client.check(CODER, 'insert')).family, 'qwen2');
      assert.equal((await client.check('llama3.2:3b', 'completion')).contextLength, 131072);
      assert.deepEqual((await client.check('nomic-embed-text', 'embedding')).capabilities, ['embedding']);
    });

    it('passes insert for a base model without the capability whose family InHouse can prompt raw', async () => {
      assert.deepEqual((await client.check(BASE, 'insert')).capabilities, ['completion']);
    });

    it("a model that is not pulled → 'model-missing' naming `ollama pull` and the setting", async () => {
      server.faults.missingModel = BASE;
      const { error } = await expectOllamaError(() => client.check(BASE, 'insert'), 'model-missing');
      assert.equal(
        error.message,
        `The model ${BASE} is not pulled in Ollama at ${server.url}: run \`ollama pull ${BASE}\`, or set inhouse.completion.model to a model you have.`,
      );
      const chat = await expectOllamaError(() => client.check('mistral:7b', 'completion'), 'model-missing');
      assert.match(chat.error.message, /`ollama pull mistral:7b`, or set inhouse\.chat\.model/);
    });

    it("no model set → 'model-missing' naming the setting, without a request", async () => {
      const { error } = await expectOllamaError(() => client.check('  ', 'embedding'), 'model-missing');
      assert.equal(error.message, 'No model is set: set inhouse.embedding.model.');
      assert.equal(server.requests.length, 0);
    });

    it("a chat model that cannot fill in the middle → 'unsupported' naming inhouse.completion.model", async () => {
      const { error } = await expectOllamaError(() => client.check('llama3.2:3b', 'insert'), 'unsupported');
      assert.match(error.message, /^The model llama3\.2:3b cannot fill in the middle/);
      assert.match(error.message, /Set inhouse\.completion\.model to a code model such as qwen2\.5-coder:1\.5b-base\.$/);
    });

    it("an embedding model for chat → 'unsupported' naming inhouse.chat.model", async () => {
      const { error } = await expectOllamaError(() => client.check('nomic-embed-text', 'completion'), 'unsupported');
      assert.equal(
        error.message,
        'The model nomic-embed-text cannot chat (it can: embedding). Set inhouse.chat.model to a chat model such as qwen2.5-coder:7b.',
      );
    });

    it("a code model for embeddings → 'unsupported' naming inhouse.embedding.model", async () => {
      const { error } = await expectOllamaError(() => client.check(CODER, 'embedding'), 'unsupported');
      assert.match(error.message, /cannot embed text \(it can: completion, insert, tools\)\. Set inhouse\.embedding\.model/);
    });

    it("an old Ollama fails the check as 'outdated' before looking at the model", async () => {
      server.version = '0.5.7';
      await expectOllamaError(() => client.check(CODER, 'insert'), 'outdated');
      assert.equal(server.requestsTo('/api/show').length, 0);
    });

    it("Ollama down → 'unreachable', naming `ollama serve` and inhouse.ollama.host, within the bound", async () => {
      await server.refuseConnections();
      const { error, ms } = await expectOllamaError(() => client.check(CODER, 'insert'), 'unreachable');
      assert.equal(error.message, `Ollama is not reachable at ${server.url}. Start it with \`ollama serve\`, or set inhouse.ollama.host.`);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });
  });

  describe('retries of idempotent requests', () => {
    it('a 503 once, then success: /api/show is asked again and answers', async () => {
      server.faults.httpError = { status: 503, error: 'server busy, please try again.  maximum pending requests exceeded', times: 1, paths: ['/api/show'] };
      assert.equal((await client.modelInfo(CODER)).family, 'qwen2');
      const reqs = server.requestsTo('/api/show');
      assert.deepEqual(reqs.map((r) => r.status), [503, 200]);
    });

    it("503 every time → 'server' after 1 + retries attempts", async () => {
      server.faults.httpError = { status: 503, error: 'server busy', paths: ['/api/tags'] };
      const { error } = await expectOllamaError(() => client.listModels(), 'server');
      assert.equal(error.status, 503);
      assert.equal(server.requestsTo('/api/tags').length, 1 + TEST_RETRY.retries);
    });

    it('a 500 is not retried', async () => {
      server.faults.httpError = { status: 500, error: 'boom', paths: ['/api/version'] };
      await expectOllamaError(() => client.version(), 'server');
      assert.equal(server.requestsTo('/api/version').length, 1);
    });

    it('a reset connection is retried a bounded number of times', async () => {
      server.faults.dropRequests = true;
      await expectOllamaError(() => client.version(), 'unreachable');
      assert.equal(server.requestsTo('/api/version').length, 1 + TEST_RETRY.retries);
    });

    it('a timeout is not retried', async () => {
      server.faults.delayMs = 60_000;
      const { ms } = await expectOllamaError(() => client.modelInfo(CODER), 'timeout');
      assert.ok(ms < 2 * TIMEOUT_MS, `took ${ms} ms`);
      assert.equal(server.requestsTo('/api/show').length, 1);
    });

    it("an abort while waiting → 'cancelled', no retry, the request aborted", async () => {
      server.faults.delayMs = 60_000;
      const controller = new AbortController();
      const pending = expectOllamaError(() => client.hasModel(CODER, controller.signal), 'cancelled');
      await waitFor(() => server.requestsTo('/api/tags').length === 1);
      controller.abort();
      await pending;
      const rec = server.lastRequest('/api/tags');
      assert.ok(rec);
      await waitFor(() => rec.aborted);
      assert.equal(server.requestsTo('/api/tags').length, 1);
    });
  });
});
