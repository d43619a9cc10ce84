import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAdapterFolder } from '../../../src/engine/houseModel/adapterFolder';
import { billionsIn, checkBaseFit, familiesForHfName } from '../../../src/engine/houseModel/baseModelFit';
import { sha256File } from '../../../src/engine/houseModel/fileDigest';
import { houseSystemPrompt } from '../../../src/engine/houseModel/houseSystemPrompt';
import { renderModelfile } from '../../../src/engine/houseModel/modelfile';
import { houseModelfile } from '../../../src/engine/houseModel/registerHouseModel';
import type { PromptRule } from '../../../src/engine/prompts/promptTypes';
import { parseParameters } from '../../../src/cli/modelCommand';
import { expectHouseError, makeAdapter, sha256 } from './houseModelKit';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'houseModel');

const rule = (id: string, severity: PromptRule['severity'], title: string, text: string): PromptRule => ({ id, severity, title, text, source: 'workspace', path: `.inhouse/conventions/${id}.md` });

const RULES: PromptRule[] = [
  rule('naming/files', 'should', 'camelCase file names', '## camelCase file names\nFiles are named in camelCase, one concept per file. No utils.ts.'),
  rule('errors-name-the-fix', 'must', 'Errors name the fix', 'Every error message says what the user should do next, naming the setting or command. Like `ollama serve`.'),
  rule('py/docstrings', 'may', 'Docstrings', 'Use """triple""" quoted docstrings in user_facing modules.'),
  rule('no-engine-vscode', 'must', 'The engine never imports vscode', '```ts\nimport * as vscode from "vscode"; // never in src/engine\n```\nThe engine never imports `vscode`; the extension adapts it.'),
];

describe('houseModel parts', () => {
  describe('renderModelfile', () => {
    const spec = {
      comments: ['The InHouse house model acme-coder: the LoRA adapter on qwen2.5-coder:1.5b-base.', 'Create it with: ollama create acme-coder -f Modelfile'],
      from: 'qwen2.5-coder:1.5b-base',
      adapters: ['.'],
      parameters: { num_ctx: 8192, temperature: 0.2, stop: ['<|im_end|>', '<|endoftext|>'], repeat_penalty: 1.1 },
      system: houseSystemPrompt(RULES, { organization: 'Acme' }),
    };

    it('matches the golden Modelfile', () => {
      const text = renderModelfile(spec);
      const golden = join(FIXTURES, 'golden.Modelfile');
      if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
      assert.equal(text, readFileSync(golden, 'utf8'));
    });

    it('quotes what needs quoting and never writes """ inside a triple-quoted value', () => {
      const text = renderModelfile({
        from: '/models/my base.gguf',
        parameters: { stop: [' User:', 'plain'], seed: 42 },
        template: '{{ .System }} """ {{ .Prompt }}',
        messages: [{ role: 'user', content: 'say "hi"' }],
      });
      assert.equal(
        text,
        [
          'FROM /models/my base.gguf',
          'PARAMETER stop " User:"',
          'PARAMETER stop plain',
          'PARAMETER seed 42',
          `TEMPLATE """{{ .System }} ''' {{ .Prompt }}"""`,
          'MESSAGE user """say "hi""""',
          '',
        ].join('\n'),
      );
    });

    it('points ADAPTER relative to where the Modelfile is written, absolute otherwise', () => {
      const body = { model: 'acme', from: 'b', adapters: {}, stream: true as const };
      assert.match(houseModelfile(body, { modelfileTarget: '/x/adapter' }, '/x/adapter/Modelfile'), /^ADAPTER \.$/m);
      assert.match(houseModelfile(body, { modelfileTarget: '/x/adapter/a.gguf' }, '/x/adapter/Modelfile'), /^ADAPTER \.\/a\.gguf$/m);
      assert.match(houseModelfile(body, { modelfileTarget: '/x/adapter' }, '/x/Modelfile'), /^ADAPTER \.\/adapter$/m);
      assert.match(houseModelfile(body, { modelfileTarget: '/x/adapter' }), /^ADAPTER \/x\/adapter$/m);
    });
  });

  describe('houseSystemPrompt', () => {
    it('puts the identity first, then the most binding rules condensed to one line each', () => {
      const text = houseSystemPrompt(RULES, { organization: 'Acme' });
      const lines = text.split('\n');
      assert.match(lines[0], /^You are InHouse, Acme's coding assistant\./);
      const ruleLines = lines.filter((l) => l.startsWith('- ['));
      assert.deepEqual(
        ruleLines.map((l) => /^- \[([^\]]+)\] \((\w+)\)/.exec(l)?.slice(1).join(' ')),
        ['errors-name-the-fix must', 'no-engine-vscode must', 'naming/files should', 'py/docstrings may'],
      );
      assert.equal(ruleLines[0], '- [errors-name-the-fix] (must) Errors name the fix: Every error message says what the user should do next, naming the setting or command.');
      assert.equal(ruleLines[1], '- [no-engine-vscode] (must) The engine never imports vscode: The engine never imports `vscode`; the extension adapts it.');
      assert.equal(ruleLines[2], '- [naming/files] (should) camelCase file names: Files are named in camelCase, one concept per file.');
      assert.ok(!text.includes('"""'), 'no triple quote survives');
      assert.ok(text.includes("'''triple'''") && text.includes('user_facing'), text);
    });

    it('keeps within its bounds and says how many rules were left out', () => {
      const many = Array.from({ length: 30 }, (_, i) => rule(`r${i}`, i % 2 ? 'should' : 'must', `Rule ${i}`, `Rule ${i} text is here.`));
      const text = houseSystemPrompt(many, { maxRules: 5 });
      assert.equal(text.split('\n').filter((l) => l.startsWith('- [')).length, 5);
      assert.match(text, /\(25 more conventions apply;/);
      assert.ok(houseSystemPrompt(many, { maxChars: 600 }).length <= 700);
      assert.doesNotMatch(houseSystemPrompt([]), /House conventions/);
    });
  });

  describe('checkBaseFit', () => {
    it('knows the common families and sizes', () => {
      assert.deepEqual(familiesForHfName('Qwen/Qwen2.5-Coder-1.5B'), ['qwen2']);
      assert.deepEqual(familiesForHfName('meta-llama/Llama-3.2-3B-Instruct'), ['llama']);
      assert.deepEqual(familiesForHfName('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'), ['qwen2']);
      assert.equal(familiesForHfName('acme/secret-model'), undefined);
      assert.equal(billionsIn('Qwen/Qwen2.5-Coder-1.5B'), 1.5);
      assert.equal(billionsIn('qwen2.5-coder:7b'), 7);
      assert.equal(billionsIn('7.6B'), 7.6);
      assert.equal(billionsIn('Qwen3-30B-A3B'), 30);
      assert.equal(billionsIn('nomic-embed-text'), undefined);
    });

    it('passes a fitting base, refuses another family or size, warns when it cannot tell', () => {
      const qwen15 = { family: 'qwen2', families: ['qwen2'], parameterSize: '1.5B' };
      assert.deepEqual(checkBaseFit('Qwen/Qwen2.5-Coder-1.5B', 'qwen2.5-coder:1.5b-base', qwen15), { warnings: [] });
      assert.match(checkBaseFit('meta-llama/Llama-3.2-1B', 'qwen2.5-coder:1.5b-base', qwen15).mismatch ?? '', /a llama model\), but qwen2\.5-coder:1\.5b-base is a qwen2 model/);
      assert.match(checkBaseFit('Qwen/Qwen2.5-Coder-7B', 'qwen2.5-coder:1.5b-base', qwen15).mismatch ?? '', /7B parameters/);
      const unknown = checkBaseFit('acme/secret-model', 'qwen2.5-coder:1.5b-base', qwen15);
      assert.equal(unknown.mismatch, undefined);
      assert.match(unknown.warnings[0], /does not know the architecture of acme\/secret-model/);
      assert.match(checkBaseFit('', 'x', qwen15).warnings[0], /does not say which model/);
    });
  });

  describe('readAdapterFolder', () => {
    it('takes the safetensors and the config, sorted, and lists what it ignores', async () => {
      const fx = await makeAdapter({ extra: { 'training_args.bin': 'x', 'tokenizer.json': '{}' } });
      try {
        const a = await readAdapterFolder(fx.dir);
        assert.equal(a.format, 'safetensors');
        assert.deepEqual(a.files.map((f) => f.name), ['adapter_config.json', 'adapter_model.safetensors']);
        assert.deepEqual(a.ignored, ['README.md', 'tokenizer.json', 'training_args.bin']);
        assert.deepEqual(a.config, { baseModel: 'Qwen/Qwen2.5-Coder-1.5B', peftType: 'LORA', rank: 16, alpha: 32 });
        assert.equal(await sha256File(join(fx.dir, 'adapter_model.safetensors')), sha256(fx.weights));
      } finally {
        await fx.cleanup();
      }
    });

    it('names a Git LFS pointer, a full model, and a broken config', async () => {
      const lfs = await makeAdapter({ extra: { 'adapter_model.safetensors': 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n' } });
      const full = await makeAdapter({ config: null, extra: { 'config.json': '{}', 'model.safetensors': 'weights' } });
      const broken = await makeAdapter({ extra: { 'adapter_config.json': '{ not json' } });
      try {
        await expectHouseError(() => readAdapterFolder(lfs.dir), 'adapter-invalid', /Git LFS pointer.*git lfs pull/);
        await expectHouseError(() => readAdapterFolder(full.dir), 'adapter-invalid', /full model .*not a LoRA adapter/);
        await expectHouseError(() => readAdapterFolder(broken.dir), 'adapter-invalid', /not valid JSON/);
      } finally {
        await Promise.all([lfs.cleanup(), full.cleanup(), broken.cleanup()]);
      }
    });
  });

  describe('parseParameters (--parameter)', () => {
    it('types numbers and booleans, and makes repeats (and stop) a list', () => {
      assert.deepEqual(parseParameters(['num_ctx=4096', 'temperature=0.1', 'stop=<|im_end|>', 'stop=</s>', 'use_mmap=false']), {
        num_ctx: 4096,
        temperature: 0.1,
        stop: ['<|im_end|>', '</s>'],
        use_mmap: false,
      });
      assert.throws(() => parseParameters(['num_ctx']), /KEY=VALUE/);
    });
  });
});
