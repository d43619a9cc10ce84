import { strict as assert } from 'node:assert';
import { detectFimFamily, FIM_TEMPLATES, fimTemplateFor, type FimFamily } from '../../../src/engine/llm/fimTemplates';

describe('fimTemplates', () => {
  const cases: [string, string | undefined, FimFamily | undefined][] = [
    ['qwen2.5-coder:1.5b-base', undefined, 'qwen-coder'],
    ['qwen2.5-coder:7b', 'qwen2', 'qwen-coder'],
    ['Qwen3-Coder:30b', undefined, 'qwen-coder'],
    ['house/qwen2.5-coder-lora', undefined, 'qwen-coder'],
    ['hf.co/Qwen/Qwen2.5-Coder-1.5B-GGUF:Q4_K_M', undefined, 'qwen-coder'],
    ['codellama:7b-code', 'llama', 'codellama'],
    ['codellama:13b-code-q4_K_M', undefined, 'codellama'],
    ['deepseek-coder:1.3b-base', 'llama', 'deepseek-coder'],
    ['deepseek-coder-v2:16b', 'deepseek2', 'deepseek-coder'],
    ['starcoder2:3b', 'starcoder2', 'starcoder'],
    ['starcoder:1b', undefined, 'starcoder'],
    ['stable-code:3b', undefined, 'starcoder'],
    ['codeqwen:7b-code', 'qwen2', 'starcoder'],
    ['codestral:22b', 'llama', 'codestral'],
    ['codegemma:2b', 'gemma', 'codegemma'],
    ['acme/autocomplete:v3', 'starcoder2', 'starcoder'],
    ['acme/house-model', 'qwen2', 'qwen-coder'],
    ['llama3.2:3b', 'llama', undefined],
    ['mistral:7b', 'llama', undefined],
    ['nomic-embed-text', 'nomic-bert', undefined],
  ];
  for (const [model, family, expected] of cases) {
    it(`${model}${family ? ` (family ${family})` : ''} → ${expected ?? 'unknown'}`, () => {
      assert.equal(detectFimFamily(model, family), expected);
      assert.equal(fimTemplateFor(model, family ? { family } : {})?.name, expected);
    });
  }

  it('reads the tokens a Modelfile template names when name and family do not say', () => {
    assert.equal(detectFimFamily('acme/x', { family: 'llama', template: '<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>' }), 'codellama');
    assert.equal(detectFimFamily('acme/x', { family: 'llama', template: '<｜fim▁begin｜>{{ .Prompt }}<｜fim▁hole｜>{{ .Suffix }}<｜fim▁end｜>' }), 'deepseek-coder');
    assert.equal(detectFimFamily('acme/x', { family: 'llama', template: '[SUFFIX]{{ .Suffix }}[PREFIX]{{ .Prompt }}' }), 'codestral');
    assert.equal(detectFimFamily('acme/x', { family: 'gemma', template: '<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>' }), 'codegemma');
    assert.equal(detectFimFamily('acme/x', { family: 'llama', template: '{{ .Prompt }}' }), undefined);
  });

  it('builds each layout exactly, with the family order (Codestral: suffix first)', () => {
    const p = 'PRE';
    const s = 'SUF';
    assert.equal(FIM_TEMPLATES['qwen-coder'].build(p, s), '<|fim_prefix|>PRE<|fim_suffix|>SUF<|fim_middle|>');
    assert.equal(FIM_TEMPLATES.codellama.build(p, s), '<PRE> PRE <SUF>SUF <MID>');
    assert.equal(FIM_TEMPLATES['deepseek-coder'].build(p, s), '<\u{FF5C}fim\u{2581}begin\u{FF5C}>PRE<\u{FF5C}fim\u{2581}hole\u{FF5C}>SUF<\u{FF5C}fim\u{2581}end\u{FF5C}>');
    assert.equal(FIM_TEMPLATES.starcoder.build(p, s), '<fim_prefix>PRE<fim_suffix>SUF<fim_middle>');
    assert.equal(FIM_TEMPLATES.codestral.build(p, s), '[SUFFIX]SUF[PREFIX]PRE');
    assert.equal(FIM_TEMPLATES.codegemma.build(p, s), '<|fim_prefix|>PRE<|fim_suffix|>SUF<|fim_middle|>');
  });

  it('stops at the end-of-text token of each family', () => {
    assert.ok(FIM_TEMPLATES['qwen-coder'].stop.includes('<|endoftext|>'));
    for (const t of ['<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>']) assert.ok(FIM_TEMPLATES['qwen-coder'].stop.includes(t), t);
    assert.ok(FIM_TEMPLATES.codellama.stop.includes('<EOT>'));
    assert.ok(FIM_TEMPLATES['deepseek-coder'].stop.includes('<\u{FF5C}end\u{2581}of\u{2581}sentence\u{FF5C}>'));
    assert.ok(FIM_TEMPLATES.starcoder.stop.includes('<|endoftext|>') && FIM_TEMPLATES.starcoder.stop.includes('<file_sep>'));
    assert.ok(FIM_TEMPLATES.codestral.stop.includes('</s>'));
  });

  it('lists every stop and every sentinel of the layout among the special tokens (for stripping leaks)', () => {
    for (const t of Object.values(FIM_TEMPLATES)) {
      for (const stop of t.stop) assert.ok(t.specialTokens.includes(stop), `${t.name}: ${stop}`);
      const built = t.build('', '');
      let rest = built;
      for (const token of [...t.specialTokens].sort((a, b) => b.length - a.length)) rest = rest.split(token).join('');
      assert.equal(rest.trim(), '', `${t.name}: ${built} has a sentinel not in specialTokens`);
    }
  });
});
