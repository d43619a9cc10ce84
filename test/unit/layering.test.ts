import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

/** Matches any way a module can pull in `vscode`: import, export-from, require, dynamic import. */
const VSCODE_IMPORT = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)['"]vscode(?:\/[^'"]*)?['"]/;

describe('layering', () => {
  it('detects a vscode import in every form it can take', () => {
    for (const line of [
      "import * as vscode from 'vscode';",
      'import { window } from "vscode";',
      "export { Uri } from 'vscode';",
      "const vscode = require('vscode');",
      "const v = await import('vscode');",
      "import 'vscode';",
    ]) {
      assert.ok(VSCODE_IMPORT.test(line), line);
    }
    assert.ok(!VSCODE_IMPORT.test("import { x } from './vscodeish';"));
    assert.ok(!VSCODE_IMPORT.test("// talks to 'vscode' only through the host"));
  });

  it('keeps src/engine free of vscode imports', () => {
    const files = sourceFiles(join(ROOT, 'src', 'engine'));
    assert.ok(files.length > 10, 'the engine sources were found');
    const offenders = files.filter((f) => VSCODE_IMPORT.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('keeps src/cli free of vscode imports', () => {
    const offenders = sourceFiles(join(ROOT, 'src', 'cli')).filter((f) => VSCODE_IMPORT.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
