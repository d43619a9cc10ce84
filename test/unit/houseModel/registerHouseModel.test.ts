import { strict as assert } from 'node:assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blobExists, blobPath, uploadBlob } from '../../../src/engine/houseModel/blobUpload';
import { registerHouseModel, type RegisterProgress, type RegisterHouseModelRequest, type RegisterHouseModelOptions } from '../../../src/engine/houseModel/registerHouseModel';
import { OllamaError } from '../../../src/engine/llm/ollamaError';
import { OllamaTestServer } from '../../support/ollamaTestServer';
import { BASE, expectHouseError, FAST_RETRY, houseModels, makeAdapter, NO_RETRY, sha256, TIMEOUT_MS, weights, type AdapterFixture } from './houseModelKit';

describe('houseModel/registerHouseModel against the Ollama test server', () => {
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

  const request = (over: Partial<RegisterHouseModelRequest> = {}): RegisterHouseModelRequest => ({
    adapter: fx.dir,
    base: BASE,
    name: 'acme-coder',
    system: 'You are the house model.\nFollow the house conventions.',
    ...over,
  });
  const options = (over: Partial<RegisterHouseModelOptions> = {}): RegisterHouseModelOptions => ({
    host: server.url,
    timeoutMs: TIMEOUT_MS,
    retry: FAST_RETRY,
    ...over,
  });
  const blobRequests = (method: string, digest: string) => server.requests.filter((r) => r.method === method && r.path === blobPath(digest as `sha256:${string}`));

  it('uploads the missing blobs streamed, then creates the model with the exact body', async () => {
    const events: RegisterProgress[] = [];
    const result = await registerHouseModel(request(), options({ onProgress: (e) => events.push(e) }));
    const wDigest = sha256(fx.weights);
    const cDigest = sha256(fx.config);

    // HEAD first (missing), then POST the bytes, one file after the other.
    const blobTraffic = server.requests.filter((r) => r.path.startsWith('/api/blobs/')).map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.deepEqual(blobTraffic, [
      `HEAD ${blobPath(cDigest)} 404`,
      `POST ${blobPath(cDigest)} 201`,
      `HEAD ${blobPath(wDigest)} 404`,
      `POST ${blobPath(wDigest)} 201`,
    ]);
    const post = blobRequests('POST', wDigest)[0];
    assert.equal(post.headers['content-length'], String(fx.weights.length));
    assert.equal(post.headers['content-type'], 'application/octet-stream');
    assert.ok(post.rawBody.equals(fx.weights), 'the uploaded bytes are the file');
    assert.ok(server.hasBlob(wDigest) && server.hasBlob(cDigest));

    const create = server.lastRequest('/api/create');
    assert.deepEqual(create?.body, {
      model: 'acme-coder',
      from: BASE,
      adapters: { 'adapter_config.json': cDigest, 'adapter_model.safetensors': wDigest },
      system: 'You are the house model.\nFollow the house conventions.',
      parameters: { num_ctx: 8192, temperature: 0.2 },
      stream: true,
    });
    assert.deepEqual(result.request, create?.body);

    // The create's progress, streamed to the callback in order, ending in success.
    const statuses = events.filter((e): e is Extract<RegisterProgress, { step: 'create' }> => e.step === 'create').map((e) => e.status);
    assert.ok(statuses.length >= 3, statuses.join(' | '));
    assert.equal(statuses[statuses.length - 1], 'success');
    assert.ok(statuses.some((s) => s === `using existing layer ${wDigest}`), statuses.join(' | '));
    assert.deepEqual(result.statuses, statuses);
    assert.ok(events.some((e) => e.step === 'hash' && e.file === 'adapter_model.safetensors' && e.bytes === fx.weights.length));
    assert.ok(events.some((e) => e.step === 'upload' && e.file === 'adapter_model.safetensors' && e.bytes === fx.weights.length));

    assert.deepEqual(result.uploaded, ['adapter_config.json', 'adapter_model.safetensors']);
    assert.deepEqual(result.alreadyPresent, []);
    assert.equal(result.format, 'safetensors');
    assert.equal(server.model('acme-coder')?.system, 'You are the house model.\nFollow the house conventions.');
    assert.ok(server.modelNames().includes('acme-coder:latest'));
    assert.match(result.modelfile, /^FROM qwen2\.5-coder:1\.5b-base$/m);
    assert.equal(result.modelfilePath, undefined);
  });

  it('sends nothing twice: a second run finds every blob and only creates', async () => {
    await registerHouseModel(request(), options());
    server.clearRequests();
    const result = await registerHouseModel(request({ name: 'acme-coder:v2' }), options());
    assert.deepEqual(result.uploaded, []);
    assert.deepEqual(result.alreadyPresent, ['adapter_config.json', 'adapter_model.safetensors']);
    assert.equal(server.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/blobs/')).length, 0);
    assert.equal(server.requests.filter((r) => r.method === 'HEAD').length, 2);
    assert.ok(server.modelNames().includes('acme-coder:v2'));
  });

  it('after a failed upload, a re-run uploads only the blob that is still missing', async () => {
    const wDigest = sha256(fx.weights);
    const cDigest = sha256(fx.config);
    // The weights' path fails twice: its HEAD (not trusted, so upload anyway) and its POST.
    server.faults.httpError = { status: 500, error: 'write /root/.ollama/models/blobs/tmp: no space left on device', paths: [blobPath(wDigest)], times: 2 };
    const err = await expectHouseError(() => registerHouseModel(request(), options({ retry: NO_RETRY })), 'upload', /adapter_model\.safetensors.*no space left on device.*Run the registration again/);
    assert.match(err.message, /not sent again/);
    assert.ok(server.hasBlob(cDigest), 'the config made it');
    assert.ok(!server.hasBlob(wDigest), 'the weights did not');
    assert.equal(server.requestsTo('/api/create').length, 0, 'no create after a failed upload');

    await registerHouseModel(request(), options({ retry: NO_RETRY }));
    assert.equal(blobRequests('POST', cDigest).length, 1, 'the config was uploaded once, in the first run');
    assert.equal(blobRequests('POST', wDigest).filter((r) => r.status === 201).length, 1);
    assert.ok(server.hasBlob(wDigest));
    assert.equal(server.requestsTo('/api/create').length, 1);
  });

  it('retries a failed upload within the run', async () => {
    const wDigest = sha256(fx.weights);
    server.faults.httpError = { status: 500, error: 'busy', paths: [blobPath(wDigest)], times: 2 };
    const events: RegisterProgress[] = [];
    const result = await registerHouseModel(request(), options({ onProgress: (e) => events.push(e) }));
    assert.deepEqual(
      blobRequests('POST', wDigest).map((r) => r.status),
      [500, 201],
    );
    assert.ok(events.some((e) => e.step === 'retry' && e.file === 'adapter_model.safetensors'));
    assert.ok(result.uploaded.includes('adapter_model.safetensors'));
  });

  it('retries a HEAD that met a busy Ollama (503)', async () => {
    const cDigest = sha256(fx.config);
    server.faults.httpError = { status: 503, error: 'busy', paths: [blobPath(cDigest)], times: 1 };
    assert.equal(await blobExists({ host: server.url, timeoutMs: TIMEOUT_MS, retry: FAST_RETRY }, cDigest), false);
    assert.deepEqual(
      blobRequests('HEAD', cDigest).map((r) => r.status),
      [503, 404],
    );
  });

  it('a digest mismatch is an error that names the cause, not retried', async () => {
    const wrong = sha256('something else');
    const file = { name: 'adapter_model.safetensors', path: join(fx.dir, 'adapter_model.safetensors'), size: fx.weights.length, digest: wrong };
    await expectHouseError(() => uploadBlob({ host: server.url, timeoutMs: TIMEOUT_MS, retry: FAST_RETRY }, file), 'upload', /digest mismatch/);
    assert.equal(blobRequests('POST', wrong).length, 1);
    assert.ok(!server.hasBlob(wrong));
  });

  it('a file that changed after hashing is caught before the upload', async () => {
    const file = { name: 'adapter_model.safetensors', path: join(fx.dir, 'adapter_model.safetensors'), size: fx.weights.length, digest: sha256(fx.weights) };
    await writeFile(file.path, weights(1000, 9));
    await expectHouseError(() => uploadBlob({ host: server.url, timeoutMs: TIMEOUT_MS, retry: FAST_RETRY }, file), 'upload', /changed after it was hashed/);
  });

  it('a proxy that refuses large uploads (413) is named, with the fix', async () => {
    await server.close();
    server = await OllamaTestServer.start({ models: houseModels(), maxBodyBytes: 100_000 });
    await expectHouseError(() => registerHouseModel(request(), options()), 'upload', /too large.*client_max_body_size/);
  });

  it('reports a missing base model with `ollama pull`', async () => {
    server.faults.missingModel = BASE;
    const err = await expectHouseError(() => registerHouseModel(request(), options()), 'base-missing', /ollama pull qwen2\.5-coder:1\.5b-base/);
    assert.match(err.message, /Pulled models of that name: qwen2\.5-coder:1\.5b, qwen2\.5-coder:7b/);
    assert.equal(server.requests.filter((r) => r.path.startsWith('/api/blobs/')).length, 0, 'nothing uploaded for nothing');
  });

  it('refuses a base of another family, naming both, unless forced', async () => {
    await expectHouseError(() => registerHouseModel(request({ base: 'llama3.2:3b' }), options()), 'base-mismatch', /Qwen\/Qwen2\.5-Coder-1\.5B \(a qwen2 model\), but llama3\.2:3b is a llama model/);
    const events: RegisterProgress[] = [];
    const result = await registerHouseModel(request({ base: 'llama3.2:3b', allowBaseMismatch: true }), options({ onProgress: (e) => events.push(e) }));
    assert.ok(result.warnings.some((w) => /Registering anyway/.test(w)));
    assert.ok(events.some((e) => e.step === 'warning'));
  });

  it('refuses a base of the same family but another size', async () => {
    await expectHouseError(() => registerHouseModel(request({ base: 'qwen2.5-coder:7b' }), options()), 'base-mismatch', /1\.5B parameters\), but qwen2\.5-coder:7b has 7\.6B/);
  });

  it('names the fix for a missing adapter folder, an empty one, and one without adapter_config.json', async () => {
    await expectHouseError(() => registerHouseModel(request({ adapter: join(fx.root, 'nope') }), options()), 'adapter-missing', /does not exist.*adapter_model\.safetensors and adapter_config\.json/);
    const empty = join(fx.root, 'empty');
    await import('node:fs/promises').then((fs) => fs.mkdir(empty));
    await expectHouseError(() => registerHouseModel(request({ adapter: empty }), options()), 'adapter-missing', /is empty\. Run the LoRA training first/);
    const noConfig = await makeAdapter({ config: null });
    try {
      await expectHouseError(() => registerHouseModel(request({ adapter: noConfig.dir }), options()), 'adapter-invalid', /no adapter_config\.json.*Copy adapter_config\.json/);
    } finally {
      await noConfig.cleanup();
    }
    assert.equal(server.requests.length, 0, 'bad input never reaches Ollama');
  });

  it('refuses a name that would replace the base, or that Ollama would not accept', async () => {
    await expectHouseError(() => registerHouseModel(request({ name: 'Qwen2.5-Coder:1.5B-Base' }), options()), 'bad-name', /replace its base model/);
    await expectHouseError(() => registerHouseModel(request({ name: 'my model' }), options()), 'bad-name', /not a model name Ollama accepts/);
  });

  it('says how to start Ollama when it is unreachable', async () => {
    await server.refuseConnections();
    try {
      await registerHouseModel(request(), options({ retry: NO_RETRY }));
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof OllamaError, String(err));
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /ollama serve/);
    }
  });

  it('an error line from the create names the fix', async () => {
    server.faults.errorLineAfterChunks = { after: 1, error: 'unsupported architecture' };
    await expectHouseError(() => registerHouseModel(request(), options()), 'create', /unsupported architecture.*convert_lora_to_gguf\.py/);
  });

  it('a create stream that stops short is an error, not a success', async () => {
    server.faults.endStreamAfterChunks = 1;
    await expectHouseError(() => registerHouseModel(request(), options()), 'create', /stopped before it finished/);
  });

  it('registers a GGUF adapter, and writes the Modelfile next to it when asked', async () => {
    const gguf = Buffer.concat([Buffer.from('GGUF'), weights(5000, 3)]);
    const ggufDir = join(fx.root, 'gguf');
    await import('node:fs/promises').then((fs) => fs.mkdir(ggufDir));
    await writeFile(join(ggufDir, 'house-lora.gguf'), gguf);
    const result = await registerHouseModel(request({ adapter: ggufDir, writeModelfile: true }), options());
    assert.equal(result.format, 'gguf');
    assert.deepEqual(server.lastRequest('/api/create')?.body.adapters, { 'house-lora.gguf': sha256(gguf) });
    assert.equal(result.modelfilePath, join(ggufDir, 'Modelfile'));
    const written = await readFile(join(ggufDir, 'Modelfile'), 'utf8');
    assert.equal(written, result.modelfile);
    assert.match(written, /^ADAPTER \.\/house-lora\.gguf$/m);
    assert.ok(result.warnings.some((w) => /does not say which model it was trained on/.test(w)));
  });

  it('writes `ADAPTER .` for a safetensors folder', async () => {
    const result = await registerHouseModel(request({ writeModelfile: true }), options());
    assert.match(await readFile(join(fx.dir, 'Modelfile'), 'utf8'), /^ADAPTER \.$/m);
    assert.equal(result.modelfilePath, join(fx.dir, 'Modelfile'));
  });

  it('rejects a .gguf that is not GGUF', async () => {
    const bad = join(fx.root, 'bad.gguf');
    await writeFile(bad, 'not gguf at all');
    await expectHouseError(() => registerHouseModel(request({ adapter: bad }), options()), 'adapter-invalid', /not a GGUF file/);
  });

  it('stops on cancel', async () => {
    const controller = new AbortController();
    const events: RegisterProgress[] = [];
    const run = registerHouseModel(request(), options({
      signal: controller.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.step === 'hash') controller.abort();
      },
    }));
    await assert.rejects(run, (err: unknown) => err instanceof OllamaError && err.kind === 'cancelled');
    assert.equal(server.requestsTo('/api/create').length, 0);
  });
});
