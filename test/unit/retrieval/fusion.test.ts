import { strict as assert } from 'node:assert';
import { dedupe, fuse, type Ranked } from '../../../src/engine/retrieval/fusion';

/** A chunk in file `f`, lines a–b. */
function r(id: string, fileKey: string, startLine: number, endLine: number, shape = 'whole'): Ranked {
  return { id, fileKey, startLine, endLine, shape };
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('fusion', () => {
  describe('fuse (reciprocal-rank fusion)', () => {
    it('one list: weight / (60 + rank), best first', () => {
      const fused = fuse([{ items: [r('a', 'f', 1, 1), r('b', 'f', 2, 2), r('c', 'f', 3, 3)], weight: 1 }]);
      assert.deepEqual(ids(fused.map((f) => f.item)), ['a', 'b', 'c']);
      assert.deepEqual(
        fused.map((f) => f.score),
        [1 / 61, 1 / 62, 1 / 63],
      );
    });

    it('scores add up across lists, each scaled by its weight', () => {
      const fused = fuse([
        { items: [r('a', 'f', 1, 1), r('b', 'f', 2, 2)], weight: 2 },
        { items: [r('b', 'f', 2, 2), r('c', 'f', 3, 3)], weight: 1 },
      ]);
      const score = Object.fromEntries(fused.map((f) => [f.item.id, f.score]));
      assert.equal(score.a, 2 / 61);
      assert.equal(score.b, 2 / 62 + 1 / 61);
      assert.equal(score.c, 1 / 62);
      // b is second in the heavy list but first in the other: it overtakes a.
      assert.deepEqual(ids(fused.map((f) => f.item)), ['b', 'a', 'c']);
    });

    it('a heavier list wins a rank-for-rank tie', () => {
      const fused = fuse([
        { items: [r('keyword', 'f', 1, 1)], weight: 1 },
        { items: [r('exact', 'g', 1, 1)], weight: 2 },
      ]);
      assert.deepEqual(ids(fused.map((f) => f.item)), ['exact', 'keyword']);
    });

    it('equal scores are ordered by id, whatever the input order', () => {
      const one = fuse([
        { items: [r('zeta', 'f', 1, 1)], weight: 1 },
        { items: [r('alpha', 'f', 2, 2)], weight: 1 },
      ]);
      const other = fuse([
        { items: [r('alpha', 'f', 2, 2)], weight: 1 },
        { items: [r('zeta', 'f', 1, 1)], weight: 1 },
      ]);
      assert.deepEqual(ids(one.map((f) => f.item)), ['alpha', 'zeta']);
      assert.deepEqual(ids(other.map((f) => f.item)), ['alpha', 'zeta']);
    });

    it('keeps the first item object seen for an id, and weight 0 adds nothing', () => {
      const first = r('a', 'f', 1, 5);
      const fused = fuse([
        { items: [first], weight: 1 },
        { items: [r('a', 'f', 1, 5)], weight: 0 },
      ]);
      assert.equal(fused.length, 1);
      assert.equal(fused[0].item, first);
      assert.equal(fused[0].score, 1 / 61);
    });

    it('no lists, or empty lists, fuse to nothing', () => {
      assert.deepEqual(fuse([]), []);
      assert.deepEqual(fuse([{ items: [], weight: 1 }]), []);
    });
  });

  describe('dedupe', () => {
    it('drops a method inside a class already kept, and a class around a method already kept', () => {
      const cls = r('class', 'f', 10, 40);
      const method = r('method', 'f', 20, 25);
      assert.deepEqual(ids(dedupe([cls, method], 10)), ['class']);
      assert.deepEqual(ids(dedupe([method, cls], 10)), ['method']);
    });

    it('an outline never hides a member, nor is hidden by one', () => {
      const outline = r('outline', 'f', 10, 400, 'outline');
      const method = r('method', 'f', 20, 25);
      assert.deepEqual(ids(dedupe([outline, method], 10)), ['outline', 'method']);
      assert.deepEqual(ids(dedupe([method, outline], 10)), ['method', 'outline']);
    });

    it('partial overlap: dropped when more than half of the shorter range is shared', () => {
      const a = r('a', 'f', 1, 10);
      // 6 of b's 10 lines are in a: more than half.
      assert.deepEqual(ids(dedupe([a, r('b', 'f', 5, 14)], 10)), ['a']);
      // Exactly half (5 of 10): kept.
      assert.deepEqual(ids(dedupe([a, r('c', 'f', 6, 15)], 10)), ['a', 'c']);
      // One shared line of a 2-line range is half: kept; of a 1-line range: dropped.
      assert.deepEqual(ids(dedupe([a, r('d', 'f', 10, 11)], 10)), ['a', 'd']);
      assert.deepEqual(ids(dedupe([a, r('e', 'f', 10, 10)], 10)), ['a']);
      // Adjacent ranges share nothing.
      assert.deepEqual(ids(dedupe([a, r('g', 'f', 11, 20)], 10)), ['a', 'g']);
    });

    it('the same lines in different files never overlap', () => {
      assert.deepEqual(ids(dedupe([r('a', 'f', 1, 10), r('b', 'g', 1, 10), r('c', 'h', 2, 3)], 10)), ['a', 'b', 'c']);
    });

    it('identical ranges (parts of the same chunk listed twice) keep the first', () => {
      assert.deepEqual(ids(dedupe([r('first', 'f', 3, 8), r('second', 'f', 3, 8)], 10)), ['first']);
    });

    it('caps each file at perFile, keeping the order of the rest', () => {
      const ranked = [r('f1', 'f', 1, 2), r('g1', 'g', 1, 2), r('f2', 'f', 5, 6), r('f3', 'f', 9, 10), r('g2', 'g', 5, 6), r('f4', 'f', 13, 14)];
      assert.deepEqual(ids(dedupe(ranked, 3)), ['f1', 'g1', 'f2', 'f3', 'g2']);
      assert.deepEqual(ids(dedupe(ranked, 1)), ['f1', 'g1']);
      assert.deepEqual(ids(dedupe(ranked, 0)), []);
    });

    it('an item dropped as an overlap does not use up the file cap', () => {
      const ranked = [r('class', 'f', 1, 30), r('method', 'f', 5, 9), r('other', 'f', 40, 50)];
      assert.deepEqual(ids(dedupe(ranked, 2)), ['class', 'other']);
    });

    it('an overlap is checked against kept items only', () => {
      // b overlaps a (dropped); c overlaps b but not a, so c stays.
      const ranked = [r('a', 'f', 1, 10), r('b', 'f', 8, 12), r('c', 'f', 11, 20)];
      assert.deepEqual(ids(dedupe(ranked, 10)), ['a', 'c']);
    });
  });
});
