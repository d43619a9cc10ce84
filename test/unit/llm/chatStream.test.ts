import { strict as assert } from 'node:assert';
import { OllamaClient, type ChatRequest } from '../../../src/engine/llm/ollamaClient';
import { GARBAGE_LINE, OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { BOUND_MS, countConsoleNoise, drainPieces, expectOllamaError, TEST_RETRY, TIMEOUT_MS, waitFor } from './llmTestKit';

const CHAT = 'llama3.2:3b';

function chatRequest(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: CHAT,
    messages: [
      { role: 'system', content: 'You answer in house style.' },
      { role: 'user', content: 'What does parseConfig do?' },
    ],
    numCtx: 4096,
    numPredict: 256,
    keepAlive: '30m',
    ...overrides,
  };
}

describe('OllamaClient.chatStream', function () {
  this.timeout(30_000);
  let server: OllamaTestServer;
  let client: OllamaClient;

  beforeEach(async () => {
    server = await OllamaTestServer.start({ models: standardModels() });
    client = new OllamaClient({ host: server.url, timeoutMs: TIMEOUT_MS, retry: TEST_RETRY });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('answers', () => {
    it('yields the text deltas in order and ends with a summary from the final line', async () => {
      server.script({ endpoint: 'chat', chunks: ['It ', 'reads ', 'the ', 'config.'] });
      const stream = client.chatStream(chatRequest());
      assert.equal(server.requests.length, 0, 'nothing is sent before iteration starts');
      const pieces: string[] = [];
      await drainPieces(stream, pieces);
      assert.deepEqual(pieces, ['It ', 'reads ', 'the ', 'config.']);
      assert.deepEqual(stream.summary, {
        doneReason: 'stop',
        truncated: false,
        promptTokens: 9,
        outputTokens: 4,
        totalDurationMs: 1 + 9 + 40,
        loadDurationMs: 1,
        evalDurationMs: 40,
      });
      const rec = server.lastRequest('/api/chat');
      assert.ok(rec);
      assert.equal(rec.aborted, false);
    });

    it('text() assembles the whole answer', async () => {
      server.script({ endpoint: 'chat', chunks: ['Hel', 'lo', ', world'] });
      assert.equal(await client.chatStream(chatRequest()).text(), 'Hello, world');
    });

    it('sends model, messages, stream, keep_alive and the options (num_ctx, num_predict, temperature, stop)', async () => {
      await client.chatStream(chatRequest({ temperature: 0.2, stop: ['\n\n\n'] })).text();
      const reqs = server.requestsTo('/api/chat');
      assert.equal(reqs.length, 1);
      assert.deepEqual(reqs[0].body, {
        model: CHAT,
        messages: [
          { role: 'system', content: 'You answer in house style.' },
          { role: 'user', content: 'What does parseConfig do?' },
        ],
        stream: true,
        keep_alive: '30m',
        options: { num_ctx: 4096, num_predict: 256, temperature: 0.2, stop: ['\n\n\n'] },
      });
    });

    it('sends keep_alive -1 and 0 as numbers (Ollama rejects a bare "-1" string) and leaves it out when unset', async () => {
      await client.chatStream(chatRequest({ keepAlive: '-1' })).text();
      await client.chatStream(chatRequest({ keepAlive: '0' })).text();
      await client.chatStream(chatRequest({ keepAlive: undefined })).text();
      const bodies = server.requestsTo('/api/chat').map((r) => r.body);
      assert.equal(bodies[0].keep_alive, -1);
      assert.equal(bodies[1].keep_alive, 0);
      assert.equal('keep_alive' in bodies[2], false);
      assert.ok(server.requestsTo('/api/chat').every((r) => r.status === 200));
    });

    it("an answer cut at num_predict ends normally with truncated: true (done_reason 'length')", async () => {
      server.script({ endpoint: 'chat', chunks: ['a ', 'b ', 'c ', 'd ', 'e '] });
      const stream = client.chatStream(chatRequest({ numPredict: 2 }));
      assert.equal(await stream.text(), 'a b ');
      assert.equal(stream.summary?.doneReason, 'length');
      assert.equal(stream.summary?.truncated, true);
      assert.equal(stream.summary?.outputTokens, 2);
    });

    it('a stream can be read only once', async () => {
      const stream = client.chatStream(chatRequest());
      await stream.text();
      assert.throws(() => stream[Symbol.asyncIterator](), /only once/);
    });
  });

  describe('cancellation', () => {
    it("aborting mid-answer → 'cancelled', promptly, and the server sees the request aborted", async () => {
      server.faults.chunkDelayMs = 300;
      server.script({ endpoint: 'chat', chunks: ['one ', 'two ', 'three ', 'four ', 'five ', 'six '] });
      const controller = new AbortController();
      const stream = client.chatStream(chatRequest(), controller.signal);
      const pieces: string[] = [];
      const { error, ms } = await expectOllamaError(async () => {
        for await (const piece of stream) {
          pieces.push(piece);
          controller.abort();
        }
      }, 'cancelled');
      assert.equal(error.message, 'The request to Ollama was cancelled.');
      assert.deepEqual(pieces, ['one ']);
      assert.equal(stream.summary, undefined);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
      const rec = server.lastRequest('/api/chat');
      assert.ok(rec);
      await waitFor(() => rec.aborted);
    });

    it("aborting while waiting for the first line → 'cancelled' and the request aborted", async () => {
      server.faults.delayMs = 60_000;
      const controller = new AbortController();
      const pending = expectOllamaError(() => client.chatStream(chatRequest(), controller.signal).text(), 'cancelled');
      await waitFor(() => server.requestsTo('/api/chat').length === 1);
      controller.abort();
      const { ms } = await pending;
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
      const rec = server.lastRequest('/api/chat');
      assert.ok(rec);
      await waitFor(() => rec.aborted);
    });

    it('leaving the loop early hangs up on Ollama', async () => {
      server.faults.chunkDelayMs = 300;
      server.script({ endpoint: 'chat', chunks: ['one ', 'two ', 'three ', 'four '] });
      for await (const piece of client.chatStream(chatRequest())) {
        assert.equal(piece, 'one ');
        break;
      }
      const rec = server.lastRequest('/api/chat');
      assert.ok(rec);
      await waitFor(() => rec.aborted);
    });

    it("an already aborted signal → 'cancelled' without a request", async () => {
      const controller = new AbortController();
      controller.abort();
      await expectOllamaError(() => client.chatStream(chatRequest(), controller.signal).text(), 'cancelled');
      assert.equal(server.requests.length, 0);
    });

    it("the caller's own deadline (AbortSignal.timeout) → 'timeout', not 'cancelled'", async () => {
      server.faults.chunkDelayMs = 60_000;
      server.script({ endpoint: 'chat', chunks: ['one ', 'two '] });
      const { error } = await expectOllamaError(() => client.chatStream(chatRequest(), AbortSignal.timeout(200)).text(), 'timeout');
      assert.match(error.message, /incomplete/);
    });
  });

  describe('faults: the stream fails with an OllamaError, never ends as if complete, never yields garbage', () => {
    it("refused connection → 'unreachable', naming `ollama serve` and inhouse.ollama.host", async () => {
      await server.refuseConnections();
      const { error, ms } = await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'unreachable');
      assert.equal(error.message, `Ollama is not reachable at ${server.url}. Start it with \`ollama serve\`, or set inhouse.ollama.host.`);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("no first line within the timeout → 'timeout' after about the timeout, and the request aborted", async () => {
      server.faults.delayMs = 60_000;
      const { error, ms } = await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'timeout');
      assert.equal(error.message, `Ollama at ${server.url} did not answer within 1 s. Check that it is not overloaded, or raise inhouse.ollama.timeoutSeconds.`);
      assert.ok(ms >= TIMEOUT_MS - 50 && ms < BOUND_MS, `took ${ms} ms`);
      assert.equal(server.requestsTo('/api/chat').length, 1, 'a timeout is not retried');
      const rec = server.lastRequest('/api/chat');
      assert.ok(rec);
      await waitFor(() => rec.aborted);
    });

    it("Ollama falls silent mid-answer → 'timeout' naming the incomplete answer, after the text so far", async () => {
      server.faults.chunkDelayMs = 60_000;
      server.script({ endpoint: 'chat', chunks: ['one ', 'two '] });
      const pieces: string[] = [];
      const { error, ms } = await expectOllamaError(() => drainPieces(client.chatStream(chatRequest()), pieces), 'timeout');
      assert.deepEqual(pieces, ['one ']);
      assert.match(error.message, /sent nothing for 1 s in the middle of an answer; the answer is incomplete/);
      assert.match(error.message, /inhouse\.ollama\.timeoutSeconds/);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it('a long answer may take longer than the timeout in all, as long as it keeps coming', async () => {
      server.faults.chunkDelayMs = 150;
      const chunks = Array.from({ length: 10 }, (_, i) => `w${i} `);
      server.script({ endpoint: 'chat', chunks });
      const started = Date.now();
      assert.equal(await client.chatStream(chatRequest()).text(), chunks.join(''));
      assert.ok(Date.now() - started > TIMEOUT_MS, 'the answer took longer than one timeout');
    });

    it("a model that is not pulled → 'model-missing', naming `ollama pull <model>`", async () => {
      server.faults.missingModel = CHAT;
      const { error } = await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'model-missing');
      assert.equal(error.status, 404);
      assert.ok(error.message.includes(`\`ollama pull ${CHAT}\``), error.message);
    });

    it("a model that cannot chat → 'unsupported'", async () => {
      const { error } = await expectOllamaError(() => client.chatStream(chatRequest({ model: 'nomic-embed-text' })).text(), 'unsupported');
      assert.match(error.message, /does not support chat/);
    });

    it("a stream cut halfway → 'unreachable' saying the answer is incomplete; the text before was yielded, no summary", async () => {
      server.faults.cutStreamAfterChunks = 2;
      server.script({ endpoint: 'chat', chunks: ['one ', 'two ', 'three ', 'four '] });
      const stream = client.chatStream(chatRequest());
      const pieces: string[] = [];
      const { error, ms } = await expectOllamaError(() => drainPieces(stream, pieces), 'unreachable');
      assert.deepEqual(pieces, ['one ', 'two ']);
      assert.match(error.message, /broke off in the middle of an answer; the answer is incomplete/);
      assert.equal(stream.summary, undefined);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it("a stream cut right after the headers → 'unreachable'", async () => {
      server.faults.cutStreamAfterChunks = 0;
      const { error } = await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'unreachable');
      assert.match(error.message, /broke off/);
    });

    it("a line that is not JSON → 'bad-reply'; the garbage is never yielded and nothing is logged to the console", async () => {
      server.faults.garbageLineAfterChunks = 1;
      server.script({ endpoint: 'chat', chunks: ['one ', 'two ', 'three '] });
      const stream = client.chatStream(chatRequest());
      const pieces: string[] = [];
      let error: Error | undefined;
      const noise = await countConsoleNoise(async () => {
        error = (await expectOllamaError(() => drainPieces(stream, pieces), 'bad-reply')).error;
      });
      assert.deepEqual(pieces, ['one ']);
      assert.ok(!pieces.join('').includes(GARBAGE_LINE));
      assert.match(error?.message ?? '', /a line that is not JSON in the middle of an answer; the answer is incomplete/);
      assert.equal(noise, 0);
      assert.equal(stream.summary, undefined);
      const rec = server.lastRequest('/api/chat');
      assert.ok(rec);
      await waitFor(() => rec.aborted || rec.status === 200);
    });

    it("an in-band error line → 'server' with Ollama's text, after the text so far", async () => {
      server.faults.errorLineAfterChunks = { after: 1, error: 'llama runner process has terminated: signal: killed' };
      server.script({ endpoint: 'chat', chunks: ['one ', 'two '] });
      const pieces: string[] = [];
      const { error } = await expectOllamaError(() => drainPieces(client.chatStream(chatRequest()), pieces), 'server');
      assert.deepEqual(pieces, ['one ']);
      assert.equal(error.message, `Ollama at ${server.url} failed in the middle of an answer: llama runner process has terminated: signal: killed`);
    });

    it("a stream that ends cleanly without its final done line → 'bad-reply' (incomplete), no summary", async () => {
      server.faults.endStreamAfterChunks = 2;
      server.script({ endpoint: 'chat', chunks: ['one ', 'two ', 'three '] });
      const stream = client.chatStream(chatRequest());
      const pieces: string[] = [];
      const { error } = await expectOllamaError(() => drainPieces(stream, pieces), 'bad-reply');
      assert.deepEqual(pieces, ['one ', 'two ']);
      assert.match(error.message, /ended before it was complete/);
      assert.equal(stream.summary, undefined);
    });

    it("a 200 answer that is a proxy's HTML page → 'bad-reply'", async () => {
      server.faults.httpError = { status: 200, error: '<html>captive portal</html>', plainText: true };
      await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'bad-reply');
    });

    it("HTTP 500 → 'server' with the status and Ollama's text", async () => {
      server.faults.httpError = { status: 500, error: 'model requires more system memory (5.2 GiB) than is available (3.1 GiB)' };
      const { error } = await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'server');
      assert.equal(error.status, 500);
      assert.equal(error.message, `Ollama at ${server.url} answered 500: model requires more system memory (5.2 GiB) than is available (3.1 GiB)`);
    });
  });

  describe('retries', () => {
    it('an HTTP 503 (an answer) is not retried for a generation', async () => {
      server.faults.httpError = { status: 503, error: 'server busy, please try again.  maximum pending requests exceeded', times: 1 };
      const { error } = await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'server');
      assert.equal(error.status, 503);
      assert.equal(server.requestsTo('/api/chat').length, 1);
    });

    it('a connection reset before any answer is retried, and the answer then comes', async () => {
      // A retry delay well above the polling below, so the fault is cleared before the retry; and
      // above the timeout, which the wait before a retry must not count against.
      const patient = new OllamaClient({ host: server.url, timeoutMs: 300, retry: { retries: 2, delayMs: 400 } });
      server.faults.dropRequests = true;
      const pending = patient.chatStream(chatRequest()).text();
      await waitFor(() => server.requestsTo('/api/chat').length >= 1);
      server.faults.dropRequests = false;
      assert.equal(await pending, 'echo: What does parseConfig do?');
      const reqs = server.requestsTo('/api/chat');
      assert.ok(reqs.length >= 2 && reqs.length <= 1 + TEST_RETRY.retries, `${reqs.length} requests`);
      assert.equal(reqs[reqs.length - 1].status, 200);
    });

    it("connections reset every time → 'unreachable' after a bounded number of attempts", async () => {
      server.faults.dropRequests = true;
      const { ms } = await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'unreachable');
      assert.equal(server.requestsTo('/api/chat').length, 1 + TEST_RETRY.retries);
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it('a stream cut after it started is never retried', async () => {
      server.faults.cutStreamAfterChunks = 1;
      await expectOllamaError(() => client.chatStream(chatRequest()).text(), 'unreachable');
      assert.equal(server.requestsTo('/api/chat').length, 1);
    });

    it('an abort during the wait before a retry → cancelled, with no further attempt', async () => {
      const slowRetry = new OllamaClient({ host: server.url, timeoutMs: TIMEOUT_MS, retry: { retries: 2, delayMs: 60_000 } });
      server.faults.dropRequests = true;
      const controller = new AbortController();
      const pending = expectOllamaError(() => slowRetry.chatStream(chatRequest(), controller.signal).text(), 'cancelled');
      await waitFor(() => server.requestsTo('/api/chat').length === 1);
      controller.abort();
      const { ms } = await pending;
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
      assert.equal(server.requestsTo('/api/chat').length, 1);
    });
  });
});
