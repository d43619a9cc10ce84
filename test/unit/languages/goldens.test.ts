import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileAnalyzer } from '../../../src/engine/indexing/fileAnalyzer';
import { Grammars } from '../../../src/engine/languages/grammars';
import { LANGUAGES, languageForPath } from '../../../src/engine/languages/registry';
import { REPO_ROOT, testAssets } from '../../support/testAssets';

/**
 * Golden chunk listings, one per fixture under test/fixtures/languages/<language>/.
 * Regenerate with UPDATE_GOLDENS=1 npm run test:unit, then read the diff before committing.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'languages');
const UPDATE = process.env.UPDATE_GOLDENS === '1';

function describeChunks(analysis: Awaited<ReturnType<FileAnalyzer['analyze']>>): string {
  if (!analysis.ok) return `skipped: ${analysis.reason}\n`;
  const f = analysis.file;
  const lines = [`language: ${f.language}`, `imports: ${JSON.stringify(f.imports)}`, `hasErrors: ${f.hasErrors}`, ''];
  for (const c of f.chunks) {
    lines.push(`${c.kind} ${c.shape} L${c.startLine}-${c.endLine} ${JSON.stringify(c.qualifiedName)} parent=${JSON.stringify(c.parent)}`);
    if (c.signature) lines.push(`  sig: ${c.signature}`);
    if (c.doc) lines.push(`  doc: ${JSON.stringify(c.doc)}`);
    if (c.refs.length) lines.push(`  refs: ${[...c.refs].sort().join(' ')}`);
    if (c.shape === 'outline' || c.shape === 'part') lines.push(...c.text.split('\n').map((l) => `  | ${l}`));
  }
  return lines.join('\n') + '\n';
}

describe('language goldens', function () {
  const grammars = new Grammars(testAssets());
  const analyzer = new FileAnalyzer(grammars, { maxLineLength: 2000, maxChunkLines: 40, parseTimeoutMs: 10_000 });
  after(() => grammars.dispose());

  it('has a fixture folder for every registered language', () => {
    for (const lang of LANGUAGES) assert.ok(existsSync(join(FIXTURES, lang.id)), `missing test/fixtures/languages/${lang.id}`);
  });

  for (const lang of LANGUAGES) {
    const dir = join(FIXTURES, lang.id);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => !n.endsWith('.golden')).sort()) {
      it(`${lang.id}/${name}`, async () => {
        const spec = languageForPath(name);
        assert.equal(spec?.id, lang.id, `${name} maps to ${lang.id}`);
        const actual = describeChunks(await analyzer.analyze(readFileSync(join(dir, name)), spec));
        const goldenPath = join(dir, `${name}.golden`);
        if (UPDATE || !existsSync(goldenPath)) {
          writeFileSync(goldenPath, actual);
          if (!UPDATE) assert.fail(`wrote a new golden ${goldenPath}; review it and run again`);
        }
        assert.equal(actual, readFileSync(goldenPath, 'utf8'));
      });
    }
  }
});
