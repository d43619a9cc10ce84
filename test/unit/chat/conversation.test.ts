import * as assert from 'node:assert/strict';
import { historyFor, restoreConversation, splitSources, trimTurns, turnView, type StoredTurn } from '../../../src/extension/chat/conversation';

function turn(id: string, question: string, answer: string, extra: Partial<StoredTurn> = {}): StoredTurn {
  return { id, surface: 'chat', question, answer, status: 'done', citations: [], rules: [], notes: [], context: [], targets: [], language: '', ...extra };
}

describe('chat conversation', () => {
  describe('trimTurns', () => {
    it('keeps everything under the bounds', () => {
      const turns = [turn('a', 'q', 'a'), turn('b', 'q', 'b')];
      assert.deepEqual(trimTurns(turns, 10, 1000), turns);
    });

    it('drops the oldest turns beyond the turn limit', () => {
      const turns = Array.from({ length: 60 }, (_, i) => turn(`t${i}`, 'q', 'a'));
      const kept = trimTurns(turns, 50, 1_000_000);
      assert.equal(kept.length, 50);
      assert.equal(kept[0].id, 't10');
      assert.equal(kept[49].id, 't59');
    });

    it('drops the oldest turns beyond the size limit', () => {
      const turns = [turn('a', 'q', 'x'.repeat(500)), turn('b', 'q', 'x'.repeat(500)), turn('c', 'q', 'x'.repeat(500))];
      assert.deepEqual(trimTurns(turns, 50, 1100).map((t) => t.id), ['b', 'c']);
    });

    it('keeps the newest turn even when it alone is too big, cut and noted', () => {
      const kept = trimTurns([turn('a', 'q', 'old'), turn('b', 'qq', 'x'.repeat(5000))], 50, 1000);
      assert.equal(kept.length, 1);
      assert.equal(kept[0].id, 'b');
      assert.equal(kept[0].answer.length, 998);
      assert.match(kept[0].notes.at(-1) ?? '', /cut/);
    });

    it('counts corrections in the size', () => {
      const turns = [turn('a', 'q', 'x'.repeat(400), { correctedText: 'y'.repeat(400) }), turn('b', 'q', 'x'.repeat(400))];
      assert.deepEqual(trimTurns(turns, 50, 1000).map((t) => t.id), ['b']);
    });
  });

  describe('restoreConversation', () => {
    it('survives anything stored', () => {
      for (const raw of [undefined, null, 1, 'x', {}, { turns: 'no' }, { turns: [null, 1, { id: 2 }] }]) {
        assert.deepEqual(restoreConversation(raw).turns, []);
      }
    });

    it('marks a turn that was streaming as stopped and fills defaults', () => {
      const c = restoreConversation({ version: 1, turns: [{ id: 't', question: 'q', answer: 'partial', status: 'streaming', rating: 'meh' }] });
      assert.equal(c.turns[0].status, 'stopped');
      assert.equal(c.turns[0].rating, undefined);
      assert.deepEqual(c.turns[0].citations, []);
      assert.equal(c.turns[0].surface, 'chat');
    });
  });

  describe('historyFor', () => {
    it('passes earlier answered turns, oldest first, corrections instead of answers', () => {
      const turns = [
        turn('a', 'q1', 'a1'),
        turn('b', 'q2', 'failed', { status: 'error' }),
        turn('c', 'q3', 'a3', { correctedText: 'fixed3' }),
        turn('d', 'q4', '', { status: 'stopped' }),
        turn('e', 'q5', '', { status: 'streaming' }),
      ];
      assert.deepEqual(historyFor(turns, 'e'), [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q3' },
        { role: 'assistant', content: 'fixed3' },
      ]);
    });

    it('keeps only the last few turns', () => {
      const turns = Array.from({ length: 20 }, (_, i) => turn(`t${i}`, `q${i}`, `a${i}`));
      const h = historyFor(turns, undefined, 3);
      assert.equal(h.length, 6);
      assert.equal(h[0].content, 'q17');
    });
  });

  it('the view never sees absolute paths or chunk ids', () => {
    const { citations, rules, targets } = splitSources({
      citations: [{ n: 1, fileKey: '/abs/lib/x.ts', path: 'x.ts', startLine: 1, endLine: 3, source: 'lib', symbol: 'f', id: 'chunk-1' }],
      rules: [{ id: 'errors', title: 'Errors', severity: 'must', source: 'workspace', path: '.inhouse/conventions/e.md' }],
    });
    assert.deepEqual(targets, [{ n: 1, fileKey: '/abs/lib/x.ts', startLine: 1, endLine: 3, id: 'chunk-1' }]);
    const view = turnView(turn('a', 'q', 'a', { citations, rules, targets, promptId: 'p', correctedText: 'c' }));
    const json = JSON.stringify(view);
    assert.ok(!json.includes('/abs/lib'));
    assert.ok(!json.includes('chunk-1'));
    assert.equal(view.answer, 'c');
  });
});
