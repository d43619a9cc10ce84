import { strict as assert } from 'node:assert';
import { bestSubstringDistance, measureSurvival, shiftOffset, survivalShare } from '../../../src/engine/feedback/editSurvival';

const inserted = 'return items.filter((item) => item.active).map((item) => item.id);';

describe('edit survival', () => {
  it('finds the closest substring by edit distance', () => {
    assert.equal(bestSubstringDistance('abc', 'xxabcxx'), 0);
    assert.equal(bestSubstringDistance('abc', 'xxabxx'), 1);
    assert.equal(bestSubstringDistance('abc', ''), 3);
    assert.equal(bestSubstringDistance('', 'abc'), 0);
  });

  it('is 1 for untouched text, whitespace changes included', () => {
    const doc = `function ids(items) {\n  ${inserted}\n}\n`;
    assert.equal(measureSurvival(inserted, doc, doc.indexOf('return')), 1);
    const reformatted = doc.replace('.map(', '\n    .map(');
    assert.equal(measureSurvival(inserted, reformatted, doc.indexOf('return')), 1);
  });

  it('is near 0 when the text was deleted', () => {
    const doc = 'function ids(items) {\n  return [];\n}\n';
    assert.ok(measureSurvival(inserted, doc, doc.indexOf('return')) < 0.3);
  });

  it('is partial when part was rewritten', () => {
    const kept = 'return items.filter((item) => item.active)';
    const share = survivalShare(inserted, `  ${kept}.length;\n`);
    assert.ok(share > 0.55 && share < 0.8, `share ${share}`);
  });

  it('is 1 for an insertion that was only whitespace', () => {
    assert.equal(survivalShare('\n  ', 'anything'), 1);
  });

  it('follows the insertion through edits elsewhere', () => {
    assert.equal(shiftOffset(100, [{ offset: 10, removed: 0, inserted: 5 }]), 105);
    assert.equal(shiftOffset(100, [{ offset: 10, removed: 20, inserted: 0 }]), 80);
    assert.equal(shiftOffset(100, [{ offset: 150, removed: 5, inserted: 50 }]), 100);
    assert.equal(shiftOffset(100, [{ offset: 100, removed: 0, inserted: 3 }]), 103, 'typing right before it pushes it');
    assert.equal(shiftOffset(100, [{ offset: 90, removed: 20, inserted: 4 }]), 90, 'a removal over it moves it to the start');
    assert.equal(
      shiftOffset(100, [
        { offset: 10, removed: 0, inserted: 2 },
        { offset: 50, removed: 5, inserted: 0 },
        { offset: 120, removed: 1, inserted: 9 },
      ]),
      97,
      'edits applied together, with offsets before any of them',
    );
  });

  it('measures at the shifted place', () => {
    const header = '// a long header comment that pushes everything down\n'.repeat(20);
    const doc = `${header}function ids(items) {\n  ${inserted}\n}\n`;
    const anchorBefore = doc.indexOf('return') - header.length;
    const anchor = shiftOffset(anchorBefore, [{ offset: 0, removed: 0, inserted: header.length }]);
    assert.equal(measureSurvival(inserted, doc, anchor), 1);
    assert.ok(measureSurvival(inserted, doc, anchorBefore, 16) < 0.5, 'the old place no longer holds it');
  });
});
