// Mocha entry point loaded INSIDE the editor's extension host, through the editor's
// extensionTestsPath: by test/e2e/runInCodeServer.mjs (code-server, for CI) and by
// test/e2e/runInElectron.mjs (@vscode/test-electron, desktop VS Code). The editor calls
// run(); a rejection makes the extension host exit non-zero.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    // Console output is forwarded to the runner as text, so no colours.
    color: false,
    reporter: 'spec',
    timeout: 120_000,
    slow: 5_000,
    grep: process.env.INHOUSE_E2E_GREP || undefined,
  });
  for (const file of readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        // The same line the other runners print, for CI's log reader.
        console.log(`extension host: ${mocha.suite.total() - failures} passed, ${failures} failed`);
        if (failures > 0) reject(new Error(`${failures} extension host test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
