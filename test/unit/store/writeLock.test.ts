import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LockedError, WriteLock } from '../../../src/engine/store/writeLock';
import { makeTmp, removeTmp } from '../../support/indexKit';
import { procStat } from '../../support/procStat';

describe('WriteLock', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = makeTmp('lock');
  });
  afterEach(() => removeTmp(tmp));

  it('queues a second writer of this process until the first releases (two engines on one index)', async () => {
    const file = path.join(tmp, 'write.lock');
    const first = await WriteLock.acquire(file);
    let secondHolds = false;
    const second = WriteLock.acquire(file).then((l) => {
      secondHolds = true;
      return l;
    });
    // Let the second attempt run as far as it can.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(secondHolds, false, 'the second writer must wait, not take the lock over');
    await first.release();
    const lock = await second;
    assert.equal(fs.readFileSync(file, 'utf8'), String(process.pid));
    await lock.release();
    assert.equal(fs.existsSync(file), false);
  });

  it('takes over a lock file with this pid that no writer here holds (left by an earlier process)', async () => {
    const file = path.join(tmp, 'write.lock');
    fs.writeFileSync(file, String(process.pid));
    const lock = await WriteLock.acquire(file);
    await lock.release();
    assert.equal(fs.existsSync(file), false);
  });

  it('refuses a lock held by a live process, after waiting a moment for it to exit', async () => {
    const file = path.join(tmp, 'write.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(file, String(holder.pid));
      await assert.rejects(WriteLock.acquire(file), (err: Error) => err instanceof LockedError && err.pid === holder.pid);
      assert.equal(fs.readFileSync(file, 'utf8'), String(holder.pid), 'a live writer’s lock must stay');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over from a holder that exits within the grace period (an orphaned indexing child following its parent)', async () => {
    const file = path.join(tmp, 'write.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300)'], { stdio: 'ignore' });
    fs.writeFileSync(file, String(holder.pid));
    const lock = await WriteLock.acquire(file);
    assert.equal(fs.readFileSync(file, 'utf8'), String(process.pid));
    await lock.release();
  });

  it('treats an exited process that init has not reaped yet (a zombie) as dead', async function () {
    if (process.platform !== 'linux') this.skip();
    // `sleep 0` exits at once; its parent execs into `sleep 5`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d) => resolve(String(d)))));
      let state = '';
      for (let i = 0; i < 100 && state !== 'Z'; i++) {
        state = procStat(pid)?.state ?? '';
        if (state !== 'Z') await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(state, 'Z', 'the test needs a zombie');
      const file = path.join(tmp, 'write.lock');
      fs.writeFileSync(file, String(pid));
      const started = Date.now();
      const lock = await WriteLock.acquire(file);
      assert.ok(Date.now() - started < 900, 'a zombie must not be waited for as a live writer');
      await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
