// Shared by smoke.mjs and runInCodeServer.mjs: find the code-server install made by
// installCodeServer.sh, start it on a free loopback port with throwaway state, open it in
// Debian's Chromium through playwright-core, and tear everything down again.
// Every wait here is bounded; nothing is downloaded at run time.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Keep these two in step with installCodeServer.sh.
export const CODE_SERVER_VERSION = '4.100.3';
export const CACHE_DIR = process.env.INHOUSE_E2E_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'inhouse-e2e');
export const CODE_SERVER_DIR = join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`);
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const t0 = Date.now();
export function log(...args) {
  console.log(`[e2e +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
}

/** Rejects after ms with a message naming what was awaited. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function codeServerBin() {
  const bin = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
  if (!existsSync(join(CODE_SERVER_DIR, '.installed')) || !existsSync(bin)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${CODE_SERVER_DIR}: run test/e2e/installCodeServer.sh first.`);
  }
  return bin;
}

/** playwright-core: the project's own if it has one, else the one the install script put in the cache. */
export function loadPlaywright() {
  for (const base of [REPO_ROOT, CODE_SERVER_DIR]) {
    try {
      return createRequire(join(base, 'package.json'))('playwright-core');
    } catch {
      // try the next place
    }
  }
  throw new Error('playwright-core not found in the project or the e2e cache: run test/e2e/installCodeServer.sh first.');
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

// Settings that keep a headless run quiet and offline-friendly. Workspace trust is also off
// by the --disable-workspace-trust flag; the extension does not index untrusted folders.
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'git.enabled': false,
};

/** A fresh scratch folder with user-data, extensions and a small workspace to index. */
export function makeScratch(prefix) {
  const root = mkdtempSync(join(process.env.INHOUSE_E2E_TMP || tmpdir(), prefix));
  const dirs = {
    root,
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    workspace: join(root, 'workspace'),
    xdg: join(root, 'xdg'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  mkdirSync(join(dirs.workspace, 'src'), { recursive: true });
  writeFileSync(
    join(dirs.workspace, 'src', 'greeter.ts'),
    [
      'export interface Greeting { name: string; polite: boolean }',
      '',
      'export function greet(g: Greeting): string {',
      "  return g.polite ? `Good day, ${g.name}.` : `Hi ${g.name}`;",
      '}',
      '',
      'export class Counter {',
      '  private n = 0;',
      '  increment(): number {',
      '    return ++this.n;',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dirs.workspace, 'src', 'util.py'),
    ['def add(a, b):', '    """Adds two numbers."""', '    return a + b', '', '', 'class Stack:', '    def __init__(self):', '        self.items = []', ''].join('\n'),
  );
  return dirs;
}

/** Environment for code-server: its config, logs and data stay inside the scratch folder. */
function csEnv(dirs) {
  const env = { ...process.env, XDG_CONFIG_HOME: dirs.xdg, XDG_DATA_HOME: dirs.xdg, XDG_CACHE_HOME: join(dirs.xdg, 'cache') };
  delete env.PORT; // code-server lets $PORT override --bind-addr
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  delete env.VSCODE_IPC_HOOK_CLI; // set inside a VS Code terminal: would route the CLI to that editor
  return env;
}

// Process groups of code-servers still running; killed when this process exits, whatever the
// path (a timeout can fire while a server is still starting, before the caller holds it).
const liveGroups = new Set();
process.on('exit', () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const COMMON_ARGS = (dirs) => ['--config', '/dev/null', '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

/** `code-server --install-extension VSIX` into the scratch extensions folder (bounded). */
export function installVsix(dirs, vsix) {
  const r = spawnSync(codeServerBin(), [...COMMON_ARGS(dirs), '--install-extension', vsix, '--force'], {
    env: csEnv(dirs),
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error || r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`installing ${vsix} failed (status ${r.status}, ${r.error?.message ?? 'no spawn error'}):\n${out}`);
  }
  log(out.split('\n').pop());
}

/**
 * Starts code-server in its own process group; resolves once /healthz answers.
 * `extraArgs` go before the folder (e.g. `['--log', 'debug']`).
 * Returns { url, port, stop(), output() }.
 */
export async function startCodeServer(dirs, { timeoutMs = 60_000, extraArgs = [] } = {}) {
  const port = await freePort();
  const args = [
    ...COMMON_ARGS(dirs),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...extraArgs,
    dirs.workspace,
  ];
  const child = spawn(codeServerBin(), args, { env: csEnv(dirs), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) liveGroups.add(child.pid);
  let output = '';
  const keep = (b) => {
    output += b.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitPromise = new Promise((res) => child.on('exit', (code, signal) => res((exited = { code, signal }))));

  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-child.pid, 'SIGTERM'); // the whole group: server, extension host, pty host, watchers
      } catch {
        // group already gone
      }
      await withTimeout(exitPromise, 5000, 'code-server to stop').catch(() => null);
    }
    try {
      process.kill(-child.pid, 'SIGKILL'); // stragglers in the group, or a server that ignored TERM
    } catch {
      // group already gone
    }
    if (!exited) await withTimeout(exitPromise, 5000, 'code-server to die').catch(() => undefined);
    liveGroups.delete(child.pid);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}):\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, stop, output: () => output, child };
}

/** Headless Debian Chromium with the flags this machine's closed network needs. */
export async function launchChromium() {
  const { chromium } = loadPlaywright();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run test/e2e/installCodeServer.sh (apt chromium).`);
  return withTimeout(
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    }),
    70_000,
    'chromium to launch',
  );
}

/** The log file of the extension's "InHouse" output channel, if the extension host wrote one. */
export function inhouseLog(dirs) {
  const logs = join(dirs.userData, 'logs');
  const r = spawnSync('find', [logs, '-path', '*inhouse.inhouse*', '-name', 'InHouse.log'], { encoding: 'utf8' });
  const files = (r.stdout || '').split('\n').filter(Boolean).sort();
  return files.length ? readFileSync(files[files.length - 1], 'utf8') : '';
}

export function removeScratch(dirs) {
  if (process.env.INHOUSE_E2E_KEEP) {
    log(`kept scratch folder ${dirs.root}`);
    return;
  }
  rmSync(dirs.root, { recursive: true, force: true, maxRetries: 3 });
}
