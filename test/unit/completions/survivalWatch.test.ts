import { strict as assert } from 'node:assert';
import { SurvivalWatch } from '../../../src/extension/completions/survivalWatch';
import { FakeClock } from './fakeClock';

const inserted = 'const total = items.reduce((s, i) => s + i.price, 0);';

describe('survival watch', () => {
  it('checks an accepted insertion after 30 s and 5 min, following its place', async () => {
    const clock = new FakeClock();
    let doc = `function f(items) {\n  ${inserted}\n}\n`;
    const anchor = doc.indexOf('const');
    const records: [number, number][] = [];
    const watch = new SurvivalWatch<string>({ read: () => doc, record: (_w, after, survived) => records.push([after, survived]), clock });
    watch.watch({ file: 'a.ts', anchor, text: inserted, meta: 'm' });
    // Lines added above it.
    const header = '// header\n'.repeat(40);
    doc = header + doc;
    watch.documentChanged('a.ts', [{ offset: 0, removed: 0, inserted: header.length }]);
    watch.documentChanged('b.ts', [{ offset: 0, removed: 0, inserted: 1000 }]);
    await clock.advance(30_000);
    assert.deepEqual(records, [[30, 1]]);
    // Then the user rewrites it.
    doc = doc.replace(inserted, 'let total = 0;');
    await clock.advance(270_000);
    assert.equal(records.length, 2);
    assert.equal(records[1][0], 300);
    assert.ok(records[1][1] < 0.5, `survived ${records[1][1]}`);
    assert.equal(watch.size, 0);
  });

  it('records nothing for a file it cannot read', async () => {
    const clock = new FakeClock();
    const records: number[] = [];
    const watch = new SurvivalWatch<string>({ read: () => undefined, record: (_w, after) => records.push(after), clock });
    watch.watch({ file: 'gone.ts', anchor: 0, text: inserted, meta: 'm' });
    await clock.advance(300_000);
    assert.deepEqual(records, []);
  });

  it('clears its timers on dispose', () => {
    const clock = new FakeClock();
    const watch = new SurvivalWatch<string>({ read: () => '', record: () => assert.fail('no check after dispose'), clock });
    watch.watch({ file: 'a.ts', anchor: 0, text: inserted, meta: 'm' });
    assert.equal(clock.pending, 2);
    watch.dispose();
    assert.equal(clock.pending, 0);
    watch.watch({ file: 'a.ts', anchor: 0, text: inserted, meta: 'm' });
    assert.equal(clock.pending, 0);
  });
});
