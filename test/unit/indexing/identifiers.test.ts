import { strict as assert } from 'node:assert';
import { stem } from 'porter2';
import { compoundSubwords, splitIdentifiers, subwords } from '../../../src/engine/indexing/identifiers';
import { searchTextOf } from '../../../src/engine/indexing/searchText';
import type { Chunk } from '../../../src/engine/indexing/chunk';

describe('identifiers', () => {
  it('splits camelCase, PascalCase, acronyms, snake_case, SCREAMING_CASE and digits', () => {
    assert.deepEqual(subwords('parseHTTPResponse2'), ['parse', 'http', 'response', '2']);
    assert.deepEqual(subwords('MAX_RETRY_COUNT'), ['max', 'retry', 'count']);
    assert.deepEqual(subwords('get_user_by_id'), ['get', 'user', 'by', 'id']);
    assert.deepEqual(subwords('XMLHttpRequest'), ['xml', 'http', 'request']);
    assert.deepEqual(subwords('$scope'), ['scope']);
  });

  it('keeps each identifier whole and adds its subwords after it', () => {
    assert.equal(splitIdentifiers('getUserById(id)'), 'getUserById get user by id(id)');
    assert.equal(splitIdentifiers('plain words stay'), 'plain words stay');
  });

  it('lists the subwords of each distinct compound identifier once', () => {
    assert.equal(compoundSubwords('a = getUserById(x); b = getUserById(y); load_all()'), 'get user by id load all');
    assert.equal(compoundSubwords('only plain words'), '');
  });

  it('builds search text with the names three times, the signature once and each body word once, without punctuation', () => {
    const chunk: Chunk = {
      kind: 'function', shape: 'whole', name: 'loadUser', qualifiedName: 'repo.loadUser', parent: 'repo',
      startLine: 1, endLine: 3, signature: 'def loadUser(id)', doc: 'Fetch one user.', text: 'def loadUser(id):\n    return db.fetchRow(id)', refs: [],
    };
    const text = searchTextOf(chunk, 'src/repo.py', false);
    assert.equal(text.match(/\bloadUser\b/g)?.length, 3 * 2 + 1 + 1, 'name and qualified name three times, signature and body once');
    assert.equal(text.match(/\bdef\b/g)?.length, 2, 'the signature once, the body once');
    assert.ok(!/[():.]/.test(text), 'no punctuation');
    // The body (path, doc, code, then the subwords of its compound identifiers), each word at
    // its first occurrence, case aside: the second id, user and fetch are dropped. The head
    // before it keeps its copies, so the names weigh more than the body.
    const body = text.slice(text.indexOf('src repo py')).split(' ');
    assert.deepEqual(body, ['src', 'repo', 'py', 'Fetch', 'one', 'user', 'def', 'loadUser', 'id', 'return', 'db', 'fetchRow', 'load', 'row']);
    // What is stored: the same words, stemmed.
    const stored = searchTextOf(chunk, 'src/repo.py');
    assert.deepEqual(stored.split(' '), text.split(' ').map((w) => stem(w.toLowerCase())));
    assert.notEqual(stored, text);
  });
});
