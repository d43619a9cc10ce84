import { strict as assert } from 'node:assert';
import { bufferImports } from '../../../src/engine/retrieval/bufferImports';

describe('bufferImports', () => {
  it('reads TypeScript and JavaScript module specifiers as the index records them', () => {
    const text = [
      "import { formatName } from './text/format';",
      "import type { User } from '../model/user';",
      "import * as fs from 'node:fs';",
      "import './polyfill';",
      "export { helper } from './helpers';",
      "const lazy = await import('./lazy');",
      "const legacy = require('legacy-lib');",
      "const notAnImport = 'from ./nowhere';",
    ].join('\n');
    assert.deepEqual(bufferImports(text, 'typescript'), ['./text/format', '../model/user', 'node:fs', './polyfill', './helpers', './lazy', 'legacy-lib']);
    assert.deepEqual(bufferImports("import x from 'y'", 'tsx'), ['y']);
  });

  it('reads Python modules, and pkg.module for from-imports of names that may be modules', () => {
    const text = ['import os, sys as system', 'from billing.tax import round_half, Money as M  # money', 'from . import utils', 'from .models import (User,', 'x = 1'].join('\n');
    assert.deepEqual(bufferImports(text, 'python'), ['os', 'sys', 'billing.tax', 'billing.tax.round_half', 'billing.tax.Money', '.', '.utils', '.models', '.models.User']);
  });

  it('reads nothing for languages whose imports the index alone supplies, and only the top of long files', () => {
    assert.deepEqual(bufferImports('import "fmt"', 'go'), []);
    const long = `${'x = 1\n'.repeat(400)}import late\n`;
    assert.deepEqual(bufferImports(long, 'python'), []);
  });
});
