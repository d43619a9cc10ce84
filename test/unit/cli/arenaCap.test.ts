import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { wantsArenaCap, type ArenaCapContext } from '../../../src/cli/arenaCap';
import { ftsShards } from '../../../src/engine/store/lancedbModule';
import { REPO_ROOT } from '../../support/testAssets';
import { makeTmp, removeTmp, writeTree } from '../../support/indexKit';
import { procStat } from '../../support/procStat';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

const linuxGlibc: ArenaCapContext = { platform: 'linux', env: {}, execArgv: [], glibc: () => '2.36' };

describe('inhouse index with capped malloc arenas (src/cli/arenaCap.ts)', () => {
  describe('wantsArenaCap', () => {
    it('relaunches index on glibc Linux, wherever the command stands among the options', () => {
      assert.equal(wantsArenaCap(['index', '.'], linuxGlibc), true);
      assert.equal(wantsArenaCap(['--db', 'x', 'index', '.'], linuxGlibc), true);
      assert.equal(wantsArenaCap(['--json', 'index', '.'], linuxGlibc), true);
    });

    it('leaves other commands alone, including one whose option value is "index"', () => {
      assert.equal(wantsArenaCap(['search', 'index'], linuxGlibc), false);
      assert.equal(wantsArenaCap(['--db', 'index', 'status'], linuxGlibc), false);
      assert.equal(wantsArenaCap(['--version'], linuxGlibc), false);
      assert.equal(wantsArenaCap([], linuxGlibc), false);
    });

    it('never on another platform, without glibc, with the user’s own MALLOC_ARENA_MAX, in the relaunched child, or under a debugger', () => {
      assert.equal(wantsArenaCap(['index', '.'], { ...linuxGlibc, platform: 'darwin' }), false);
      assert.equal(wantsArenaCap(['index', '.'], { ...linuxGlibc, glibc: () => undefined }), false);
      assert.equal(wantsArenaCap(['index', '.'], { ...linuxGlibc, env: { MALLOC_ARENA_MAX: '4' } }), false);
      assert.equal(wantsArenaCap(['index', '.'], { ...linuxGlibc, env: { INHOUSE_RELAUNCHED: '1' } }), false);
      assert.equal(wantsArenaCap(['index', '.'], { ...linuxGlibc, execArgv: ['--inspect-brk=9229'] }), false);
      assert.equal(wantsArenaCap(['index', '.'], { ...linuxGlibc, execArgv: ['--cpu-prof'] }), true);
    });
  });

  describe('ftsShards', () => {
    it('one per four cores, two from two cores up only when the arenas are capped at one or two', () => {
      assert.equal(ftsShards(2, undefined), 1);
      assert.equal(ftsShards(2, '2'), 2);
      assert.equal(ftsShards(2, '1'), 2);
      assert.equal(ftsShards(1, '2'), 1);
      assert.equal(ftsShards(2, '8'), 1);
      assert.equal(ftsShards(2, 'two'), 1);
      assert.equal(ftsShards(8, undefined), 2);
      assert.equal(ftsShards(16, '2'), 4);
    });
  });

  describe('the built CLI on glibc Linux (integration)', function () {
    this.timeout(60_000);
    let tmp: string;
    before(function () {
      const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
      if (process.platform !== 'linux' || !header?.glibcVersionRuntime) this.skip();
      assert.ok(existsSync(CLI), 'dist/cli.js is missing: run `npm run build` first');
      tmp = makeTmp('arena');
      const files: Record<string, string> = {};
      for (let i = 0; i < 400; i++) files[`src/m${i}.ts`] = `export function f${i}(a: number): number {\n  return a + ${i};\n}\n`.repeat(20);
      writeTree(tmp, files);
    });
    after(() => removeTmp(tmp));

    // As a user's shell has it: this test process has loaded LanceDB, which set its own.
    const env = () => {
      const e = { ...process.env };
      delete e.MALLOC_ARENA_MAX;
      delete e.LANCE_FTS_NUM_SHARDS;
      return e;
    };

    it('indexes in a child with MALLOC_ARENA_MAX=2 and two full-text shards, and exits with its code', () => {
      const r = spawnSync(process.execPath, [CLI, 'index', tmp, '--db', path.join(tmp, 'db1'), '--json', '--log-level', 'debug'], { encoding: 'utf8', env: env() });
      assert.equal(r.status, 0, r.stderr);
      const line = /index ran in pid (\d+): MALLOC_ARENA_MAX (\S+), LANCE_FTS_NUM_SHARDS (\S+)/.exec(r.stderr);
      assert.ok(line, r.stderr);
      assert.notEqual(Number(line[1]), r.pid, 'the index ran in the launching process itself');
      assert.equal(line[2], '2');
      assert.equal(line[3], '2');
      assert.equal(JSON.parse(r.stdout).files, 400);

      const missing = spawnSync(process.execPath, [CLI, 'index', path.join(tmp, 'nope'), '--db', path.join(tmp, 'db2')], { encoding: 'utf8', env: env() });
      assert.equal(missing.status, 1, missing.stderr);
      assert.match(missing.stderr, /nope/);
    });

    it('runs in place when the user set MALLOC_ARENA_MAX', () => {
      const r = spawnSync(process.execPath, [CLI, 'index', tmp, '--db', path.join(tmp, 'db3'), '--json', '--log-level', 'debug'], {
        encoding: 'utf8',
        env: { ...env(), MALLOC_ARENA_MAX: '8' },
      });
      assert.equal(r.status, 0, r.stderr);
      const line = /index ran in pid (\d+): MALLOC_ARENA_MAX (\S+), LANCE_FTS_NUM_SHARDS (\S+)/.exec(r.stderr);
      assert.ok(line, r.stderr);
      assert.equal(Number(line[1]), r.pid);
      assert.equal(line[2], '8');
    });

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`${signal} to inhouse index ends the indexing child too`, async () => {
        const parent = spawn(process.execPath, [CLI, 'index', tmp, '--db', path.join(tmp, `db-${signal}`)], { stdio: 'ignore', env: env() });
        const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.on('exit', (_code, s) => resolve(s)));
        const child = await childOf(parent.pid!);
        parent.kill(signal);
        assert.equal(await exited, signal);
        assert.ok(await gone(child), `the indexing child ${child} outlived its parent`);
      });
    }
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid of the first child process of `pid` (Linux /proc), polled for at most 10 s. */
async function childOf(pid: number): Promise<number> {
  for (let i = 0; i < 500; i++) {
    for (const entry of readdirSync('/proc')) {
      if (/^\d+$/.test(entry) && procStat(Number(entry))?.ppid === pid) return Number(entry);
    }
    await sleep(20);
  }
  throw new Error(`no child of ${pid} appeared`);
}

/** Whether `pid` has exited (a zombie counts: it is waiting for init) within 5 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 250; i++) {
    const state = procStat(pid)?.state;
    if (state === undefined || state === 'Z' || state === 'X') return true;
    await sleep(20);
  }
  return false;
}
