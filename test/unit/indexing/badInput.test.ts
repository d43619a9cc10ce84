import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../../../src/engine/engine';
import type { EngineHost } from '../../../src/engine/host';
import { RootNotFoundError, type CrawlRoot } from '../../../src/engine/indexing/crawler';
import { createNodeHost } from '../../../src/engine/nodeHost';
import { validateSettings, type Settings } from '../../../src/engine/settings';
import { sqlString } from '../../../src/engine/store/filter';
import { IndexError } from '../../../src/engine/store/indexStore';
import { SCHEMA_VERSION } from '../../../src/engine/store/schema';
import { diffSnapshots, makeTmp, newEngine, readRows, removeTmp, snapshot, withEngine, writeTree } from '../../support/indexKit';

const GOOD: Record<string, string> = {
  'src/good.ts': 'export function goodFunctionStillHere(total: number): number {\n  return total + 1;\n}\n',
  'docs/good.md': '# Good notes\n\nThe goodFunctionStillHere helper adds one.\n',
};

const MB = 1024 * 1024;

/** Host whose readFile fails with EACCES for one path (tests run as root, where chmod 000 does not block). */
function unreadableHost(blocked: string): EngineHost {
  const inner = createNodeHost();
  return {
    ...inner,
    readFile: (p) =>
      p === blocked
        ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' }))
        : inner.readFile(p),
  };
}

async function rejectsWith<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    return err;
  }
  assert.fail(`expected a ${type.name}`);
}

describe('bad input (integration)', function () {
  this.timeout(90_000);
  let tmp: string;
  let root: string;
  let dbDir: string;
  let roots: CrawlRoot[];
  const engines: Engine[] = [];

  /** An engine disposed after the test. */
  const engine = (settings?: Settings, host?: EngineHost, db = dbDir) => {
    const e = newEngine(db, settings, host);
    engines.push(e);
    return e;
  };
  const file = (rel: string) => path.join(root, rel);

  /** The good files' chunks are all there and searchable, whatever happened to the bad ones. */
  async function assertGoodFilesPresent(db = dbDir): Promise<void> {
    const paths = (await readRows(db, 'chunks')).map((r) => r.path);
    assert.equal(paths.filter((p) => p === 'src/good.ts').length, 1, 'src/good.ts has its chunk');
    assert.equal(paths.filter((p) => p === 'docs/good.md').length, 1, 'docs/good.md has its chunk');
    const hits = await withEngine(db, (e) => e.search('goodFunctionStillHere', { limit: 10 }));
    assert.deepEqual([hits[0]?.symbol, hits[0]?.path], ['goodFunctionStillHere', 'src/good.ts']);
    assert.ok(hits.some((h) => h.path === 'docs/good.md'), 'the notes are found too');
  }

  beforeEach(() => {
    tmp = makeTmp('bad');
    root = path.join(tmp, 'ws');
    dbDir = path.join(tmp, 'db');
    roots = [{ root, source: 'workspace' }];
    writeTree(root, GOOD);
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.dispose();
    removeTmp(tmp);
  });

  describe('file contents', () => {
    it('binary content with a .ts extension is skipped as binary', async () => {
      writeTree(root, { 'src/blob.ts': new Uint8Array([0x65, 0x78, 0x70, 0, 1, 2, 3, 0, 0x7f, 0x45, 0x4c, 0x46]) });
      const s = await engine().index(roots);
      assert.deepEqual(s.skipped, { binary: 1 });
      assert.equal(s.files, 2);
      await assertGoodFilesPresent();
    });

    it('invalid UTF-8 is skipped as invalid-utf8', async () => {
      const bytes = Buffer.concat([Buffer.from('export const label = "caf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from('";\n')]);
      writeTree(root, { 'src/latin1.ts': bytes });
      const s = await engine().index(roots);
      assert.deepEqual(s.skipped, { 'invalid-utf8': 1 });
      await assertGoodFilesPresent();
    });

    it('a 10 MB minified bundle is too-large by default, and minified when the cap allows it', async () => {
      const line = 'var a=function(b){return b*2};'.repeat(Math.ceil((10 * MB) / 30)).slice(0, 10 * MB);
      writeTree(root, { 'static/bundle.js': `${line}\n` });
      const s = await engine().index(roots);
      assert.deepEqual(s.skipped, { 'too-large': 1 });
      await assertGoodFilesPresent();

      const raised = validateSettings({ 'index.maxFileBytes': 20 * MB });
      const again = await engine(raised).index(roots);
      assert.deepEqual(again.skipped, { minified: 1 });
      assert.equal(again.files, 2);
      await assertGoodFilesPresent();
      const [row] = await readRows(dbDir, 'files', "path = 'static/bundle.js'");
      assert.deepEqual([row.status, row.skip_reason, row.chunk_count], ['skipped', 'minified', 0]);
    });

    it('pathologically deep nesting is indexed or skipped, and the run finishes', async () => {
      const depth = 50_000;
      writeTree(root, {
        'src/deep.ts': `export const deepArray = ${'[\n'.repeat(depth)}1${'\n]'.repeat(depth)};\nexport function afterDeepTs(): void {}\n`,
        'src/deep.py': `deep_tuple = ${'(\n'.repeat(depth)}1${'\n)'.repeat(depth)}\n\ndef after_deep_py():\n    pass\n`,
      });
      const s = await engine().index(roots);
      assert.equal(s.added, 4);
      const deepTs = await readRows(dbDir, 'files', "path = 'src/deep.ts'");
      const deepPy = await readRows(dbDir, 'files', "path = 'src/deep.py'");
      assert.equal(deepTs.length, 1, 'deep.ts has a catalog row (indexed or skipped)');
      assert.equal(deepPy.length, 1, 'deep.py has a catalog row (indexed or skipped)');
      await assertGoodFilesPresent();
      // And the index keeps working afterwards.
      fs.appendFileSync(file('src/good.ts'), 'export function addedAfterDeep(): void {}\n');
      assert.equal(await engines[0].updateFile(file('src/good.ts')), 2);
    });

    it('a 5 MB deeply nested object literal under a raised size cap is indexed or skipped, and the run finishes', async () => {
      let body = '';
      let depth = 0;
      while (body.length < 5 * MB - 64) {
        body += `{ k${depth % 10}: ${depth}, n:\n`;
        depth++;
      }
      const text = `export const nested = ${body}0${'}'.repeat(depth)};\n`;
      assert.ok(text.length > 4.9 * MB && text.length < 6 * MB);
      writeTree(root, { 'src/nested.ts': text });
      const s = await engine(validateSettings({ 'index.maxFileBytes': 8 * MB, 'index.maxLineLength': 1_000_000 })).index(roots);
      assert.equal(s.added, 3);
      assert.equal((await readRows(dbDir, 'files', "path = 'src/nested.ts'")).length, 1);
      await assertGoodFilesPresent();
    });

    it('a file with syntax errors is still chunked, up to the error', async () => {
      writeTree(root, {
        'src/broken.ts':
          'export function definedBeforeTheError(a: number): number {\n  return a * 2;\n}\n\n' +
          'export function brokenSignature(a: number, {{{ {\n  return ;;; )))\n',
      });
      const e = engine();
      const s = await e.index(roots);
      assert.ok(s.filesWithSyntaxErrors >= 1);
      assert.equal((await e.status()).filesWithSyntaxErrors, s.filesWithSyntaxErrors);
      const hits = await e.search('definedBeforeTheError', { limit: 3 });
      assert.deepEqual([hits[0]?.symbol, hits[0]?.path, hits[0]?.startLine], ['definedBeforeTheError', 'src/broken.ts', 1]);
      await assertGoodFilesPresent();
    });

    it('an unreadable file is skipped as unreadable', async () => {
      writeTree(root, { 'src/locked.ts': 'export function lockedAway(): void {}\n' });
      const s = await engine(undefined, unreadableHost(file('src/locked.ts'))).index(roots);
      assert.deepEqual(s.skipped, { unreadable: 1 });
      const [row] = await readRows(dbDir, 'files', "path = 'src/locked.ts'");
      assert.deepEqual([row.status, row.skip_reason], ['skipped', 'unreadable']);
      await assertGoodFilesPresent();
    });

    it('secret files are never read and are counted as secret-file', async () => {
      writeTree(root, {
        '.env': 'DATABASE_PASSWORD=hunter2\n',
        'deploy/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n',
        'certs/key.pem': '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
      });
      const e = engine();
      const s = await e.index(roots);
      assert.deepEqual(s.skipped, { 'secret-file': 3 });
      assert.deepEqual((await e.status()).skipped, { 'secret-file': 3 });
      const files = await readRows(dbDir, 'files', "skip_reason = 'secret-file'");
      assert.deepEqual(files.map((f) => f.path).sort(), ['.env', 'certs/key.pem', 'deploy/id_rsa']);
      assert.ok(files.every((f) => f.hash === '' && f.size === 0), 'not even hashed');
      await assertGoodFilesPresent();
    });

    it('secret values inside source files are redacted before they reach the store', async () => {
      const aws = 'AKIAIOSFODNN7EXAMPLE';
      const github = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
      const keyBody = 'MIIEowIBAAKCAQEA7vQ3x9Y2k1Jm0pR8sT4uV6wX0yZ2a4B6c8D0e2F4g6H8i0J2';
      writeTree(root, {
        'src/config.ts':
          `export const awsAccessKeyId = '${aws}';\n` +
          `export const githubToken = "${github}";\n` +
          'export const deployKey = `-----BEGIN RSA PRIVATE KEY-----\n' +
          `${keyBody}\n${keyBody.split('').reverse().join('')}\n` +
          '-----END RSA PRIVATE KEY-----`;\n' +
          'export function connectWithSecrets(): void {}\n',
      });
      const e = engine();
      const s = await e.index(roots);
      assert.equal(s.secretsRedacted, 3);
      assert.equal((await e.status()).secretsRedacted, 3);
      const stored = JSON.stringify(await readRows(dbDir, 'chunks'));
      for (const secret of [aws, github, keyBody, keyBody.split('').reverse().join('')]) {
        assert.ok(!stored.includes(secret), `the stored rows do not contain ${secret.slice(0, 8)}…`);
      }
      assert.ok(stored.includes('awsAccessKeyId') && stored.includes('connectWithSecrets'), 'the code around the secrets is kept');
      await assertGoodFilesPresent();
    });
  });

  describe('awkward paths', () => {
    const WEIRD = `src/it's "quoted" \\ 100%/naïve été.ts`;
    const INJECT = `src/x' OR '1'='1.ts`;

    it('paths with quotes, backslashes, % and non-ASCII are indexed, searchable, updatable and deletable', async () => {
      writeTree(root, {
        [WEIRD]: 'export function weirdlyPlacedFunction(): number {\n  return 1;\n}\n',
        [INJECT]: 'export function injectedNameFunction(): number {\n  return 2;\n}\n',
        'src/100%.ts': 'export function percentFileFunction(): void {}\n',
        'src/back\\slash.ts': 'export function backslashFileFunction(): void {}\n',
      });
      const e = engine();
      const s = await e.index(roots);
      assert.equal(s.files, 6);
      for (const [rel, symbol] of [
        [WEIRD, 'weirdlyPlacedFunction'],
        [INJECT, 'injectedNameFunction'],
        ['src/100%.ts', 'percentFileFunction'],
        ['src/back\\slash.ts', 'backslashFileFunction'],
      ]) {
        const hits = await e.search(symbol, { limit: 3 });
        assert.deepEqual([hits[0]?.symbol, hits[0]?.path], [symbol, rel]);
        assert.equal((await readRows(dbDir, 'chunks', `path = ${sqlString(rel)}`)).length, 1, rel);
      }

      // Update: exactly this file's rows are replaced.
      fs.writeFileSync(file(WEIRD), 'export function weirdlyPlacedFunction(): number {\n  return 1;\n}\nexport function secondWeirdFunction(): void {}\n');
      assert.equal(await e.updateFile(file(WEIRD)), 2);
      assert.deepEqual((await readRows(dbDir, 'chunks', `path = ${sqlString(WEIRD)}`)).map((r) => r.name).sort(), [
        'secondWeirdFunction',
        'weirdlyPlacedFunction',
      ]);
      assert.equal((await readRows(dbDir, 'chunks')).length, 7);

      // Delete the injection-shaped name: only its own rows go.
      fs.rmSync(file(INJECT));
      assert.equal(await e.updateFile(file(INJECT)), undefined);
      const left = (await readRows(dbDir, 'chunks')).map((r) => r.path).sort();
      assert.deepEqual(left, ['docs/good.md', 'src/100%.ts', 'src/back\\slash.ts', WEIRD, WEIRD, 'src/good.ts'].sort());
      assert.equal((await readRows(dbDir, 'files')).length, 5);

      // Delete through a full run.
      fs.rmSync(path.dirname(file(WEIRD)), { recursive: true });
      const after = await e.index(roots);
      assert.deepEqual([after.removed, after.files, after.chunks], [1, 4, 4]);
      await assertGoodFilesPresent();
      const refDb = path.join(tmp, 'ref');
      await withEngine(refDb, (r) => r.index(roots));
      assert.equal(diffSnapshots(await snapshot(dbDir), await snapshot(refDb)), undefined);
    });
  });

  describe('index folder problems', () => {
    it('a --db that cannot be created is an IndexError not-writable naming --db', async () => {
      const blocker = path.join(tmp, 'plain-file');
      fs.writeFileSync(blocker, 'not a folder');
      const err = await rejectsWith(engine(undefined, undefined, path.join(blocker, 'index')).index(roots), IndexError);
      assert.equal(err.code, 'not-writable');
      assert.match(err.message, /--db/);
      assert.match(err.message, /plain-file/);
      assert.equal(fs.readFileSync(blocker, 'utf8'), 'not a folder');
    });

    const DAMAGE = {
      'chunk manifests': { files: 'chunks.lance/_versions', ops: ['index', 'status', 'search'] },
      'chunk data files': { files: 'chunks.lance/data', ops: ['index after a change', 'search'] },
      'catalog data files': { files: 'files.lance/data', ops: ['index', 'status'] },
      'meta file': { files: 'inhouse-index.json', ops: ['index', 'status', 'search'] },
    } as const;
    for (const [damage, { files, ops }] of Object.entries(DAMAGE)) {
      it(`corrupted ${damage}: IndexError corrupt that says --rebuild, and --rebuild recovers`, async () => {
        await withEngine(dbDir, (e) => e.index(roots));
        const target = path.join(dbDir, files);
        if (files === 'inhouse-index.json') {
          fs.writeFileSync(target, '{"format": "inhouse-index", "schemaVer');
        } else {
          for (const name of fs.readdirSync(target)) fs.writeFileSync(path.join(target, name), 'garbage '.repeat(64));
        }
        for (const op of ops) {
          const e = engine();
          if (op === 'index after a change') fs.appendFileSync(file('src/good.ts'), '// edited\n');
          const run = op === 'status' ? e.status() : op === 'search' ? e.search('goodFunctionStillHere', { limit: 3 }) : e.index(roots);
          const err = await rejectsWith(run, IndexError);
          assert.equal(err.code, 'corrupt', `${op}: ${err.message}`);
          assert.ok(err.message.includes(`--db ${dbDir} --rebuild`), `${op}: ${err.message}`);
        }
        writeTree(root, GOOD);
        const s = await engine().index(roots, { rebuild: true });
        assert.deepEqual([s.added, s.files], [2, 2]);
        await assertGoodFilesPresent();
      });
    }

    it('a foreign non-empty folder given as the index is refused and left untouched', async () => {
      const foreign = path.join(tmp, 'my-documents');
      writeTree(foreign, { 'thesis.docx': 'chapter one', 'notes/todo.txt': 'buy milk' });
      const listing = () => fs.readdirSync(foreign, { recursive: true }).map(String).sort();
      const before = listing();
      for (const rebuild of [false, true]) {
        const err = await rejectsWith(engine(undefined, undefined, foreign).index(roots, { rebuild }), IndexError);
        assert.equal(err.code, 'foreign');
        assert.match(err.message, /--db/);
      }
      assert.deepEqual(listing(), before);
      assert.equal(fs.readFileSync(path.join(foreign, 'thesis.docx'), 'utf8'), 'chapter one');
      const status = await rejectsWith(engine(undefined, undefined, foreign).status(), IndexError);
      assert.equal(status.code, 'not-found');
    });

    it('leftovers of a writer killed before its first commit (lock, write probe) are not foreign', async () => {
      fs.mkdirSync(dbDir);
      fs.writeFileSync(path.join(dbDir, 'write.lock'), '999999999');
      fs.writeFileSync(path.join(dbDir, '.write-probe-999999999'), '');
      const s = await engine().index(roots);
      assert.equal(s.added, 2);
      await assertGoodFilesPresent();
    });

    it('an interrupted --rebuild (tables gone, meta still there) says --rebuild, which then works', async () => {
      await withEngine(dbDir, (e) => e.index(roots));
      for (const name of ['chunks.lance', 'files.lance']) fs.rmSync(path.join(dbDir, name), { recursive: true });
      const err = await rejectsWith(engine().index(roots), IndexError);
      assert.equal(err.code, 'corrupt');
      assert.match(err.message, /--rebuild/);
      const s = await engine().index(roots, { rebuild: true });
      assert.equal(s.added, 2);
      await assertGoodFilesPresent();
    });

    it('an index built with another schema version says to rebuild', async () => {
      await withEngine(dbDir, (e) => e.index(roots));
      const metaPath = path.join(dbDir, 'inhouse-index.json');
      const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
      fs.writeFileSync(metaPath, JSON.stringify({ ...meta, schemaVersion: SCHEMA_VERSION + 1 }));
      for (const op of ['index', 'status'] as const) {
        const e = engine();
        const err = await rejectsWith(op === 'index' ? e.index(roots) : e.status(), IndexError);
        assert.equal(err.code, 'old-schema');
        assert.match(err.message, /newer InHouse/);
        assert.match(err.message, /--rebuild/);
      }
      const s = await engine().index(roots, { rebuild: true });
      assert.equal(s.added, 2);
      await assertGoodFilesPresent();
    });

    it('a root that does not exist is a RootNotFoundError, and nothing is created', async () => {
      const missing = path.join(tmp, 'no-such-folder');
      const db = path.join(missing, '.inhouse', 'index');
      const err = await rejectsWith(engine(undefined, undefined, db).index([{ root: missing, source: 'workspace' }]), RootNotFoundError);
      assert.match(err.message, /no-such-folder/);
      assert.equal(fs.existsSync(missing), false, 'the missing root was not created');

      // A missing second root fails before the existing index is touched.
      await withEngine(dbDir, (e) => e.index(roots));
      const before = await snapshot(dbDir);
      await rejectsWith(engine().index([...roots, { root: missing, source: 'acme' }]), RootNotFoundError);
      assert.deepEqual(await snapshot(dbDir), before);
      assert.deepEqual((await withEngine(dbDir, (e) => e.status())).roots, [root]);
    });
  });
});
