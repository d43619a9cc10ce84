import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../../src/cli/main';
import type { Engine } from '../../../src/engine/engine';
import { rankNames, sharedDirs, type ContextSnippet } from '../../../src/engine/retrieval/completionContext';
import { QueryError } from '../../../src/engine/retrieval/queryText';
import { makeTmp, newEngine, removeTmp, writeTree } from '../../support/indexKit';
import { REPO_ROOT, testAssets } from '../../support/testAssets';

/**
 * Completion context over the per-language fixture repos in test/fixtures/repos: the callee's
 * definition first (through the file's imports when two definitions share the name), the
 * enclosing class member for this./self. calls, the enclosing outline, never the code being
 * edited; then budget, limit, unsaved buffers, errors and the CLI's JSON.
 */

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'repos');

function copyRepo(name: string, dir: string): string {
  const root = path.join(dir, name);
  fs.cpSync(path.join(FIXTURES, name), root, { recursive: true });
  return root;
}

interface Place {
  path: string;
  symbol: string;
  kind: string;
  startLine: number;
  endLine: number;
}

interface Lines {
  startLine: number;
  endLine: number;
}

interface CallCase {
  file: string;
  /** A unique piece of a line; the cursor goes right after it (after the call's `(`). */
  after: string;
  /** The first snippet: the callee's definition. */
  definition: Place;
  /** A same-named definition the file does not import, which must not be picked. */
  decoy?: string;
  /** The function being edited: never returned. */
  editing: Lines;
  /** The enclosing class (cursor in a method) or, outside classes, the file's outline. */
  enclosing?: Omit<Place, 'path'>;
  /** Why the case is skipped, when it is. */
  skip?: string;
}

interface LanguageCase {
  call: CallCase;
  /** A member called on this/self/$this, which another imported file also defines. */
  receiver?: CallCase;
  more?: CallCase[];
}

const CASES: Record<string, LanguageCase> = {
  typescript: {
    call: {
      file: 'src/app.ts',
      after: '${formatName(',
      definition: { path: 'src/text/format.ts', symbol: 'formatName', kind: 'function', startLine: 2, endLine: 4 },
      decoy: 'src/legacy/format.ts',
      editing: { startLine: 11, endLine: 15 },
    },
    receiver: {
      file: 'src/users/userRepository.ts',
      after: 'this.normalize(',
      definition: { path: 'src/users/userRepository.ts', symbol: 'UserRepository.normalize', kind: 'method', startLine: 33, endLine: 36 },
      decoy: 'src/text/format.ts',
      editing: { startLine: 21, endLine: 24 },
      enclosing: { symbol: 'UserRepository', kind: 'class', startLine: 12, endLine: 37 },
    },
  },
  tsx: {
    call: {
      file: 'src/components/UserCard.tsx',
      after: '= useProfile(',
      definition: { path: 'src/session/profile.tsx', symbol: 'useProfile', kind: 'function', startLine: 17, endLine: 21 },
      decoy: 'src/legacy/profile.tsx',
      editing: { startLine: 11, endLine: 19 },
    },
    receiver: {
      file: 'src/components/UserTable.tsx',
      after: 'this.formatCell(',
      definition: { path: 'src/components/UserTable.tsx', symbol: 'UserTable.formatCell', kind: 'method', startLine: 21, endLine: 28 },
      decoy: 'src/components/cells.tsx',
      editing: { startLine: 16, endLine: 18 },
      enclosing: { symbol: 'UserTable', kind: 'class', startLine: 10, endLine: 29 },
    },
  },
  javascript: {
    call: {
      file: 'lib/app.js',
      after: '${formatName(',
      definition: { path: 'lib/text/format.js', symbol: 'formatName', kind: 'function', startLine: 4, endLine: 6 },
      decoy: 'lib/legacy/format.js',
      editing: { startLine: 13, endLine: 17 },
    },
    receiver: {
      file: 'lib/userStore.js',
      after: 'this.normalize(',
      definition: { path: 'lib/userStore.js', symbol: 'UserStore.normalize', kind: 'method', startLine: 23, endLine: 26 },
      decoy: 'lib/text/format.js',
      editing: { startLine: 17, endLine: 20 },
      enclosing: { symbol: 'UserStore', kind: 'class', startLine: 6, endLine: 27 },
    },
  },
  python: {
    call: {
      file: 'shop/app.py',
      after: '+ format_name(',
      definition: { path: 'shop/text.py', symbol: 'format_name', kind: 'function', startLine: 4, endLine: 6 },
      decoy: 'shop/legacy.py',
      editing: { startLine: 13, endLine: 18 },
      // Outside any class: the file's other top-level definitions, as signatures.
      enclosing: { symbol: 'shop/app.py', kind: 'module', startLine: 7, endLine: 10 },
    },
    receiver: {
      file: 'shop/users.py',
      after: 'self.normalize(',
      definition: { path: 'shop/users.py', symbol: 'UserRepository.normalize', kind: 'method', startLine: 31, endLine: 34 },
      decoy: 'shop/text.py',
      editing: { startLine: 26, endLine: 29 },
      enclosing: { symbol: 'UserRepository', kind: 'class', startLine: 16, endLine: 34 },
    },
  },
  go: {
    call: {
      file: 'main.go',
      after: 'text.FormatName(',
      definition: { path: 'text/format.go', symbol: 'text.FormatName', kind: 'function', startLine: 7, endLine: 9 },
      decoy: 'legacy/format.go',
      editing: { startLine: 20, endLine: 26 },
      // Top-level Go definitions have the package as parent; they are still the file's outline.
      enclosing: { symbol: 'main.go', kind: 'module', startLine: 11, endLine: 17 },
    },
    more: [
      {
        file: 'users/repository.go',
        after: 'text.Normalize(',
        definition: { path: 'text/format.go', symbol: 'text.Normalize', kind: 'function', startLine: 12, endLine: 14 },
        editing: { startLine: 26, endLine: 29 },
        enclosing: { symbol: 'users/repository.go', kind: 'module', startLine: 7, endLine: 17 },
      },
    ],
  },
  java: {
    call: {
      file: 'src/main/java/com/acme/shop/App.java',
      after: 'Formatter.formatName(',
      definition: {
        path: 'src/main/java/com/acme/shop/text/Formatter.java',
        symbol: 'com.acme.shop.text.Formatter.formatName',
        kind: 'method',
        startLine: 8,
        endLine: 10,
      },
      decoy: 'src/main/java/com/acme/shop/legacy/Formatter.java',
      editing: { startLine: 15, endLine: 21 },
      enclosing: { symbol: 'com.acme.shop.App', kind: 'class', startLine: 7, endLine: 22 },
    },
    receiver: {
      file: 'src/main/java/com/acme/shop/users/UserRepository.java',
      after: 'this.normalize(',
      definition: {
        path: 'src/main/java/com/acme/shop/users/UserRepository.java',
        symbol: 'com.acme.shop.users.UserRepository.normalize',
        kind: 'method',
        startLine: 24,
        endLine: 27,
      },
      decoy: 'src/main/java/com/acme/shop/text/Formatter.java',
      editing: { startLine: 18, endLine: 21 },
      enclosing: { symbol: 'com.acme.shop.users.UserRepository', kind: 'class', startLine: 9, endLine: 31 },
    },
  },
  rust: {
    call: {
      file: 'src/app.rs',
      after: ', format_name(',
      definition: { path: 'src/text.rs', symbol: 'format_name', kind: 'function', startLine: 4, endLine: 6 },
      decoy: 'src/legacy.rs',
      editing: { startLine: 11, endLine: 16 },
    },
    receiver: {
      file: 'src/users.rs',
      after: 'self.normalize(',
      definition: { path: 'src/users.rs', symbol: 'UserRepository.normalize', kind: 'method', startLine: 33, endLine: 37 },
      decoy: 'src/text.rs',
      editing: { startLine: 27, endLine: 30 },
      enclosing: { symbol: 'UserRepository', kind: 'impl', startLine: 20, endLine: 38 },
    },
  },
  c: {
    call: {
      file: 'src/main.c',
      after: '    format_name(',
      // The included header's prototype (with its doc comment) is what the file sees.
      definition: { path: 'src/text/format.h', symbol: 'format_name', kind: 'function', startLine: 7, endLine: 7 },
      decoy: 'src/legacy/format.h',
      editing: { startLine: 32, endLine: 42 },
      enclosing: { symbol: 'src/main.c', kind: 'module', startLine: 7, endLine: 48 },
    },
  },
  cpp: {
    call: {
      file: 'src/main.cpp',
      after: 'text::formatName(',
      definition: { path: 'src/text/format.hpp', symbol: 'text.formatName', kind: 'function', startLine: 10, endLine: 12 },
      decoy: 'src/legacy/format.hpp',
      editing: { startLine: 13, endLine: 17 },
      enclosing: { symbol: 'src/main.cpp', kind: 'module', startLine: 19, endLine: 22 },
    },
    receiver: {
      file: 'src/users/user_repository.hpp',
      after: 'this->normalize(',
      definition: { path: 'src/users/user_repository.hpp', symbol: 'users.UserRepository.normalize', kind: 'method', startLine: 32, endLine: 36 },
      decoy: 'src/text/format.hpp',
      editing: { startLine: 25, endLine: 28 },
      enclosing: { symbol: 'users.UserRepository', kind: 'class', startLine: 16, endLine: 39 },
    },
  },
  csharp: {
    call: {
      file: 'src/Shop/App.cs',
      after: 'Formatter.FormatName(',
      definition: { path: 'src/Shop/Text/Formatter.cs', symbol: 'Shop.Text.Formatter.FormatName', kind: 'method', startLine: 7, endLine: 10 },
      decoy: 'src/Shop/Legacy/Formatter.cs',
      editing: { startLine: 17, endLine: 22 },
      enclosing: { symbol: 'Shop.App', kind: 'class', startLine: 7, endLine: 23 },
    },
    receiver: {
      file: 'src/Shop/Users/UserRepository.cs',
      after: 'this.Normalize(',
      definition: { path: 'src/Shop/Users/UserRepository.cs', symbol: 'Shop.Users.UserRepository.Normalize', kind: 'method', startLine: 25, endLine: 29 },
      decoy: 'src/Shop/Text/Formatter.cs',
      editing: { startLine: 18, endLine: 22 },
      enclosing: { symbol: 'Shop.Users.UserRepository', kind: 'class', startLine: 10, endLine: 30 },
    },
  },
  ruby: {
    call: {
      file: 'lib/shop/app.rb',
      after: 'Text.format_name(',
      definition: { path: 'lib/shop/text.rb', symbol: 'Shop.Text.format_name', kind: 'method', startLine: 7, endLine: 9 },
      decoy: 'lib/shop/legacy.rb',
      editing: { startLine: 16, endLine: 21 },
      enclosing: { symbol: 'Shop.App', kind: 'module', startLine: 8, endLine: 22 },
    },
    receiver: {
      file: 'lib/shop/user_repository.rb',
      after: 'self.normalize(',
      definition: { path: 'lib/shop/user_repository.rb', symbol: 'Shop.UserRepository.normalize', kind: 'method', startLine: 27, endLine: 30 },
      decoy: 'lib/shop/text.rb',
      editing: { startLine: 21, endLine: 24 },
      enclosing: { symbol: 'Shop.UserRepository', kind: 'class', startLine: 10, endLine: 31 },
    },
  },
  php: {
    call: {
      file: 'src/App.php',
      after: 'Formatter::formatName(',
      definition: { path: 'src/Text/Formatter.php', symbol: 'Shop\\Text.Formatter.formatName', kind: 'method', startLine: 9, endLine: 12 },
      decoy: 'src/Legacy/Formatter.php',
      editing: { startLine: 19, endLine: 26 },
      enclosing: { symbol: 'Shop.App', kind: 'class', startLine: 9, endLine: 27 },
    },
    receiver: {
      file: 'src/Users/UserRepository.php',
      after: '$this->normalize(',
      definition: { path: 'src/Users/UserRepository.php', symbol: 'Shop\\Users.UserRepository.normalize', kind: 'method', startLine: 27, endLine: 31 },
      decoy: 'src/Text/Formatter.php',
      editing: { startLine: 20, endLine: 24 },
      enclosing: { symbol: 'Shop\\Users.UserRepository', kind: 'class', startLine: 8, endLine: 32 },
    },
  },
};

/** The cursor right after `after`, which must occur exactly once in the file. */
function cursorAfter(text: string, after: string): { line: number; column: number; lineText: string } {
  const lines = text.split('\n');
  const found = lines.flatMap((l, i) => (l.includes(after) ? [i] : []));
  assert.equal(found.length, 1, `"${after}" must be on exactly one line`);
  const row = found[0];
  assert.equal(lines[row].indexOf(after), lines[row].lastIndexOf(after), `"${after}" must occur once on its line`);
  return { line: row + 1, column: lines[row].indexOf(after) + after.length, lineText: lines[row] };
}

const place = (s: ContextSnippet | undefined) => s && { path: s.path, symbol: s.symbol, kind: s.kind, startLine: s.startLine, endLine: s.endLine };
const show = (snippets: ContextSnippet[]) => snippets.map((s) => `${s.reason} ${s.path}:${s.startLine}-${s.endLine} ${s.symbol}`).join('\n  ');

describe('completion context over the fixture repos (integration)', function () {
  this.timeout(120_000);

  for (const [language, c] of Object.entries(CASES)) {
    describe(language, () => {
      let tmp: string;
      let root: string;
      let engine: Engine;

      before(async () => {
        tmp = makeTmp(`context-${language}`);
        root = copyRepo(language, tmp);
        engine = newEngine(path.join(tmp, 'db'));
        await engine.index([{ root, source: 'workspace' }]);
      });
      after(async () => {
        await engine?.dispose();
        removeTmp(tmp);
      });

      const cases: [string, CallCase][] = [
        [`a call → the definition${c.call.decoy ? ' the file imports' : ''}`, c.call],
        ...(c.receiver ? [['a this/self call → the enclosing class member', c.receiver] as [string, CallCase]] : []),
        ...(c.more ?? []).map((m): [string, CallCase] => ['another call → its definition', m]),
      ];
      for (const [what, k] of cases) {
        const title = `${what}: ${k.file} after "${k.after}" → ${k.definition.path}:${k.definition.startLine}`;
        const body = async () => {
          const file = path.join(root, k.file);
          const { line, column, lineText } = cursorAfter(fs.readFileSync(file, 'utf8'), k.after);
          const snippets = await engine.context(file, { line, column }, { limit: 8, maxChars: 6000 });
          assert.ok(snippets.length >= 1, 'no context');
          assert.equal(snippets[0].reason, 'definition', show(snippets));
          assert.deepEqual(place(snippets[0]), k.definition, show(snippets));
          assert.equal(snippets[0].source, 'workspace');
          assert.equal(snippets[0].truncated, false);
          const definitionText = fs.readFileSync(path.join(root, k.definition.path), 'utf8').split('\n');
          assert.equal(snippets[0].text, definitionText.slice(k.definition.startLine - 1, k.definition.endLine).join('\n'));

          if (k.decoy) {
            const wrong = snippets.filter((s) => s.reason === 'definition' && s.path === k.decoy && s.symbol.endsWith(k.definition.symbol.split('.').pop()!));
            assert.deepEqual(wrong.map(place), [], `the same-named definition in ${k.decoy} is not offered as the definition`);
          }

          // The function being edited is never returned, in part or whole.
          for (const s of snippets) {
            if (s.reason === 'enclosing') continue;
            const overlaps = s.path === k.file && s.startLine <= k.editing.endLine && s.endLine >= k.editing.startLine;
            assert.ok(!overlaps, `returned the code being edited: ${s.reason} ${s.path}:${s.startLine}-${s.endLine}\n  ${show(snippets)}`);
          }
          for (const s of snippets) assert.ok(!s.text.includes(lineText.trim()), `the cursor line is in ${s.reason} ${s.path}:${s.startLine}`);

          const enclosing = snippets.filter((s) => s.reason === 'enclosing');
          if (k.enclosing) {
            assert.equal(enclosing.length, 1, show(snippets));
            assert.deepEqual(place(enclosing[0]), { path: k.file, ...k.enclosing });
            if (k.enclosing.kind !== 'module') {
              // The outline: the container's signature, then its members' signatures.
              const members = enclosing[0].text.split('\n');
              assert.ok(members.length >= 3, enclosing[0].text);
              if (k.definition.path === k.file) {
                const signature = snippets[0].text.split('\n')[0].trim().replace(/\s*[{:]$/, '');
                assert.ok(members.some((m) => m.trim() === signature), `outline lacks "${signature}":\n${enclosing[0].text}`);
              }
            }
          } else {
            assert.deepEqual(enclosing.map(place), [], 'no enclosing snippet expected');
          }
          const total = snippets.reduce((n, s) => n + s.text.length, 0);
          assert.ok(total <= 6000);
          for (let i = 1; i < snippets.length; i++) assert.ok(snippets[i - 1].score >= snippets[i].score, 'best first');
        };
        if (k.skip) it.skip(`${title} (skipped: ${k.skip})`, body);
        else it(title, body);
      }
    });
  }
});

describe('completion context: budget, limit, buffers and errors (integration)', function () {
  this.timeout(120_000);
  let tmp: string;
  let root: string;
  let engine: Engine;
  let appText: string;
  const app = () => path.join(root, 'src/app.ts');
  const repoFile = () => path.join(root, 'src/users/userRepository.ts');
  const formatName = CASES.typescript.call;

  before(async () => {
    tmp = makeTmp('context-edges');
    root = copyRepo('typescript', tmp);
    engine = newEngine(path.join(tmp, 'db'));
    await engine.index([{ root, source: 'workspace' }]);
    appText = fs.readFileSync(app(), 'utf8');
  });
  after(async () => {
    await engine?.dispose();
    removeTmp(tmp);
  });

  const atCall = () => cursorAfter(appText, formatName.after);

  describe('maxChars and truncated', () => {
    it('the snippets always fit the budget; a cut snippet ends at a line break with an ellipsis', async () => {
      const full = await engine.context(app(), atCall(), { limit: 8, maxChars: 100_000 });
      assert.ok(full.length >= 4, show(full));
      assert.ok(full.every((s) => !s.truncated));
      for (const maxChars of [100, 150, 200, 300, 500, 800, 1500]) {
        const snippets = await engine.context(app(), atCall(), { limit: 8, maxChars });
        const total = snippets.reduce((n, s) => n + s.text.length, 0);
        assert.ok(total <= maxChars, `${total} > ${maxChars}`);
        for (const s of snippets) {
          const whole = full.find((f) => f.path === s.path && f.startLine === s.startLine && f.reason === s.reason);
          assert.ok(whole, `${s.path}:${s.startLine} is one of the unbudgeted snippets`);
          if (s.truncated) {
            assert.match(s.text, /\n…$/);
            assert.ok(whole.text.startsWith(s.text.slice(0, -2)), 'a prefix of the whole text, cut at a line end');
            assert.ok(s.text.length < whole.text.length);
          } else {
            assert.equal(s.text, whole.text);
          }
        }
      }
    });

    it('a budget smaller than the definition cuts it and sets truncated', async () => {
      // formatName's text is 3 lines, 111 characters: 100 keeps its first line.
      const snippets = await engine.context(app(), atCall(), { limit: 8, maxChars: 100 });
      assert.equal(snippets.length, 1);
      assert.deepEqual(place(snippets[0]), formatName.definition);
      assert.equal(snippets[0].truncated, true);
      assert.equal(snippets[0].text, 'export function formatName(first: string, last: string): string {\n…');
    });

    it('a budget that fits the definition exactly keeps it whole', async () => {
      const whole = (await engine.context(app(), atCall(), { limit: 1, maxChars: 100_000 }))[0];
      const snippets = await engine.context(app(), atCall(), { limit: 8, maxChars: whole.text.length });
      assert.deepEqual(snippets.map((s) => [s.symbol, s.truncated, s.text]), [['formatName', false, whole.text]]);
    });
  });

  describe('limit', () => {
    for (const limit of [1, 2, 3]) {
      it(`limit ${limit} returns ${limit} snippet(s), the best first`, async () => {
        const all = await engine.context(app(), atCall(), { limit: 8, maxChars: 100_000 });
        const some = await engine.context(app(), atCall(), { limit, maxChars: 100_000 });
        assert.equal(some.length, limit);
        assert.deepEqual(some.map(place), all.slice(0, limit).map(place));
        assert.deepEqual(place(some[0]), formatName.definition);
      });
    }
  });

  describe('unsaved text', () => {
    it('a different call typed in the buffer at the same place changes the definition', async () => {
      const onDisk = cursorAfter(appText, 'repo.getUserById(');
      const disk = await engine.context(app(), onDisk, { limit: 3, maxChars: 6000 });
      assert.equal(disk[0].symbol, 'UserRepository.getUserById');

      const typed = '  const user = repo.displayName(';
      const lines = appText.split('\n');
      lines[onDisk.line - 1] = typed;
      const buffer = await engine.context(app(), { line: onDisk.line, column: typed.length }, { limit: 3, maxChars: 6000, text: lines.join('\n') });
      assert.deepEqual(place(buffer[0]), {
        path: 'src/users/userRepository.ts',
        symbol: 'UserRepository.displayName',
        kind: 'method',
        startLine: 27,
        endLine: 30,
      });
    });

    it('a call on a line that exists only in the buffer', async () => {
      const typed = '  return formatName(';
      const text = `${appText.trimEnd()}\n\nexport function shout(first: string, last: string): string {\n${typed}`;
      const line = text.split('\n').length;
      await assert.rejects(engine.context(app(), { line, column: typed.length }, { limit: 3, maxChars: 6000 }), QueryError, 'the saved file is shorter');
      const snippets = await engine.context(app(), { line, column: typed.length }, { limit: 3, maxChars: 6000, text });
      assert.deepEqual(place(snippets[0]), formatName.definition);
    });

    // Without the buffer's own import line the same-named src/legacy/format.ts would win the tie by path.
    it('a buffer for a file that is not indexed yet resolves through the imports it types', async () => {
      const fresh = path.join(root, 'src/fresh.ts');
      const text = "import { formatName } from './text/format';\n\nexport const label = formatName(";
      const snippets = await engine.context(fresh, { line: 3, column: text.split('\n')[2].length }, { limit: 3, maxChars: 6000, text });
      assert.deepEqual(place(snippets[0]), formatName.definition);
    });
  });

  describe('the class around the cursor', () => {
    it('is shown as an outline, never whole as a definition, even when its name is typed', async () => {
      const text = fs.readFileSync(repoFile(), 'utf8');
      const { line } = cursorAfter(text, 'this.normalize(');
      const typed = '    const copy = new UserRepository(';
      const lines = text.split('\n');
      lines[line - 1] = typed;
      const snippets = await engine.context(repoFile(), { line, column: typed.length }, { limit: 8, maxChars: 6000, text: lines.join('\n') });
      const cls = snippets.filter((s) => s.symbol === 'UserRepository');
      assert.deepEqual(
        cls.map((s) => [s.reason, s.startLine, s.endLine]),
        [['enclosing', 12, 37]],
        show(snippets),
      );
      assert.ok(!cls[0].text.includes('this.users.set'), 'the outline holds signatures only');
    });
  });

  describe('errors', () => {
    const expectQueryError = async (promise: Promise<unknown>, message: RegExp) => {
      await assert.rejects(promise, (err: Error) => {
        assert.ok(err instanceof QueryError, `${err.constructor.name}: ${err.message}`);
        assert.match(err.message, message);
        return true;
      });
    };
    const lineCount = () => appText.split('\n').length;

    it('a line out of range names the range', async () => {
      const n = lineCount();
      assert.equal(n, 16, 'src/app.ts has 15 lines and a final newline');
      for (const line of [0, -1, n + 1, 1000]) {
        await expectQueryError(
          engine.context(app(), { line, column: 0 }, { limit: 3, maxChars: 6000 }),
          new RegExp(`^Line ${line} is out of range: the file has ${n} lines \\(lines count from 1\\)\\.$`),
        );
      }
      await expectQueryError(engine.context(app(), { line: 1.5, column: 0 }, { limit: 3, maxChars: 6000 }), /^Line 1\.5 is out of range/);
    });

    it('a column out of range names the line length', async () => {
      const { line, lineText } = atCall();
      for (const column of [-1, lineText.length + 1, 10_000]) {
        await expectQueryError(
          engine.context(app(), { line, column }, { limit: 3, maxChars: 6000 }),
          new RegExp(`^Column ${column} is out of range: line ${line} has ${lineText.length} characters \\(columns count from 0\\)\\.$`),
        );
      }
      // The end of the line is a valid position.
      const end = await engine.context(app(), { line, column: lineText.length }, { limit: 3, maxChars: 6000 });
      assert.ok(Array.isArray(end));
    });

    it('an unknown file', async () => {
      const missing = path.join(root, 'src/nope.ts');
      await expectQueryError(engine.context(missing, { line: 1, column: 0 }, { limit: 3, maxChars: 6000 }), /^No such file: .*src\/nope\.ts\.$/);
    });

    it('a binary file', async () => {
      const binary = path.join(root, 'src/blob.ts');
      fs.writeFileSync(binary, Buffer.from([0x65, 0x78, 0x00, 0x01, 0x02, 0x0a, 0x00]));
      await expectQueryError(engine.context(binary, { line: 1, column: 0 }, { limit: 3, maxChars: 6000 }), /is a binary file: InHouse works on text source files only\.$/);
    });

    it('a file in a language InHouse does not index', async () => {
      const notes = path.join(root, 'notes.txt');
      fs.writeFileSync(notes, 'formatName(\n');
      await expectQueryError(engine.context(notes, { line: 1, column: 11 }, { limit: 3, maxChars: 6000 }), /notes\.txt is not in a language InHouse indexes/);
      await expectQueryError(engine.context(path.join(root, 'Makefile'), { line: 1, column: 0 }, { limit: 3, maxChars: 6000 }), /not in a language/);
    });
  });
});

describe('inhouse context --json (in-process CLI)', function () {
  this.timeout(120_000);
  let tmp: string;
  let ws: string;

  async function cli(argv: string[], cwd = ws): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTty: false }, cwd, testAssets());
    return { code, out, err };
  }

  before(async () => {
    tmp = makeTmp('context-cli');
    ws = copyRepo('typescript', tmp);
    const r = await cli(['index', '.', '--db', '../db']);
    assert.equal(r.code, 0, r.err);
  });
  after(() => removeTmp(tmp));

  it('prints an array of {path,startLine,endLine,symbol,kind,score,source}, best first', async () => {
    const { line, column } = cursorAfter(fs.readFileSync(path.join(ws, 'src/app.ts'), 'utf8'), CASES.typescript.call.after);
    const r = await cli(['context', 'src/app.ts', '--line', String(line), '--column', String(column), '--db', '../db', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const snippets = JSON.parse(r.out) as Record<string, unknown>[];
    assert.ok(snippets.length >= 3, r.out);
    for (const s of snippets) {
      assert.deepEqual(Object.keys(s), ['path', 'startLine', 'endLine', 'symbol', 'kind', 'score', 'source']);
      assert.equal(typeof s.score, 'number');
    }
    assert.deepEqual(snippets[0], { ...CASES.typescript.call.definition, score: snippets[0].score, source: 'workspace' });
    for (let i = 1; i < snippets.length; i++) assert.ok((snippets[i - 1].score as number) >= (snippets[i].score as number));

    const one = await cli(['context', 'src/app.ts', '--line', String(line), '--column', String(column), '--db', '../db', '--json', '-k', '1']);
    assert.deepEqual(JSON.parse(one.out), [snippets[0]]);
  });

  it('a position out of range or an unknown file exits 2 with nothing on stdout', async () => {
    const line = await cli(['context', 'src/app.ts', '--line', '99', '--column', '0', '--db', '../db', '--json']);
    assert.deepEqual([line.code, line.out], [2, '']);
    assert.match(line.err, /^inhouse: Line 99 is out of range: the file has 16 lines/);
    const missing = await cli(['context', 'src/missing.ts', '--line', '1', '--column', '0', '--db', '../db', '--json']);
    assert.deepEqual([missing.code, missing.out], [2, '']);
    assert.match(missing.err, /^inhouse: No such file: .*src\/missing\.ts\./);
  });
});

describe('rankNames (cursor scanning)', () => {
  it('names the innermost call being typed, with or without a receiver', () => {
    assert.deepEqual(pick(rankNames('pump(fromAsyncIterable(', '')), { name: 'fromAsyncIterable', receiver: false, bare: true });
    assert.deepEqual(pick(rankNames('x = foo(', '')), { name: 'foo', receiver: false, bare: true });
    assert.deepEqual(pick(rankNames('self.normalize(', '')), { name: 'normalize', receiver: true, bare: false });
    assert.deepEqual(pick(rankNames('m = re.match(', '')), { name: 'match', receiver: false, bare: false });
  });

  it('keeps a keyword-like name when a call proves it is one, and drops plain keywords', () => {
    const names = rankNames('if ok:\n    return re.match(', '').map((n) => n.name);
    assert.equal(names[0], 'match');
    assert.ok(!names.includes('if') && !names.includes('return'));
  });
});

function pick(names: ReturnType<typeof rankNames>) {
  const first = names[0];
  return { name: first.name, receiver: first.receiver, bare: first.bare ?? false };
}

describe('completion context: a name defined in many places (integration)', function () {
  this.timeout(120_000);
  let tmp: string;
  let ws: string;
  let engine: Engine;
  // `handle` is defined in twelve files, more than the callers and their imports hold chunks:
  // the engine only scores definitions those files can reach, and must find the same ones.
  const many: Record<string, string> = {};
  for (let i = 0; i < 12; i++) many[`lib/handlers/h${i}.py`] = `def handle(event):\n    return event + ${i}\n`;
  const deep = 'a/b/c/d/e/f/g';

  before(async () => {
    tmp = makeTmp('context-many');
    ws = path.join(tmp, 'ws');
    writeTree(ws, {
      ...many,
      'lib/__init__.py': '',
      'lib/handlers/__init__.py': '',
      'app/main.py': 'from lib.handlers.h7 import handle\n\n\ndef run(event):\n    return handle(event)\n',
      'app/loose.py': 'def run(event):\n    return handle(event)\n',
      'lib/workers/worker.py': 'class Worker:\n    def handle(self, event):\n        return event * 2\n',
      'app/worker.py': 'class Worker:\n    def run(self, event):\n        return self.handle(event)\n',
      // Seven shared folders are worth 14 points: with source, language and kind, 30, enough
      // for a definition no import reaches.
      [`${deep}/handling.py`]: 'def handle(event):\n    return event - 1\n',
      [`${deep}/caller.py`]: 'def run(event):\n    return handle(event)\n',
    });
    engine = newEngine(path.join(tmp, 'db'));
    await engine.index([{ root: ws, source: 'workspace' }]);
  });
  after(async () => {
    await engine?.dispose();
    removeTmp(tmp);
  });

  const definitionsAt = async (rel: string, after: string) => {
    const text = fs.readFileSync(path.join(ws, rel), 'utf8');
    const snippets = await engine.context(path.join(ws, rel), cursorAfter(text, after), { limit: 5, maxChars: 4000 });
    return snippets.filter((s) => s.reason === 'definition' && s.symbol.endsWith('handle')).map((s) => `${s.path} ${s.symbol}`);
  };

  it('the imported definition, among a dozen of the same name', async () => {
    assert.deepEqual(await definitionsAt('app/main.py', 'return handle('), ['lib/handlers/h7.py handle']);
  });

  it('none when neither an import nor proximity picks one', async () => {
    assert.deepEqual(await definitionsAt('app/loose.py', 'return handle('), []);
  });

  it('the method of the class named like the one around the cursor, called on self', async () => {
    assert.deepEqual(await definitionsAt('app/worker.py', 'self.handle('), ['lib/workers/worker.py Worker.handle']);
  });

  it('a definition deep in the same folders, reached by proximity alone', async () => {
    assert.deepEqual(await definitionsAt(`${deep}/caller.py`, 'return handle('), [`${deep}/handling.py handle`]);
  });
});

describe('sharedDirs', () => {
  it('counts the leading folders two paths share, whole names only', () => {
    assert.equal(sharedDirs('src/a/b/x.ts', 'src/a/b/y.ts'), 3);
    assert.equal(sharedDirs('src/a/b/x.ts', 'src/a/c/y.ts'), 2);
    assert.equal(sharedDirs('src/ab/x.ts', 'src/a/x.ts'), 1);
    assert.equal(sharedDirs('src/a/x.ts', 'src/a'), 1);
    assert.equal(sharedDirs('x.ts', 'x.ts'), 0);
    assert.equal(sharedDirs('a/x.ts', 'b/x.ts'), 0);
    assert.equal(sharedDirs('/abs/a/x.ts', '/abs/a/y.ts'), 3);
    assert.equal(sharedDirs('src//x.ts', 'src//y.ts'), 2);
  });
});
