import { strict as assert } from 'node:assert';
import { compareVersions, modelInfoFromShow, modelNameKey, sameModelName, versionSupported } from '../../../src/engine/llm/modelInfo';
import { keepAliveValue, NUM_CTX_BUCKET, numCtxFor } from '../../../src/engine/llm/modelOptions';

describe('numCtxFor', () => {
  it('rounds prompt budget + answer length UP to a multiple of 2048', () => {
    assert.equal(NUM_CTX_BUCKET, 2048);
    assert.equal(numCtxFor(2048, 128), 4096);
    assert.equal(numCtxFor(1920, 128), 2048);
    assert.equal(numCtxFor(1921, 128), 4096);
    assert.equal(numCtxFor(8192, 1024), 10240);
    assert.equal(numCtxFor(0, 0), 2048);
  });

  it('is stable: every prompt within the budget gets the same num_ctx (Ollama reloads on a change)', () => {
    const sizes = new Set([10, 500, 2000, 4095].map(() => numCtxFor(4096, 1024)));
    assert.equal(sizes.size, 1);
  });

  it("never exceeds the model's context length", () => {
    assert.equal(numCtxFor(30000, 4096, 32768), 32768);
    assert.equal(numCtxFor(3000, 512, 2048), 2048);
    assert.equal(numCtxFor(2048, 128, 131072), 4096);
    assert.equal(numCtxFor(2048, 128, undefined), 4096);
    assert.equal(numCtxFor(2048, 128, 0), 4096, 'an unknown (0) context length is no cap');
  });
});

describe('keepAliveValue', () => {
  it('passes durations as strings and bare numbers as numbers', () => {
    assert.equal(keepAliveValue('30m'), '30m');
    assert.equal(keepAliveValue(' 1h '), '1h');
    assert.equal(keepAliveValue('90s'), '90s');
    assert.equal(keepAliveValue('0'), 0);
    assert.equal(keepAliveValue('-1'), -1);
    assert.equal(keepAliveValue('300'), 300);
    assert.equal(keepAliveValue(-1), -1);
  });

  it('leaves an unset value to Ollama', () => {
    assert.equal(keepAliveValue(''), undefined);
    assert.equal(keepAliveValue('  '), undefined);
    assert.equal(keepAliveValue(undefined), undefined);
  });
});

describe('model names and versions', () => {
  it('normalises names as Ollama does', () => {
    assert.equal(modelNameKey('Qwen2.5-Coder'), 'registry.ollama.ai/library/qwen2.5-coder:latest');
    assert.equal(modelNameKey('house/coder:v2'), 'registry.ollama.ai/house/coder:v2');
    assert.equal(modelNameKey('my.registry:5000/team/coder:1b'), 'my.registry:5000/team/coder:1b');
    assert.ok(sameModelName('nomic-embed-text', 'NOMIC-EMBED-TEXT:latest'));
    assert.ok(sameModelName('library/llama3.2:3b', 'llama3.2:3b'));
    assert.ok(!sameModelName('qwen2.5-coder', 'qwen2.5-coder:1.5b'));
  });

  it('compares versions by number, a pre-release as its release', () => {
    assert.ok(compareVersions('0.12.0', '0.6.4') > 0, 'numerically, not as text');
    assert.ok(compareVersions('0.6.3', '0.6.4') < 0);
    assert.equal(compareVersions('v0.6.4', '0.6.4'), 0);
    assert.equal(compareVersions('0.6.4-rc1', '0.6.4'), 0);
    assert.ok(compareVersions('1.0', '0.99.99') > 0);
  });

  it('supports 0.6.4 and newer, and 0.0.0 (a build from source)', () => {
    assert.ok(versionSupported('0.6.4'));
    assert.ok(versionSupported('0.12.0'));
    assert.ok(versionSupported('0.0.0'));
    assert.ok(!versionSupported('0.6.3'));
    assert.ok(!versionSupported('0.5.12'));
  });
});

describe('modelInfoFromShow', () => {
  it('reads the context length under general.architecture', () => {
    const info = modelInfoFromShow('m', {
      details: { family: 'qwen2', families: ['qwen2'], parameter_size: '7.6B' },
      model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': 32768 },
      capabilities: ['completion', 'insert'],
      template: 't',
    });
    assert.equal(info.contextLength, 32768);
    assert.equal(info.parameterSize, '7.6B');
    assert.deepEqual(info.capabilities, ['completion', 'insert']);
  });

  it('finds a context length whose key names another architecture than the family', () => {
    const info = modelInfoFromShow('m', { details: { family: 'gemma' }, model_info: { 'general.architecture': 'gemma3', 'gemma3.context_length': 8192 } });
    assert.equal(info.contextLength, 8192);
    assert.deepEqual(info.families, ['gemma']);
  });

  it('without capabilities (an old server), infers them from the template', () => {
    assert.deepEqual(modelInfoFromShow('m', { template: '{{ if .Suffix }}x{{ end }}' }).capabilities, ['completion', 'insert']);
    assert.deepEqual(modelInfoFromShow('m', { template: '{{ .Prompt }}' }).capabilities, ['completion']);
    assert.deepEqual(modelInfoFromShow('m', { model_info: { 'general.architecture': 'bert', 'bert.pooling_type': 1 } }).capabilities, ['embedding']);
  });

  it('tolerates an empty or odd reply', () => {
    const info = modelInfoFromShow('m', null);
    assert.deepEqual(info, { name: 'm', family: '', families: [], capabilities: ['completion'], contextLength: undefined, template: '', parameterSize: '' });
  });
});
