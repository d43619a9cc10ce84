import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { conventionFileKind } from '../../../src/engine/conventions/conventionFiles';
import { parseConventionFile, slugify } from '../../../src/engine/conventions/conventionParser';
import { decodeRuleMeta, ruleFromChunk, type ConventionRule } from '../../../src/engine/conventions/conventionRule';
import { readFrontmatter } from '../../../src/engine/conventions/frontmatter';
import type { Chunk } from '../../../src/engine/indexing/chunk';
import { REPO_ROOT } from '../../support/testAssets';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'conventions');

function parse(relPath: string, text: string) {
  const kind = conventionFileKind(relPath);
  assert.ok(kind, `${relPath} is a convention file`);
  return parseConventionFile(relPath, text.split('\n'), kind, 60);
}

/** A fixture file, parsed at the path it has in its root (`dot-inhouse` is `.inhouse`). */
function parseFixture(fixture: string) {
  const relPath = fixture.replace(/^(workspace|library)\//, '').replace('dot-inhouse', '.inhouse');
  return parse(relPath, fs.readFileSync(path.join(FIXTURES, fixture), 'utf8'));
}

function rules(chunks: Chunk[]): ConventionRule[] {
  return chunks.flatMap((c) => {
    const r = ruleFromChunk({ ...c, source: 'workspace', path: 'x.md' });
    return r ? [r] : [];
  });
}

const brief = (r: ConventionRule) => ({ id: r.id, title: r.title, severity: r.severity, applies: r.applies, lines: `${r.startLine}-${r.endLine}` });

describe('parseConventionFile', () => {
  it('reads a single-rule file: frontmatter id, title, severity (error → must) and applies', () => {
    const { chunks, warnings } = parseFixture('workspace/dot-inhouse/conventions/errors.md');
    assert.deepEqual(warnings, []);
    assert.deepEqual(chunks.map((c) => c.kind), ['rule']);
    assert.deepEqual(rules(chunks).map(brief), [
      { id: 'wrap-errors', title: 'Wrap errors with context', severity: 'must', applies: ['**/*.go', 'python'], lines: '7-18' },
    ]);
    // The rule is the body: its sub-heading and code stay inside, the frontmatter does not.
    assert.match(chunks[0].text, /^# Wrap errors\n[\s\S]*## Example[\s\S]*open ledger: %w[\s\S]*```$/);
    assert.doesNotMatch(chunks[0].text, /severity:/);
  });

  it('splits a multi-rule file at its rule headings, with slug ids, explicit ids and heading attributes', () => {
    const { chunks, warnings } = parseFixture('workspace/dot-inhouse/conventions/api.md');
    assert.deepEqual(warnings, []);
    // The title heading and its intro stay an ordinary, searchable section.
    assert.deepEqual(chunks.map((c) => `${c.kind}:${c.name}`), [
      'section:API conventions', 'rule:api/plural-resource-names', 'rule:validate-input', 'rule:api/pagination',
    ]);
    assert.deepEqual(rules(chunks).map(brief), [
      // SHOULD NOT in the text: should.
      { id: 'api/plural-resource-names', title: 'Plural resource names', severity: 'should', applies: ['src/api/**'], lines: '11-13' },
      // MUST in the text; the ### Example below belongs to this rule.
      { id: 'validate-input', title: 'Validate request bodies', severity: 'must', applies: ['src/api/**'], lines: '15-21' },
      // Attributes hidden in an HTML comment override the frontmatter.
      { id: 'api/pagination', title: 'Pagination', severity: 'may', applies: ['src/api/**', 'src/jobs/**'], lines: '23-25' },
    ]);
    assert.match(chunks[2].text, /^## Validate request bodies\n[\s\S]*### Example[\s\S]*parseBody/);
    assert.equal(chunks[3].text.split('\n')[0], '## Pagination', 'the attribute block is not part of the rule text');
  });

  it('makes one rule per heading section of a well-known file, ids from the heading path', () => {
    const { chunks, warnings } = parseFixture('workspace/CONTRIBUTING.md');
    assert.deepEqual(warnings, []);
    assert.deepEqual(chunks.map((c) => `${c.kind}:${c.name}:${c.signature}`), [
      'section:Contributing to Ledger:# Contributing to Ledger',
      'rule:contributing/setup:Setup',
      // "## Code style" has no text of its own: no rule, but it names its children.
      'rule:contributing/code-style/imports:Code style > Imports',
      'rule:contributing/code-style/tests:Code style > Tests',
      'rule:contributing/commit-messages:Commit messages',
    ]);
  });

  it('keeps ids stable when other rules change, are added or removed', () => {
    const before = ['# Go', '', '## Errors', 'Wrap them.', '', '## Naming', 'Short names.'].join('\n');
    const after = ['# Go style', 'Intro added.', '', '## Context first', 'ctx comes first.', '', '## Errors', 'Wrap them with %w, always.', '', '## Naming', 'Short names.'].join('\n');
    const ids = (t: string) => parse('.inhouse/conventions/go.md', t).chunks.filter((c) => c.kind === 'rule').map((c) => c.name);
    assert.deepEqual(ids(before), ['go/errors', 'go/naming']);
    assert.deepEqual(ids(after), ['go/context-first', 'go/errors', 'go/naming']);
  });

  it('suffixes repeated headings in file order and reports a repeated explicit id', () => {
    const text = ['## Examples', 'a', '## Examples', 'b', '## One {#same}', 'c', '## Two {#same}', 'd'].join('\n');
    const { chunks, warnings } = parse('.inhouse/conventions/dup.md', text);
    assert.deepEqual(chunks.map((c) => c.name), ['dup/examples', 'dup/examples-2', 'same', 'same-2']);
    assert.deepEqual(warnings, ['Convention file .inhouse/conventions/dup.md: line 7 repeats the id "same"; a suffix is added.']);
  });

  it('reads a file with one heading or none as one rule named after the file', () => {
    const one = parseFixture('workspace/dot-inhouse/conventions/naming.md');
    assert.deepEqual(rules(one.chunks).map(brief), [
      { id: 'naming', title: 'Name booleans as questions', severity: 'should', applies: [], lines: '1-3' },
    ]);
    const none = parse('.inhouse/conventions/early-returns.md', '\nReturn early instead of nesting.\n');
    assert.deepEqual(rules(none.chunks).map(brief), [
      { id: 'early-returns', title: 'Early returns', severity: 'should', applies: [], lines: '2-2' },
    ]);
    // A title and a single sub-section are still one rule, named by the title.
    const titled = parse('.inhouse/conventions/x.md', '# Prefer early returns\nText.\n## Example\nCode.');
    assert.deepEqual(titled.chunks.map((c) => `${c.name}:${c.signature}:${c.startLine}-${c.endLine}`), ['x:Prefer early returns:1-4']);
  });

  it('reports broken frontmatter by file name and still loads the rules, which keep the problem', () => {
    const { chunks, warnings } = parseFixture('workspace/dot-inhouse/conventions/broken.md');
    assert.deepEqual(warnings, [
      "Convention file .inhouse/conventions/broken.md: the frontmatter is not valid YAML: line 4: the list opened with '[' is never closed; " +
        'the frontmatter is ignored and the rules load with the default id, severity and applies.',
    ]);
    const loaded = rules(chunks);
    assert.deepEqual(loaded.map(brief), [
      { id: 'broken/structured-logging', title: 'Structured logging', severity: 'should', applies: [], lines: '6-8' },
      { id: 'broken/no-secrets-in-logs', title: 'No secrets in logs', severity: 'should', applies: [], lines: '10-12' },
    ]);
    for (const r of loaded) assert.match(r.problem ?? '', /line 4: the list opened with '\[' is never closed/);
  });

  it('reports an unclosed frontmatter and keeps everything after the fence as rule text', () => {
    const { chunks, warnings } = parse('.inhouse/conventions/open.md', '---\nid: open\nAlways close files.');
    assert.deepEqual(warnings, [
      "Convention file .inhouse/conventions/open.md: the frontmatter opened on line 1 is never closed by a '---' line; " +
        'the frontmatter is ignored and the rules load with the default id, severity and applies.',
    ]);
    assert.deepEqual(chunks.map((c) => [c.name, c.text]), [['open', 'id: open\nAlways close files.']]);
  });

  it('drops only a bad field, with a warning naming the file and line', () => {
    const text = '---\nid: fine-id\nseverity: critical\n---\nText.';
    const { chunks, warnings } = parse('.inhouse/conventions/f.md', text);
    assert.deepEqual(warnings, [
      'Convention file .inhouse/conventions/f.md: line 3: severity "critical" is not one of must, should, may (or error, warning, info, hint); it is ignored.',
    ]);
    assert.deepEqual(rules(chunks).map((r) => [r.id, r.severity]), [['fine-id', 'should']]);
  });

  it('reports an empty convention file', () => {
    const { chunks, warnings } = parse('STYLEGUIDE.md', '---\ntitle: Empty\n---\n\n');
    assert.deepEqual(chunks, []);
    assert.deepEqual(warnings, ['Convention file STYLEGUIDE.md holds no rule text.']);
  });

  it('encodes meta that decodes back, and leaves other chunks alone', () => {
    const { chunks } = parseFixture('workspace/dot-inhouse/conventions/api.md');
    assert.deepEqual(decodeRuleMeta(chunks[3].doc), { severity: 'may', applies: ['src/api/**', 'src/jobs/**'] });
    assert.equal(decodeRuleMeta(chunks[0].doc), undefined);
    assert.equal(ruleFromChunk({ ...chunks[0], source: 'workspace', path: 'x.md' }), undefined);
  });
});

describe('readFrontmatter', () => {
  const fm = (...lines: string[]) => readFrontmatter(['---', ...lines, '---', 'body']);

  it('reads plain, quoted, flow-list, block-list and comma values, and skips unknown keys', () => {
    assert.deepEqual(fm('id: a.b/c-d', 'title: "Quoted: with colon"', "severity: 'Warning'", 'applies: [src/**, "**/*.{ts,tsx}"]').meta, {
      id: 'a.b/c-d', title: 'Quoted: with colon', severity: 'should', applies: ['src/**', '**/*.{ts,tsx}'],
    });
    assert.deepEqual(fm('applies:', '  - "**/*.py"', '  - python  # the language', 'owner:', '  team: web', 'notes: |', '  any: thing').meta, {
      applies: ['**/*.py', 'python'],
    });
    assert.deepEqual(fm('applies: src/a/**, src/b/*.{js,ts}', 'severity: hint').meta, { applies: ['src/a/**', 'src/b/*.{js,ts}'], severity: 'may' });
    assert.equal(fm('id: x').bodyStart, 3);
  });

  it('names the line of a syntax error and drops every field', () => {
    const cases: [string[], string][] = [
      [['id: x', 'this is no key'], 'line 3 is not "key: value" ("this is no key")'],
      [['applies: **/*.go'], `line 2: "**/*.go" starts with '*', which YAML reserves; quote the value`],
      [['title: Errors: wrap them'], `line 2: "Errors: wrap them" holds ': ', which YAML reads as a nested key; quote the value`],
      [['id: x', 'id: y'], 'line 3 repeats the key "id"'],
      [['title: "open'], 'line 2: a "quoted" value is not closed'],
    ];
    for (const [lines, problem] of cases) {
      const r = fm(...lines);
      assert.deepEqual([r.problems, r.broken, r.meta], [[`the frontmatter is not valid YAML: ${problem}`], true, {}], lines.join(' | '));
    }
  });

  it('treats a file without a leading fence as having no frontmatter', () => {
    assert.deepEqual(readFrontmatter(['# Title', '---', 'id: x', '---']), { bodyStart: 0, meta: {}, problems: [], broken: false });
  });
});

describe('slugify', () => {
  it('lower-cases and joins words with dashes', () => {
    assert.equal(slugify('Wrap errors with `%w`'), 'wrap-errors-with-w');
    assert.equal(slugify('Use [links](http://x) — sparingly!'), 'use-links-sparingly');
    assert.equal(slugify('Ünïcode Wörds'), 'ünïcode-wörds');
    assert.equal(slugify('!!!'), 'section');
  });
});
