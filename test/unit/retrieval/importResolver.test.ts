import { strict as assert } from 'node:assert';
import { FileAnalyzer } from '../../../src/engine/indexing/fileAnalyzer';
import { Grammars } from '../../../src/engine/languages/grammars';
import { languageForPath } from '../../../src/engine/languages/registry';
import {
  ImportResolver,
  parseGoModPath,
  parseTsconfigPaths,
  type ImportResolverOptions,
  type IndexedFile,
  type TsPathsConfig,
} from '../../../src/engine/retrieval/importResolver';
import { testAssets } from '../../support/testAssets';

/** An indexed file; the language comes from the registry unless given. */
function file(root: string, path: string, extra: { language?: string; packageName?: string } = {}): IndexedFile {
  const language = extra.language ?? languageForPath(path)?.id ?? 'unknown';
  const f: IndexedFile = { fileKey: `${root}/${path}`, root, path, language };
  if (extra.packageName !== undefined) f.packageName = extra.packageName;
  return f;
}

/**
 * A resolver over `files` with a helper answering in paths: relative to the importing file's
 * root, or `root/path` for files in another root.
 */
function kit(files: IndexedFile[], options?: ImportResolverOptions) {
  const resolver = new ImportResolver(files, options);
  const byKey = new Map(files.map((f) => [f.fileKey, f]));
  const find = (root: string, path: string): IndexedFile => {
    const f = byKey.get(`${root}/${path}`);
    assert.ok(f, `test layout has ${root}/${path}`);
    return f;
  };
  const resolve = (root: string, fromPath: string, spec: string): string[] =>
    resolver.resolve(find(root, fromPath), spec).map((key) => (key.startsWith(`${root}/`) ? key.slice(root.length + 1) : key));
  return { resolver, resolve, find };
}

describe('ImportResolver', () => {
  describe('TypeScript / JavaScript', () => {
    const ROOT = '/work/my app'; // a space on purpose
    const LIB = '/work/shared lib';
    const files = [
      file(ROOT, 'src/billing.ts'),
      file(ROOT, 'src/money.ts'),
      file(ROOT, 'src/currency.tsx'),
      file(ROOT, 'src/log.ts'),
      file(ROOT, 'src/log.js'), // a compiled sibling: .ts is tried first
      file(ROOT, 'src/billing/invoice.ts'),
      file(ROOT, 'src/billing/index.ts'),
      file(ROOT, 'src/esm/util.ts'),
      file(ROOT, 'src/esm/widget.tsx'),
      file(ROOT, 'src/esm/legacy.js'),
      file(ROOT, 'src/esm/mod.mts'),
      file(ROOT, 'src/esm/main.ts'),
      file(ROOT, 'src/types.d.ts'),
      file(ROOT, 'src/ünïcode/größe.ts'),
      file(ROOT, 'src/ünïcode/index.ts'),
      file(ROOT, 'src/ui/CartSummary.jsx'),
      file(ROOT, 'src/ui/CartContext.jsx'),
      file(ROOT, 'src/lib/money.js'),
      file(ROOT, 'src/config/index.ts'),
      file(ROOT, 'src/utils/str.ts'),
      file(ROOT, 'libs/a/one.ts'),
      file(ROOT, 'libs/b/two.ts'),
      file(ROOT, 'libs/special/three.ts'),
      file(ROOT, 'packages/web/src/app.ts'),
      file(ROOT, 'packages/web/src/components/Button.tsx'),
      file(LIB, 'x.ts'),
    ];

    it('resolves relative specifiers: exact, added extensions, then index files', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', './money'), ['src/money.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', './currency'), ['src/currency.tsx']);
      assert.deepEqual(resolve(ROOT, 'src/billing/invoice.ts', '../log'), ['src/log.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing/invoice.ts', '../log.js'), ['src/log.js'], 'an existing .js is taken as written');
      assert.deepEqual(resolve(ROOT, 'src/money.ts', './billing'), ['src/billing.ts'], 'a file before a directory');
      assert.deepEqual(resolve(ROOT, 'src/money.ts', './billing/'), ['src/billing/index.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', './billing'), [], 'itself, which is never an answer');
      assert.deepEqual(resolve(ROOT, 'src/billing/invoice.ts', '.'), ['src/billing/index.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing/invoice.ts', './'), ['src/billing/index.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing/invoice.ts', './index'), ['src/billing/index.ts']);
      assert.deepEqual(resolve(ROOT, 'src/money.ts', './types'), ['src/types.d.ts']);
      assert.deepEqual(resolve(ROOT, 'src/ui/CartSummary.jsx', './CartContext'), ['src/ui/CartContext.jsx']);
      assert.deepEqual(resolve(ROOT, 'src/ui/CartSummary.jsx', '../lib/money'), ['src/lib/money.js']);
    });

    it('maps ESM-style .js/.jsx/.mjs specifiers to the TypeScript sources', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/esm/main.ts', './util.js'), ['src/esm/util.ts']);
      assert.deepEqual(resolve(ROOT, 'src/esm/main.ts', './widget.js'), ['src/esm/widget.tsx']);
      assert.deepEqual(resolve(ROOT, 'src/esm/main.ts', './widget.jsx'), ['src/esm/widget.tsx']);
      assert.deepEqual(resolve(ROOT, 'src/esm/main.ts', './mod.mjs'), ['src/esm/mod.mts']);
      assert.deepEqual(resolve(ROOT, 'src/esm/main.ts', './legacy.js'), ['src/esm/legacy.js']);
      assert.deepEqual(resolve(ROOT, 'src/esm/main.ts', './missing.js'), []);
    });

    it('handles non-ASCII paths and relative paths into another root', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/money.ts', './ünïcode/größe'), ['src/ünïcode/größe.ts']);
      assert.deepEqual(resolve(ROOT, 'src/money.ts', './ünïcode'), ['src/ünïcode/index.ts']);
      assert.deepEqual(resolve(ROOT, 'src/money.ts', '../../shared lib/x'), [`${LIB}/x.ts`]);
    });

    it('resolves bare specifiers (npm packages, node builtins) to nothing without a tsconfig', () => {
      const { resolve } = kit(files);
      for (const spec of ['react', 'prop-types', 'node:path', 'fs', '@scope/pkg/sub', 'utils/str', '@/money', './nope', '../../../../x']) {
        assert.deepEqual(resolve(ROOT, 'src/billing.ts', spec), [], spec);
      }
    });

    it('applies tsconfig paths (exact, longest wildcard prefix, fallbacks in order) and baseUrl', () => {
      const tsconfig = new Map([
        [
          ROOT,
          {
            baseUrl: 'src',
            paths: {
              '@/*': ['*'],
              '@lib/*': ['../libs/a/*', '../libs/b/*'],
              '@lib/special/*': ['../libs/special/*'],
              'app-config': ['config/index.ts'],
              '~*': ['./*'],
            },
          },
        ],
      ]);
      const { resolve } = kit(files, { tsconfig });
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@/money'), ['src/money.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@/billing/'), ['src/billing/index.ts']);
      assert.deepEqual(resolve(ROOT, 'src/money.ts', '@/billing'), ['src/billing.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@lib/one'), ['libs/a/one.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@lib/two'), ['libs/b/two.ts'], 'second substitution');
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@lib/special/three'), ['libs/special/three.ts'], 'longest prefix wins');
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', 'app-config'), ['src/config/index.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '~/utils/str'), ['src/utils/str.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', 'utils/str'), ['src/utils/str.ts'], 'baseUrl');
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', 'config'), ['src/config/index.ts'], 'baseUrl directory');
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', 'react'), []);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@lib/none'), []);
    });

    it('uses paths without baseUrl against the config directory, and no bare lookups then', () => {
      const cfg = parseTsconfigPaths('{ "compilerOptions": { "paths": { "#app/*": ["./src/*"] } } }');
      assert.ok(cfg);
      const { resolve } = kit(files, { tsconfig: new Map([[ROOT, cfg]]) });
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '#app/money'), ['src/money.ts']);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', 'src/money'), [], 'no baseUrl: bare names stay external');
    });

    it('picks the config of the nearest ancestor directory (monorepo packages)', () => {
      const tsconfig = new Map<string, TsPathsConfig>([
        [ROOT, { baseUrl: 'src', paths: {} }],
        [`${ROOT}/packages/web`, { baseUrl: '.', paths: { '@web/*': ['src/*'] } }],
      ]);
      const { resolve } = kit(files, { tsconfig });
      assert.deepEqual(resolve(ROOT, 'packages/web/src/app.ts', '@web/components/Button'), ['packages/web/src/components/Button.tsx']);
      assert.deepEqual(resolve(ROOT, 'packages/web/src/app.ts', 'src/components/Button'), ['packages/web/src/components/Button.tsx']);
      assert.deepEqual(resolve(ROOT, 'packages/web/src/app.ts', 'money'), [], 'the root config does not apply inside the package');
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', 'money'), ['src/money.ts']);
    });

    it('setTsconfig replaces and removes a config at run time', () => {
      const { resolver, resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@/money'), []);
      resolver.setTsconfig(ROOT, { baseUrl: '', paths: { '@/*': ['src/*'] } });
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@/money'), ['src/money.ts']);
      resolver.setTsconfig(ROOT, undefined);
      assert.deepEqual(resolve(ROOT, 'src/billing.ts', '@/money'), []);
    });
  });

  describe('parseTsconfigPaths', () => {
    it('reads JSONC: comments, trailing commas, comment-like text inside strings', () => {
      const text = `\ufeff{
        // the base
        "compilerOptions": {
          /* block
             comment */
          "baseUrl": "./src/", // trailing comment
          "paths": {
            "@/*": ["./*",], // trailing comma in an array
            "http://x/*": ["vendor/*"],
            "glob/*": ["a/*/b", /* inline */ "c/*",],
          },
          "strict": true,
        },
        "include": ["src/**/*"],
      }`;
      assert.deepEqual(parseTsconfigPaths(text), {
        baseUrl: 'src',
        paths: { '@/*': ['./*'], 'http://x/*': ['vendor/*'], 'glob/*': ['a/*/b', 'c/*'] },
        hasBaseUrl: true,
      });
    });

    it('normalises baseUrl and reports a missing one', () => {
      assert.deepEqual(parseTsconfigPaths('{"compilerOptions":{"baseUrl":"."}}'), { baseUrl: '', paths: {}, hasBaseUrl: true });
      assert.deepEqual(parseTsconfigPaths('{"compilerOptions":{"baseUrl":"./"}}'), { baseUrl: '', paths: {}, hasBaseUrl: true });
      assert.deepEqual(parseTsconfigPaths('{"compilerOptions":{"baseUrl":"src/../lib"}}'), { baseUrl: 'lib', paths: {}, hasBaseUrl: true });
      assert.deepEqual(parseTsconfigPaths('{"compilerOptions":{"paths":{"x":["y"]}}}'), { baseUrl: '', paths: { x: ['y'] }, hasBaseUrl: false });
    });

    it('returns undefined for configs without baseUrl/paths and for text that is not JSON', () => {
      assert.equal(parseTsconfigPaths('{"extends":"./base.json"}'), undefined);
      assert.equal(parseTsconfigPaths('{"compilerOptions":{"strict":true}}'), undefined);
      assert.equal(parseTsconfigPaths('{"compilerOptions": '), undefined);
      assert.equal(parseTsconfigPaths(''), undefined);
      assert.equal(parseTsconfigPaths('[]'), undefined);
    });
  });

  describe('Python', () => {
    const ROOT = '/repos/inventory sërvice';
    const SHARED = '/repos/shared';
    const files = [
      file(ROOT, 'src/shop/__init__.py'),
      file(ROOT, 'src/shop/inventory.py'),
      file(ROOT, 'src/shop/report_builder.py'),
      file(ROOT, 'src/shop/models.py'),
      file(ROOT, 'src/shop/stores.py'),
      file(ROOT, 'src/shop/events/__init__.py'),
      file(ROOT, 'src/shop/events/bus.py'),
      file(ROOT, 'src/shop/api/__init__.py'),
      file(ROOT, 'src/shop/api/handlers.py'),
      file(ROOT, 'src/shop/api/v1/__init__.py'),
      file(ROOT, 'src/shop/api/v1/routes.py'),
      file(ROOT, 'src/shop/logging.py'),
      file(ROOT, 'scripts/run.py'),
      file(ROOT, 'scripts/helpers.py'),
      file(ROOT, 'pkg/__init__.py'),
      file(ROOT, 'pkg/util.py'),
      file(ROOT, 'tools/vendor/pkg/__init__.py'),
      file(ROOT, 'tools/vendor/pkg/util.py'),
      file(ROOT, 'both/__init__.py'),
      file(ROOT, 'both/thing.py'),
      file(ROOT, 'both/thing/__init__.py'),
      file(ROOT, 'stubs/typed.pyi'),
      file(SHARED, 'common/__init__.py'),
      file(SHARED, 'common/ids.py'),
    ];

    it('resolves relative imports from the package directory', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', '.models'), ['src/shop/models.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', '.stores'), ['src/shop/stores.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', '.events'), ['src/shop/events/__init__.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/api/handlers.py', '..events'), ['src/shop/events/__init__.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/api/handlers.py', '..events.bus'), ['src/shop/events/bus.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/api/v1/routes.py', '...models'), ['src/shop/models.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/api/handlers.py', '.'), ['src/shop/api/__init__.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/api/v1/routes.py', '..'), ['src/shop/api/__init__.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/api/__init__.py', '.'), [], 'never the importing file itself');
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', '.missing'), []);
    });

    it('resolves absolute modules at a source root: packages and modules', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'shop'), ['src/shop/__init__.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'shop.models'), ['src/shop/models.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'shop.events.bus'), ['src/shop/events/bus.py']);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'shop.api.v1'), ['src/shop/api/v1/__init__.py']);
      assert.deepEqual(resolve(ROOT, 'scripts/run.py', 'helpers'), ['scripts/helpers.py'], "the script's own directory");
      assert.deepEqual(resolve(ROOT, 'scripts/run.py', 'stubs.typed'), ['stubs/typed.pyi'], 'a namespace package (no __init__.py)');
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'api.handlers'), [], 'src/shop is a package, not a source root');
    });

    it('does not match a module inside a package by its last name only (stdlib names stay external)', () => {
      const { resolve } = kit(files);
      // src/shop/logging.py is shop.logging, not the stdlib logging.
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'logging'), []);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'models'), []);
      for (const spec of ['os', 'os.path', 'collections.abc', 'dataclasses', 'typing', 'json', 'csv', 'numpy.linalg']) {
        assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', spec), [], spec);
      }
    });

    it('orders ambiguous matches: the root or src/ first, then shorter prefixes; a package before a module', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'scripts/run.py', 'pkg.util'), ['pkg/util.py', 'tools/vendor/pkg/util.py']);
      assert.deepEqual(resolve(ROOT, 'scripts/run.py', 'pkg'), ['pkg/__init__.py', 'tools/vendor/pkg/__init__.py']);
      assert.deepEqual(resolve(ROOT, 'scripts/run.py', 'both.thing'), ['both/thing/__init__.py', 'both/thing.py']);
    });

    it('finds modules in another root after the importing root', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/shop/inventory.py', 'common.ids'), [`${SHARED}/common/ids.py`]);
      const { resolve: resolve2 } = kit([...files, file(ROOT, 'common/__init__.py'), file(ROOT, 'common/ids.py')]);
      assert.deepEqual(resolve2(ROOT, 'src/shop/inventory.py', 'common.ids'), ['common/ids.py', `${SHARED}/common/ids.py`]);
    });
  });

  describe('Go', () => {
    const ROOT = '/src/shop';
    const files = [
      file(ROOT, 'store/store.go'),
      file(ROOT, 'store/store_test.go'),
      file(ROOT, 'internal/money/money.go'),
      file(ROOT, 'internal/money/format.go'),
      file(ROOT, 'internal/money/money_test.go'),
      file(ROOT, 'internal/money/README.md'),
      file(ROOT, 'legacy/money/money.go'),
      file(ROOT, 'cmd/server/main.go'),
      file(ROOT, 'vendor/github.com/pkg/errors/errors.go'),
      file(ROOT, 'tools/errors/errors.go'),
    ];

    it('maps an import path to the directory with the longest matching suffix; tests last', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'store/store.go', 'example.com/shop/internal/money'), [
        'internal/money/format.go',
        'internal/money/money.go',
        'internal/money/money_test.go',
      ]);
      assert.deepEqual(resolve(ROOT, 'cmd/server/main.go', 'example.com/shop/store'), ['store/store.go', 'store/store_test.go']);
    });

    it('works when the checkout directory is not named like the module', () => {
      const root = '/tmp/ci checkout 7';
      const { resolve } = kit([file(root, 'main.go'), file(root, 'store/store.go'), file(root, 'other/store/x.go')]);
      assert.deepEqual(resolve(root, 'main.go', 'github.com/acme/shop/store'), ['store/store.go', 'other/store/x.go']);
    });

    it('leaves the standard library external', () => {
      const { resolve } = kit(files);
      for (const spec of ['context', 'database/sql', 'errors', 'fmt', 'time', 'net/http', 'encoding/json', 'C']) {
        assert.deepEqual(resolve(ROOT, 'store/store.go', spec), [], spec);
      }
    });

    it('uses go.mod module paths when given: exact directories, vendor, and everything else external', () => {
      const goModules = new Map([[ROOT, 'example.com/shop']]);
      const { resolve } = kit(files, { goModules });
      assert.deepEqual(resolve(ROOT, 'store/store.go', 'example.com/shop/internal/money'), [
        'internal/money/format.go',
        'internal/money/money.go',
        'internal/money/money_test.go',
      ]);
      assert.deepEqual(resolve(ROOT, 'store/store.go', 'example.com/shop/legacy/money'), ['legacy/money/money.go']);
      assert.deepEqual(resolve(ROOT, 'store/store.go', 'example.com/shop/nothing'), []);
      assert.deepEqual(resolve(ROOT, 'store/store.go', 'github.com/pkg/errors'), ['vendor/github.com/pkg/errors/errors.go']);
      assert.deepEqual(resolve(ROOT, 'store/store.go', 'github.com/acme/tools/errors'), [], 'not in any registered module');
    });

    it('picks the longest registered module (nested modules) and prefers the same root on ties', () => {
      const mono = '/mono';
      const other = '/other';
      const goModules = new Map([
        [mono, 'example.com/mono'],
        [`${mono}/tools`, 'example.com/mono/tools'],
      ]);
      const layout = [
        file(mono, 'svc/main.go'),
        file(mono, 'tools/lint/lint.go'),
        file(mono, 'tools/tools.go'),
        file(other, 'cmd/app.go'),
        file(other, 'lint/x.go'),
      ];
      const { resolve } = kit(layout, { goModules });
      assert.deepEqual(resolve(mono, 'svc/main.go', 'example.com/mono/tools/lint'), ['tools/lint/lint.go']);
      assert.deepEqual(resolve(mono, 'svc/main.go', 'example.com/mono/tools'), ['tools/tools.go']);
      // /other has no go.mod registered: heuristics, the same root before the other one.
      assert.deepEqual(resolve(other, 'cmd/app.go', 'example.com/x/lint'), ['lint/x.go', `${mono}/tools/lint/lint.go`]);
    });

    it('parses go.mod module paths', () => {
      assert.equal(parseGoModPath('// comment\nmodule example.com/shop // trailing\n\ngo 1.22\n'), 'example.com/shop');
      assert.equal(parseGoModPath('module "example.com/quoted"\n'), 'example.com/quoted');
      assert.equal(parseGoModPath('go 1.22\n'), undefined);
    });
  });

  describe('Java', () => {
    const ROOT = '/j/billing';
    const J = 'src/main/java/com/acme';
    const files = [
      file(ROOT, `${J}/billing/InvoiceService.java`),
      file(ROOT, `${J}/billing/Money.java`),
      file(ROOT, `${J}/billing/store/InvoiceRepository.java`),
      file(ROOT, `${J}/billing/store/JdbcInvoiceRepository.java`),
      file(ROOT, `${J}/util/Strings.java`),
      file(ROOT, `${J}/util/Outer.java`),
      file(ROOT, 'src/test/java/com/acme/util/StringsTest.java'),
      file(ROOT, 'legacy/Flat.java', { packageName: 'com.acme.legacy' }),
      file(ROOT, 'legacy/com/acme/legacy/Wrong.java', { packageName: 'com.other' }),
      file(ROOT, 'other/com/acme/billing/Money.java'),
    ];

    it('resolves class imports by package path, ambiguous copies ordered by path', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, `${J}/billing/InvoiceService.java`, 'com.acme.billing.store.InvoiceRepository'), [
        `${J}/billing/store/InvoiceRepository.java`,
      ]);
      assert.deepEqual(resolve(ROOT, `${J}/billing/store/InvoiceRepository.java`, 'com.acme.billing.Money'), [
        'other/com/acme/billing/Money.java',
        `${J}/billing/Money.java`,
      ]);
    });

    it('resolves wildcard packages to the package files (main and test source roots)', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, `${J}/billing/InvoiceService.java`, 'com.acme.billing.store'), [
        `${J}/billing/store/InvoiceRepository.java`,
        `${J}/billing/store/JdbcInvoiceRepository.java`,
      ]);
      assert.deepEqual(resolve(ROOT, `${J}/billing/InvoiceService.java`, 'com.acme.util'), [
        `${J}/util/Outer.java`,
        `${J}/util/Strings.java`,
        'src/test/java/com/acme/util/StringsTest.java',
      ]);
    });

    it('resolves static members, static wildcards and nested classes to the class file', () => {
      const { resolve } = kit(files);
      const from = `${J}/billing/InvoiceService.java`;
      assert.deepEqual(resolve(ROOT, from, 'com.acme.util.Strings.requireText'), [`${J}/util/Strings.java`]);
      assert.deepEqual(resolve(ROOT, from, 'com.acme.util.Strings'), [`${J}/util/Strings.java`], 'import static com.acme.util.Strings.*');
      assert.deepEqual(resolve(ROOT, from, 'com.acme.util.Outer.Inner'), [`${J}/util/Outer.java`]);
      assert.deepEqual(resolve(ROOT, from, 'com.acme.util.Outer.Inner.CONSTANT'), [`${J}/util/Outer.java`]);
    });

    it('prefers declared packages over paths', () => {
      const { resolve } = kit(files);
      const from = `${J}/billing/InvoiceService.java`;
      assert.deepEqual(resolve(ROOT, from, 'com.acme.legacy.Flat'), ['legacy/Flat.java']);
      assert.deepEqual(resolve(ROOT, from, 'com.acme.legacy'), ['legacy/Flat.java']);
      assert.deepEqual(resolve(ROOT, from, 'com.acme.legacy.Wrong'), [], 'its package says com.other');
      assert.deepEqual(resolve(ROOT, from, 'com.other.Wrong'), ['legacy/com/acme/legacy/Wrong.java']);
    });

    it('leaves the JDK and libraries external', () => {
      const { resolve } = kit(files);
      for (const spec of ['java.math.BigDecimal', 'java.util', 'java.util.Objects.requireNonNull', 'org.slf4j.Logger']) {
        assert.deepEqual(resolve(ROOT, `${J}/billing/InvoiceService.java`, spec), [], spec);
      }
    });
  });

  describe('Rust', () => {
    const ROOT = '/r/ledger-core';
    const files = [
      file(ROOT, 'src/lib.rs'),
      file(ROOT, 'src/money.rs'),
      file(ROOT, 'src/a.rs'),
      file(ROOT, 'src/a/b.rs'),
      file(ROOT, 'src/billing/mod.rs'),
      file(ROOT, 'src/billing/ledger.rs'),
      file(ROOT, 'src/billing/ledger/audit.rs'),
      file(ROOT, 'src/billing/ledger/export/mod.rs'),
      file(ROOT, 'src/billing/tax.rs'),
      file(ROOT, 'src/bin/tool.rs'),
      file(ROOT, 'src/bin/helper.rs'),
      file(ROOT, 'tests/it.rs'),
      file(ROOT, 'tests/common/mod.rs'),
      file(ROOT, 'crates/util-kit/src/lib.rs'),
      file(ROOT, 'crates/util-kit/src/fmt.rs'),
      file(ROOT, 'crates/util-kit/src/fmt/pretty.rs'),
      file(ROOT, 'crates/app/src/main.rs'),
      file(ROOT, 'crates/app/src/cli.rs'),
    ];
    const LEDGER = 'src/billing/ledger.rs';

    it('resolves crate:: paths, dropping trailing item names', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate::money'), ['src/money.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate::money::Money'), ['src/money.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate::a::b::C'), ['src/a/b.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate::a::Missing'), ['src/a.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate::billing::ledger::export::Csv'), ['src/billing/ledger/export/mod.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate::billing'), ['src/billing/mod.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate::Thing'), ['src/lib.rs'], 'an item at the crate root');
      assert.deepEqual(resolve(ROOT, LEDGER, 'crate'), ['src/lib.rs']);
      assert.deepEqual(resolve(ROOT, 'crates/app/src/cli.rs', 'crate::Config'), ['crates/app/src/main.rs']);
    });

    it('resolves super:: and self:: relative to the current module', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, LEDGER, 'super'), ['src/billing/mod.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'super::tax'), ['src/billing/tax.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'super::tax::Rate'), ['src/billing/tax.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'super::super::money'), ['src/money.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'super::super'), ['src/lib.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'super::super::super'), [], 'above the crate');
      assert.deepEqual(resolve(ROOT, LEDGER, 'self::audit'), ['src/billing/ledger/audit.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'self::audit::Entry'), ['src/billing/ledger/audit.rs']);
      assert.deepEqual(resolve(ROOT, 'src/billing/mod.rs', 'self::tax'), ['src/billing/tax.rs']);
      assert.deepEqual(resolve(ROOT, 'src/billing/mod.rs', 'super::money'), ['src/money.rs']);
      assert.deepEqual(resolve(ROOT, 'src/a/b.rs', 'super'), ['src/a.rs']);
      assert.deepEqual(resolve(ROOT, 'src/lib.rs', 'super'), []);
    });

    it('resolves mod declarations (captured as the bare name) beside mod.rs/lib.rs or under foo/', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, LEDGER, 'audit'), ['src/billing/ledger/audit.rs']);
      assert.deepEqual(resolve(ROOT, LEDGER, 'export'), ['src/billing/ledger/export/mod.rs']);
      assert.deepEqual(resolve(ROOT, 'src/billing/mod.rs', 'ledger'), ['src/billing/ledger.rs']);
      assert.deepEqual(resolve(ROOT, 'src/lib.rs', 'money'), ['src/money.rs']);
      assert.deepEqual(resolve(ROOT, 'src/lib.rs', 'billing'), ['src/billing/mod.rs']);
      assert.deepEqual(resolve(ROOT, 'tests/it.rs', 'common'), ['tests/common/mod.rs']);
      assert.deepEqual(resolve(ROOT, 'src/bin/tool.rs', 'helper'), ['src/bin/helper.rs']);
      assert.deepEqual(resolve(ROOT, 'src/lib.rs', 'billing::tax::Rate'), ['src/billing/tax.rs'], '2018 path through a child module');
      assert.deepEqual(resolve(ROOT, 'src/lib.rs', 'missing'), []);
    });

    it('resolves workspace crates by name (- as _), the root directory included', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'crates/app/src/main.rs', 'util_kit'), ['crates/util-kit/src/lib.rs']);
      assert.deepEqual(resolve(ROOT, 'crates/app/src/main.rs', 'util_kit::fmt::pretty::Pretty'), ['crates/util-kit/src/fmt/pretty.rs']);
      assert.deepEqual(resolve(ROOT, 'crates/app/src/main.rs', 'util_kit::Thing'), ['crates/util-kit/src/lib.rs']);
      assert.deepEqual(resolve(ROOT, 'tests/it.rs', 'ledger_core::money::Money'), ['src/money.rs']);
      assert.deepEqual(resolve(ROOT, 'src/bin/tool.rs', 'ledger_core::billing'), ['src/billing/mod.rs']);
    });

    it('leaves std and external crates external', () => {
      const { resolve } = kit(files);
      for (const spec of ['std::collections::HashMap', 'std::fmt', '::std::fmt', 'core::mem', 'serde::Deserialize', 'serde', 'tokio']) {
        assert.deepEqual(resolve(ROOT, LEDGER, spec), [], spec);
      }
    });
  });

  describe('C / C++', () => {
    const ROOT = '/c/ring buf';
    const files = [
      file(ROOT, 'src/ringbuf.c'),
      file(ROOT, 'src/ringbuf.h'),
      file(ROOT, 'src/net/rate_limiter.cpp'),
      file(ROOT, 'src/net/rate_limiter.hpp'),
      file(ROOT, 'include/util/log.h'),
      file(ROOT, 'include/net/clock.hpp'),
      file(ROOT, 'third_party/zed/include/util/log.h'),
      file(ROOT, 'third_party/zed/src/zed.c'),
      file(ROOT, 'inc/a.h'),
      file(ROOT, 'src/deep/x.c'),
    ];

    it('resolves quoted includes relative to the including file first', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/ringbuf.c', 'ringbuf.h'), ['src/ringbuf.h']);
      assert.deepEqual(resolve(ROOT, 'src/net/rate_limiter.cpp', 'rate_limiter.hpp'), ['src/net/rate_limiter.hpp']);
      assert.deepEqual(resolve(ROOT, 'src/deep/x.c', '../../inc/a.h'), ['inc/a.h']);
    });

    it('falls back to suffix matches, the nearest first', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/ringbuf.c', 'util/log.h'), ['include/util/log.h', 'third_party/zed/include/util/log.h']);
      assert.deepEqual(resolve(ROOT, 'third_party/zed/src/zed.c', 'util/log.h'), ['third_party/zed/include/util/log.h', 'include/util/log.h']);
      assert.deepEqual(resolve(ROOT, 'src/net/rate_limiter.cpp', 'net/clock.hpp'), ['include/net/clock.hpp']);
      assert.deepEqual(resolve(ROOT, 'src/deep/x.c', '../inc/a.h'), ['inc/a.h'], 'a wrong relative path still matches by suffix');
    });

    it('resolves <...> includes by suffix only; system headers resolve to nothing', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/ringbuf.c', '<util/log.h>'), ['include/util/log.h', 'third_party/zed/include/util/log.h']);
      assert.deepEqual(resolve(ROOT, 'src/net/rate_limiter.cpp', '<ringbuf.h>'), ['src/ringbuf.h']);
      for (const spec of ['<stdio.h>', '<stddef.h>', '<vector>', '<unordered_map>', 'missing.h']) {
        assert.deepEqual(resolve(ROOT, 'src/ringbuf.c', spec), [], spec);
      }
    });
  });

  describe('C#', () => {
    const ROOT = '/cs/Acme Shop';
    const files = [
      file(ROOT, 'src/Orders/OrderProcessor.cs', { packageName: 'Acme.Orders' }),
      file(ROOT, 'src/Orders/Discounts.cs', { packageName: 'Acme.Orders' }),
      file(ROOT, 'src/Util/Strings.cs', { packageName: 'Acme.Util' }),
      file(ROOT, 'src/Util/Guard.cs', { packageName: 'Acme.Util' }),
      file(ROOT, 'src/Util/Models.cs', { packageName: 'Acme.Models' }), // several types in one file
      file(ROOT, 'src/App/Program.cs', { packageName: 'Acme.App' }),
      file(ROOT, 'lib/Acme.Billing/Invoice.cs'),
      file(ROOT, 'lib/Acme.Billing/Tax/Vat.cs'),
      file(ROOT, 'lib/Acme.Billing/Tax/Rates.cs', { packageName: 'Acme.Billing.Rates' }),
    ];

    it('resolves namespaces to the files declaring them', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Acme.Orders'), ['src/Orders/Discounts.cs', 'src/Orders/OrderProcessor.cs']);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Acme.Util'), ['src/Util/Guard.cs', 'src/Util/Strings.cs']);
    });

    it('falls back to folders for files without a namespace, dotted folder names included', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Acme.Billing'), ['lib/Acme.Billing/Invoice.cs']);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Acme.Billing.Tax'), ['lib/Acme.Billing/Tax/Vat.cs']);
    });

    it('resolves using static and aliases to the type file, else its namespace', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Acme.Util.Strings'), ['src/Util/Strings.cs']);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Acme.Models.Thing'), ['src/Util/Models.cs']);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Acme.Util.Box<int>'), ['src/Util/Guard.cs', 'src/Util/Strings.cs']);
    });

    it('tries usings relative to the enclosing namespace', () => {
      const { resolve } = kit(files);
      const from = file(ROOT, 'src/App/Inner.cs', { packageName: 'Acme' });
      const { resolver } = kit([...files, from]);
      assert.deepEqual(resolver.resolve(from, 'Util').map((k) => k.slice(ROOT.length + 1)), ['src/Util/Guard.cs', 'src/Util/Strings.cs']);
      assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', 'Orders'), ['src/Orders/Discounts.cs', 'src/Orders/OrderProcessor.cs']);
    });

    it('leaves the BCL and packages external', () => {
      const { resolve } = kit(files);
      for (const spec of ['System', 'System.Collections.Generic', 'System.Math', 'System.Text.Json.JsonSerializer', 'Newtonsoft.Json']) {
        assert.deepEqual(resolve(ROOT, 'src/App/Program.cs', spec), [], spec);
      }
    });
  });

  describe('Ruby', () => {
    const ROOT = '/rb/billing';
    const files = [
      file(ROOT, 'app/models/subscription.rb'),
      file(ROOT, 'app/models/notifier.rb'),
      file(ROOT, 'app/billing/invoice.rb'),
      file(ROOT, 'app/serializers/json.rb'),
      file(ROOT, 'lib/acme/billing.rb'),
      file(ROOT, 'lib/acme/billing/invoice.rb'),
      file(ROOT, 'lib/tasks/cleanup.rake'),
      file(ROOT, 'gems/acme-core/lib/acme/core.rb'),
      file(ROOT, 'vendor/old/acme/billing.rb'),
      file(ROOT, 'spec/spec_helper.rb'),
      file(ROOT, 'spec/models/subscription_spec.rb'),
      file(ROOT, 'config.rb'),
    ];

    it('resolves require_relative forms against the file', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', '../billing/invoice'), ['app/billing/invoice.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', 'notifier'), ['app/models/notifier.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', './notifier'), ['app/models/notifier.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', 'notifier.rb'), ['app/models/notifier.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', './missing'), []);
    });

    it('resolves require forms on the load path: lib/ first, other lib dirs, the root, spec/', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', 'acme/billing'), ['lib/acme/billing.rb', 'vendor/old/acme/billing.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', 'acme/billing/invoice'), ['lib/acme/billing/invoice.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', 'acme/core'), ['gems/acme-core/lib/acme/core.rb']);
      assert.deepEqual(resolve(ROOT, 'spec/models/subscription_spec.rb', 'spec_helper'), ['spec/spec_helper.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', 'config'), ['config.rb']);
      assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', 'tasks/cleanup.rake'), ['lib/tasks/cleanup.rake']);
    });

    it('keeps stdlib and gem names external even when an app file shares the name', () => {
      const { resolve } = kit(files);
      for (const spec of ['json', 'time', 'set', 'rails/all', 'active_support/core_ext']) {
        assert.deepEqual(resolve(ROOT, 'app/models/subscription.rb', spec), [], spec);
      }
    });
  });

  describe('PHP', () => {
    const ROOT = '/php/shop';
    const files = [
      file(ROOT, 'src/Services/CartService.php'),
      file(ROOT, 'src/Services/bootstrap.php'),
      file(ROOT, 'src/Contracts/PriceCalculator.php'),
      file(ROOT, 'src/Models/Cart.php'),
      file(ROOT, 'src/Models/LineItem.php'),
      file(ROOT, 'src/Support/functions.php'),
      file(ROOT, 'app/Models/User.php'),
      file(ROOT, 'legacy/User.php'),
      file(ROOT, 'modules/Billing/Invoice.php', { packageName: 'Acme\\Billing' }),
      file(ROOT, 'modules/Billing/Other/Invoice.php', { packageName: 'Acme\\Other' }),
      file(ROOT, 'global/Helpers.php', { packageName: '' }),
      file(ROOT, 'config.php'),
      file(ROOT, 'lib/util.php'),
    ];
    const FROM = 'src/Services/CartService.php';

    it('maps class names PSR-4 style by the longest namespace suffix', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, FROM, 'Acme\\Shop\\Contracts\\PriceCalculator'), ['src/Contracts/PriceCalculator.php']);
      assert.deepEqual(resolve(ROOT, FROM, 'App\\Models\\User'), ['app/Models/User.php', 'legacy/User.php']);
      assert.deepEqual(resolve(ROOT, FROM, '\\App\\Models\\User'), ['app/Models/User.php', 'legacy/User.php']);
    });

    it('prefers declared namespaces and ignores files declaring another one', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, FROM, 'Acme\\Billing\\Invoice'), ['modules/Billing/Invoice.php']);
      assert.deepEqual(resolve(ROOT, FROM, 'Acme\\Other\\Invoice'), ['modules/Billing/Other/Invoice.php']);
      assert.deepEqual(resolve(ROOT, FROM, 'Helpers'), ['global/Helpers.php'], 'a global-namespace class');
      assert.deepEqual(resolve(ROOT, FROM, 'Cart'), [], 'a one-segment name (e.g. an alias) needs a declared global namespace');
    });

    it('resolves group-use prefixes and function imports to namespace files', () => {
      const { resolve } = kit(files);
      // Both Models folders match one segment; the one nearer the importing file comes first.
      assert.deepEqual(resolve(ROOT, FROM, 'Acme\\Shop\\Models'), ['src/Models/Cart.php', 'src/Models/LineItem.php', 'app/Models/User.php']);
      assert.deepEqual(resolve(ROOT, FROM, 'App\\Models'), ['app/Models/User.php'], 'two segments beat one');
      assert.deepEqual(resolve(ROOT, FROM, 'Acme\\Support\\money_format'), ['src/Support/functions.php']);
    });

    it('resolves required files relative to the file, then the root, then by suffix', () => {
      const { resolve } = kit(files);
      assert.deepEqual(resolve(ROOT, FROM, '/bootstrap.php'), ['src/Services/bootstrap.php']);
      assert.deepEqual(resolve(ROOT, FROM, 'config.php'), ['config.php']);
      assert.deepEqual(resolve(ROOT, FROM, '/../../lib/util.php'), ['lib/util.php']);
      assert.deepEqual(resolve(ROOT, 'app/Models/User.php', 'lib/util.php'), ['lib/util.php']);
      assert.deepEqual(resolve(ROOT, FROM, 'vendor/autoload.php'), []);
    });

    it('leaves vendor namespaces external', () => {
      const { resolve } = kit(files);
      for (const spec of ['Psr\\Log\\LoggerInterface', 'Symfony\\Component\\HttpFoundation\\Request', 'Psr\\Log']) {
        assert.deepEqual(resolve(ROOT, FROM, spec), [], spec);
      }
    });
  });

  describe('file keys and roots', () => {
    it('answers with the file keys as given, whatever their separators (backslash roots)', () => {
      const root = 'C:\\work\\app';
      const mk = (path: string, language: string): IndexedFile => ({ fileKey: `${root}\\${path.replace(/\//g, '\\')}`, root, path, language });
      const a = mk('src/a.ts', 'typescript');
      const b = mk('src/b/index.ts', 'typescript');
      const h = mk('inc/x.h', 'c');
      const c = mk('src/m.c', 'c');
      const resolver = new ImportResolver([a, b, h, c]);
      assert.deepEqual(resolver.resolve(a, './b'), [b.fileKey]);
      assert.deepEqual(resolver.resolve(c, '../inc/x.h'), [h.fileKey]);
      assert.deepEqual(resolver.resolve(c, '<x.h>'), [h.fileKey]);
    });
  });

  describe('Markdown and unknown languages', () => {
    it('resolve nothing', () => {
      const ROOT = '/docs';
      const { resolve } = kit([file(ROOT, 'README.md'), file(ROOT, 'guide.md'), file(ROOT, 'x.txt', { language: 'text' })]);
      assert.deepEqual(resolve(ROOT, 'README.md', './guide.md'), []);
      assert.deepEqual(resolve(ROOT, 'x.txt', './guide.md'), []);
    });
  });

  describe('incremental updates', () => {
    const ROOT = '/inc';

    it('sees added files and forgets removed ones, cached answers included', () => {
      const main = file(ROOT, 'src/main.ts');
      const { resolver } = kit([main]);
      assert.deepEqual(resolver.resolve(main, './money'), []);
      const money = file(ROOT, 'src/money.ts');
      resolver.addFile(money);
      assert.deepEqual(resolver.resolve(main, './money'), [money.fileKey]);
      const moneyIndex = file(ROOT, 'src/money/index.ts');
      resolver.addFile(moneyIndex);
      resolver.removeFile(money.fileKey);
      assert.deepEqual(resolver.resolve(main, './money'), [moneyIndex.fileKey]);
      resolver.removeFile(moneyIndex.fileKey);
      resolver.removeFile(moneyIndex.fileKey); // twice is harmless
      resolver.removeFile('/nowhere/x.ts');
      assert.deepEqual(resolver.resolve(main, './money'), []);
      assert.equal(resolver.size, 1);
    });

    it('re-adding a file replaces it (a changed package declaration)', () => {
      const from = file(ROOT, 'App.cs', { packageName: 'Acme.App' });
      const util = file(ROOT, 'Lib/Helpers.cs', { packageName: 'Acme.Util' });
      const { resolver } = kit([from, util]);
      assert.deepEqual(resolver.resolve(from, 'Acme.Util'), [util.fileKey]);
      resolver.addFile({ ...util, packageName: 'Acme.Tools' });
      assert.deepEqual(resolver.resolve(from, 'Acme.Util'), []);
      assert.deepEqual(resolver.resolve(from, 'Acme.Tools'), [util.fileKey]);
      assert.equal(resolver.size, 2);
    });

    it('drops directories and crates when their last file goes', () => {
      const main = file(ROOT, 'cmd/main.go');
      const store = file(ROOT, 'store/store.go');
      const lib = file(ROOT, 'kit/src/lib.rs');
      const app = file(ROOT, 'app/src/main.rs');
      const { resolver } = kit([main, store, lib, app]);
      assert.deepEqual(resolver.resolve(main, 'example.com/x/store'), [store.fileKey]);
      assert.deepEqual(resolver.resolve(app, 'kit::thing'), [lib.fileKey]);
      resolver.removeFile(store.fileKey);
      resolver.removeFile(lib.fileKey);
      assert.deepEqual(resolver.resolve(main, 'example.com/x/store'), []);
      assert.deepEqual(resolver.resolve(app, 'kit::thing'), []);
      resolver.addFile(store);
      assert.deepEqual(resolver.resolve(main, 'example.com/x/store'), [store.fileKey]);
    });

    it('stays correct across the sweeps of removed entries', () => {
      const main = file(ROOT, 'cmd/main.go');
      const kept = file(ROOT, 'store/store.go');
      const lonely = file(ROOT, 'lonely/only.go');
      const { resolver } = kit([main, kept]);
      for (let i = 0; i < 12_000; i++) {
        resolver.addFile(lonely);
        resolver.removeFile(lonely.fileKey);
        resolver.addFile({ ...kept });
        if (i % 3_000 === 0) {
          assert.deepEqual(resolver.resolve(main, 'example.com/x/lonely'), []);
          assert.deepEqual(resolver.resolve(main, 'example.com/x/store'), [kept.fileKey]);
        }
      }
      assert.equal(resolver.size, 2);
      assert.deepEqual(resolver.resolve(main, 'example.com/x/lonely'), []);
      assert.deepEqual(resolver.resolve(main, 'example.com/x/store'), [kept.fileKey]);
      resolver.addFile(lonely);
      assert.deepEqual(resolver.resolve(main, 'example.com/x/lonely'), [lonely.fileKey]);
    });

    it('answers do not depend on insertion order, and callers cannot change cached answers', () => {
      const ROOT2 = '/order';
      const files = ['a/util.py', 'b/util.py', 'c/x/util.py', 'main.py', 'x/__init__.py', 'x/util.py'].map((p) => file(ROOT2, p));
      const forward = new ImportResolver(files);
      const backward = new ImportResolver([...files].reverse());
      const from = files[3];
      assert.deepEqual(forward.resolve(from, 'util'), backward.resolve(from, 'util'));
      assert.deepEqual(forward.resolve(from, 'util'), [`${ROOT2}/a/util.py`, `${ROOT2}/b/util.py`, `${ROOT2}/c/x/util.py`]);
      assert.deepEqual(forward.resolve(from, 'x.util'), [`${ROOT2}/x/util.py`, `${ROOT2}/c/x/util.py`]);
      const answer = forward.resolve(from, 'x.util');
      answer.push('junk');
      assert.deepEqual(forward.resolve(from, 'x.util'), [`${ROOT2}/x/util.py`, `${ROOT2}/c/x/util.py`]);
    });
  });

  describe('scale', () => {
    it('indexes 100k files and resolves in microseconds', function () {
      this.timeout(60_000);
      const ROOT = '/big';
      const files: IndexedFile[] = [];
      const N = 25_000;
      for (let i = 0; i < N; i++) {
        const d = `pkg${i % 500}/mod${i % 40}`;
        files.push(file(ROOT, `src/${d}/f${i}.ts`));
        files.push(file(ROOT, `py/${d}/m${i}.py`));
        files.push(file(ROOT, `go/${d}/g${i}.go`));
        files.push(file(ROOT, `c/${d}/h${i}.h`));
      }
      for (let i = 0; i < 1_000; i++) files.push(file(ROOT, `src/pkg${i % 500}/mod${i % 40}/index.ts`));
      for (let i = 0; i < 500; i++) files.push(file(ROOT, `py/pkg${i}/__init__.py`));
      const t0 = process.hrtime.bigint();
      const resolver = new ImportResolver(files);
      const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
      assert.equal(resolver.size, files.length);
      assert.ok(resolver.size > 100_000);

      const queries: [IndexedFile, string][] = [];
      for (let i = 0; i < 2_000; i++) {
        const j = (i * 7919) % N;
        const k = (j + 1) % N; // a file in a sibling package
        const d = `pkg${j % 500}/mod${j % 40}`;
        queries.push([files[j * 4], `../../pkg${k % 500}/mod${k % 40}/f${k}`]);
        queries.push([files[j * 4 + 1], `pkg${k % 500}.mod${k % 40}.m${k}`]);
        queries.push([files[j * 4 + 2], `example.com/big/${d}`]);
        queries.push([files[j * 4 + 3], `pkg${k % 500}/mod${k % 40}/h${k}.h`]);
      }
      const t1 = process.hrtime.bigint();
      let found = 0;
      for (const [from, spec] of queries) found += resolver.resolve(from, spec).length ? 1 : 0;
      const coldUs = Number(process.hrtime.bigint() - t1) / 1e3 / queries.length;
      const t2 = process.hrtime.bigint();
      for (let r = 0; r < 5; r++) for (const [from, spec] of queries) resolver.resolve(from, spec);
      const warmUs = Number(process.hrtime.bigint() - t2) / 1e3 / (queries.length * 5);
      // Churn: new files, the same file saved over and over, a one-file directory coming and going.
      const t3 = process.hrtime.bigint();
      const saved = files[4];
      const lonely = file(ROOT, 'go/lonely/only.go');
      for (let i = 0; i < 5_000; i++) {
        const f = file(ROOT, `extra/e${i}.ts`);
        resolver.addFile(f);
        resolver.removeFile(f.fileKey);
        resolver.addFile({ ...saved });
        resolver.addFile(lonely);
        resolver.removeFile(lonely.fileKey);
      }
      const churnUs = Number(process.hrtime.bigint() - t3) / 1e3 / 5_000;
      assert.equal(resolver.size, files.length);
      assert.deepEqual(resolver.resolve(files[0], `../../pkg1/mod1/f1`), [saved.fileKey]);
      assert.deepEqual(resolver.resolve(files[2], 'example.com/big/lonely'), []);
      resolver.addFile(lonely);
      assert.deepEqual(resolver.resolve(files[2], 'example.com/big/lonely'), [lonely.fileKey]);
      // Generous bounds for slow CI machines; the numbers on a laptop are far lower.
      assert.equal(found, queries.length);
      assert.ok(buildMs < 5_000, `build ${buildMs.toFixed(0)} ms`);
      assert.ok(coldUs < 200, `cold resolve ${coldUs.toFixed(1)} µs`);
      assert.ok(warmUs < 20, `cached resolve ${warmUs.toFixed(2)} µs`);
      assert.ok(churnUs < 500, `churn ${churnUs.toFixed(1)} µs per round`);
      if (process.env.IMPORT_RESOLVER_TIMINGS) {
        console.log(`build ${buildMs.toFixed(0)} ms, cold ${coldUs.toFixed(1)} µs, cached ${warmUs.toFixed(2)} µs, churn ${churnUs.toFixed(1)} µs`);
      }
    });
  });

  /** The import strings come from the real analyzer, so the resolver sees exactly what the index stores. */
  describe('with imports captured by the real analyzer', function () {
    this.timeout(60_000);
    let grammars: Grammars;
    let analyzer: FileAnalyzer;
    before(() => {
      grammars = new Grammars(testAssets());
      analyzer = new FileAnalyzer(grammars, { maxLineLength: 2000, maxChunkLines: 150, parseTimeoutMs: 10_000 });
    });
    after(() => grammars.dispose());

    async function importsOf(path: string, src: string): Promise<string[]> {
      const spec = languageForPath(path);
      assert.ok(spec, path);
      const outcome = await analyzer.analyze(Buffer.from(src), spec);
      assert.ok(outcome.ok, path);
      return outcome.file.imports;
    }

    /** Resolves every import of `fromPath` (source `src`) and returns specifier → resolved paths. */
    async function resolveAll(root: string, paths: string[], fromPath: string, src: string, options?: ImportResolverOptions) {
      const files = paths.map((p) => file(root, p));
      const { resolve } = kit(files, options);
      const out: Record<string, string[]> = {};
      for (const spec of await importsOf(fromPath, src)) out[spec] = resolve(root, fromPath, spec);
      return out;
    }

    it('TypeScript', async () => {
      const got = await resolveAll(
        '/t',
        ['src/billing.ts', 'src/money.ts', 'src/log/index.ts', 'src/currency.ts', 'src/esm.ts'],
        'src/billing.ts',
        "import { Money } from './money';\nimport log from './log';\nexport * from './currency';\nconst e = require('./esm.js');\nimport React from 'react';\n",
      );
      assert.deepEqual(got, {
        './money': ['src/money.ts'],
        './log': ['src/log/index.ts'],
        './currency': ['src/currency.ts'],
        './esm.js': ['src/esm.ts'],
        react: [],
      });
    });

    it('Python', async () => {
      const got = await resolveAll(
        '/p',
        ['shop/__init__.py', 'shop/inventory.py', 'shop/models.py', 'events/__init__.py', 'shop/sub/__init__.py', 'shop/sub/x.py'],
        'shop/sub/x.py',
        'from __future__ import annotations\nimport os.path as osp\nfrom . import helpers\nfrom .. import models\nfrom ..models import Item\nimport shop.inventory\nfrom events import publish\n',
      );
      assert.deepEqual(got, {
        'os.path': [],
        '.': ['shop/sub/__init__.py'],
        '..': ['shop/__init__.py'],
        '..models': ['shop/models.py'],
        // `from X import Y` also records X.Y: a module when Y is one, nothing when Y is a name.
        '.helpers': [],
        '..models.Item': [],
        'shop.inventory': ['shop/inventory.py'],
        events: ['events/__init__.py'],
        'events.publish': [],
      });
    });

    it('Go', async () => {
      const got = await resolveAll(
        '/g/shop',
        ['store/store.go', 'internal/money/money.go'],
        'store/store.go',
        'package store\n\nimport (\n\t"context"\n\tm "example.com/shop/internal/money"\n)\n',
      );
      assert.deepEqual(got, { context: [], 'example.com/shop/internal/money': ['internal/money/money.go'] });
    });

    it('Java', async () => {
      const J = 'src/main/java/com/acme';
      const got = await resolveAll(
        '/j',
        [`${J}/billing/InvoiceService.java`, `${J}/billing/store/InvoiceRepository.java`, `${J}/util/Strings.java`, `${J}/util/Ids.java`],
        `${J}/billing/InvoiceService.java`,
        'package com.acme.billing;\nimport java.util.*;\nimport static com.acme.util.Strings.requireText;\nimport com.acme.billing.store.InvoiceRepository;\nimport com.acme.util.*;\nclass InvoiceService {}\n',
      );
      assert.deepEqual(got, {
        'java.util': [],
        'com.acme.util.Strings.requireText': [`${J}/util/Strings.java`],
        'com.acme.billing.store.InvoiceRepository': [`${J}/billing/store/InvoiceRepository.java`],
        'com.acme.util': [`${J}/util/Ids.java`, `${J}/util/Strings.java`],
      });
    });

    it('Rust', async () => {
      const got = await resolveAll(
        '/r',
        ['src/lib.rs', 'src/money.rs', 'src/billing/mod.rs', 'src/billing/ledger.rs', 'src/billing/ledger/audit.rs', 'src/billing/ledger/export.rs'],
        'src/billing/ledger.rs',
        'use std::collections::HashMap;\nuse crate::money::{Currency, Money as Amount};\nuse super::*;\nuse self::audit::Entry;\nmod audit;\npub mod export;\n',
      );
      assert.deepEqual(got, {
        'std::collections::HashMap': [],
        'crate::money': ['src/money.rs'],
        super: ['src/billing/mod.rs'],
        'self::audit::Entry': ['src/billing/ledger/audit.rs'],
        audit: ['src/billing/ledger/audit.rs'],
        export: ['src/billing/ledger/export.rs'],
      });
    });

    it('C', async () => {
      const got = await resolveAll(
        '/c',
        ['src/ringbuf.c', 'src/ringbuf.h', 'include/util/log.h'],
        'src/ringbuf.c',
        '#include <stdio.h>\n#include "ringbuf.h"\n#include "util/log.h"\n',
      );
      assert.deepEqual(got, { '<stdio.h>': [], 'ringbuf.h': ['src/ringbuf.h'], 'util/log.h': ['include/util/log.h'] });
    });

    it('C#', async () => {
      const root = '/cs';
      const files = [
        file(root, 'App/Program.cs', { packageName: 'Acme.App' }),
        file(root, 'Util/Strings.cs', { packageName: 'Acme.Util' }),
        file(root, 'Models/Order.cs', { packageName: 'Acme.Models' }),
      ];
      const { resolve } = kit(files);
      const imports = await importsOf(
        'App/Program.cs',
        'using System;\nusing Acme.Util;\nusing static Acme.Util.Strings;\nusing O = Acme.Models.Order;\nnamespace Acme.App { class P {} }\n',
      );
      assert.deepEqual(Object.fromEntries(imports.map((s) => [s, resolve(root, 'App/Program.cs', s)])), {
        System: [],
        'Acme.Util': ['Util/Strings.cs'],
        'Acme.Util.Strings': ['Util/Strings.cs'],
        'Acme.Models.Order': ['Models/Order.cs'],
      });
    });

    it('Ruby', async () => {
      const got = await resolveAll(
        '/rb',
        ['app/models/subscription.rb', 'app/models/notifier.rb', 'app/billing/invoice.rb', 'lib/acme/billing.rb'],
        'app/models/subscription.rb',
        'require "json"\nrequire "acme/billing"\nrequire_relative "../billing/invoice"\nrequire_relative "notifier"\n',
      );
      assert.deepEqual(got, {
        json: [],
        'acme/billing': ['lib/acme/billing.rb'],
        '../billing/invoice': ['app/billing/invoice.rb'],
        notifier: ['app/models/notifier.rb'],
      });
    });

    it('PHP', async () => {
      const got = await resolveAll(
        '/php',
        ['src/Services/CartService.php', 'src/Services/bootstrap.php', 'src/Contracts/PriceCalculator.php', 'src/Models/Cart.php', 'src/Support/functions.php'],
        'src/Services/CartService.php',
        "<?php\nnamespace Acme\\Shop\\Services;\n\nuse Acme\\Shop\\Contracts\\PriceCalculator;\nuse Acme\\Shop\\Models\\{Cart, LineItem as Line};\nuse Psr\\Log\\LoggerInterface;\nuse function Acme\\Support\\money_format;\n\nrequire_once __DIR__ . '/bootstrap.php';\n",
      );
      assert.deepEqual(got, {
        'Acme\\Shop\\Contracts\\PriceCalculator': ['src/Contracts/PriceCalculator.php'],
        'Acme\\Shop\\Models': ['src/Models/Cart.php'],
        'Psr\\Log\\LoggerInterface': [],
        'Acme\\Support\\money_format': ['src/Support/functions.php'],
        '/bootstrap.php': ['src/Services/bootstrap.php'],
      });
    });
  });
});
