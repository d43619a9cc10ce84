import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import type { Engine } from '../../../src/engine/engine';
import type { CrawlRoot } from '../../../src/engine/indexing/crawler';
import { QueryError } from '../../../src/engine/retrieval/queryText';
import type { SearchHit } from '../../../src/engine/retrieval/retriever';
import { DEFAULTS, validateSettings } from '../../../src/engine/settings';
import { makeTmp, newEngine, removeTmp } from '../../support/indexKit';
import { REPO_ROOT, testAssets } from '../../support/testAssets';

/**
 * Search over the per-language fixture repos in test/fixtures/repos: what comes first for a
 * doc-comment phrase, an exact name, split subwords and a name prefix, then the filters,
 * dedupe, odd queries and the CLI's JSON.
 */

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'repos');

/** Copies a fixture repo into `dir` (the index must never land in the source tree). */
function copyRepo(name: string, dir: string): string {
  const root = path.join(dir, name);
  fs.cpSync(path.join(FIXTURES, name), root, { recursive: true });
  return root;
}

interface Top {
  path: string;
  symbol: string;
  kind: string;
  startLine: number;
  endLine: number;
}

const top = (h: SearchHit | undefined) =>
  h && { path: h.path, symbol: h.symbol, kind: h.kind, startLine: h.startLine, endLine: h.endLine };

/** Per language: [query, expected first hit] for each kind of query. */
interface LanguageCase {
  /** Words from a doc comment, none of them in the symbol's name. */
  phrase: [string, Top];
  exact: [string, Top];
  /** camelCase / snake_case subwords. */
  subwords: [string, Top];
  prefix: [string, Top];
  /** More queries for this repo. */
  more?: [string, Top][];
}

const PARCEL = 'parcel weight kilograms';

const CASES: Record<string, LanguageCase> = {
  typescript: (() => {
    const getUserById = { path: 'src/users/userRepository.ts', symbol: 'UserRepository.getUserById', kind: 'method', startLine: 16, endLine: 18 };
    return {
      phrase: [PARCEL, { path: 'src/app.ts', symbol: 'quoteDelivery', kind: 'function', startLine: 5, endLine: 8 }],
      exact: ['getUserById', getUserById],
      subwords: ['user by id', getUserById],
      prefix: ['getUserB', getUserById],
      more: [
        ['UserRepository', { path: 'src/users/userRepository.ts', symbol: 'UserRepository', kind: 'class', startLine: 12, endLine: 37 }],
        // Markdown docs live in this repo: sections are found by their words.
        ['onboarding checklist', { path: 'docs/accounts.md', symbol: 'Customer accounts > Onboarding checklist', kind: 'section', startLine: 5, endLine: 7 }],
        ['confirm email before first order', { path: 'docs/accounts.md', symbol: 'Customer accounts > Onboarding checklist', kind: 'section', startLine: 5, endLine: 7 }],
      ],
    };
  })(),
  tsx: (() => {
    const findUserById = { path: 'src/components/UserTable.tsx', symbol: 'UserTable.findUserById', kind: 'method', startLine: 12, endLine: 14 };
    return {
      phrase: ['initials coloured circle', { path: 'src/components/UserCard.tsx', symbol: 'AvatarBadge', kind: 'function', startLine: 5, endLine: 8 }],
      exact: ['findUserById', findUserById],
      subwords: ['user by id', findUserById],
      prefix: ['findUs', findUserById],
      more: [['ProfileProvider', { path: 'src/session/profile.tsx', symbol: 'ProfileProvider', kind: 'function', startLine: 12, endLine: 14 }]],
    };
  })(),
  javascript: (() => {
    const getUserById = { path: 'lib/userStore.js', symbol: 'UserStore.getUserById', kind: 'method', startLine: 12, endLine: 14 };
    return {
      phrase: [PARCEL, { path: 'lib/app.js', symbol: 'quoteDelivery', kind: 'function', startLine: 7, endLine: 10 }],
      exact: ['getUserById', getUserById],
      subwords: ['user by id', getUserById],
      prefix: ['getUserB', getUserById],
    };
  })(),
  python: (() => {
    const getUser = { path: 'shop/users.py', symbol: 'UserRepository.get_user_by_id', kind: 'method', startLine: 22, endLine: 24 };
    return {
      phrase: [PARCEL, { path: 'shop/app.py', symbol: 'quote_delivery', kind: 'function', startLine: 7, endLine: 10 }],
      exact: ['get_user_by_id', getUser],
      subwords: ['user by id', getUser],
      prefix: ['get_user_b', getUser],
      more: [['getUserById', getUser]],
    };
  })(),
  go: (() => {
    const getUser = { path: 'users/repository.go', symbol: 'users.UserRepository.GetUserByID', kind: 'method', startLine: 20, endLine: 23 };
    return {
      phrase: [PARCEL, { path: 'main.go', symbol: 'main.QuoteDelivery', kind: 'function', startLine: 11, endLine: 17 }],
      exact: ['GetUserByID', getUser],
      subwords: ['user by id', getUser],
      prefix: ['GetUserBy', getUser],
      // Exact lookup falls back to a case-insensitive match.
      more: [['getuserbyid', getUser]],
    };
  })(),
  java: (() => {
    const getUser = {
      path: 'src/main/java/com/acme/shop/users/UserRepository.java',
      symbol: 'com.acme.shop.users.UserRepository.getUserById',
      kind: 'method',
      startLine: 13,
      endLine: 15,
    };
    return {
      phrase: [PARCEL, { path: 'src/main/java/com/acme/shop/App.java', symbol: 'com.acme.shop.App.quoteDelivery', kind: 'method', startLine: 9, endLine: 12 }],
      exact: ['getUserById', getUser],
      subwords: ['user by id', getUser],
      prefix: ['getUserB', getUser],
    };
  })(),
  rust: (() => {
    const getUser = { path: 'src/users.rs', symbol: 'UserRepository.get_user_by_id', kind: 'method', startLine: 22, endLine: 24 };
    return {
      phrase: [PARCEL, { path: 'src/app.rs', symbol: 'quote_delivery', kind: 'function', startLine: 5, endLine: 8 }],
      exact: ['get_user_by_id', getUser],
      subwords: ['user by id', getUser],
      prefix: ['get_user_b', getUser],
    };
  })(),
  c: (() => {
    const getUser = { path: 'src/main.c', symbol: 'get_user_by_id', kind: 'function', startLine: 16, endLine: 22 };
    return {
      phrase: [PARCEL, { path: 'src/main.c', symbol: 'quote_delivery', kind: 'function', startLine: 25, endLine: 29 }],
      exact: ['get_user_by_id', getUser],
      // `struct user` is an exact name for one of the words: the phrase still wants the function.
      subwords: ['user by id', getUser],
      prefix: ['get_user_b', getUser],
    };
  })(),
  cpp: (() => {
    const getUser = { path: 'src/users/user_repository.hpp', symbol: 'users.UserRepository.getUserById', kind: 'method', startLine: 19, endLine: 22 };
    return {
      phrase: [PARCEL, { path: 'src/main.cpp', symbol: 'quoteDelivery', kind: 'function', startLine: 7, endLine: 10 }],
      exact: ['getUserById', getUser],
      subwords: ['user by id', getUser],
      prefix: ['getUserB', getUser],
    };
  })(),
  csharp: (() => {
    const getUser = { path: 'src/Shop/Users/UserRepository.cs', symbol: 'Shop.Users.UserRepository.GetUserById', kind: 'method', startLine: 15, endLine: 15 };
    return {
      phrase: [PARCEL, { path: 'src/Shop/App.cs', symbol: 'Shop.App.QuoteDelivery', kind: 'method', startLine: 10, endLine: 14 }],
      exact: ['GetUserById', getUser],
      subwords: ['user by id', getUser],
      prefix: ['GetUserB', getUser],
    };
  })(),
  ruby: (() => {
    const getUser = { path: 'lib/shop/user_repository.rb', symbol: 'Shop.UserRepository.get_user_by_id', kind: 'method', startLine: 16, endLine: 18 };
    return {
      phrase: [PARCEL, { path: 'lib/shop/app.rb', symbol: 'Shop.App.quote_delivery', kind: 'method', startLine: 10, endLine: 13 }],
      exact: ['get_user_by_id', getUser],
      subwords: ['user by id', getUser],
      prefix: ['get_user_b', getUser],
    };
  })(),
  php: (() => {
    const getUser = { path: 'src/Users/UserRepository.php', symbol: 'Shop\\Users.UserRepository.getUserById', kind: 'method', startLine: 14, endLine: 17 };
    return {
      phrase: [PARCEL, { path: 'src/App.php', symbol: 'Shop.App.quoteDelivery', kind: 'method', startLine: 12, endLine: 16 }],
      exact: ['getUserById', getUser],
      subwords: ['user by id', getUser],
      prefix: ['getUserB', getUser],
    };
  })(),
};

describe('search over the fixture repos (integration)', function () {
  this.timeout(120_000);

  for (const [language, c] of Object.entries(CASES)) {
    describe(language, () => {
      let tmp: string;
      let engine: Engine;

      before(async () => {
        tmp = makeTmp(`search-${language}`);
        const root = copyRepo(language, tmp);
        engine = newEngine(path.join(tmp, 'db'));
        await engine.index([{ root, source: 'workspace' }]);
      });
      after(async () => {
        await engine?.dispose();
        removeTmp(tmp);
      });

      const kinds: [string, [string, Top]][] = [
        ['a doc-comment phrase', c.phrase],
        ['an exact symbol name', c.exact],
        ['subwords of a symbol name', c.subwords],
        ['a prefix of a symbol name', c.prefix],
        ...(c.more ?? []).map((m): [string, [string, Top]] => ['another query', m]),
      ];
      for (const [what, [query, expected]] of kinds) {
        it(`${what}: "${query}" → ${expected.symbol}`, async () => {
          const hits = await engine.search(query, { limit: 5 });
          assert.ok(hits.length >= 1, `no hits for "${query}"`);
          assert.deepEqual(top(hits[0]), expected, `hits: ${hits.map((h) => `${h.path}:${h.startLine} ${h.symbol}`).join(', ')}`);
          assert.equal(hits[0].language, expected.kind === 'section' ? 'markdown' : language);
          assert.equal(hits[0].source, 'workspace');
          assert.ok(hits.length <= 5);
          for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score, 'best first');
        });
      }
    });
  }
});

describe('search filters, dedupe and odd queries (integration)', function () {
  this.timeout(120_000);
  let tmp: string;
  let engine: Engine;
  let roots: CrawlRoot[];

  before(async () => {
    tmp = makeTmp('search-filters');
    roots = [
      { root: copyRepo('typescript', tmp), source: 'workspace' },
      { root: copyRepo('python', tmp), source: 'workspace' },
      { root: copyRepo('go', tmp), source: 'workspace' },
      { root: copyRepo('acme-lib', tmp), source: 'acme' },
    ];
    engine = newEngine(path.join(tmp, 'db'));
    await engine.index(roots);
  });
  after(async () => {
    await engine?.dispose();
    removeTmp(tmp);
  });

  const where = (hits: SearchHit[]) => hits.map((h) => `${h.source}:${h.path}:${h.startLine}`);

  describe('source', () => {
    it('without a filter both the workspace and the acme library answer', async () => {
      const hits = await engine.search('formatName', { limit: 10 });
      assert.deepEqual([...new Set(hits.map((h) => h.source))].sort(), ['acme', 'workspace']);
      // Every exact `formatName` definition comes before anything else.
      assert.deepEqual(
        hits.slice(0, 3).map((h) => `${h.source}:${h.path}`).sort(),
        ['acme:src/names.ts', 'workspace:src/legacy/format.ts', 'workspace:src/text/format.ts'],
      );
    });

    it('source "acme" keeps only the library', async () => {
      const hits = await engine.search('formatName', { limit: 10, source: 'acme' });
      assert.deepEqual(where(hits), ['acme:src/names.ts:2']);
      assert.deepEqual(top(hits[0]), { path: 'src/names.ts', symbol: 'formatName', kind: 'function', startLine: 2, endLine: 5 });
      assert.equal(hits[0].root, roots[3].root);
    });

    it('source "workspace" leaves the library out', async () => {
      const hits = await engine.search('formatName', { limit: 10, source: 'workspace' });
      assert.ok(hits.length >= 4);
      assert.ok(hits.every((h) => h.source === 'workspace'), where(hits).join(', '));
    });

    it('an unknown source, even an SQL-ish one, matches nothing', async () => {
      assert.deepEqual(await engine.search('formatName', { limit: 10, source: 'nope' }), []);
      assert.deepEqual(await engine.search('formatName', { limit: 10, source: "x' OR '1'='1" }), []);
    });
  });

  describe('language', () => {
    it('without a filter "user by id" finds the lookup in every language', async () => {
      const hits = await engine.search('user by id', { limit: 3 });
      assert.deepEqual(hits.map((h) => h.symbol).sort(), [
        'UserRepository.getUserById',
        'UserRepository.get_user_by_id',
        'users.UserRepository.GetUserByID',
      ]);
    });

    for (const [language, symbol, file] of [
      ['python', 'UserRepository.get_user_by_id', 'shop/users.py'],
      ['go', 'users.UserRepository.GetUserByID', 'users/repository.go'],
      ['typescript', 'UserRepository.getUserById', 'src/users/userRepository.ts'],
    ]) {
      it(`language "${language}" keeps only ${language} chunks`, async () => {
        const hits = await engine.search('user by id', { limit: 10, language });
        assert.ok(hits.length >= 2);
        assert.ok(hits.every((h) => h.language === language), hits.map((h) => h.language).join(', '));
        assert.deepEqual([hits[0].symbol, hits[0].path], [symbol, file]);
      });
    }

    it('an exact symbol of another language is filtered out too', async () => {
      const hits = await engine.search('get_user_by_id', { limit: 10, language: 'go' });
      assert.ok(hits.every((h) => h.language === 'go'));
      assert.equal(hits[0].symbol, 'users.UserRepository.GetUserByID');
    });
  });

  describe('pathGlob', () => {
    it('src/**/*.ts keeps TypeScript files under src/ of each root', async () => {
      const all = await engine.search('getUserById', { limit: 20 });
      assert.ok(all.some((h) => h.path === 'scripts/seed.ts'), 'scripts/seed.ts matches without the glob');
      const hits = await engine.search('getUserById', { limit: 20, pathGlob: 'src/**/*.ts' });
      assert.ok(hits.length >= 3);
      assert.ok(hits.every((h) => /^src\/.+\.ts$/.test(h.path)), where(hits).join(', '));
      assert.deepEqual(top(hits[0]), CASES.typescript.exact[1]);
      assert.ok(hits.some((h) => h.path === 'src/app.ts'));
    });

    it('scripts/** keeps only that folder', async () => {
      const hits = await engine.search('getUserById', { limit: 20, pathGlob: 'scripts/**' });
      assert.deepEqual(
        hits.map((h) => `${h.path}:${h.startLine}-${h.endLine}:${h.symbol}`),
        ['scripts/seed.ts:4-8:seedDemoUsers', 'scripts/seed.ts:1-1:'],
      );
    });

    it('a glob combines with the language and source filters', async () => {
      const hits = await engine.search('format name', { limit: 20, pathGlob: '**/legacy*', language: 'python' });
      // With stemming, the module docstring ("Formats kept for…") matches too, after the function.
      assert.deepEqual(where(hits), ['workspace:shop/legacy.py:4', 'workspace:shop/legacy.py:1']);
      assert.deepEqual(await engine.search('format name', { limit: 20, pathGlob: '**/*.py', source: 'acme' }), []);
    });

    for (const glob of ['[z-a]', 'src/[z-a]/*.ts', '**/*.{ts', 'src\\', 'x'.repeat(501)]) {
      it(`an invalid glob ${JSON.stringify(glob.slice(0, 20))} is a QueryError`, async () => {
        await assert.rejects(engine.search('getUserById', { limit: 5, pathGlob: glob }), (err: Error) => {
          assert.ok(err instanceof QueryError, `${err.constructor.name}: ${err.message}`);
          assert.match(err.message, glob.length > 500 ? /longer than 500 characters/ : /path glob .* is not valid/);
          return true;
        });
      });
    }
  });

  describe('perFile and dedupe', () => {
    const perFile = (hits: SearchHit[]) => {
      const counts = new Map<string, number>();
      for (const h of hits) counts.set(`${h.root}/${h.path}`, (counts.get(`${h.root}/${h.path}`) ?? 0) + 1);
      return counts;
    };

    it('at most 3 hits per file by default, and perFile changes the cap', async () => {
      const byDefault = await engine.search('user', { limit: 30 });
      assert.equal(Math.max(...perFile(byDefault).values()), 3);
      assert.equal(perFile(byDefault).get(`${roots[0].root}/src/users/userRepository.ts`), 3);

      const two = await engine.search('user', { limit: 30, perFile: 2 });
      assert.equal(Math.max(...perFile(two).values()), 2);

      const one = await engine.search('user', { limit: 30, perFile: 1 });
      assert.ok([...perFile(one).values()].every((n) => n === 1));
      // The cap keeps each file's best hit, in the same order.
      const firstPerFile = byDefault.filter((h, i) => byDefault.findIndex((o) => o.root === h.root && o.path === h.path) === i);
      assert.deepEqual(where(one), where(firstPerFile));
      assert.equal(one.length, perFile(byDefault).size);
    });

    it('limit cuts after dedupe and the cap', async () => {
      const hits = await engine.search('user', { limit: 4, perFile: 1 });
      assert.equal(hits.length, 4);
      assert.equal(perFile(hits).size, 4);
    });

    it('a small class shown whole hides its methods, and a better method hides its class', async () => {
      const file = 'src/users/userRepository.ts';
      const cls = await engine.search('UserRepository', { limit: 20, perFile: 10 });
      assert.deepEqual(top(cls.find((h) => h.path === file)), CASES.typescript.more![0][1]);
      const inside = cls.filter((h) => h.path === file && h.startLine >= 12 && h.endLine <= 37);
      assert.deepEqual(inside.map((h) => h.symbol), ['UserRepository'], 'no method of the whole class is listed');

      const method = await engine.search('getUserById', { limit: 20, perFile: 10 });
      const sameFile = method.filter((h) => h.path === file);
      assert.deepEqual(top(sameFile[0]), CASES.typescript.exact[1]);
      assert.ok(!sameFile.some((h) => h.symbol === 'UserRepository'), 'the class holding the better method is dropped');
      // Methods do not overlap one another: all of them may be listed.
      assert.ok(sameFile.filter((h) => h.kind === 'method').length >= 2);
    });

    it('an outlined class never hides its methods (maxChunkLines 20 outlines the 26-line class)', async () => {
      const dir = path.join(tmp, 'outline');
      const root = copyRepo('typescript', dir);
      const small = newEngine(path.join(dir, 'db'), validateSettings({ ...DEFAULTS, 'index.maxChunkLines': 20 }));
      try {
        await small.index([{ root, source: 'workspace' }]);
        const hits = (await small.search('UserRepository', { limit: 20, perFile: 10 })).filter((h) => h.path === 'src/users/userRepository.ts');
        assert.deepEqual({ ...top(hits[0]), shape: hits[0].shape }, { ...CASES.typescript.more![0][1], shape: 'outline' });
        assert.deepEqual(
          hits.filter((h) => h.kind === 'method').map((h) => h.symbol).sort(),
          ['UserRepository.displayName', 'UserRepository.getUserById', 'UserRepository.normalize', 'UserRepository.saveUser'],
        );
        // And the other way round: the outline still shows below a better method.
        const method = (await small.search('getUserById', { limit: 20, perFile: 10 })).filter((h) => h.path === 'src/users/userRepository.ts');
        assert.equal(method[0].symbol, 'UserRepository.getUserById');
        assert.ok(method.some((h) => h.symbol === 'UserRepository' && h.shape === 'outline'));
      } finally {
        await small.dispose();
      }
    });
  });

  describe('odd queries', () => {
    const ODD = [
      '"formatName"',
      "'formatName'",
      'formatName(',
      'format\\name',
      'C:\\src\\text\\format.ts',
      '100% of users',
      '%user%',
      "name LIKE '%user%'",
      "' OR 1=1 --",
      "Robert'); DROP TABLE chunks;--",
      'a AND b OR NOT c',
      'OR',
      '.*(get|save)User[A-Z]\\w+$',
      'user:id',
      'title:foo^3 format~2',
      '+-&&||!(){}[]^"~*?:\\/ name',
      '$user',
      '__proto__',
      'constructor',
      '日本語のクエリ',
      'x'.repeat(2000),
    ];
    for (const q of ODD) {
      it(`${JSON.stringify(q.slice(0, 40))} returns hits or [] without throwing`, async () => {
        const hits = await engine.search(q, { limit: 5 });
        assert.ok(Array.isArray(hits));
        assert.ok(hits.length <= 5);
        for (const h of hits) assert.equal(typeof h.score, 'number');
      });
    }

    it('quotes, a call paren and backslashes still find the identifier', async () => {
      for (const q of ['"formatName"', 'formatName(', 'text\\formatName']) {
        const hits = await engine.search(q, { limit: 3 });
        assert.equal(hits[0]?.symbol, 'formatName', q);
      }
    });

    it('SQL in the query is words, and the index is unharmed', async () => {
      await engine.search("'; DELETE FROM chunks; --", { limit: 5 });
      const hits = await engine.search('getUserById', { limit: 1 });
      assert.deepEqual(top(hits[0]), CASES.typescript.exact[1]);
    });

    const BAD: [string, string, RegExp][] = [
      ['empty', '', /query is empty/],
      ['blank', ' \t\n ', /query is empty/],
      ['2001 characters', 'x'.repeat(2001), /has 2001 characters; the limit is 2000/],
      ['100 KB', 'word '.repeat(20_000), /the limit is 2000/],
      ['only punctuation', '?!', /no words or identifiers/],
      ['only a percent sign', '%', /no words or identifiers/],
    ];
    for (const [name, q, message] of BAD) {
      it(`an ${name} query is a QueryError`, async () => {
        await assert.rejects(engine.search(q, { limit: 5 }), (err: Error) => {
          assert.ok(err instanceof QueryError, `${err.constructor.name}: ${err.message}`);
          assert.match(err.message, message);
          return true;
        });
      });
    }
  });
});

describe('inhouse search --json (in-process CLI)', function () {
  this.timeout(120_000);
  let tmp: string;

  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTty: false }, tmp, testAssets());
    return { code, out, err };
  }

  before(async () => {
    tmp = makeTmp('search-cli');
    copyRepo('typescript', tmp);
    copyRepo('acme-lib', tmp);
    const r = await cli(['index', 'typescript', '--library', 'acme=acme-lib', '--db', 'db']);
    assert.equal(r.code, 0, r.err);
  });
  after(() => removeTmp(tmp));

  it('prints an array of {path,startLine,endLine,symbol,kind,score,source}, best first', async () => {
    const r = await cli(['search', 'user by id', '--db', 'db', '--json', '-k', '4']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const hits = JSON.parse(r.out) as Record<string, unknown>[];
    assert.ok(hits.length >= 2 && hits.length <= 4);
    for (const h of hits) {
      assert.deepEqual(Object.keys(h), ['path', 'startLine', 'endLine', 'symbol', 'kind', 'score', 'source']);
      assert.equal(typeof h.score, 'number');
    }
    assert.deepEqual(hits[0], { ...CASES.typescript.subwords[1], score: hits[0].score, source: 'workspace' });
    for (let i = 1; i < hits.length; i++) assert.ok((hits[i - 1].score as number) >= (hits[i].score as number));
  });

  it('--source, --lang and --path reach the search', async () => {
    const acme = JSON.parse((await cli(['search', 'formatName', '--db', 'db', '--json', '--source', 'acme'])).out);
    assert.deepEqual(acme, [{ path: 'src/names.ts', startLine: 2, endLine: 5, symbol: 'formatName', kind: 'function', score: acme[0].score, source: 'acme' }]);
    const md = JSON.parse((await cli(['search', 'onboarding', '--db', 'db', '--json', '--lang', 'markdown'])).out);
    assert.deepEqual(md.map((h: Top) => h.path), ['docs/accounts.md']);
    const scripts = JSON.parse((await cli(['search', 'getUserById', '--db', 'db', '--json', '--path', 'scripts/**'])).out);
    assert.deepEqual([...new Set(scripts.map((h: Top) => h.path))], ['scripts/seed.ts']);
    const none = await cli(['search', 'getUserById', '--db', 'db', '--json', '--lang', 'cobol']);
    assert.deepEqual([none.code, JSON.parse(none.out)], [0, []]);
  });

  it('a bad query or glob exits 2 with nothing on stdout', async () => {
    const glob = await cli(['search', 'getUserById', '--db', 'db', '--json', '--path', '[z-a]']);
    assert.deepEqual([glob.code, glob.out], [2, '']);
    assert.match(glob.err, /^inhouse: The path glob "\[z-a\]" is not valid/);
    const long = await cli(['search', 'y'.repeat(2001), '--db', 'db', '--json']);
    assert.deepEqual([long.code, long.out], [2, '']);
    assert.match(long.err, /the limit is 2000/);
  });
});
