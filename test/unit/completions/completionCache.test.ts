import { strict as assert } from 'node:assert';
import { CACHE_AFTER_CHARS, CACHE_BEFORE_CHARS, completionCacheKey, LruCache } from '../../../src/engine/completion/completionCache';

describe('completion cache', () => {
  it('drops the least recently used entry beyond its capacity', () => {
    const cache = new LruCache<string>(2);
    cache.set('a', '1');
    cache.set('b', '2');
    assert.equal(cache.get('a'), '1'); // a is now the newest
    cache.set('c', '3');
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), '1');
    assert.equal(cache.get('c'), '3');
    assert.equal(cache.size, 2);
  });

  it('replaces a value without growing, and clears', () => {
    const cache = new LruCache<number>(3);
    cache.set('a', 1);
    cache.set('a', 2);
    assert.equal(cache.size, 1);
    assert.equal(cache.get('a'), 2);
    assert.ok(cache.delete('a'));
    cache.set('b', 1);
    cache.clear();
    assert.equal(cache.size, 0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new LruCache(0), RangeError);
    assert.throws(() => new LruCache(1.5), RangeError);
  });

  it('keys by file, model and the text windows around the cursor', () => {
    const spot = { file: '/w/a.ts', model: 'm', before: 'const x = ', after: ';\n' };
    const key = completionCacheKey(spot);
    assert.equal(completionCacheKey({ ...spot }), key);
    assert.notEqual(completionCacheKey({ ...spot, file: '/w/b.ts' }), key);
    assert.notEqual(completionCacheKey({ ...spot, model: 'n' }), key);
    assert.notEqual(completionCacheKey({ ...spot, before: 'const y = ' }), key);
    assert.notEqual(completionCacheKey({ ...spot, after: ');\n' }), key);
  });

  it('ignores text beyond the windows', () => {
    const near = 'x'.repeat(CACHE_BEFORE_CHARS);
    const tail = 'y'.repeat(CACHE_AFTER_CHARS);
    const a = completionCacheKey({ file: 'f', model: 'm', before: 'far away A\n' + near, after: tail + 'end A' });
    const b = completionCacheKey({ file: 'f', model: 'm', before: 'B\n' + near, after: tail + 'end B, longer' });
    assert.equal(a, b);
  });
});
