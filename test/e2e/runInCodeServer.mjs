#!/usr/bin/env node
// Runs the mocha suite in test/e2e/suite INSIDE the extension host of code-server, against
// the extension in this folder (extension development mode: package.json + dist/), with a
// scratch workspace folder. Needs test/e2e/installCodeServer.sh, `npm run build` (dist/)
// and `npm run compile-tests` (out/test/e2e/suite).
//
//   node test/e2e/runInCodeServer.mjs
//
// code-server's CLI rejects --extensionDevelopmentPath / --extensionTestsPath ("Unknown
// option"), but its web workbench takes both from the URL's `payload` parameter (the way
// VS Code web opens an extension development window), as vscode-remote:// URIs on the
// server's own authority. When the tests end, the extension host exits and the workbench
// calls window.codeAutomationExit(code), which this script exposes through playwright-core.
// The extension host's console (mocha's spec reporter) arrives through window.codeAutomationLog.
//
// Env: INHOUSE_E2E_TIMEOUT (seconds, default 300), INHOUSE_E2E_KEEP=1, INHOUSE_E2E_CACHE.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { REPO_ROOT, launchChromium, log, makeScratch, removeScratch, startCodeServer, withTimeout } from './codeServer.mjs';

const TOTAL_MS = Number(process.env.INHOUSE_E2E_TIMEOUT || 300) * 1000;
const testsPath = join(REPO_ROOT, 'out', 'test', 'e2e', 'suite', 'index.js');

async function main(state) {
  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build`.');
  if (!existsSync(testsPath)) throw new Error(`${testsPath} is missing: run \`npm run compile-tests\`.`);
  const dirs = (state.dirs = makeScratch('inhouse-e2e-host-'));
  const server = (state.server = await startCodeServer(dirs));
  log(`code-server up at ${server.url}`);
  const browser = (state.browser = await launchChromium());
  const page = await browser.newPage();

  let exit;
  const exited = new Promise((res) => (exit = res));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = format(...(Array.isArray(args) ? args : [args]));
    const m = /^extension host: (\d+) passed, (\d+) failed$/.exec(text.trim());
    if (m) state.summary = { passed: Number(m[1]), failed: Number(m[2]) };
    if (type === 'error' || type === 'warn') console.error(`[${type}] ${text}`);
    else console.log(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => exit(code));
  page.on('pageerror', (e) => console.error(`[pageerror] ${e.message}`));
  page.on('crash', () => exit('page crashed'));

  const authority = `127.0.0.1:${server.port}`;
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(REPO_ROOT)],
    ['extensionTestsPath', remote(testsPath)],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { timeout: 30_000 });
  const code = await exited;
  log(`extension host exited with ${JSON.stringify(code)}`);
  return code;
}

const state = {};
let code = 1;
try {
  code = await withTimeout(main(state), TOTAL_MS, 'the extension host tests');
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
  if (state.server) console.error(`--- code-server output (last 4000 chars) ---\n${state.server.output().slice(-4000)}`);
} finally {
  if (state.browser) await withTimeout(state.browser.close(), 15_000, 'browser close').catch((e) => log(e.message));
  if (state.server) await state.server.stop();
  if (state.dirs) {
    if (code === 0) removeScratch(state.dirs);
    else log(`scratch kept for inspection: ${state.dirs.root}`);
  }
}
// The closing line CI reads; a run that never reported counts as one failure.
const { passed, failed } = state.summary ?? { passed: 0, failed: code === 0 ? 0 : 1 };
console.log(`e2e-host: ${passed} passed, ${code === 0 ? failed : Math.max(failed, 1)} failed`);
process.exit(code === 0 ? 0 : 1);
