#!/usr/bin/env node
// End-to-end smoke test of the packaged extension in a real VS Code (code-server), driven by
// playwright-core and Debian's Chromium. Needs test/e2e/installCodeServer.sh to have run and
// dist/inhouse.vsix to exist (`npm run package`).
//
//   node test/e2e/smoke.mjs [--vsix dist/inhouse.vsix] [--screenshot FILE]
//
// Env: INHOUSE_E2E_KEEP=1 keeps the scratch folder; INHOUSE_E2E_CACHE moves the install cache;
// INHOUSE_E2E_TIMEOUT (seconds, default 240) bounds the whole run.
// Prints "N passed, N failed" and exits non-zero on any failure. Never reads stdin.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  REPO_ROOT,
  inhouseLog,
  installVsix,
  launchChromium,
  log,
  makeScratch,
  removeScratch,
  startCodeServer,
  withTimeout,
} from './codeServer.mjs';

const { values: opts } = parseArgs({
  options: {
    vsix: { type: 'string', default: join(REPO_ROOT, 'dist', 'inhouse.vsix') },
    screenshot: { type: 'string', default: join(REPO_ROOT, 'out', 'e2e', 'smoke.png') },
  },
});
const TOTAL_MS = Number(process.env.INHOUSE_E2E_TIMEOUT || 240) * 1000;

const results = [];
async function check(name, fn) {
  const start = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (err) {
    results.push({ name, ok: false, err });
    log(`FAIL ${name}: ${err instanceof Error ? err.message : err}`);
    throw err;
  }
}

async function main(state) {
  const vsix = resolve(opts.vsix);
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first.`);
  const dirs = (state.dirs = makeScratch('inhouse-e2e-'));
  log(`scratch ${dirs.root}`);

  await check('vsix installs into code-server', () => installVsix(dirs, vsix));
  const server = (state.server = await startCodeServer(dirs));
  log(`code-server up at ${server.url}`);
  const browser = (state.browser = await launchChromium());
  const page = (state.page = await browser.newPage({ viewport: { width: 1400, height: 900 } }));
  page.setDefaultTimeout(30_000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  await check('workbench loads with the workspace folder', async () => {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(dirs.workspace)}`, { timeout: 30_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 30_000 });
  });

  const item = page.locator('.statusbar-item', { hasText: 'InHouse' }).first();
  await check('extension activates (status bar item appears)', async () => {
    await item.waitFor({ timeout: 60_000 });
    log(`status bar: ${(await item.innerText()).trim()}`);
  });

  await check('workspace gets indexed (status bar shows chunks)', async () => {
    await page.waitForFunction(
      () => [...document.querySelectorAll('.statusbar-item')].some((e) => /InHouse: (\d+ chunks|index error|untrusted)/.test(e.textContent ?? '')),
      null,
      { timeout: 120_000, polling: 250 },
    );
    const text = (await item.innerText()).trim();
    log(`status bar: ${text}`);
    const m = /InHouse: (\d+) chunks/.exec(text);
    if (!m) throw new Error(`status bar says "${text}"; log:\n${inhouseLog(dirs)}`);
    if (Number(m[1]) < 1) throw new Error(`no chunks indexed: "${text}"`);
  });

  await check('index folder written to <workspace>/.inhouse/index', () => {
    const dir = join(dirs.workspace, '.inhouse', 'index');
    if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
    const entries = readdirSync(dir);
    log(`index: ${entries.join(', ')}`);
    if (!entries.some((e) => e.endsWith('.lance'))) throw new Error(`no .lance tables in ${dir}`);
  });

  await check('command palette runs "InHouse: Show Index Status"', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }); // focus the workbench
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('>InHouse: Show Index Status');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Index Status' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    const toast = page.locator('.notification-toast, .notifications-list-container .monaco-list-row', { hasText: 'InHouse index:' }).first();
    await toast.waitFor({ timeout: 30_000 });
    const text = (await toast.innerText()).replace(/\s+/g, ' ').trim();
    log(`notification: ${text}`);
    const m = /InHouse index: (\d+) files, (\d+) chunks/.exec(text);
    if (!m || Number(m[1]) < 1) throw new Error(`unexpected status message "${text}"`);
  });

  await check('"InHouse" output channel logged the index run', () => {
    const text = inhouseLog(dirs);
    if (!/Indexed \d+ files, \d+ chunks/.test(text)) throw new Error(`InHouse.log has no "Indexed" line:\n${text}`);
  });

  if (pageErrors.length) log(`page errors (not fatal): ${pageErrors.slice(0, 5).join(' | ')}`);
}

async function screenshot(page, file) {
  if (!page) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    await page.waitForTimeout(600); // let a notification finish sliding in
    await withTimeout(page.screenshot({ path: file }), 15_000, 'screenshot');
    log(`screenshot ${file}`);
  } catch (err) {
    log(`screenshot failed: ${err.message}`);
  }
}

const state = {};
let failed = false;
const hardStop = setTimeout(() => {
  console.error(`[e2e] hard timeout after ${TOTAL_MS / 1000} s`);
  void cleanup().finally(() => process.exit(2));
}, TOTAL_MS + 30_000);

async function cleanup() {
  await screenshot(state.page, opts.screenshot);
  if (state.browser) await withTimeout(state.browser.close(), 15_000, 'browser close').catch((e) => log(e.message));
  if (state.server) {
    if (failed) {
      const out = state.server.output();
      writeFileSync(join(state.dirs.root, 'code-server.log'), out);
      console.error(`--- code-server output (last 4000 chars) ---\n${out.slice(-4000)}`);
      if (state.dirs) console.error(`--- InHouse.log ---\n${inhouseLog(state.dirs)}`);
    }
    await state.server.stop();
  }
  if (state.dirs && !failed) removeScratch(state.dirs);
  else if (state.dirs) log(`scratch kept for inspection: ${state.dirs.root}`);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    failed = true;
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  await withTimeout(main(state), TOTAL_MS, 'the whole smoke run');
} catch (err) {
  failed = true;
  if (!results.some((r) => !r.ok)) results.push({ name: 'setup', ok: false, err });
  console.error(err instanceof Error ? err.stack : err);
} finally {
  await cleanup();
  clearTimeout(hardStop);
}
const passed = results.filter((r) => r.ok).length;
console.log(`smoke: ${passed} passed, ${results.length - passed} failed`);
process.exit(failed || results.some((r) => !r.ok) ? 1 : 0);
