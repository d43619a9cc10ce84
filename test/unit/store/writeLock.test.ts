import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WriteLock } from '../../../src/engine/store/writeLock';
import { makeTmp, removeTmp } from '../../support/indexKit';

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
});
