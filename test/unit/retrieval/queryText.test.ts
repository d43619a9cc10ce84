import { strict as assert } from 'node:assert';
import { MAX_QUERY_CHARS, parseQuery, QueryError } from '../../../src/engine/retrieval/queryText';

function rejects(raw: string, message: RegExp): void {
  assert.throws(
    () => parseQuery(raw),
    (err: Error) => {
      assert.ok(err instanceof QueryError, `${err.constructor.name}: ${err.message}`);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('parseQuery', () => {
  describe('words for BM25', () => {
    it('keeps identifiers whole and adds their subwords', () => {
      assert.equal(parseQuery('getUserById').words, 'getUserById get user by id');
      assert.equal(parseQuery('MAX_RETRY_COUNT').words, 'MAX_RETRY_COUNT max retry count');
      assert.equal(parseQuery('parseHTTPResponse2').words, 'parseHTTPResponse2 parse http response 2');
    });

    it('drops punctuation the full-text parser would read as syntax', () => {
      assert.equal(parseQuery('"formatName"').words, 'formatName format name');
      assert.equal(parseQuery("' OR 1=1 --").words, 'OR 1 1');
      assert.equal(parseQuery('title:foo^3 bar~2 (a|b)* +c -d').words, 'title foo 3 bar 2 a b c d');
      assert.equal(parseQuery('text\\formatName').words, 'text formatName format name');
      assert.equal(parseQuery('50% off').words, '50 off');
    });

    it('keeps $ and _ (identifier characters) and non-ASCII letters', () => {
      assert.equal(parseQuery('$scope.apply').words, '$scope apply');
      assert.equal(parseQuery('日本語 search').words, '日本語 search');
      assert.equal(parseQuery('  user by id  ').words, 'user by id');
    });
  });

  describe('identifiers for exact symbol lookup', () => {
    it('one identifier is looked up as it is, even a plain word', () => {
      assert.deepEqual(parseQuery('getUserById').identifiers, ['getUserById']);
      assert.deepEqual(parseQuery('user').identifiers, ['user']);
      assert.deepEqual(parseQuery('  user  ').identifiers, ['user']);
    });

    it('in a phrase, plain lower-case words are English and not looked up', () => {
      assert.deepEqual(parseQuery('user by id').identifiers, []);
      assert.deepEqual(parseQuery('where is the invoice total computed').identifiers, []);
    });

    it('in a phrase, code-shaped tokens are looked up', () => {
      assert.deepEqual(parseQuery('who calls getUserById').identifiers, ['getUserById']);
      assert.deepEqual(parseQuery('format_name in legacy').identifiers, ['format_name']);
      assert.deepEqual(parseQuery('UserRepo by id').identifiers, ['UserRepo']);
      // A capitalised word is how sentences start ("Convert the bytes…"), not a symbol name.
      assert.deepEqual(parseQuery('Convert the bytes').identifiers, []);
      assert.deepEqual(parseQuery('MAX_RETRY_COUNT default').identifiers, ['MAX_RETRY_COUNT']);
      assert.deepEqual(parseQuery('$user name').identifiers, ['$user']);
      assert.deepEqual(parseQuery('utf8 decoder').identifiers, ['utf8']);
    });

    it('a dotted or called path without spaces keeps all its parts', () => {
      assert.deepEqual(parseQuery('repo.save').identifiers, ['repo', 'save']);
      assert.deepEqual(parseQuery('UserRepository.getUserById').identifiers, ['UserRepository', 'getUserById']);
      assert.deepEqual(parseQuery('formatName(user)').identifiers, ['formatName', 'user']);
    });

    it('drops one-character tokens and repeats', () => {
      assert.deepEqual(parseQuery('a.b.c').identifiers, []);
      assert.deepEqual(parseQuery('FooBar FooBar x BazQux').identifiers, ['FooBar', 'BazQux']);
    });
  });

  describe('single (prefix lookup)', () => {
    it('is the identifier when the query is one identifier', () => {
      assert.equal(parseQuery('getUserB').single, 'getUserB');
      assert.equal(parseQuery(' get_user_b ').single, 'get_user_b');
    });

    it('is the last part of a dotted or scoped name', () => {
      assert.equal(parseQuery('UserRepository.getUs').single, 'getUs');
      assert.equal(parseQuery('text::format').single, 'format');
      assert.equal(parseQuery('Shop.App.').single, '');
    });

    it('is unset for phrases and punctuated queries', () => {
      assert.equal(parseQuery('user by id').single, undefined);
      assert.equal(parseQuery('"formatName"').single, undefined);
      assert.equal(parseQuery('formatName(').single, undefined);
      assert.equal(parseQuery('2fa').single, undefined);
    });
  });

  describe('errors', () => {
    it('an empty or blank query', () => {
      rejects('', /^The search query is empty\./);
      rejects(' \t\n', /^The search query is empty\./);
    });

    it('a query over the limit names its length and the limit', () => {
      assert.equal(MAX_QUERY_CHARS, 2000);
      rejects('x'.repeat(2001), /^The search query has 2001 characters; the limit is 2000\. Shorten it\.$/);
      // Surrounding blanks do not count.
      assert.equal(parseQuery(`  ${'x'.repeat(2000)}  `).words.length, 2000);
    });

    it('a query with no words', () => {
      for (const q of ['?!', '%', '"\'"', '---', '()[]{}', '\\']) rejects(q, /no words or identifiers/);
    });
  });
});
