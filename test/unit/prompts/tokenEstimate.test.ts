import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  estimateTokens,
  tokenCoefficients,
  TOKENIZER_FAMILIES,
  tokenizerFamily,
  type TokenizerFamily,
} from '../../../src/engine/prompts/tokenEstimate';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** Real counts, measured with the tokenizers named in tokenEstimate.ts (see the fixture's `about`). */
const SAMPLES: { about: string; samples: { name: string; text: string; tokens: Record<string, number> }[] } = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'prompts', 'tokenSamples.json'), 'utf8'),
);

describe('estimateTokens', () => {
  for (const sample of SAMPLES.samples) {
    for (const [family, real] of Object.entries(sample.tokens)) {
      it(`${sample.name} for ${family} is within 25% of the real ${real} tokens`, () => {
        const estimate = estimateTokens(sample.text, family as TokenizerFamily);
        const error = (estimate - real) / real;
        assert.ok(Math.abs(error) <= 0.25, `estimated ${estimate}, real ${real} (${(error * 100).toFixed(1)}%)`);
      });
    }
  }

  it('differs by family the way the tokenizers do', () => {
    const code = SAMPLES.samples.find((s) => s.name === 'typescript-function')!.text;
    // A 32k SentencePiece vocabulary needs more tokens than the 150k Qwen one.
    assert.ok(estimateTokens(code, 'llama2') > estimateTokens(code, 'qwen'));
    // Qwen spells numbers digit by digit, Llama 3 in groups of three.
    assert.ok(estimateTokens('x = 1234567890 + 9876543210', 'qwen') > estimateTokens('x = 1234567890 + 9876543210', 'llama'));
    const distinct = new Set(TOKENIZER_FAMILIES.map((f) => estimateTokens(code, f)));
    assert.ok(distinct.size >= 4, `only ${distinct.size} distinct estimates`);
  });

  it('never estimates below a known family for an unknown model', () => {
    for (const s of SAMPLES.samples) {
      for (const f of TOKENIZER_FAMILIES) assert.ok(estimateTokens(s.text, 'unknown') >= estimateTokens(s.text, f), `${s.name} ${f}`);
    }
    const unknown = tokenCoefficients('unknown');
    for (const f of TOKENIZER_FAMILIES) tokenCoefficients(f).forEach((c, i) => assert.ok(unknown[i] >= c));
  });

  it('is monotonic in length and sane on edge cases', () => {
    assert.equal(estimateTokens('', 'qwen'), 0);
    assert.equal(estimateTokens('a', 'qwen'), 1);
    let previous = 0;
    for (let n = 1; n <= 64; n *= 2) {
      const t = estimateTokens('const total = addCents(sum, price);\n'.repeat(n), 'qwen');
      assert.ok(t > previous);
      previous = t;
    }
    // English prose is about four characters a token in these vocabularies.
    const prose = 'The service re-indexes the workspace after every commit and writes the results to a local database. '.repeat(10);
    const ratio = prose.length / estimateTokens(prose, 'qwen');
    assert.ok(ratio > 3.5 && ratio < 6, `ratio ${ratio}`);
    // Indentation runs are one token, not one per space, in a 150k BPE vocabulary.
    assert.ok(estimateTokens('                x', 'qwen') <= 3);
    // Surrogate pairs count once.
    assert.equal(estimateTokens('🙂', 'qwen'), estimateTokens('你', 'qwen'));
  });

  it('is nearly additive, so sums of parts bound the whole', () => {
    const parts = SAMPLES.samples.map((s) => s.text);
    const whole = estimateTokens(parts.join(''), 'qwen');
    const sum = parts.reduce((a, p) => a + estimateTokens(p, 'qwen'), 0);
    assert.ok(whole <= sum, `${whole} > ${sum}`);
    assert.ok(whole >= sum - parts.length, `${whole} << ${sum}`);
  });

  it('is fast enough for every keystroke', () => {
    const text = readFileSync(join(REPO_ROOT, 'src', 'engine', 'retrieval', 'completionContext.ts'), 'utf8');
    const start = process.hrtime.bigint();
    let chars = 0;
    while (chars < 5_000_000) {
      estimateTokens(text, 'qwen');
      chars += text.length;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // Generous: a prompt's worth (8k characters) should take well under a millisecond.
    assert.ok(ms < 2000, `${ms} ms for 5M characters`);
  });

  it('maps Ollama model names to families', () => {
    assert.equal(tokenizerFamily('qwen2.5-coder:1.5b-base'), 'qwen');
    assert.equal(tokenizerFamily('hf.co/bartowski/Qwen2.5-Coder-7B-GGUF:Q4_K_M'), 'qwen');
    assert.equal(tokenizerFamily('llama3.1:8b'), 'llama');
    assert.equal(tokenizerFamily('codellama:7b-code'), 'llama2');
    assert.equal(tokenizerFamily('deepseek-coder-v2:16b'), 'deepseek');
    assert.equal(tokenizerFamily('starcoder2:3b'), 'starcoder');
    assert.equal(tokenizerFamily('codestral:22b'), 'codestral');
    assert.equal(tokenizerFamily('mistral:7b'), 'mistral');
    assert.equal(tokenizerFamily('acme-house:latest'), 'unknown');
  });
});
