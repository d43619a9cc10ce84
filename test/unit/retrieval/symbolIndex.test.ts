import { strict as assert } from 'node:assert';
import { Int32, Table as ArrowTable, Utf8, vectorFromArray } from 'apache-arrow';
import type { Table } from '@lancedb/lancedb';
import { SYMBOL_COLUMNS, SymbolIndex, symbolFromRow, type SymbolEntry } from '../../../src/engine/retrieval/symbolIndex';

let nextId = 0;

function entry(fileKey: string, name: string, extra: Partial<SymbolEntry> = {}): SymbolEntry {
  const path = fileKey.replace(/^\/ws\//, '');
  return {
    id: `id${nextId++}`,
    fileKey,
    root: '/ws',
    path,
    source: 'workspace',
    language: 'typescript',
    kind: 'function',
    shape: 'whole',
    name,
    qualifiedName: name,
    parent: '',
    startLine: 1,
    endLine: 3,
    signature: `function ${name}()`,
    ...extra,
  };
}

const where = (entries: readonly SymbolEntry[]) => entries.map((e) => `${e.path}:${e.name}`);

describe('SymbolIndex', () => {
  let index: SymbolIndex;
  const A = '/ws/src/a.ts';
  const B = '/ws/src/b.ts';

  beforeEach(() => {
    index = new SymbolIndex();
    index.replaceFile(A, [
      entry(A, 'getUserById', { kind: 'method', qualifiedName: 'Repo.getUserById', parent: 'Repo' }),
      entry(A, 'Repo', { kind: 'class', startLine: 1, endLine: 20 }),
      entry(A, '', { kind: 'block', shape: 'block' }),
      entry(A, 'getUser'),
    ]);
    index.replaceFile(B, [entry(B, 'GetUserById'), entry(B, 'getUserById'), entry(B, 'getUsers'), entry(B, 'parseConfig')]);
  });

  describe('exact', () => {
    it('returns every definition with exactly that name, across files', () => {
      assert.deepEqual(where(index.exact('getUserById')), ['src/a.ts:getUserById', 'src/b.ts:getUserById']);
      assert.deepEqual(where(index.exact('GetUserById')), ['src/b.ts:GetUserById']);
    });

    it('falls back to a case-insensitive match only when no name matches exactly', () => {
      assert.deepEqual(where(index.exact('getuserbyid')).sort(), ['src/a.ts:getUserById', 'src/b.ts:GetUserById', 'src/b.ts:getUserById']);
      assert.deepEqual(where(index.exact('PARSECONFIG')), ['src/b.ts:parseConfig']);
      assert.deepEqual(where(index.exact('repo')), ['src/a.ts:Repo']);
    });

    it('finds nothing for unknown names, prefixes, the empty name or object keys', () => {
      for (const name of ['nope', 'getUserBy', '', '__proto__', 'constructor', 'toString']) {
        assert.deepEqual(index.exact(name), [], name);
      }
    });
  });

  describe('prefix', () => {
    it('is case-insensitive, ordered by lower-cased name (then as added), and includes exact names', () => {
      assert.deepEqual(where(index.prefix('getuser', 50)), [
        'src/a.ts:getUser',
        'src/a.ts:getUserById',
        'src/b.ts:GetUserById',
        'src/b.ts:getUserById',
        'src/b.ts:getUsers',
      ]);
      assert.deepEqual(where(index.prefix('GETUSERS', 50)), ['src/b.ts:getUsers']);
      assert.deepEqual(where(index.prefix('p', 50)), ['src/b.ts:parseConfig']);
    });

    it('stops at the limit, even inside one name', () => {
      assert.deepEqual(where(index.prefix('getuser', 2)), ['src/a.ts:getUser', 'src/a.ts:getUserById']);
      assert.equal(index.prefix('getuser', 3).length, 3);
      assert.deepEqual(index.prefix('getuser', 0), []);
    });

    it('an empty or unmatched prefix finds nothing', () => {
      assert.deepEqual(index.prefix('', 50), []);
      assert.deepEqual(index.prefix('zzz', 50), []);
      assert.deepEqual(index.prefix('getUserByIdX', 50), []);
    });
  });

  describe('replaceFile', () => {
    it('replaces a file’s entries: old names go, new names come, other files stay', () => {
      index.replaceFile(A, [entry(A, 'findUser')]);
      assert.deepEqual(where(index.exact('getUserById')), ['src/b.ts:getUserById']);
      assert.deepEqual(index.exact('Repo'), []);
      assert.deepEqual(where(index.exact('findUser')), ['src/a.ts:findUser']);
      assert.deepEqual(where(index.prefix('getuser', 50)), ['src/b.ts:GetUserById', 'src/b.ts:getUserById', 'src/b.ts:getUsers']);
      assert.deepEqual(where(index.prefix('find', 50)), ['src/a.ts:findUser']);
      assert.deepEqual(where(index.fileChunks(A)), ['src/a.ts:findUser']);
    });

    it('an empty list removes the file', () => {
      assert.equal(index.fileCount, 2);
      index.replaceFile(A, []);
      assert.equal(index.fileCount, 1);
      assert.deepEqual([...index.files()], [B]);
      assert.deepEqual(index.fileChunks(A), []);
      assert.deepEqual(index.exact('Repo'), []);
      // The case-insensitive table forgets the name too.
      assert.deepEqual(index.exact('repo'), []);
    });

    it('replacing a file with the same entries again changes nothing', () => {
      const before = where(index.prefix('g', 50));
      assert.equal(before.length, 5);
      index.replaceFile(B, [...index.fileChunks(B)]);
      assert.deepEqual(where(index.prefix('g', 50)), before);
      assert.equal(index.exact('getUserById').length, 2);
    });

    it('unnamed entries (line blocks) are kept per file but never looked up by name', () => {
      assert.equal(index.fileChunks(A).length, 4);
      assert.deepEqual(
        index.fileChunks(A).map((e) => e.kind),
        ['method', 'class', 'block', 'function'],
      );
      assert.deepEqual(index.exact(''), []);
    });

    it('a removed file’s names can come back', () => {
      index.replaceFile(B, []);
      // No exact-case `GetUserById` left: the case-insensitive fallback answers.
      assert.deepEqual(where(index.exact('GetUserById')), ['src/a.ts:getUserById']);
      assert.deepEqual(where(index.exact('getUsers')), []);
      index.replaceFile(B, [entry(B, 'GetUserById')]);
      assert.deepEqual(where(index.exact('GetUserById')), ['src/b.ts:GetUserById']);
      assert.deepEqual(where(index.prefix('getuserb', 50)), ['src/a.ts:getUserById', 'src/b.ts:GetUserById']);
    });
  });

  describe('load', () => {
    it('groups rows by file and converts column values', async () => {
      const rows = [
        { id: 'r1', file_key: A, root: '/ws', path: 'src/a.ts', source: 'workspace', language: 'typescript', kind: 'function', shape: 'whole', name: 'alpha', qualified_name: 'alpha', parent: '', start_line: 3, end_line: 9, signature: 'function alpha()' },
        { id: 'r2', file_key: B, root: '/ws', path: 'src/b.ts', source: 'acme', language: 'typescript', kind: 'class', shape: 'outline', name: 'Beta', qualified_name: 'lib.Beta', parent: 'lib', start_line: 1, end_line: 200, signature: 'class Beta' },
        { id: 'r3', file_key: A, root: '/ws', path: 'src/a.ts', source: 'workspace', language: 'typescript', kind: 'block', shape: 'block', name: '', qualified_name: '', parent: '', start_line: 1, end_line: 2, signature: '' },
      ];
      let selected: string[] | undefined;
      // What LanceDB hands back: an Arrow table, read column by column.
      const arrow = new ArrowTable(
        Object.fromEntries(
          SYMBOL_COLUMNS.map((c) => {
            const values = rows.map((r) => (r as Record<string, unknown>)[c]);
            return [c, typeof values[0] === 'number' ? vectorFromArray(values as number[], new Int32()) : vectorFromArray(values as string[], new Utf8())];
          }),
        ),
      );
      const table = {
        query: () => ({
          select: (columns: string[]) => {
            selected = columns;
            return { toArrow: async () => arrow };
          },
        }),
      } as unknown as Table;
      const loaded = await SymbolIndex.load(table);
      assert.deepEqual(selected, SYMBOL_COLUMNS);
      assert.equal(loaded.fileCount, 2);
      assert.deepEqual(loaded.fileChunks(A).map((e) => e.id), ['r1', 'r3']);
      assert.deepEqual(loaded.exact('alpha')[0], {
        id: 'r1', fileKey: A, root: '/ws', path: 'src/a.ts', source: 'workspace', language: 'typescript', kind: 'function', shape: 'whole',
        name: 'alpha', qualifiedName: 'alpha', parent: '', startLine: 3, endLine: 9, signature: 'function alpha()',
      });
      assert.deepEqual([loaded.exact('beta')[0].qualifiedName, loaded.exact('beta')[0].source, loaded.exact('beta')[0].endLine], ['lib.Beta', 'acme', 200]);
    });

    it('symbolFromRow turns bigints into numbers and every other value into a string', () => {
      const e = symbolFromRow({ id: 7, file_key: A, start_line: 12n, end_line: 14n, name: 'x', qualified_name: 'A.x', parent: 'A' });
      assert.equal(e.id, '7');
      assert.equal(e.startLine, 12);
      assert.equal(e.endLine, 14);
      assert.equal(typeof e.startLine, 'number');
      assert.equal(e.qualifiedName, 'A.x');
    });
  });
});
