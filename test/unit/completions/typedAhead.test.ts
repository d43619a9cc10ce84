import { strict as assert } from 'node:assert';
import { remainderAfter, typedAheadRemainder, typedSince } from '../../../src/engine/completion/typedAhead';

const gen = { file: '/w/a.ts', model: 'm', before: 'function add(a, b) {\n  ', after: '\n}\n' };
const suggestion = 'return a + b;';

describe('typed-ahead reuse', () => {
  it('serves the rest of a suggestion the user is typing', () => {
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, before: gen.before + 'ret' }), 'urn a + b;');
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, before: gen.before + 'return a ' }), '+ b;');
  });

  it('serves all of it at the same spot', () => {
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen }), suggestion);
  });

  it('serves nothing once the user typed something else, or all of it', () => {
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, before: gen.before + 'rex' }), undefined);
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, before: gen.before + suggestion }), undefined);
  });

  it('serves nothing when the document changed other than at the cursor', () => {
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, after: '\n}\n// x' }), undefined);
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, before: 'function sum(a, b) {\n  r' }), undefined);
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, before: gen.before.slice(0, -1) }), undefined, 'deleted a character');
  });

  it('serves nothing for another file or model', () => {
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, file: '/w/b.ts', before: gen.before + 'r' }), undefined);
    assert.equal(typedAheadRemainder(gen, suggestion, { ...gen, model: 'n', before: gen.before + 'r' }), undefined);
  });

  it('reports what was typed since a spot', () => {
    assert.equal(typedSince(gen, { ...gen, before: gen.before + 'ab' }), 'ab');
    assert.equal(typedSince(gen, gen), '');
    assert.equal(typedSince(gen, { ...gen, after: '' }), undefined);
    assert.equal(remainderAfter('abc', ''), 'abc');
    assert.equal(remainderAfter('', ''), undefined);
  });
});
