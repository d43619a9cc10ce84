import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './testAssets';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** The built CLI (dist/cli.js) in a child process, with captured streams. */
export function spawnCli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
