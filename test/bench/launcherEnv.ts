import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The variables the CLI's launcher line sets (`#!/usr/bin/env -S NAME=value … node`), read
 * from the built CLI. They take effect only when a process starts (glibc reads
 * MALLOC_ARENA_MAX once), so a benchmark that runs the engine in-process "as the CLI" must
 * be started with them too.
 */
export function launcherEnv(cliPath: string): Record<string, string> {
  const first = readFileSync(cliPath, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+-S\s+(.*)$/.exec(first);
  const env: Record<string, string> = {};
  for (const word of m?.[1].split(/\s+/) ?? []) {
    const eq = word.indexOf('=');
    if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return env;
}

/**
 * Runs this script again in a child process with the CLI's launcher variables, unless they
 * are already set: returns at once in a process that has them, and in one that does not,
 * waits for the child and exits with its status.
 */
export function relaunchLikeCli(cliPath: string, say: (line: string) => void): void {
  const wanted = launcherEnv(cliPath);
  const missing = Object.entries(wanted).filter(([k, v]) => process.env[k] !== v);
  if (missing.length === 0) {
    if (Object.keys(wanted).length) say(`Started with the CLI launcher's environment: ${Object.entries(wanted).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    return;
  }
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...wanted } });
  process.exit(child.status ?? 1);
}
