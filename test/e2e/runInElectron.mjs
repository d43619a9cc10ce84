#!/usr/bin/env node
// Desktop counterpart of runInCodeServer.mjs: the same mocha suite (out/test/e2e/suite) in
// the extension host of desktop VS Code, through @vscode/test-electron. For developers'
// machines: it downloads VS Code (or uses VSCODE_EXECUTABLE), which CI here cannot.
// Not run in CI and not verified on this project's machines (no VS Code download there).
//
//   npm i --no-save @vscode/test-electron@3.1.0   # not a devDependency (yet)
//   npm run build && npm run compile-tests && node test/e2e/runInElectron.mjs
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, makeScratch, removeScratch } from './codeServer.mjs';

let runTests;
try {
  ({ runTests } = createRequire(join(REPO_ROOT, 'package.json'))('@vscode/test-electron'));
} catch {
  console.error('@vscode/test-electron is not installed: npm i --no-save @vscode/test-electron@3.1.0');
  process.exit(1);
}

const dirs = makeScratch('inhouse-e2e-electron-');
let code = 1;
try {
  await runTests({
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: join(REPO_ROOT, 'out', 'test', 'e2e', 'suite', 'index.js'),
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    version: process.env.VSCODE_VERSION || '1.100.3',
    launchArgs: [
      dirs.workspace,
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
    ],
  });
  code = 0;
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
} finally {
  if (code === 0) removeScratch(dirs);
  else console.error(`scratch kept for inspection: ${dirs.root}`);
}
process.exit(code);
