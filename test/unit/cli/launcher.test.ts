import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/testAssets';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

describe('the inhouse launcher (dist/cli.js)', () => {
  it('is executable, so npm bin links and npx can run it (the README quick start does)', () => {
    assert.notEqual(statSync(CLI).mode & 0o111, 0, 'dist/cli.js has no execute bit');
  });

  it('runs when executed directly, as `inhouse` is', function () {
    if (process.platform === 'win32') this.skip();
    const r = spawnSync(CLI, ['--version'], { encoding: 'utf8' });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('runs through npx, exactly as the README quick start calls it', function () {
    if (process.platform === 'win32') this.skip();
    const r = spawnSync('npx', ['--no-install', 'inhouse', '--version'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
