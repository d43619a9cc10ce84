import { spawn } from 'node:child_process';

/**
 * `inhouse index` runs in a child process with glibc's malloc arenas capped at two.
 *
 * glibc gives threads that allocate at once their own arenas (up to eight per core), and
 * memory freed in one is not reused by another. LanceDB's full-text index build allocates
 * from many threads, so on the 10k-file benchmark a cold index peaked at ≈470 MB with one
 * build shard and ≈530 MB with two; capped, two shards peak at ≈400 MB and build the index
 * in half the time (12–15 s → 6–7 s of a ≈35 s run). glibc reads MALLOC_ARENA_MAX once, when
 * the process starts, and Node 20 cannot exec in place, so the CLI starts itself once more
 * with it set. (A `#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node` launcher line is not portable:
 * busybox env has no -S.)
 *
 * The parent only waits: it passes on the signals a user or a supervisor sends it, and ends
 * the way the child ended. If the parent is killed outright (SIGKILL), the child notices its
 * IPC channel closing and kills itself the same way, so `kill -9` on `inhouse index` keeps
 * its meaning: the run stops at once, and the next run repairs the index.
 */

/** Set in the child, so it neither relaunches again nor outlives its parent. */
export const RELAUNCHED_ENV = 'INHOUSE_RELAUNCHED';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export interface ArenaCapContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** Node's own options (process.execArgv). */
  execArgv: readonly string[];
  /** glibc's version when the process runs on glibc (process.report), else undefined. */
  glibc: () => string | undefined;
}

/**
 * Whether this invocation should start again with the arena cap: only `index` (the others
 * hold little memory and would pay ≈60 ms for nothing), only on Linux with glibc (musl has
 * no arenas), and never when the user chose their own MALLOC_ARENA_MAX or this already is
 * the relaunched child, nor under a debugger (node --inspect).
 */
export function wantsArenaCap(argv: readonly string[], ctx: ArenaCapContext): boolean {
  if (ctx.platform !== 'linux' || ctx.env.MALLOC_ARENA_MAX !== undefined || ctx.env[RELAUNCHED_ENV] !== undefined) return false;
  if (firstPositional(argv) !== 'index') return false;
  // Under a debugger the indexing is what is being debugged: it stays in this process.
  if (ctx.execArgv.some((a) => a.startsWith('--inspect') || a.startsWith('--debug'))) return false;
  return ctx.glibc() !== undefined;
}

/** Options that take a value: their value is not the command. */
const VALUED = new Set(['--db', '--library', '--model', '--embed-model', '--host', '--log-level', '--shared', '--storage-option', '-k']);

function firstPositional(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (VALUED.has(arg)) i++;
  }
  return undefined;
}

export function currentContext(): ArenaCapContext {
  return {
    platform: process.platform,
    env: process.env,
    execArgv: process.execArgv,
    glibc: () => {
      const report = process.report as unknown as { excludeNetwork: boolean; getReport(): { header?: { glibcVersionRuntime?: string } } };
      report.excludeNetwork = true;
      return report.getReport().header?.glibcVersionRuntime;
    },
  };
}

/**
 * The one entry point: when `wanted` (see wantsArenaCap), runs `script argv` again in a
 * capped child and ends as it ends; otherwise calls `run` here (in the relaunched child too,
 * which first arranges to follow its parent). `name` prefixes the error if the child cannot
 * be started.
 */
export function runWithArenaCap(wanted: boolean, script: string, argv: readonly string[], run: () => void, name: string): void {
  if (!wanted) {
    followParent();
    run();
    return;
  }
  relaunchCapped(script, argv).then(exitLike, (err: Error) => {
    process.stderr.write(`${name}: could not start the indexing process (${err.message}); set MALLOC_ARENA_MAX=2 yourself to run without it.\n`);
    process.exitCode = 1;
  });
}

/**
 * Runs `script argv` again in a child with MALLOC_ARENA_MAX=2, stdio shared, and resolves
 * with how it ended once it has. The caller then ends the same way (see exitLike).
 */
function relaunchCapped(script: string, argv: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, MALLOC_ARENA_MAX: '2', [RELAUNCHED_ENV]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches the whole process group, the child included; a signal sent to this
    // process alone is passed on. Either way the child decides, and this one follows it.
    child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      for (const s of FORWARDED) process.off(s, forward);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve({ code, signal });
    });
  });
}

/** Ends this process the way the child ended: its exit code, or killed by its signal. */
function exitLike(result: { code: number | null; signal: NodeJS.Signals | null }): void {
  if (result.signal) {
    // With the handlers gone, the signal's default action ends this process too, so the
    // shell sees 128 + n as it would have without the relaunch.
    process.kill(process.pid, result.signal);
    return;
  }
  process.exitCode = result.code ?? 1;
}

/**
 * In the relaunched child: the IPC channel exists only to tell it that the parent died
 * (it does not keep the process alive); when it closes without the parent having exited in
 * order, the child was orphaned by a SIGKILL and follows it.
 */
function followParent(): void {
  if (process.env[RELAUNCHED_ENV] === undefined) return;
  delete process.env[RELAUNCHED_ENV];
  if (!process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
