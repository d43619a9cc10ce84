import { strict as assert } from 'node:assert';
import { ConventionBook } from '../../../src/engine/conventions/conventionBook';
import type { ConventionRule } from '../../../src/engine/conventions/conventionRule';

let line = 1;
function rule(id: string, over: Partial<ConventionRule> = {}): ConventionRule {
  const start = line;
  line += 10;
  return {
    id,
    title: id,
    text: `## ${id}\n\nText of ${id}.`,
    severity: 'should',
    applies: [],
    source: 'workspace',
    path: '.inhouse/conventions/rules.md',
    startLine: start,
    endLine: start + 2,
    ...over,
  };
}

const ids = (rules: ConventionRule[]) => rules.map((r) => r.id);

describe('ConventionBook', () => {
  describe('precedence and dedupe', () => {
    it('keeps the workspace rule when a library uses the same id, whatever the input order', () => {
      const lib = rule('wrap-errors', { source: 'acme-lib', text: 'Library text.', severity: 'may' });
      const ws = rule('wrap-errors', { text: 'Workspace text.', severity: 'must' });
      const book = ConventionBook.fromRules([lib, ws]);
      assert.equal(book.rules.length, 1);
      assert.deepEqual([book.get('wrap-errors')?.source, book.get('wrap-errors')?.text], ['workspace', 'Workspace text.']);
      assert.deepEqual(book.warnings, []);
    });

    it('orders libraries by name, and a lower-ranked library loses a shared id', () => {
      const book = ConventionBook.fromRules([
        rule('timeouts', { source: 'zeta-lib', text: 'Zeta.' }),
        rule('timeouts', { source: 'alpha-lib', text: 'Alpha.' }),
        rule('own', { source: 'zeta-lib' }),
      ]);
      assert.deepEqual(book.rules.map((r) => `${r.id}@${r.source}`), ['timeouts@alpha-lib', 'own@zeta-lib']);
    });

    it('merges rules whose normalised text is identical, keeping the first by precedence and both ids', () => {
      const ws = rule('naming', { text: '# Name booleans as questions\n\nBoolean variables read as `isReady`.' });
      const lib = rule('conventions/booleans', { source: 'acme-lib', text: '## Booleans\n\nboolean   variables read as *isReady*.\n' });
      const other = rule('conventions/timeouts', { source: 'acme-lib' });
      const book = ConventionBook.fromRules([lib, other, ws]);
      assert.deepEqual(ids(book.rules), ['naming', 'conventions/timeouts']);
      assert.equal(book.get('conventions/booleans')?.id, 'naming');
    });

    it('reports one id claimed by two files of the same source, and each file problem once', () => {
      const book = ConventionBook.fromRules([
        rule('logging', { path: 'b.md', text: 'B.' }),
        rule('logging', { path: 'a.md', text: 'A.' }),
        rule('x/one', { path: '.inhouse/conventions/x.md', problem: 'the frontmatter is not valid YAML: line 2 …' }),
        rule('x/two', { path: '.inhouse/conventions/x.md', problem: 'the frontmatter is not valid YAML: line 2 …' }),
        rule('lib/one', { source: 'acme-lib', path: 'docs/conventions.md', problem: 'line 3: bad' }),
      ]);
      assert.equal(book.get('logging')?.path, 'a.md');
      // In precedence order: source, then path in byte order ('.inhouse/…' before 'a.md').
      assert.deepEqual(book.warnings, [
        'Convention file .inhouse/conventions/x.md: the frontmatter is not valid YAML: line 2 ….',
        'Convention rule id "logging" is defined in a.md and b.md; the first is used.',
        'Convention file docs/conventions.md [acme-lib]: line 3: bad.',
      ]);
    });
  });

  describe('applicableRules', () => {
    const book = ConventionBook.fromRules([
      rule('general', { severity: 'may', text: 'Keep functions short.' }),
      rule('go-errors', { applies: ['**/*.go'], text: 'Wrap errors with %w.' }),
      rule('api-only', { applies: ['src/api/**'], severity: 'must', text: 'Validate request bodies.' }),
      rule('python-lang', { applies: ['python'], text: 'Use type hints on public functions.' }),
      rule('ts-lang', { applies: ['typescript'], text: 'Prefer readonly arrays.' }),
      rule('tests-glob', { applies: ['*.test.ts'], text: 'One behaviour per test.' }),
      rule('must-everywhere', { severity: 'must', text: 'Never commit secrets.' }),
    ]);

    it('selects by glob (path and base name) and by language id, plus the rules that apply everywhere', () => {
      const forPath = (path: string, language?: string) => ids(book.applicableRules({ path, language })).sort();
      assert.deepEqual(forPath('tools/ledger.go'), ['general', 'go-errors', 'must-everywhere']);
      assert.deepEqual(forPath('src/api/users.ts'), ['api-only', 'general', 'must-everywhere', 'ts-lang']);
      assert.deepEqual(forPath('src/jobs/cleanup.py'), ['general', 'must-everywhere', 'python-lang']);
      // The language comes from the caller when given (VS Code ids included): .tsx is typescript too.
      assert.deepEqual(forPath('notes/query.txt', 'python'), ['general', 'must-everywhere', 'python-lang']);
      assert.deepEqual(forPath('src/web/App.tsx', 'typescriptreact'), ['general', 'must-everywhere', 'ts-lang']);
      assert.deepEqual(forPath('src/web/deep/user.test.ts'), ['general', 'must-everywhere', 'tests-glob', 'ts-lang']);
    });

    it('without a query puts rules written for the file first, then must before should before may', () => {
      assert.deepEqual(ids(book.applicableRules({ path: 'src/api/users.ts' })), ['api-only', 'ts-lang', 'must-everywhere', 'general']);
      assert.deepEqual(ids(book.applicableRules({ path: 'src/api/users.ts', limit: 2 })), ['api-only', 'ts-lang']);
    });

    it('orders by relevance to the query or code, identifiers split', () => {
      const order = (query: string) => ids(book.applicableRules({ path: 'src/api/users.ts', query }));
      // "validateRequestBody" splits into validate/request/body.
      assert.deepEqual(order('const body = validateRequestBody(req)'), ['api-only', 'ts-lang', 'must-everywhere', 'general']);
      // A general rule that matches the question well outranks a specific rule that does not.
      assert.deepEqual(order('where do secrets get committed?').slice(0, 2), ['must-everywhere', 'api-only']);
      assert.deepEqual(order('readonly arrays for functions').slice(0, 2), ['ts-lang', 'api-only']);
    });
  });
});
