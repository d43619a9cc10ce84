import { strict as assert } from 'node:assert';
import { packParts, type PromptPart } from '../../../src/engine/prompts/budgetPacker';
import { estimateTokens } from '../../../src/engine/prompts/tokenEstimate';
import { numberedLines } from './promptFixtures';

const words = (n: number, word = 'alpha') => Array.from({ length: n }, () => word).join(' ');

describe('packParts', () => {
  it('keeps everything, in the given order, when it fits', () => {
    const parts: PromptPart[] = [
      { id: 'low', priority: 1, text: 'low ' },
      { id: 'high', priority: 9, text: 'high ' },
      { id: 'mid', priority: 5, text: 'mid' },
    ];
    const r = packParts(parts, 100, 'qwen');
    assert.deepEqual(r.parts.map((p) => p.id), ['low', 'high', 'mid']);
    assert.deepEqual(r.dropped, []);
    assert.equal(r.tokens, r.parts.reduce((a, p) => a + p.tokens, 0));
  });

  it('drops the lowest priority first and reports it, whatever the order given', () => {
    const parts: PromptPart[] = [
      { id: 'c', priority: 1, text: words(40) },
      { id: 'a', priority: 3, text: words(40) },
      { id: 'b', priority: 2, text: words(40) },
    ];
    const one = estimateTokens(words(40), 'qwen');
    const r = packParts(parts, one * 2 + 1, 'qwen');
    assert.deepEqual(r.parts.map((p) => p.id), ['a', 'b']);
    assert.deepEqual(r.dropped, ['c']);
    const r2 = packParts(parts, one + 1, 'qwen');
    assert.deepEqual(r2.parts.map((p) => p.id), ['a']);
    assert.deepEqual(r2.dropped, ['c', 'b']);
  });

  it('lets a smaller lower-priority part use room a larger one could not', () => {
    const r = packParts(
      [
        { id: 'big', priority: 2, text: words(200) },
        { id: 'small', priority: 1, text: words(5) },
      ],
      50,
      'qwen',
    );
    assert.deepEqual(r.dropped, ['big']);
    assert.deepEqual(r.parts.map((p) => p.id), ['small']);
  });

  it('never exceeds the budget, whatever the parts', () => {
    for (const budget of [0, 1, 7, 50, 333, 1000]) {
      const parts: PromptPart[] = [
        { id: 'a', priority: 5, text: numberedLines(40), truncate: { cut: 'end', by: 'lines', note: (k, t) => `(${t - k} more)` } },
        { id: 'b', priority: 4, text: numberedLines(30), head: 'HEAD\n', tail: '\nTAIL', truncate: { cut: 'start', by: 'chars' } },
        { id: 'c', priority: 3, text: words(100), minimal: 'c in short', overhead: 5 },
        { id: 'd', priority: 6, text: 'x'.repeat(3000), truncate: { cut: 'end', by: 'lines' } },
      ];
      const r = packParts(parts, budget, 'llama2');
      assert.ok(r.tokens <= budget, `budget ${budget}: ${r.tokens}`);
      for (const p of r.parts) assert.ok(estimateTokens(p.text, 'llama2') + (p.id === 'c' ? 5 : 0) <= p.tokens);
    }
  });

  it('cuts a truncatable part by lines from the requested end, with its note, head and tail intact', () => {
    const text = numberedLines(100);
    const keepStart = packParts([{ id: 'p', priority: 1, head: 'H\n', tail: '\nT', text, truncate: { cut: 'end', by: 'lines', note: (k, t) => `kept ${k}/${t}` } }], 200, 'qwen');
    const p = keepStart.parts[0];
    assert.equal(p.outcome, 'truncated');
    assert.ok(p.keptLines > 0 && p.keptLines < 100);
    assert.ok(p.text.startsWith('H\nconst line1 = '));
    assert.ok(p.text.endsWith(`\nT\nkept ${p.keptLines}/100`));
    assert.deepEqual(keepStart.shrunk.map((s) => s.id), ['p']);

    const keepEnd = packParts([{ id: 'p', priority: 1, text, truncate: { cut: 'start', by: 'lines' } }], 200, 'qwen');
    const q = keepEnd.parts[0];
    assert.ok(q.text.endsWith('const line100 = computeSomething(100); // ' + 'x'.repeat(20)));
    assert.ok(!q.text.includes('const line1 = '));
    assert.ok(q.text.split('\n').every((l) => l.startsWith('const line')), 'whole lines only');
  });

  it('keeps part of a single long line rather than nothing', () => {
    const r = packParts([{ id: 'p', priority: 1, text: 'word '.repeat(500), truncate: { cut: 'end', by: 'lines' } }], 40, 'qwen');
    assert.equal(r.parts.length, 1);
    assert.ok(r.parts[0].text.length > 20 && r.tokens <= 40);
  });

  it('respects a share cap even with room to spare', () => {
    const r = packParts([{ id: 'p', priority: 1, text: numberedLines(100), maxTokens: 100, truncate: { cut: 'end', by: 'lines' } }], 5000, 'qwen');
    assert.ok(r.parts[0].tokens <= 100);
    assert.equal(r.parts[0].outcome, 'truncated');
  });

  it('falls back to the minimal form, and drops stubs below minTokens', () => {
    const r = packParts([{ id: 'rule', priority: 1, text: words(100), minimal: 'rule title' }], 10, 'qwen');
    assert.equal(r.parts[0].outcome, 'minimal');
    assert.equal(r.parts[0].text, 'rule title');
    const s = packParts([{ id: 'p', priority: 1, text: numberedLines(10), truncate: { cut: 'end', by: 'lines', minTokens: 60 } }], 40, 'qwen');
    assert.deepEqual(s.dropped, ['p']);
  });

  it('keeps a chain contiguous: after the first drop, the rest of the chain goes', () => {
    const parts: PromptPart[] = [
      { id: 'old-small', priority: 1, text: 'ok', chain: 'h' },
      { id: 'old-big', priority: 2, text: words(300), chain: 'h' },
      { id: 'new', priority: 3, text: 'latest', chain: 'h' },
    ];
    const r = packParts(parts, 30, 'qwen');
    assert.deepEqual(r.parts.map((p) => p.id), ['new']);
    assert.deepEqual(r.dropped, ['old-small', 'old-big']);
  });

  it('is deterministic: equal priorities go to the part given first', () => {
    const parts: PromptPart[] = [
      { id: 'x', priority: 1, text: words(30) },
      { id: 'y', priority: 1, text: words(30) },
    ];
    const r = packParts(parts, estimateTokens(words(30), 'qwen') + 2, 'qwen');
    assert.deepEqual(r.parts.map((p) => p.id), ['x']);
    assert.deepEqual(packParts(parts, 40, 'qwen'), packParts(parts, 40, 'qwen'));
  });
});
