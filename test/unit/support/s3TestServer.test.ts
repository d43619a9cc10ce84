import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadLanceDb } from '../../../src/engine/store/lancedbModule';
import { DEFAULT_BUCKET, S3TestServer, type RawResponse } from '../../support/s3TestServer';

const lancedb = loadLanceDb();

/** Rows with a unique FTS token per row (`tok<id>`). */
function rows(n: number, offset: number): { id: number; text: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: offset + i, text: `hello world tok${offset + i}` }));
}

function xmlValues(body: Buffer, tag: string): string[] {
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  return [...body.toString('utf8').matchAll(re)].map((m) => m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
}

function listed(res: RawResponse): { keys: string[]; prefixes: string[]; truncated: boolean; next?: string; nextMarker?: string } {
  assert.equal(res.status, 200, res.body.toString());
  const body = res.body.toString('utf8');
  const contents = [...body.matchAll(/<Contents>(.*?)<\/Contents>/g)].map((m) => /<Key>([^<]*)<\/Key>/.exec(m[1]!)![1]!);
  const prefixes = [...body.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)].map((m) => m[1]!);
  return {
    keys: contents,
    prefixes,
    truncated: /<IsTruncated>true<\/IsTruncated>/.test(body),
    next: xmlValues(res.body, 'NextContinuationToken')[0],
    nextMarker: xmlValues(res.body, 'NextMarker')[0],
  };
}

/** Milliseconds `p` took to settle, and its error (if it rejected). */
async function timed(p: () => Promise<unknown>): Promise<{ ms: number; error?: Error }> {
  const t0 = Date.now();
  try {
    await p();
    return { ms: Date.now() - t0 };
  } catch (err) {
    return { ms: Date.now() - t0, error: err as Error };
  }
}

describe('S3TestServer', function () {
  this.timeout(60_000);
  let s3: S3TestServer;

  beforeEach(async () => {
    s3 = await S3TestServer.start();
  });

  afterEach(async () => {
    await s3.close();
  });

  const put = (key: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    s3.rawRequest({ method: 'PUT', bucket: DEFAULT_BUCKET, key, body, headers });
  const get = (key: string, headers: Record<string, string> = {}) => s3.rawRequest({ method: 'GET', bucket: DEFAULT_BUCKET, key, headers });
  const list = (query: Record<string, string>, bucket = DEFAULT_BUCKET) => s3.rawRequest({ method: 'GET', bucket, query });

  describe('wire (raw HTTP)', () => {
    it('serves on an ephemeral loopback port and hands out matching storage options', async () => {
      assert.match(s3.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(s3.endpoint, `http://127.0.0.1:${s3.port}`);
      assert.deepEqual(s3.storageOptions(), {
        aws_endpoint: s3.endpoint,
        aws_access_key_id: 'S3RVER',
        aws_secret_access_key: 'S3RVER',
        aws_region: 'us-east-1',
        allow_http: 'true',
        aws_virtual_hosted_style_request: 'false',
      });
      assert.equal(s3.storageOptions({ timeout: '5s' }).timeout, '5s');
      assert.equal(s3.uri('team', 'index/'), 's3://team/index');
      assert.equal(s3.uri('team'), 's3://team');
      assert.equal(await s3.hasBucket(DEFAULT_BUCKET), true);
      await s3.createBucket('other');
      assert.equal(await s3.hasBucket('other'), true);
      await assert.rejects(s3.createBucket('Bad_Name'), /invalid bucket name/);
    });

    it('stores, reads (ranges included), heads and deletes objects', async () => {
      assert.equal((await put('a/b.txt', 'hello world', { 'content-type': 'text/plain' })).status, 200);
      const whole = await get('a/b.txt');
      assert.equal(whole.status, 200);
      assert.equal(whole.body.toString(), 'hello world');
      assert.equal(whole.headers['content-type'], 'text/plain');
      const etag = whole.headers.etag;
      assert.match(String(etag), /^"[0-9a-f]{32}"$/);

      const range = await get('a/b.txt', { range: 'bytes=6-10' });
      assert.equal(range.status, 206);
      assert.equal(range.body.toString(), 'world');
      assert.equal(range.headers['content-range'], 'bytes 6-10/11');
      // s3rver alone reads a suffix range as 0-N.
      const suffix = await get('a/b.txt', { range: 'bytes=-5' });
      assert.equal(suffix.status, 206);
      assert.equal(suffix.body.toString(), 'world');

      const head = await s3.rawRequest({ method: 'HEAD', bucket: DEFAULT_BUCKET, key: 'a/b.txt' });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], '11');
      assert.equal(head.headers.etag, etag);

      // Any range of an empty object is unsatisfiable (s3rver alone sent a short body).
      assert.equal((await put('empty', '')).status, 200);
      const emptyRange = await get('empty', { range: 'bytes=0-0' });
      assert.equal(emptyRange.status, 416);
      assert.equal(emptyRange.errorCode, 'InvalidRange');
      assert.equal((await get('empty')).body.length, 0);

      assert.equal((await s3.rawRequest({ method: 'DELETE', bucket: DEFAULT_BUCKET, key: 'a/b.txt' })).status, 204);
      const gone = await get('a/b.txt');
      assert.equal(gone.status, 404);
      assert.equal(gone.errorCode, 'NoSuchKey');
      assert.deepEqual(await s3.keys(DEFAULT_BUCKET), ['empty']);

      // Keys s3rver would map to other file paths are refused rather than mangled.
      for (const key of ['a//b', '../escape', 'a/./b']) assert.equal((await put(key, 'x')).errorCode, 'InvalidArgument', key);
      assert.equal((await put('folder/', '')).status, 200);
      assert.deepEqual(await s3.keys(DEFAULT_BUCKET), ['empty', 'folder/']);
    });

    it('of two concurrent If-None-Match: * PUTs of a new key exactly one wins, the other gets 412', async () => {
      for (let round = 0; round < 10; round++) {
        const key = `_versions/${round}.manifest`;
        const [a, b] = await Promise.all([put(key, `writer A ${round}`, { 'if-none-match': '*' }), put(key, `writer B ${round}`, { 'if-none-match': '*' })]);
        assert.deepEqual([a.status, b.status].sort(), [200, 412], `round ${round}`);
        const loser = a.status === 412 ? a : b;
        assert.equal(loser.errorCode, 'PreconditionFailed');
        assert.match(loser.body.toString(), /<Condition>If-None-Match<\/Condition>/);
        assert.equal((await get(key)).body.toString(), `writer ${a.status === 200 ? 'A' : 'B'} ${round}`);
      }
      // An existing key stays as it is; an unconditional PUT still overwrites.
      assert.equal((await put('_versions/0.manifest', 'late', { 'if-none-match': '*' })).status, 412);
      assert.equal((await put('_versions/0.manifest', 'overwrite')).status, 200);
      assert.equal((await get('_versions/0.manifest')).body.toString(), 'overwrite');
    });

    it('honours If-Match on writes and reads', async () => {
      await put('k', 'v1');
      const etag = String((await get('k')).headers.etag);
      const wrong = await put('k', 'v2', { 'if-match': '"0123456789abcdef0123456789abcdef"' });
      assert.equal(wrong.status, 412);
      assert.equal(wrong.errorCode, 'PreconditionFailed');
      assert.equal((await put('k', 'v2', { 'if-match': etag })).status, 200);
      assert.equal((await get('k')).body.toString(), 'v2');
      const missing = await put('nope', 'x', { 'if-match': etag });
      assert.equal(missing.status, 404);
      assert.equal(missing.errorCode, 'NoSuchKey');
      assert.equal((await get('k', { 'if-match': etag })).status, 412);
      assert.equal((await get('k', { 'if-none-match': String((await get('k')).headers.etag) })).status, 304);
      const notStar = await put('k', 'v3', { 'if-none-match': etag });
      assert.equal(notStar.status, 501);
    });

    it('multipart uploads: complete honours If-None-Match, abort drops the upload', async () => {
      const upload = async (key: string, parts: string[]) => {
        const init = await s3.rawRequest({ method: 'POST', bucket: DEFAULT_BUCKET, key, query: { uploads: '' } });
        assert.equal(init.status, 200, init.body.toString());
        const uploadId = xmlValues(init.body, 'UploadId')[0]!;
        const etags: string[] = [];
        for (const [i, part] of parts.entries()) {
          const res = await s3.rawRequest({ method: 'PUT', bucket: DEFAULT_BUCKET, key, query: { partNumber: String(i + 1), uploadId }, body: part });
          assert.equal(res.status, 200, res.body.toString());
          etags.push(String(res.headers.etag));
        }
        const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
        return { uploadId, xml };
      };
      const first = await upload('big', ['aaa', 'bbb']);
      const done = await s3.rawRequest({ method: 'POST', bucket: DEFAULT_BUCKET, key: 'big', query: { uploadId: first.uploadId }, body: first.xml, headers: { 'if-none-match': '*' } });
      assert.equal(done.status, 200, done.body.toString());
      assert.equal((await get('big')).body.toString(), 'aaabbb');

      const second = await upload('big', ['ccc']);
      const refused = await s3.rawRequest({ method: 'POST', bucket: DEFAULT_BUCKET, key: 'big', query: { uploadId: second.uploadId }, body: second.xml, headers: { 'if-none-match': '*' } });
      assert.equal(refused.status, 412);
      assert.equal((await get('big')).body.toString(), 'aaabbb');

      const abort = await s3.rawRequest({ method: 'DELETE', bucket: DEFAULT_BUCKET, key: 'big', query: { uploadId: second.uploadId } });
      assert.equal(abort.status, 204);
      const again = await s3.rawRequest({ method: 'DELETE', bucket: DEFAULT_BUCKET, key: 'big', query: { uploadId: second.uploadId } });
      assert.equal(again.errorCode, 'NoSuchUpload');
      assert.deepEqual(await s3.keys(DEFAULT_BUCKET), ['big']);
    });

    it('never lets a reader see a partial object while it is written or overwritten', async () => {
      const a = Buffer.alloc(3 * 1024 * 1024, 'a');
      const b = Buffer.alloc(5 * 1024 * 1024, 'b');
      const seen = new Set<string>();
      const check = (body: Buffer, size: number | string | undefined, what: string) => {
        const ok = (body.length === a.length && body.equals(a)) || (body.length === b.length && body.equals(b)) || (body.length === 0 && (size === a.length || size === b.length));
        assert.ok(ok, `${what}: ${body.length} bytes (size ${size})`);
      };
      let writing = true;
      const writer = (async () => {
        try {
          for (let i = 0; i < 6; i++) assert.equal((await put('obj', i % 2 ? b : a)).status, 200);
        } finally {
          writing = false;
        }
      })();
      const reader = (async () => {
        for (let i = 0; i < 500 && writing; i++) {
          const [g, h, l] = await Promise.all([get('obj'), s3.rawRequest({ method: 'HEAD', bucket: DEFAULT_BUCKET, key: 'obj' }), list({ 'list-type': '2', prefix: 'obj' })]);
          if (g.status === 200) {
            check(g.body, undefined, 'GET');
            seen.add(String(g.body.length));
          } else assert.equal(g.status, 404);
          if (h.status === 200) check(Buffer.alloc(0), Number(h.headers['content-length']), 'HEAD');
          else assert.equal(h.status, 404);
          for (const size of xmlValues(l.body, 'Size')) check(Buffer.alloc(0), Number(size), 'LIST');
        }
      })();
      await Promise.all([writer, reader]);
      assert.ok(seen.size >= 1, 'the reader saw the object at least once');
    });

    it('lists folders that contain only folders, with V2 and V1 pagination', async () => {
      for (const key of ['a/b/c/x', 'a/y', 'a/z/w', 'b', 'c/d/e/f', 'c/d/g']) await put(key, key);
      // `a/b/` and `c/` hold only folders: raw s3rver leaves them out.
      assert.deepEqual(listed(await list({ 'list-type': '2', delimiter: '/' })), { keys: ['b'], prefixes: ['a/', 'c/'], truncated: false, next: undefined, nextMarker: undefined });
      const inA = listed(await list({ 'list-type': '2', delimiter: '/', prefix: 'a/' }));
      assert.deepEqual([inA.keys, inA.prefixes], [['a/y'], ['a/b/', 'a/z/']]);
      const partial = listed(await list({ 'list-type': '2', delimiter: '/', prefix: 'c/d/' }));
      assert.deepEqual([partial.keys, partial.prefixes], [['c/d/g'], ['c/d/e/']]);
      const noDelimiter = listed(await list({ 'list-type': '2', prefix: 'a/' }));
      assert.deepEqual(noDelimiter.keys, ['a/b/c/x', 'a/y', 'a/z/w']);
      // A delimiter other than `/`, and a prefix that ends inside a name.
      const byDash = listed(await list({ 'list-type': '2', delimiter: 'z', prefix: 'a/' }));
      assert.deepEqual([byDash.keys, byDash.prefixes], [['a/b/c/x', 'a/y'], ['a/z']]);
      assert.deepEqual(listed(await list({ 'list-type': '2', delimiter: '/', prefix: 'c/d/e' })).prefixes, ['c/d/e/']);

      // V2: one item per page, through continuation tokens.
      const pages: string[] = [];
      let token: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = listed(await list({ 'list-type': '2', delimiter: '/', 'max-keys': '1', ...(token ? { 'continuation-token': token } : {}) }));
        pages.push(...page.prefixes, ...page.keys);
        if (!page.truncated) break;
        token = page.next;
        assert.ok(token);
      }
      assert.deepEqual(pages, ['a/', 'b', 'c/']);
      assert.deepEqual(listed(await list({ 'list-type': '2', 'start-after': 'a/y' })).keys, ['a/z/w', 'b', 'c/d/e/f', 'c/d/g']);
      // V1: markers.
      const v1 = listed(await list({ delimiter: '/', 'max-keys': '2' }));
      assert.deepEqual([v1.prefixes, v1.keys, v1.truncated, v1.nextMarker], [['a/'], ['b'], true, 'b']);
      assert.deepEqual(listed(await list({ delimiter: '/', marker: 'b' })).prefixes, ['c/']);
      assert.deepEqual(listed(await list({ marker: 'c/d/e/f' })).keys, ['c/d/g']);

      assert.equal((await list({ 'list-type': '2', 'max-keys': 'lots' })).errorCode, 'InvalidArgument');
      assert.equal((await list({ 'list-type': '2', 'continuation-token': 'bogus' })).errorCode, 'InvalidArgument');
      assert.deepEqual(listed(await list({ 'list-type': '2', 'max-keys': '0' })).keys, []);
      const missing = await list({ 'list-type': '2' }, 'no-such-bucket');
      assert.equal(missing.status, 404);
      assert.equal(missing.errorCode, 'NoSuchBucket');
    });

    it('rejects wrong credentials and unsigned requests like S3', async () => {
      await put('k', 'v');
      const as = (credentials: { accessKeyId: string; secretAccessKey: string; region?: string } | null) => s3.rawRequest({ method: 'GET', bucket: DEFAULT_BUCKET, key: 'k', credentials });
      const wrongSecret = await as({ accessKeyId: 'S3RVER', secretAccessKey: 'wrong' });
      assert.deepEqual([wrongSecret.status, wrongSecret.errorCode], [403, 'SignatureDoesNotMatch']);
      const wrongKey = await as({ accessKeyId: 'NOBODY', secretAccessKey: 'S3RVER' });
      assert.deepEqual([wrongKey.status, wrongKey.errorCode], [403, 'InvalidAccessKeyId']);
      const anonymous = await as(null);
      assert.deepEqual([anonymous.status, anonymous.errorCode], [403, 'AccessDenied']);
      const wrongRegion = await as({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'eu-west-1' });
      assert.deepEqual([wrongRegion.status, wrongRegion.errorCode], [400, 'AuthorizationHeaderMalformed']);
      const badHash = await s3.rawRequest({ method: 'PUT', bucket: DEFAULT_BUCKET, key: 'k', body: 'tampered', headers: { 'x-amz-content-sha256': 'a'.repeat(64) } });
      assert.deepEqual([badHash.status, badHash.errorCode], [400, 'XAmzContentSHA256Mismatch']);
      assert.equal((await get('k')).body.toString(), 'v', 'rejected writes change nothing');

      const noBucketGet = await s3.rawRequest({ method: 'GET', bucket: 'no-such-bucket', key: 'k' });
      assert.deepEqual([noBucketGet.status, noBucketGet.errorCode], [404, 'NoSuchBucket']);
      const noBucketPut = await s3.rawRequest({ method: 'PUT', bucket: 'no-such-bucket', key: 'k', body: 'v', headers: { 'if-none-match': '*' } });
      assert.deepEqual([noBucketPut.status, noBucketPut.errorCode], [404, 'NoSuchBucket']);
    });

    it('counts requests by method and operation, and logs them', async () => {
      s3.resetCounters();
      await put('k', 'v', { 'if-none-match': '*' });
      await get('k');
      await s3.rawRequest({ method: 'HEAD', bucket: DEFAULT_BUCKET, key: 'k' });
      await list({ 'list-type': '2' });
      assert.deepEqual(s3.requests, { total: 4, GET: 2, HEAD: 1, PUT: 1, POST: 0, DELETE: 0, other: 0 });
      assert.deepEqual(s3.operations, { PutObject: 1, GetObject: 1, HeadObject: 1, ListObjectsV2: 1 });
      assert.deepEqual(
        s3.log.map((r) => [r.operation, r.status, r.key]),
        [
          ['PutObject', 200, 'k'],
          ['GetObject', 200, 'k'],
          ['HeadObject', 200, 'k'],
          ['ListObjectsV2', 200, undefined],
        ],
      );
      assert.equal(s3.log[0]!.conditions['if-none-match'], '*');
      s3.resetCounters();
      assert.equal(s3.requests.total, 0);
      assert.equal(s3.log.length, 0);
    });

    it('refuses, resets or black-holes connections on demand, on the same port', async () => {
      await put('k', 'v');
      const port = s3.port;
      await s3.refuseConnections();
      await assert.rejects(get('k'), /ECONNREFUSED/);
      await s3.acceptConnections();
      assert.equal(s3.port, port);
      assert.equal((await get('k')).status, 200);

      await s3.refuseConnections('reset');
      await assert.rejects(get('k'), /ECONNRESET|socket hang up/);
      await s3.refuseConnections('hang');
      const hung = await timed(() => s3.rawRequest({ method: 'GET', bucket: DEFAULT_BUCKET, key: 'k', timeoutMs: 300 }));
      assert.match(String(hung.error?.message), /timed out/);
      await s3.acceptConnections();
      assert.equal(s3.unreachableMode, undefined);
      assert.equal((await get('k')).body.toString(), 'v');
    });

    it('close() is bounded, idempotent and removes only the directory it made', async () => {
      const own = s3.dir;
      assert.ok(fs.existsSync(own));
      // A request left hanging must not hold close() up.
      await s3.refuseConnections('hang');
      const pending = get('k').catch((e: Error) => e);
      const t0 = Date.now();
      await s3.close();
      await s3.close();
      assert.ok(Date.now() - t0 < 5_000);
      assert.ok((await pending) instanceof Error);
      assert.equal(fs.existsSync(own), false);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-keep-'));
      try {
        let kept = await S3TestServer.start({ dir, buckets: ['keep'] });
        await kept.rawRequest({ method: 'PUT', bucket: 'keep', key: 'x/y', body: 'persisted' });
        await kept.close();
        assert.ok(fs.existsSync(dir));
        kept = await S3TestServer.start({ dir, buckets: [] });
        try {
          assert.equal((await kept.rawRequest({ method: 'GET', bucket: 'keep', key: 'x/y' })).body.toString(), 'persisted');
        } finally {
          await kept.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('through LanceDB', () => {
    const connect = (prefix: string, extra: Record<string, string> = {}, bucket = DEFAULT_BUCKET) =>
      lancedb.connect(s3.uri(bucket, prefix), { storageOptions: s3.storageOptions(extra) });

    it('creates, indexes, changes, optimizes and queries tables, and lists them', async () => {
      const db = await connect('index');
      const chunks = await db.createTable('chunks', rows(50, 0));
      await db.createTable('files', [{ path: 'a.ts', hash: 'x' }]);
      await chunks.add(rows(50, 50));
      await chunks.createIndex('text', { config: lancedb.Index.fts() });
      await chunks.delete('id < 10');
      await chunks.optimize({ cleanupOlderThan: new Date() });
      assert.equal(await chunks.countRows(), 90);
      const hits = await chunks.search('tok42', 'fts').limit(5).toArray();
      assert.deepEqual(
        hits.map((r: { id: number }) => r.id),
        [42],
      );
      assert.deepEqual((await chunks.query().where('id >= 97').toArray()).map((r: { id: number }) => r.id).sort(), [97, 98, 99]);

      // `index/chunks.lance/` holds only folders (data/, _versions/, ...): raw s3rver listed nothing.
      const keys = await s3.keys(DEFAULT_BUCKET, 'index/');
      assert.ok(keys.some((k) => /^index\/chunks\.lance\/_versions\/\d+\.manifest$/.test(k)));
      assert.ok(!keys.some((k) => /^index\/chunks\.lance\/[^/]+$/.test(k)));
      assert.deepEqual((await db.tableNames()).sort(), ['chunks', 'files']);

      const other = await connect('index');
      assert.deepEqual((await other.tableNames()).sort(), ['chunks', 'files']);
      assert.equal(await (await other.openTable('chunks')).countRows(), 90);
      assert.deepEqual(await (await connect('elsewhere')).tableNames(), []);

      // What LanceDB sends: ListObjectsV2 only, and `If-None-Match: *` on every manifest PUT.
      assert.equal(s3.operations.ListObjects ?? 0, 0);
      assert.ok((s3.operations.ListObjectsV2 ?? 0) > 0);
      const manifestPuts = s3.log.filter((r) => r.operation === 'PutObject' && /_versions\/\d+\.manifest$/.test(r.key ?? ''));
      assert.ok(manifestPuts.length >= 6);
      for (const r of manifestPuts) assert.equal(r.conditions['if-none-match'], '*', r.key);
    });

    it('loses no rows when two connections add to one table concurrently', async () => {
      const db = await connect('conc');
      await db.createTable('t', rows(1, 0));
      const [a, b] = await Promise.all([(await connect('conc')).openTable('t'), (await connect('conc')).openTable('t')]);
      const writer = async (table: typeof a, base: number) => {
        for (let batch = 0; batch < 8; batch++) await table.add(rows(500, base + batch * 500));
      };
      await Promise.all([writer(a, 100_000), writer(b, 200_000)]);
      const t = await db.openTable('t');
      assert.equal(await t.countRows(), 1 + 2 * 8 * 500);
      const ids = (await t.query().select(['id']).limit(100_000).toArray()).map((r: { id: number }) => r.id);
      assert.equal(new Set(ids).size, 1 + 2 * 8 * 500);
      // Conflicts, if the writers collided, were answered with 412 and retried.
      const conflicts = s3.log.filter((r) => r.status === 412);
      for (const r of conflicts) assert.equal(r.errorCode, 'PreconditionFailed');
    });

    it('a reader polling checkoutLatest while a writer commits never errors and sees only whole batches', async () => {
      const BATCH = 200;
      const BATCHES = 12;
      const db = await connect('poll');
      const table = await db.createTable('t', rows(BATCH, 0));
      const reader = await (await connect('poll')).openTable('t');
      let writing = true;
      const writer = (async () => {
        try {
          for (let i = 1; i <= BATCHES; i++) await table.add(rows(BATCH, i * BATCH));
        } finally {
          writing = false;
        }
      })();
      const counts: number[] = [];
      for (let i = 0; i < 5_000 && writing; i++) {
        await reader.checkoutLatest();
        counts.push(await reader.countRows());
      }
      await writer;
      await reader.checkoutLatest();
      counts.push(await reader.countRows());
      for (const c of counts) assert.equal(c % BATCH, 0, `count ${c}`);
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, 'counts never go back');
      assert.equal(counts[counts.length - 1], (BATCHES + 1) * BATCH);
      assert.ok(new Set(counts).size >= 3, `the reader raced the writer (saw ${[...new Set(counts)].join(', ')})`);
    });

    it('surfaces wrong credentials and a missing bucket as errors', async () => {
      await (await connect('auth')).createTable('t', rows(3, 0));
      const [wrongSecret, wrongKey, secretOpen, noBucket] = await Promise.all([
        timed(async () => (await connect('auth', { aws_secret_access_key: 'wrong' })).tableNames()),
        timed(async () => (await connect('auth', { aws_access_key_id: 'NOBODY' })).tableNames()),
        timed(async () => (await (await connect('auth', { aws_secret_access_key: 'wrong' })).openTable('t')).countRows()),
        timed(async () => (await connect('auth', {}, 'no-such-bucket')).tableNames()),
      ]);
      assert.match(String(wrongSecret.error?.message), /403 Forbidden[\s\S]*<Code>SignatureDoesNotMatch<\/Code>/);
      assert.match(String(wrongKey.error?.message), /403 Forbidden[\s\S]*<Code>InvalidAccessKeyId<\/Code>/);
      assert.match(String(secretOpen.error?.message), /<Code>SignatureDoesNotMatch<\/Code>/);
      assert.match(String(noBucket.error?.message), /404 Not Found[\s\S]*<Code>NoSuchBucket<\/Code>/);
      for (const r of [wrongSecret, wrongKey, secretOpen, noBucket]) assert.ok(r.ms < 30_000, `gave up after ${r.ms} ms`);
    });

    it('fails fast against an unreachable store once client retries are off, and recovers', async () => {
      const fast = { client_max_retries: '0' };
      const db = await connect('down', fast);
      const table = await db.createTable('t', rows(5, 0));
      await s3.refuseConnections();

      const query = await timed(() => table.query().limit(5).toArray());
      assert.match(String(query.error?.message), /error sending request/);
      assert.ok(query.ms < 2_000, `query gave up after ${query.ms} ms`);
      const reload = await timed(() => table.checkoutLatest());
      assert.match(String(reload.error?.message), /error sending request/);
      assert.ok(reload.ms < 8_000, `checkoutLatest gave up after ${reload.ms} ms`);
      const fresh = await timed(async () => (await connect('down', fast)).tableNames());
      assert.match(String(fresh.error?.message), /error sending request/);
      assert.ok(fresh.ms < 15_000, `connect + tableNames gave up after ${fresh.ms} ms`);

      await s3.acceptConnections();
      await table.checkoutLatest();
      assert.equal((await table.query().limit(10).toArray()).length, 5);
    });

    it('bounds a black-holed store with the timeout storage option', async () => {
      const db = await connect('hang', { client_max_retries: '0', timeout: '500ms' });
      const table = await db.createTable('t', rows(5, 0));
      await s3.refuseConnections('hang');
      const query = await timed(() => table.query().limit(5).toArray());
      assert.match(String(query.error?.message), /error sending request|timed out|operation timed out/i);
      assert.ok(query.ms < 10_000, `query gave up after ${query.ms} ms`);
      await s3.acceptConnections();
      assert.equal((await table.query().limit(10).toArray()).length, 5);
    });
  });
});
