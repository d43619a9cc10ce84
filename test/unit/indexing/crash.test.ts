import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CrawlRoot } from '../../../src/engine/indexing/crawler';
import { inList, sqlString } from '../../../src/engine/store/filter';
import { loadLanceDb } from '../../../src/engine/store/lancedbModule';
import { diffSnapshots, makeTmp, readRows, removeTmp, snapshot, withEngine, writeTree } from '../../support/indexKit';
import { REPO_ROOT } from '../../support/testAssets';
import { procStat } from '../../support/procStat';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const FILES = 1500;

/** ~50 lines per file, five distinct exported functions and one helper. */
function generatedFile(i: number): string {
  let s = `// Generated module ${i}.\n`;
  for (let f = 0; f < 5; f++) {
    s +=
      `/** Computes value ${f} of module ${i}. */\n` +
      `export function compute_${i}_${f}(a: number, b: number): number {\n` +
      `  const x = a + b * ${f};\n  const y = x - ${i};\n` +
      `  if (y > 10) {\n    return y;\n  }\n` +
      `  return helper_${i}(x, y);\n}\n\n`;
  }
  return `${s}function helper_${i}(p: number, q: number): number {\n  return p * q;\n}\n`;
}

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startIndex(root: string, dbDir: string, ...extra: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'index', root, '--db', dbDir, '--json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

async function runIndex(root: string, dbDir: string, ...extra: string[]) {
  const result = await startIndex(root, dbDir, ...extra).exited;
  assert.equal(result.code, 0, `inhouse index failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as { files: number; chunks: number; added: number; changed: number; unchanged: number; removed: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `condition` holds or the process exits (bounded by a timeout, never a fixed
 * sleep), then kills it with SIGKILL. Returns whether it was killed (false: it finished first).
 */
async function killWhen(run: Run, condition: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  let exited = false;
  void run.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!exited && !condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the kill point');
    await sleep(1);
  }
  if (exited) return false;
  run.child.kill('SIGKILL');
  const result = await run.exited;
  return result.signal === 'SIGKILL';
}

describe('crash recovery (integration)', function () {
  this.timeout(120_000);
  let tmp: string;

  before(() => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build` first');
    tmp = makeTmp('crash');
  });
  after(() => removeTmp(tmp));

  it('an index run killed with SIGKILL at any point finishes on the next run with the same rows as a clean build', async () => {
    const root = path.join(tmp, 'big');
    const files: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) files[`src/m${i % 30}/file${i}.ts`] = generatedFile(i);
    writeTree(root, files);

    const refDb = path.join(tmp, 'ref-db');
    const ref = await runIndex(root, refDb);
    assert.equal(ref.files, FILES);
    assert.equal(ref.chunks, FILES * 6);
    const expected = await snapshot(refDb);

    const dbDir = path.join(tmp, 'db');
    const at = (name: string) => () => fs.existsSync(path.join(dbDir, name));
    const after = (ms: number) => (t0: number) => () => Date.now() - t0 >= ms;
    /** A journal written by this run, not one a killed run left behind. */
    const freshJournal = (t0: number) => () => {
      try {
        return fs.statSync(path.join(dbDir, 'journal.json')).mtimeMs >= t0;
      } catch {
        return false;
      }
    };
    /** The lock file holds this run's pid: the store is open and the crawl starts. */
    const lockedBy = (run: Run) => () => {
      try {
        // The indexing process: the CLI itself, or on glibc Linux the child it relaunches.
        const pid = Number(fs.readFileSync(path.join(dbDir, 'write.lock'), 'utf8'));
        return pid === run.child.pid || procStat(pid)?.ppid === run.child.pid;
      } catch {
        return false;
      }
    };
    const commits = (table: string) => {
      try {
        return fs.readdirSync(path.join(dbDir, `${table}.lance`, '_versions')).filter((n) => n.endsWith('.manifest')).length;
      } catch {
        return 0;
      }
    };
    /**
     * Inside the torn window of a batch: this run's journal is there and the chunk rows are
     * committed, but the batch has not finished (the catalog is not written yet).
     */
    const chunksCommittedMidBatch = (t0: number) => {
      let atJournal: number | undefined;
      const journalUp = freshJournal(t0);
      return () => {
        if (!journalUp()) return false;
        atJournal ??= commits('chunks');
        return commits('chunks') > atJournal;
      };
    };
    // Kill points, each one on the state the previous kill left behind.
    const points: [string, (t0: number, run: Run) => () => boolean][] = [
      ['as soon as the meta file appears (tables being created)', () => at('inhouse-index.json')],
      ['150 ms after start', after(150)],
      ['as soon as the write lock is taken', (_t0, run) => lockedBy(run)],
      ['the moment a batch journal appears (mid-batch)', freshJournal],
      ['400 ms after start', after(400)],
      ['after a batch committed its chunk rows, before its catalog rows', chunksCommittedMidBatch],
      ['the moment a batch journal appears (mid-batch)', freshJournal],
      ['after a batch committed its chunk rows, before its catalog rows', chunksCommittedMidBatch],
      ['800 ms after start', after(800)],
      ['the moment a batch journal appears (mid-batch)', freshJournal],
      ['1500 ms after start', after(1500)],
    ];
    const log: string[] = [];
    for (const [name, point] of points) {
      const t0 = Date.now();
      const run = startIndex(root, dbDir);
      const condition = point(t0, run);
      const killed = await killWhen(run, condition);
      log.push(`${killed ? 'killed' : 'finished before'} ${name}${at('journal.json')() ? ' (journal left behind)' : ''}`);
    }
    if (process.env.INHOUSE_TEST_VERBOSE) console.log(log.join('\n'));
    assert.ok(log.filter((l) => l.startsWith('killed')).length >= 7, `most runs were killed:\n${log.join('\n')}`);

    const final = await runIndex(root, dbDir);
    assert.equal(final.files, FILES, log.join('\n'));
    assert.equal(final.chunks, FILES * 6);
    assert.equal(fs.existsSync(path.join(dbDir, 'journal.json')), false, 'the journal is gone after a complete run');
    const diff = diffSnapshots(await snapshot(dbDir), expected);
    assert.equal(diff, undefined, `the recovered index differs from a clean build:\n${diff}\nkill log:\n${log.join('\n')}`);

    // Nothing left over: the next run has no work, and search sees the late files.
    const again = await runIndex(root, dbDir);
    assert.deepEqual([again.added, again.changed, again.unchanged, again.removed], [0, 0, FILES, 0]);
    const last = FILES - 1;
    const hits = await withEngine(dbDir, (e) => e.search(`compute_${last}_3`, { limit: 3 }));
    assert.equal(hits[0]?.symbol, `compute_${last}_3`);
  });

  describe('a torn write (simulated)', () => {
    let root: string;
    let dbDir: string;
    let roots: CrawlRoot[];

    const TREE = {
      'src/billing.ts': 'export function computeInvoiceTotal(lines: number[]): number {\n  return lines.length;\n}\n',
      'src/tax.ts': 'export function computeSalesTax(amount: number): number {\n  return amount * 0.2;\n}\n',
      'docs/readme.md': '# Readme\n\nTaxes and invoices.\n',
    };

    beforeEach(async () => {
      root = path.join(tmp, `torn-${Date.now()}`);
      dbDir = path.join(root, '..', `${path.basename(root)}-db`);
      roots = [{ root, source: 'workspace' }];
      writeTree(root, TREE);
      await withEngine(dbDir, (e) => e.index(roots));
    });

    async function cleanSnapshot() {
      const refDb = `${dbDir}-ref`;
      await withEngine(refDb, (e) => e.index(roots, { rebuild: true }));
      return snapshot(refDb);
    }

    async function deleteRows(table: 'chunks' | 'files', keys: string[]) {
      const db = await loadLanceDb().connect(dbDir);
      const t = await db.openTable(table);
      await t.delete(`file_key IN ${inList(keys)}`);
      t.close();
      db.close();
    }

    const journal = (keys: string[]) => fs.writeFileSync(path.join(dbDir, 'journal.json'), JSON.stringify({ keys }));

    it('chunk rows deleted but not re-added: the journal makes the next run re-index the file', async () => {
      const key = path.join(root, 'src/billing.ts');
      journal([key]);
      await deleteRows('chunks', [key]);
      assert.deepEqual(await readRows(dbDir, 'chunks', `file_key = ${sqlString(key)}`), []);

      const s = await withEngine(dbDir, (e) => e.index(roots));
      assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [1, 0, 2, 0]);
      assert.equal(fs.existsSync(path.join(dbDir, 'journal.json')), false);
      assert.equal(diffSnapshots(await snapshot(dbDir), await cleanSnapshot()), undefined);
      const hits = await withEngine(dbDir, (e) => e.search('computeInvoiceTotal', { limit: 3 }));
      assert.equal(hits[0]?.symbol, 'computeInvoiceTotal');
    });

    it('a save interrupted after its chunks were written but before the catalog: recovered by the next update', async () => {
      // The save wrote the new rows next to the old ones' deletion, then died: the catalog
      // still describes the old content, and the journal names the file.
      const key = path.join(root, 'src/tax.ts');
      fs.writeFileSync(key, 'export function computeVat(amount: number): number {\n  return amount * 0.25;\n}\n');
      journal([key, path.join(root, 'src/gone.ts')]);
      await deleteRows('chunks', [key]);

      const count = await withEngine(dbDir, (e) => e.updateFile(key));
      assert.equal(count, 1);
      assert.equal(fs.existsSync(path.join(dbDir, 'journal.json')), false);
      assert.equal(diffSnapshots(await snapshot(dbDir), await cleanSnapshot()), undefined);
    });

    it('a torn journal file (the batch never started) is discarded', async () => {
      const before = await snapshot(dbDir);
      fs.writeFileSync(path.join(dbDir, 'journal.json'), '{"keys": ["/x", ');
      const s = await withEngine(dbDir, (e) => e.index(roots));
      assert.deepEqual([s.added, s.changed, s.unchanged, s.removed], [0, 0, 3, 0]);
      assert.equal(fs.existsSync(path.join(dbDir, 'journal.json')), false);
      assert.deepEqual(await snapshot(dbDir), before);
    });

    it('a catalog row lost with its chunks still present does not duplicate rows', async () => {
      const key = path.join(root, 'docs/readme.md');
      journal([key]);
      await deleteRows('files', [key]);
      await withEngine(dbDir, (e) => e.index(roots));
      assert.equal(diffSnapshots(await snapshot(dbDir), await cleanSnapshot()), undefined);
    });
  });
});
