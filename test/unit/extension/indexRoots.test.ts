import { strict as assert } from 'node:assert';
import { changeAction, libraryNameProblem, planRoots, resolveLibraryPath, suggestLibraryName } from '../../../src/extension/indexing/indexRoots';

describe('extension index roots', () => {
  const all = () => true;

  it('indexes every workspace folder, then each library', () => {
    const plan = planRoots(['/ws/a', '/ws/b'], { shared: '/libs/shared', ui: '~/ui' }, '/home/me', all);
    assert.deepEqual(plan.roots, [
      { root: '/ws/a', source: 'workspace' },
      { root: '/ws/b', source: 'workspace' },
      { root: '/libs/shared', source: 'shared' },
      { root: '/home/me/ui', source: 'ui' },
    ]);
    assert.deepEqual(plan.warnings, []);
  });

  it('resolves relative library paths against the first folder', () => {
    assert.equal(resolveLibraryPath('../lib', '/ws/a', '/h'), '/ws/lib');
    assert.equal(resolveLibraryPath('lib', undefined, '/h'), undefined);
    assert.equal(resolveLibraryPath('  ', '/ws', '/h'), undefined);
    const plan = planRoots([], { lib: 'rel/lib' }, '/h', all);
    assert.deepEqual(plan.roots, []);
    assert.match(plan.warnings[0], /relative path "rel\/lib".*absolute path/);
  });

  it('leaves out missing, reserved, nested and overlapping roots, naming the setting', () => {
    const plan = planRoots(
      ['/ws/a', '/ws/a/inner'],
      { gone: '/nowhere', workspace: '/libs/x', inside: '/ws/a/vendor/lib', outer: '/ws', ok: '/libs/ok' },
      '/h',
      (d) => d !== '/nowhere',
    );
    assert.deepEqual(
      plan.roots.map((r) => r.source),
      ['workspace', 'ok'],
    );
    assert.equal(plan.warnings.length, 4);
    assert.ok(plan.warnings.every((w) => w.includes('inhouse.libraries')));
    assert.ok(plan.warnings.some((w) => /"gone".*not a folder/.test(w)));
    assert.ok(plan.warnings.some((w) => /"workspace".*reserved/.test(w)));
    assert.ok(plan.warnings.some((w) => /"inside".*inside \/ws\/a/.test(w)));
    assert.ok(plan.warnings.some((w) => /"outer".*contains \/ws\/a/.test(w)));
  });

  it('validates library names', () => {
    assert.match(libraryNameProblem('', [])!, /name/);
    assert.match(libraryNameProblem('workspace', [])!, /reserved/);
    assert.match(libraryNameProblem('Conventions', [])!, /reserved/);
    assert.match(libraryNameProblem('a b', [])!, /letters, digits/);
    assert.match(libraryNameProblem('shared', ['Shared'])!, /already in inhouse\.libraries/);
    assert.equal(libraryNameProblem('shared-ui_2.0', ['other']), undefined);
  });

  it('suggests a valid, unique name from the folder', () => {
    assert.equal(suggestLibraryName('/libs/My Lib', []), 'My-Lib');
    assert.equal(suggestLibraryName('/libs/shared', ['shared']), 'shared-2');
    assert.equal(suggestLibraryName('/x/workspace', []), 'workspace-lib');
    assert.equal(suggestLibraryName('/x/.hidden', []), 'hidden');
  });

  describe('watcher events', () => {
    const roots = [
      { root: '/ws', source: 'workspace' },
      { root: '/libs/shared', source: 'shared' },
    ];
    const db = '/ws/.inhouse/index';

    it('ignores the index own writes, .inhouse internals, VCS and dependencies', () => {
      assert.equal(changeAction('/ws/.inhouse/index/chunks.lance/data/x.lance', 'create', roots, db), 'ignore');
      assert.equal(changeAction('/ws/.inhouse/index', 'delete', roots, db), 'ignore');
      assert.equal(changeAction('/ws/.inhouse/cache.json', 'change', roots, db), 'ignore');
      assert.equal(changeAction('/ws/.git/index', 'change', roots, db), 'ignore');
      assert.equal(changeAction('/ws/node_modules/x/index.js', 'create', roots, db), 'ignore');
      assert.equal(changeAction('/elsewhere/a.ts', 'change', roots, db), 'ignore');
    });

    it('updates one file for source and convention files, in the workspace and in libraries', () => {
      assert.equal(changeAction('/ws/src/a.ts', 'change', roots, db), 'file');
      assert.equal(changeAction('/ws/src/a.ts', 'delete', roots, db), 'file');
      assert.equal(changeAction('/libs/shared/util.py', 'create', roots, db), 'file');
      assert.equal(changeAction('/ws/.inhouse/conventions/errors.md', 'change', roots, db), 'file');
      assert.equal(changeAction('/ws/CONTRIBUTING.md', 'change', roots, db), 'file');
      assert.equal(changeAction('/ws/notes.txt', 'create', roots, db), 'ignore');
    });

    it('rescans for ignore files and for created or deleted folders (renames included)', () => {
      assert.equal(changeAction('/ws/.gitignore', 'change', roots, db), 'rescan');
      assert.equal(changeAction('/ws/src/.inhouseignore', 'create', roots, db), 'rescan');
      assert.equal(changeAction('/ws/src/old', 'delete', roots, db), 'rescan');
      assert.equal(changeAction('/ws/src/new', 'create', roots, db), 'rescan');
      assert.equal(changeAction('/ws/Makefile', 'change', roots, db), 'ignore');
    });
  });
});
