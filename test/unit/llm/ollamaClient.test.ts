import { strict as assert } from 'node:assert';
import { OllamaEmbedder } from '../../../src/engine/embed/ollamaEmbedder';
import { DEFAULT_OLLAMA_HOST, OllamaClient, OllamaError, resolveOllamaHost, type OllamaErrorKind } from '../../../src/engine/llm/ollamaClient';
import { hashedEmbedding, OllamaTestServer, standardModels } from '../../support/ollamaTestServer';

const EMBED = 'nomic-embed-text';
const CODER = 'qwen2.5-coder:1.5b';
/** Short, so the fault tests finish quickly; every bound below is a multiple of it. */
const TIMEOUT_MS = 1_000;

/** Runs `fn`, which must reject with an OllamaError of `kind`; returns it and how long it took. */
async function expectOllamaError(fn: () => Promise<unknown>, kind: OllamaErrorKind): Promise<{ error: OllamaError; ms: number }> {
  const started = Date.now();
  try {
    await fn();
  } catch (err) {
    const ms = Date.now() - started;
    assert.ok(err instanceof OllamaError, `expected an OllamaError, got ${String(err)}`);
    assert.equal(err.kind, kind, `kind of: ${err.message}`);
    return { error: err, ms };
  }
  assert.fail(`expected an OllamaError of kind ${kind}, got a result`);
}

/** Every fault must fail within a bound, never hang: a few timeouts at most. */
const BOUND_MS = 5 * TIMEOUT_MS;

describe('resolveOllamaHost', () => {
  it('prefers the setting over OLLAMA_HOST', () => {
    assert.equal(resolveOllamaHost('http://gpu-box:8080', { OLLAMA_HOST: 'other-box:9999' }), 'http://gpu-box:8080');
  });

  it('falls back to OLLAMA_HOST when the setting is empty', () => {
    assert.equal(resolveOllamaHost('', { OLLAMA_HOST: 'http://10.0.0.5:11434' }), 'http://10.0.0.5:11434');
  });

  it('falls back to the local default when neither is set', () => {
    assert.equal(resolveOllamaHost('', {}), DEFAULT_OLLAMA_HOST);
    assert.equal(resolveOllamaHost('', { OLLAMA_HOST: '' }), DEFAULT_OLLAMA_HOST);
    assert.equal(DEFAULT_OLLAMA_HOST, 'http://127.0.0.1:11434');
  });

  it('treats a blank setting as empty (falls back, is not an invalid address)', () => {
    assert.equal(resolveOllamaHost('   ', { OLLAMA_HOST: 'env-box' }), 'http://env-box:11434');
    assert.equal(resolveOllamaHost('  ', {}), DEFAULT_OLLAMA_HOST);
  });

  it('gives a bare host name the default port 11434, as the Ollama CLI does', () => {
    assert.equal(resolveOllamaHost('gpu-box', {}), 'http://gpu-box:11434');
    assert.equal(resolveOllamaHost('', { OLLAMA_HOST: '10.0.0.5' }), 'http://10.0.0.5:11434');
    assert.equal(resolveOllamaHost('  gpu-box  ', {}), 'http://gpu-box:11434');
  });

  it('keeps an explicit port on a bare host, even the scheme default 80', () => {
    assert.equal(resolveOllamaHost('gpu-box:8080', {}), 'http://gpu-box:8080');
    // Port 80 is http's own, so the URL form leaves it out; it must not become 11434.
    assert.equal(resolveOllamaHost('gpu-box:80', {}), 'http://gpu-box');
    assert.equal(resolveOllamaHost('[::1]', {}), 'http://[::1]:11434');
    assert.equal(resolveOllamaHost('[::1]:8080', {}), 'http://[::1]:8080');
  });

  it('keeps a URL with a scheme as given (no port added), without a trailing slash', () => {
    assert.equal(resolveOllamaHost('https://ollama.example.com', {}), 'https://ollama.example.com');
    assert.equal(resolveOllamaHost('http://gpu-box:11434/', {}), 'http://gpu-box:11434');
    assert.equal(resolveOllamaHost('https://proxy.example.com/ollama/', {}), 'https://proxy.example.com/ollama');
  });

  for (const bad of ['http://exa mple.com', 'gpu-box:notaport', 'http://[::1']) {
    it(`rejects ${JSON.stringify(bad)} with a 'bad-host' error naming inhouse.ollama.host`, () => {
      assert.throws(
        () => resolveOllamaHost(bad, {}),
        (err: unknown) => {
          assert.ok(err instanceof OllamaError);
          assert.equal(err.kind, 'bad-host');
          assert.match(err.message, /inhouse\.ollama\.host/);
          assert.ok(err.message.includes(JSON.stringify(bad.trim())), err.message);
          return true;
        },
      );
    });
  }

  it('names the bad value from OLLAMA_HOST too', () => {
    assert.throws(() => resolveOllamaHost('', { OLLAMA_HOST: 'http://bad host' }), (err: unknown) => err instanceof OllamaError && err.kind === 'bad-host' && err.message.includes('"http://bad host"'));
  });
});

describe('OllamaClient', function () {
  this.timeout(30_000);
  let server: OllamaTestServer;
  let client: OllamaClient;

  beforeEach(async () => {
    server = await OllamaTestServer.start({ models: standardModels() });
    client = new OllamaClient({ host: server.url, timeoutMs: TIMEOUT_MS });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('embed', () => {
    it('returns one vector per input, in order, from /api/embed', async () => {
      const vectors = await client.embed(EMBED, ['parseConfigFile', 'sendInvoiceEmail']);
      assert.equal(vectors.length, 2);
      assert.deepEqual(vectors[0], hashedEmbedding('parseConfigFile', 384));
      assert.deepEqual(vectors[1], hashedEmbedding('sendInvoiceEmail', 384));
      const reqs = server.requestsTo('/api/embed');
      assert.equal(reqs.length, 1);
      assert.equal(reqs[0].body.model, EMBED);
      assert.deepEqual(reqs[0].body.input, ['parseConfigFile', 'sendInvoiceEmail']);
      assert.equal(reqs[0].body.truncate, true);
    });

    it('works with a host as resolveOllamaHost returns it (trailing slash dropped)', async () => {
      const viaResolved = new OllamaClient({ host: resolveOllamaHost(`${server.url}/`, {}), timeoutMs: TIMEOUT_MS });
      assert.equal((await viaResolved.embed(EMBED, ['x']))[0].length, 384);
    });
  });

  describe('faults become OllamaErrors that name the fix, within a bound', () => {
    it("refused connection → 'unreachable', naming `ollama serve` and inhouse.ollama.host", async () => {
      await client.embed(EMBED, ['warm up a pooled connection']);
      await server.refuseConnections();
      const { error, ms } = await expectOllamaError(() => client.embed(EMBED, ['x']), 'unreachable');
      assert.match(error.message, /`ollama serve`/);
      assert.match(error.message, /inhouse\.ollama\.host/);
      assert.ok(error.message.includes(server.url), error.message);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("nothing listening at all (port 1) → 'unreachable'", async () => {
      const nowhere = new OllamaClient({ host: 'http://127.0.0.1:1', timeoutMs: TIMEOUT_MS });
      const { error, ms } = await expectOllamaError(() => nowhere.embed(EMBED, ['x']), 'unreachable');
      assert.equal(error.message, 'Ollama is not reachable at http://127.0.0.1:1. Start it with `ollama serve`, or set inhouse.ollama.host.');
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("the connection dropped without an answer → 'unreachable'", async () => {
      server.faults.dropRequests = true;
      const { error, ms } = await expectOllamaError(() => client.embed(EMBED, ['x']), 'unreachable');
      assert.match(error.message, /`ollama serve`/);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("an answer slower than the timeout → 'timeout' after about the timeout, naming inhouse.ollama.timeoutSeconds", async () => {
      server.faults.delayMs = 60_000;
      const { error, ms } = await expectOllamaError(() => client.embed(EMBED, ['x']), 'timeout');
      assert.equal(
        error.message,
        `Ollama at ${server.url} did not answer within 1 s. Check that it is not overloaded, or raise inhouse.ollama.timeoutSeconds.`,
      );
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
      // The request reached the server and the client hung up on it.
      const rec = server.lastRequest('/api/embed');
      assert.ok(rec);
      await waitFor(() => rec.aborted);
    });

    it("a model that is not pulled → 'model-missing', naming `ollama pull <model>`", async () => {
      server.faults.missingModel = EMBED;
      const { error, ms } = await expectOllamaError(() => client.embed(EMBED, ['x']), 'model-missing');
      assert.equal(error.status, 404);
      assert.ok(error.message.includes(`\`ollama pull ${EMBED}\``), error.message);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("a model never installed → 'model-missing' naming that model", async () => {
      const { error } = await expectOllamaError(() => client.embed('mxbai-embed-large', ['x']), 'model-missing');
      assert.ok(error.message.includes('`ollama pull mxbai-embed-large`'), error.message);
    });

    it("a model that cannot embed → 'unsupported'", async () => {
      const { error, ms } = await expectOllamaError(() => client.embed(CODER, ['x']), 'unsupported');
      assert.equal(error.status, 501);
      assert.ok(error.message.includes(CODER), error.message);
      assert.match(error.message, /does not support embeddings/);
      assert.match(error.message, /Pick a model that can/);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("HTTP 500 → 'server', with the status and Ollama's text", async () => {
      server.faults.httpError = { status: 500, error: 'llama runner process has terminated: exit status 2' };
      const { error, ms } = await expectOllamaError(() => client.embed(EMBED, ['x']), 'server');
      assert.equal(error.status, 500);
      assert.equal(error.message, `Ollama at ${server.url} answered 500: llama runner process has terminated: exit status 2`);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("HTTP 503 (busy) → 'server'", async () => {
      server.faults.httpError = { status: 503, error: 'server busy, please try again.  maximum pending requests exceeded' };
      const { error } = await expectOllamaError(() => client.embed(EMBED, ['x']), 'server');
      assert.equal(error.status, 503);
    });

    it("a 200 reply that is not JSON → 'bad-reply'", async () => {
      server.faults.httpError = { status: 200, error: '<html>captive portal</html>', plainText: true };
      const { error, ms } = await expectOllamaError(() => client.embed(EMBED, ['x']), 'bad-reply');
      assert.match(error.message, /sent a reply InHouse could not use/);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("a 200 reply with fewer embeddings than inputs → 'bad-reply' naming the counts", async () => {
      server.faults.httpError = { status: 200, error: JSON.stringify({ model: EMBED, embeddings: [[0.6, 0.8]] }), plainText: true };
      const { error } = await expectOllamaError(() => client.embed(EMBED, ['a', 'b']), 'bad-reply');
      assert.equal(error.message, `Ollama at ${server.url} returned 1 embeddings for 2 inputs. Check the model ${EMBED}.`);
    });

    it("a 200 reply without embeddings → 'bad-reply'", async () => {
      server.faults.httpError = { status: 200, error: JSON.stringify({ model: EMBED }), plainText: true };
      const { error } = await expectOllamaError(() => client.embed(EMBED, ['a']), 'bad-reply');
      assert.match(error.message, /returned 0 embeddings for 1 inputs/);
    });

    it("the caller's AbortSignal → 'cancelled', promptly, and the server sees the abort", async () => {
      server.faults.delayMs = 60_000;
      const controller = new AbortController();
      const pending = expectOllamaError(() => client.embed(EMBED, ['x'], controller.signal), 'cancelled');
      await waitFor(() => server.requestsTo('/api/embed').length === 1);
      controller.abort();
      const { error, ms } = await pending;
      assert.equal(error.message, 'The request to Ollama was cancelled.');
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
      const rec = server.lastRequest('/api/embed');
      assert.ok(rec);
      await waitFor(() => rec.aborted);
    });

    it("an already aborted signal → 'cancelled' without a request", async () => {
      const controller = new AbortController();
      controller.abort();
      await expectOllamaError(() => client.embed(EMBED, ['x'], controller.signal), 'cancelled');
      assert.equal(server.requests.length, 0);
    });

    it('recovers once the fault clears (no sticky state in the client)', async () => {
      await server.refuseConnections();
      await expectOllamaError(() => client.embed(EMBED, ['x']), 'unreachable');
      await server.resetFaults();
      assert.equal((await client.embed(EMBED, ['x']))[0].length, 384);
    });
  });
});

describe('OllamaEmbedder', function () {
  this.timeout(30_000);
  let server: OllamaTestServer;
  let embedder: OllamaEmbedder;

  beforeEach(async () => {
    server = await OllamaTestServer.start({ models: standardModels() });
    embedder = new OllamaEmbedder(new OllamaClient({ host: server.url, timeoutMs: TIMEOUT_MS }), EMBED);
  });
  afterEach(async () => {
    await server.close();
  });

  it('embeds a batch and sends nothing for an empty one', async () => {
    assert.deepEqual(await embedder.embed([]), []);
    assert.equal(server.requests.length, 0);
    const vectors = await embedder.embed(['a', 'b', 'c']);
    assert.deepEqual(vectors.map((v) => v.length), [384, 384, 384]);
    assert.equal(embedder.model, EMBED);
  });

  it("a model whose dimension changes between replies → 'bad-reply' naming both sizes", async () => {
    await embedder.embed(['first reply sets the dimension']);
    server.faults.wrongEmbeddingDim = 17;
    const { error } = await expectOllamaError(() => embedder.embed(['x']), 'bad-reply');
    assert.equal(error.message, `The model ${EMBED} returned vectors of 17 dimensions after 384. Check inhouse.embedding.model, then re-index.`);
  });

  it("an empty vector → 'bad-reply'", async () => {
    server.faults.httpError = { status: 200, error: JSON.stringify({ model: EMBED, embeddings: [[]] }), plainText: true };
    const { error } = await expectOllamaError(() => embedder.embed(['x']), 'bad-reply');
    assert.match(error.message, /empty or malformed vector/);
  });

  it("a vector with a non-number → 'bad-reply'", async () => {
    server.faults.httpError = { status: 200, error: JSON.stringify({ model: EMBED, embeddings: [[0.1, 'x', 0.3]] }), plainText: true };
    const { error } = await expectOllamaError(() => embedder.embed(['x']), 'bad-reply');
    assert.match(error.message, /empty or malformed vector/);
  });

  it("vectors of different sizes in one reply → 'bad-reply'", async () => {
    server.faults.httpError = { status: 200, error: JSON.stringify({ model: EMBED, embeddings: [[0.6, 0.8], [1, 0, 0]] }), plainText: true };
    const { error } = await expectOllamaError(() => embedder.embed(['a', 'b']), 'bad-reply');
    assert.match(error.message, /returned vectors of 3 dimensions after 2/);
  });

  it('passes client errors through unchanged (kind model-missing)', async () => {
    server.faults.missingModel = EMBED;
    await expectOllamaError(() => embedder.embed(['x']), 'model-missing');
  });
});

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
