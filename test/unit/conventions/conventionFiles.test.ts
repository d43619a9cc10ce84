import { strict as assert } from 'node:assert';
import { conventionFileId, conventionFileKind, defaultApplies } from '../../../src/engine/conventions/conventionFiles';

describe('conventionFileKind', () => {
  const cases: [string, string | undefined][] = [
    ['.inhouse/conventions/errors.md', 'house'],
    ['.inhouse/conventions/go/errors.markdown', 'house'],
    ['.inhouse/conventions/README.md', undefined],
    ['.inhouse/conventions/example.ts', undefined],
    ['.inhouse/index/notes.md', undefined],
    ['sub/.inhouse/conventions/errors.md', undefined],
    ['CONTRIBUTING.md', 'wellKnown'],
    ['contributing.md', 'wellKnown'],
    ['.github/CONTRIBUTING.md', 'wellKnown'],
    ['STYLEGUIDE.md', 'wellKnown'],
    ['Style_Guide.md', 'wellKnown'],
    ['STYLE-GUIDE.md', 'wellKnown'],
    ['docs/CODING_STANDARDS.md', 'wellKnown'],
    ['packages/api/CONVENTIONS.md', 'wellKnown'],
    ['CONTRIBUTING.txt', undefined],
    ['CONTRIBUTING', undefined],
    ['NOT_CONTRIBUTING.md', undefined],
    ['docs/conventions.md', 'docs'],
    ['docs/Conventions-API.md', 'docs'],
    ['docs/conventions/naming.md', 'docs'],
    ['docs/conventions/README.md', undefined],
    ['packages/api/docs/conventions.md', 'docs'],
    ['docs/guide.md', undefined],
    ['src/docs.md', undefined],
  ];
  for (const [path, kind] of cases) {
    it(`${path} → ${kind ?? 'no convention file'}`, () => assert.equal(conventionFileKind(path), kind));
  }
});

describe('conventionFileId and defaultApplies', () => {
  const cases: [string, string, string[]][] = [
    ['.inhouse/conventions/errors.md', 'errors', []],
    ['.inhouse/conventions/go/errors.md', 'go/errors', []],
    ['CONTRIBUTING.md', 'contributing', []],
    ['.github/CONTRIBUTING.md', 'contributing', []],
    ['Style_Guide.md', 'style_guide', []],
    ['packages/api/CONTRIBUTING.md', 'packages/api/contributing', ['packages/api/**']],
    ['packages/api/docs/STYLEGUIDE.md', 'packages/api/styleguide', ['packages/api/**']],
    ['docs/conventions.md', 'conventions', []],
    ['docs/conventions/api.md', 'conventions/api', []],
    ['packages/web/docs/conventions.md', 'packages/web/conventions', ['packages/web/**']],
  ];
  for (const [path, id, applies] of cases) {
    it(`${path} → ${id}`, () => {
      const kind = conventionFileKind(path);
      assert.ok(kind, `${path} is a convention file`);
      assert.equal(conventionFileId(path, kind), id);
      assert.deepEqual(defaultApplies(path, kind), applies);
    });
  }
});
