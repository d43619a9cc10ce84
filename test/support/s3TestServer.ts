/**
 * An S3-compatible object store on 127.0.0.1, for tests and benchmarks only (never shipped).
 *
 * It is `s3rver` (an npm fake S3 that stores objects as files) behind an HTTP proxy of our own
 * on an ephemeral port, which is the endpoint tests talk to; s3rver itself listens on another
 * ephemeral 127.0.0.1 port that only the proxy uses. LanceDB (through Rust `object_store`) uses
 * it as `s3://<bucket>/<prefix>` with {@link S3TestServer.storageOptions}.
 *
 * Where raw s3rver departs from S3 in ways LanceDB notices, the proxy (or a patch of s3rver's
 * file store) behaves like S3 instead:
 * - Conditional writes. s3rver ignores `If-None-Match: *` on PUT, yet LanceDB commits every
 *   table version with exactly that (a `PutObject` of `_versions/<n>.manifest`) and rebases and
 *   retries when it gets 412, so two concurrent writers both "succeeded" and rows were lost.
 *   The proxy evaluates `If-None-Match: *` and `If-Match: <etag>` on PutObject, CopyObject and
 *   CompleteMultipartUpload itself, holding the key's write lock from the check to the end of
 *   the write, so of two concurrent creates of one key exactly one wins and the other gets
 *   S3's 412 `PreconditionFailed`. (`If-Match` on a missing key gives 404 `NoSuchKey`;
 *   `If-None-Match` with an ETag instead of `*`, which S3 does not support on writes, gives 501
 *   `NotImplemented`.)
 *   LanceDB 0.31 sends only `If-None-Match: *`, and only on manifest PUTs; it never sends
 *   `If-Match`, CopyObject, or conditions on multipart uploads.
 * - Atomic objects. s3rver writes an object's file in place while the body streams in, so a
 *   reader listing `_versions/` saw a half-written manifest ("Range started at 0 and ended at
 *   0"). Here every body is buffered by the proxy before it is forwarded (s3rver only ever sees
 *   complete bodies), s3rver's store is patched to write objects and their metadata to a
 *   staging file that is renamed into place, and a per-key reader/writer lock makes GET/HEAD of
 *   a key wait while a PUT, copy, multipart complete or delete of that key is in flight. A
 *   listing therefore shows a key only once it is complete, with its final size.
 * - Listing. s3rver's ListObjects with a delimiter skips "folders" that contain only folders
 *   (so LanceDB's `tableNames()` was `[]`), and its ListObjectsV2 continuation tokens need DES,
 *   which Node 20's OpenSSL 3 refuses. The proxy answers every ListObjects (V1 and V2) from
 *   s3rver's files itself: prefix, delimiter (CommonPrefixes), max-keys (at most 1000),
 *   continuation-token and start-after (V2), marker and NextMarker (V1), encoding-type=url,
 *   fetch-owner. LanceDB uses ListObjectsV2 (`list-type=2`), with and without `delimiter=/`.
 * - Authentication. s3rver rejects an unknown access key (403 `InvalidAccessKeyId`) but never
 *   checks a SigV4 signature, so a wrong secret was accepted. The proxy verifies AWS SigV4
 *   header signatures (and a hex `x-amz-content-sha256` against the body) with the configured
 *   credentials: unknown key 403 `InvalidAccessKeyId`, wrong signature 403
 *   `SignatureDoesNotMatch`, no credentials 403 `AccessDenied`, wrong region in the scope 400
 *   `AuthorizationHeaderMalformed`, clock skew over 15 minutes 403 `RequestTimeTooSkewed`.
 *   A missing bucket gives 404 `NoSuchBucket` (from s3rver, or from the proxy for listings).
 * - Smaller fixes: suffix ranges (`Range: bytes=-N`) are resolved to absolute ones (s3rver
 *   reads them as `0-N`), any range on an empty object is 416 `InvalidRange` (s3rver sent a
 *   body one byte short of its Content-Length), `If-Match` on GET/HEAD is evaluated, and
 *   AbortMultipartUpload (DELETE `?uploadId=`) works (s3rver answered 405).
 *
 * Where it still knowingly departs from S3:
 * - Path-style addressing only (`aws_virtual_hosted_style_request: 'false'`), plain HTTP,
 *   one region, one key pair. Presigned URLs (query-string auth) and `aws-chunked` streaming
 *   uploads are refused (403 `AccessDenied` / 501 `NotImplemented`); `x-amz-security-token` is
 *   ignored.
 * - Bodies are buffered in memory, up to `maxBodyBytes` (default 256 MiB) per request; a
 *   larger one gets 400 `EntityTooLarge`. Part sizes and part counts are not checked; a
 *   multipart object's ETag is the MD5 of its content, not S3's `<md5 of md5s>-<parts>`.
 * - Overwriting an existing key is atomic for GET/HEAD, but a listing that runs at that very
 *   moment may pair the new ETag with the old size. (LanceDB never overwrites a key.)
 * - DeleteObjects (POST `?delete`) takes no key locks: a GET that has already opened the
 *   object still streams it out whole, as on S3; a later one gets 404 `NoSuchKey`.
 * - Keys with empty, `.` or `..` segments (`a//b`, `a/../b`) are refused with 400
 *   `InvalidArgument`: s3rver maps keys to file paths and would normalise or escape them.
 * - Conditions on the copy source (`x-amz-copy-source-if-*`), `If-Unmodified-Since`,
 *   versioning, ACLs, checksums other than `x-amz-content-sha256` are not evaluated; the
 *   remaining bucket and object sub-resources are whatever s3rver does.
 *
 * Faults and measurements: {@link S3TestServer.refuseConnections} makes the store unreachable
 * (`'refuse'`: ECONNREFUSED, `'reset'`: connections reset, `'hang'`: requests never answered)
 * until {@link S3TestServer.acceptConnections}; {@link S3TestServer.requests} and
 * {@link S3TestServer.operations} count requests by method and by S3 operation, and
 * {@link S3TestServer.log} keeps each one with its conditional headers and answer, so a
 * benchmark can check how many requests a query costs.
 *
 * Everything is bounded: lock waits (30 s), upstream requests (60 s), the directory walk of a
 * listing (a million entries), request bodies, the request log (the last 10,000). Every timer is
 * tracked; {@link S3TestServer.close} destroys every socket (client and upstream), stops
 * s3rver and removes the temporary directory it made, so a test can never hang on it. Nothing
 * listens anywhere but 127.0.0.1.
 *
 * Quick start:
 * ```ts
 * const s3 = await S3TestServer.start({ buckets: ['bucket'] });
 * const db = await lancedb.connect(s3.uri('bucket', 'index'), { storageOptions: s3.storageOptions() });
 * ...
 * await s3.close();
 * ```
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver = require('s3rver');

// ---------------------------------------------------------------------------------------------
// Public types and constants
// ---------------------------------------------------------------------------------------------

/** s3rver's built-in key pair; the default credentials of the server. */
export const DEFAULT_ACCESS_KEY_ID = 'S3RVER';
export const DEFAULT_SECRET_ACCESS_KEY = 'S3RVER';
export const DEFAULT_REGION = 'us-east-1';
/** The bucket {@link S3TestServer.start} creates when `buckets` is not given. */
export const DEFAULT_BUCKET = 'bucket';

export interface S3TestServerOptions {
  /**
   * Where the data lives: s3rver's files under `<dir>/buckets`, staged writes under
   * `<dir>/staging`. Kept by {@link S3TestServer.close}. Default: a fresh temporary directory,
   * removed by `close()`.
   */
  dir?: string;
  /** Buckets to create at start. Default `[DEFAULT_BUCKET]`; `[]` for none. */
  buckets?: string[];
  /** The one key pair the server accepts. Default s3rver's `S3RVER` / `S3RVER`. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** The region signatures must be scoped to. Default `us-east-1`. */
  region?: string;
  /** Largest request body accepted (they are buffered). Default 256 MiB. */
  maxBodyBytes?: number;
}

/** Requests received, by HTTP method (`total` counts them all). */
export interface RequestCounts {
  total: number;
  GET: number;
  HEAD: number;
  PUT: number;
  POST: number;
  DELETE: number;
  other: number;
}

/**
 * The S3 operation a request was classified as: `ListObjectsV2`, `ListObjects`, `GetObject`,
 * `HeadObject`, `PutObject`, `CopyObject`, `DeleteObject`, `DeleteObjects`,
 * `CreateMultipartUpload`, `UploadPart`, `UploadPartCopy`, `CompleteMultipartUpload`,
 * `AbortMultipartUpload`, `ListBuckets`, `CreateBucket`, `DeleteBucket`, `HeadBucket`,
 * `BucketSubresource`, `ObjectSubresource`, `Unknown`.
 */
export type S3Operation = string;

/** One request as the proxy saw it (the log keeps the last 10,000). */
export interface S3RequestRecord {
  readonly method: string;
  readonly operation: S3Operation;
  readonly bucket?: string;
  /** Decoded object key. */
  readonly key?: string;
  /** Decoded query parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** The conditional and range headers sent, lower-case names: `if-*`, `range`, `x-amz-copy-source*`. */
  readonly conditions: Readonly<Record<string, string>>;
  /** The status answered; 0 if the client went away (or the server closed) first. */
  status: number;
  /** The S3 error code answered, if any (from the proxy or s3rver). */
  errorCode?: string;
  readonly bodyBytes: number;
}

/** How {@link S3TestServer.refuseConnections} makes the store unreachable. */
export type UnreachableMode =
  /** Stop listening: connecting gets ECONNREFUSED. */
  | 'refuse'
  /** Keep listening, but reset every connection as soon as it is accepted (ECONNRESET). */
  | 'reset'
  /** Keep listening and read requests, but never answer (a black hole: only client timeouts end them). */
  | 'hang';

/** A raw, signed request for {@link S3TestServer.rawRequest}. */
export interface RawRequest {
  method: string;
  /** Omit for service-level requests (ListBuckets). */
  bucket?: string;
  /** The object key, unencoded. */
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Sign with these instead of the server's own; `null` sends no Authorization at all. */
  credentials?: { accessKeyId: string; secretAccessKey: string; region?: string } | null;
  /** Default 10 s. */
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The S3 `<Error><Code>` of the body, if it is an S3 error document. */
  errorCode?: string;
}

// ---------------------------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------------------------

const LOCK_WAIT_MS = 30_000;
const UPSTREAM_TIMEOUT_MS = 60_000;
const MAX_LIST_WALK_ENTRIES = 1_000_000;
const MAX_LIST_KEYS = 1000;
const MAX_LOG_RECORDS = 10_000;
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** How long {@link S3TestServer.refuseConnections} waits for idle keep-alive sockets to close. */
const GRACEFUL_CLOSE_MS = 200;
/** How long {@link S3TestServer.close} waits for s3rver and the directory removal. */
const CLOSE_STEP_MS = 5_000;
const RENAME_ATTEMPTS = 5;

const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const OWNER = { id: '123456789000', displayName: 'S3rver' };
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
/** The suffix s3rver gives the file holding an object's bytes (`<name>._S3rver_object`). */
const OBJECT_SUFFIX = '._S3rver_object';
/** s3rver keeps multipart uploads under `<bucket>/._S3rver_uploads/<uploadId>/`. */
const UPLOADS_DIR = '._S3rver_uploads';
/** The metadata s3rver keeps for an object (besides `x-amz-meta-*`), as its `S3Object` does. */
const STORED_METADATA = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-type',
  'expires',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
];
/** Query parameters of ListObjects / ListObjectsV2; any other one on `GET /<bucket>` is a sub-resource. */
const LIST_PARAMS = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'marker',
  'continuation-token',
  'start-after',
  'encoding-type',
  'fetch-owner',
  'x-id',
]);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

// ---------------------------------------------------------------------------------------------
// S3 errors
// ---------------------------------------------------------------------------------------------

const ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  EntityTooLarge: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  XAmzContentSHA256Mismatch: 400,
};

/** An S3 error answer: `<Error><Code/><Message/>...details...<RequestId/></Error>`. */
class S3ErrorReply {
  readonly status: number;
  constructor(
    readonly code: string,
    readonly message: string,
    readonly details: Record<string, string> = {},
  ) {
    this.status = ERROR_STATUS[code] ?? 500;
  }
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function errorXml(err: S3ErrorReply, resource: string, requestId: string): string {
  const details = Object.entries(err.details)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message>${details}` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`
  );
}

function errorCodeOf(body: Buffer | string): string | undefined {
  const text = typeof body === 'string' ? body : body.subarray(0, 4096).toString('utf8');
  return /<Error>\s*<Code>([^<]+)<\/Code>/.exec(text)?.[1];
}

// ---------------------------------------------------------------------------------------------
// SigV4
// ---------------------------------------------------------------------------------------------

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~` percent-encoded. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The canonical URI S3 signs: the decoded path, each segment re-encoded (no normalisation). */
function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((seg) => uriEncode(safeDecode(seg)))
    .join('/');
}

function canonicalQuery(params: [string, string][]): string {
  return params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalHeaderValue(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  return s.trim().replace(/\s+/g, ' ');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function signingKey(secret: string, date: string, region: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), 's3'), 'aws4_request');
}

interface SigV4Parts {
  method: string;
  rawPath: string;
  params: [string, string][];
  headers: http.IncomingHttpHeaders | Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  scope: string;
}

function sigV4StringToSign(p: SigV4Parts): { canonicalRequest: string; stringToSign: string } {
  const lower: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(p.headers)) lower[k.toLowerCase()] = v;
  const canonicalRequest = [
    p.method,
    canonicalUri(p.rawPath),
    canonicalQuery(p.params),
    p.signedHeaders.map((h) => `${h}:${canonicalHeaderValue(lower[h])}\n`).join(''),
    p.signedHeaders.join(';'),
    p.payloadHash,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    p.amzDate,
    p.scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  return { canonicalRequest, stringToSign };
}

function amzDateOf(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(s: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** S3 orders keys by their UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(a) && /^[\u0000-\u007f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/** `"etag1", W/"etag2"` → `['etag1', 'etag2']`, quotes and weak markers dropped. */
function etagList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
    .filter(Boolean);
}

function bareEtag(v: string | number | undefined): string {
  return String(v ?? '').replace(/^"|"$/g, '');
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Whether s3rver can keep the key as a file path: no empty, `.` or `..` segments (a trailing `/` is fine). */
function storableKey(key: string): boolean {
  const segments = key.split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  return segments.every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** A reader/writer lock per key, FIFO (a waiting writer holds back later readers), bounded waits. */
class KeyLocks {
  private readonly states = new Map<string, { readers: number; writer: boolean; queue: LockWaiter[] }>();
  private closed = false;

  constructor(private readonly setTimer: (fn: () => void, ms: number) => NodeJS.Timeout, private readonly clearTimer: (t: NodeJS.Timeout) => void) {}

  /** Resolves with a release function (idempotent); rejects after `waitMs` or on {@link closeAll}. */
  acquire(key: string, mode: 'shared' | 'exclusive', waitMs = LOCK_WAIT_MS): Promise<() => void> {
    if (this.closed) return Promise.reject(new Error('server closed'));
    let st = this.states.get(key);
    if (!st) {
      st = { readers: 0, writer: false, queue: [] };
      this.states.set(key, st);
    }
    const state = st;
    return new Promise<() => void>((resolve, reject) => {
      const waiter: LockWaiter = { mode, grant: () => undefined, fail: reject };
      waiter.grant = () => {
        if (waiter.timer) this.clearTimer(waiter.timer);
        if (mode === 'exclusive') state.writer = true;
        else state.readers++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          if (mode === 'exclusive') state.writer = false;
          else state.readers--;
          this.pump(key);
        });
      };
      state.queue.push(waiter);
      this.pump(key);
      if (state.queue.includes(waiter)) {
        waiter.timer = this.setTimer(() => {
          const i = state.queue.indexOf(waiter);
          if (i < 0) return;
          state.queue.splice(i, 1);
          reject(new Error(`lock wait on ${key} exceeded ${waitMs} ms`));
          this.pump(key);
        }, waitMs);
      }
    });
  }

  /** Rejects every waiter (the holders' releases become no-ops on a dropped state). */
  closeAll(): void {
    this.closed = true;
    for (const st of this.states.values()) {
      for (const w of st.queue.splice(0)) {
        if (w.timer) this.clearTimer(w.timer);
        w.fail(new Error('server closed'));
      }
    }
    this.states.clear();
  }

  private pump(key: string): void {
    const st = this.states.get(key);
    if (!st) return;
    // Bounded: each pass grants (and removes) one waiter or stops.
    while (st.queue.length > 0) {
      const head = st.queue[0]!;
      const ok = head.mode === 'exclusive' ? !st.writer && st.readers === 0 : !st.writer;
      if (!ok) break;
      st.queue.shift();
      head.grant();
    }
    if (!st.writer && st.readers === 0 && st.queue.length === 0) this.states.delete(key);
  }
}

interface LockWaiter {
  mode: 'shared' | 'exclusive';
  grant: () => void;
  fail: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/** What a request addresses, from its raw URL. */
interface Target {
  rawPath: string;
  params: [string, string][];
  query: Record<string, string>;
  bucket?: string;
  key?: string;
}

function parseTarget(url: string): Target {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const params = [...new URLSearchParams(rawQuery).entries()];
  const query: Record<string, string> = {};
  for (const [k, v] of params) query[k] = v;
  const slash = rawPath.indexOf('/', 1);
  const bucketRaw = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const keyRaw = slash < 0 ? '' : rawPath.slice(slash + 1);
  return {
    rawPath,
    params,
    query,
    bucket: bucketRaw ? safeDecode(bucketRaw) : undefined,
    key: keyRaw ? safeDecode(keyRaw) : undefined,
  };
}

function classify(method: string, t: Target, headers: http.IncomingHttpHeaders): S3Operation {
  const q = t.query;
  if (!t.bucket) return method === 'GET' ? 'ListBuckets' : 'Unknown';
  if (t.key === undefined) {
    const sub = Object.keys(q).some((k) => !LIST_PARAMS.has(k));
    switch (method) {
      case 'GET':
        return sub ? 'BucketSubresource' : q['list-type'] === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'PUT':
        return Object.keys(q).length ? 'BucketSubresource' : 'CreateBucket';
      case 'DELETE':
        return Object.keys(q).length ? 'BucketSubresource' : 'DeleteBucket';
      case 'POST':
        return 'delete' in q ? 'DeleteObjects' : 'BucketSubresource';
      default:
        return 'Unknown';
    }
  }
  const plain = Object.keys(q).filter((k) => k !== 'x-id').length === 0;
  switch (method) {
    case 'GET':
      return plain ? 'GetObject' : 'ObjectSubresource';
    case 'HEAD':
      return plain ? 'HeadObject' : 'ObjectSubresource';
    case 'PUT':
      if ('uploadId' in q && 'partNumber' in q) return headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
      if (!plain) return 'ObjectSubresource';
      return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    case 'POST':
      if ('uploads' in q) return 'CreateMultipartUpload';
      if ('uploadId' in q) return 'CompleteMultipartUpload';
      return 'ObjectSubresource';
    case 'DELETE':
      if ('uploadId' in q) return 'AbortMultipartUpload';
      return plain ? 'DeleteObject' : 'ObjectSubresource';
    default:
      return 'Unknown';
  }
}

/** The `x-amz-copy-source` header → source bucket and key (`/bucket/key`, URL-encoded, optional `?versionId=`). */
function parseCopySource(v: string): { bucket: string; key: string } | undefined {
  const noVersion = v.split('?')[0]!;
  const decoded = safeDecode(noVersion).replace(/^\//, '');
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) return undefined;
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/**
 * An S3 endpoint on `http://127.0.0.1:<ephemeral port>`. See the file header for the overview
 * and for how it departs from S3.
 */
export class S3TestServer {
  /** Requests received, by method. Reset with {@link resetCounters}. */
  readonly requests: RequestCounts = emptyCounts();
  /** Requests received, by S3 operation (`ListObjectsV2`, `GetObject`, ...). */
  readonly operations: Record<S3Operation, number> = {};
  /** The last 10,000 requests, oldest first. */
  readonly log: S3RequestRecord[] = [];

  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** The directory holding the data (see {@link S3TestServerOptions.dir}). */
  readonly dir: string;

  private readonly ownsDir: boolean;
  private readonly stagingDir: string;
  private readonly maxBodyBytes: number;
  private readonly proxy: http.Server;
  private readonly upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly sockets = new Map<Socket, { active: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly locks: KeyLocks;
  /** Requests held unanswered in `'hang'` mode. */
  private readonly hung = new Set<http.ServerResponse>();
  private s3rver: S3rver | undefined;
  private upstreamPort = 0;
  private proxyPort = 0;
  private unreachable: UnreachableMode | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;

  private constructor(options: S3TestServerOptions) {
    this.accessKeyId = options.accessKeyId ?? DEFAULT_ACCESS_KEY_ID;
    this.secretAccessKey = options.secretAccessKey ?? DEFAULT_SECRET_ACCESS_KEY;
    this.region = options.region ?? DEFAULT_REGION;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024 * 1024;
    this.ownsDir = !options.dir;
    this.dir = options.dir ? path.resolve(options.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'inhouse-s3-'));
    this.stagingDir = path.join(this.dir, 'staging');
    this.locks = new KeyLocks(
      (fn, ms) => this.setTimer(fn, ms),
      (t) => this.clearTimer(t),
    );
    this.proxy = http.createServer((req, res) => void this.handle(req, res));
    this.proxy.keepAliveTimeout = 5_000;
    this.proxy.headersTimeout = 30_000;
    this.proxy.requestTimeout = 120_000;
    this.proxy.on('connection', (socket: Socket) => {
      if (this.unreachable === 'reset' || this.closing) {
        socket.resetAndDestroy();
        return;
      }
      this.sockets.set(socket, { active: 0 });
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.proxy.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const state = this.sockets.get(req.socket);
      if (!state) return;
      state.active++;
      res.on('close', () => state.active--);
    });
  }

  /** Starts s3rver and the proxy, each on an ephemeral 127.0.0.1 port, and creates the buckets. */
  static async start(options: S3TestServerOptions = {}): Promise<S3TestServer> {
    const server = new S3TestServer(options);
    try {
      await server.startUpstream();
      for (const b of options.buckets ?? [DEFAULT_BUCKET]) await server.createBucket(b);
      await server.listen();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** `http://127.0.0.1:<port>`; the same across {@link refuseConnections}. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.proxyPort}`;
  }

  get port(): number {
    return this.proxyPort;
  }

  /** The mode set by {@link refuseConnections}, or undefined while connections are accepted. */
  get unreachableMode(): UnreachableMode | undefined {
    return this.unreachable;
  }

  /**
   * The LanceDB / object_store storage options for this server (`aws_endpoint`, the key pair,
   * `aws_region`, `allow_http`, path-style requests), merged with `extra` (e.g. timeouts).
   */
  storageOptions(extra: Record<string, string> = {}): Record<string, string> {
    return {
      aws_endpoint: this.endpoint,
      aws_access_key_id: this.accessKeyId,
      aws_secret_access_key: this.secretAccessKey,
      aws_region: this.region,
      allow_http: 'true',
      aws_virtual_hosted_style_request: 'false',
      ...extra,
    };
  }

  /** `s3://<bucket>/<prefix>` (no trailing slash). */
  uri(bucket: string = DEFAULT_BUCKET, prefix = ''): string {
    const p = prefix.replace(/^\/+|\/+$/g, '');
    return p ? `s3://${bucket}/${p}` : `s3://${bucket}`;
  }

  /** Creates a bucket (a no-op if it exists). */
  async createBucket(name: string): Promise<void> {
    if (!BUCKET_NAME.test(name) || name.includes('..')) throw new Error(`invalid bucket name ${JSON.stringify(name)}`);
    await this.store().putBucket(name);
  }

  /** Whether the bucket exists. */
  async hasBucket(name: string): Promise<boolean> {
    return !!(await this.store().getBucket(name));
  }

  /** The keys of a bucket under `prefix`, in S3 order (straight from the files; no request is counted). */
  async keys(bucket: string, prefix = ''): Promise<string[]> {
    const items = await this.walkKeys(bucket, prefix, '');
    return items.map((i) => i.name);
  }

  resetCounters(): void {
    Object.assign(this.requests, emptyCounts());
    for (const k of Object.keys(this.operations)) delete this.operations[k];
    this.log.length = 0;
  }

  // --- faults ---------------------------------------------------------------------------------

  /**
   * Makes the store unreachable. `'refuse'` (default) stops listening, so connecting gets
   * ECONNREFUSED on the same port; `'reset'` keeps listening but resets every new connection;
   * `'hang'` accepts connections and requests but never answers. In every mode idle keep-alive
   * connections are closed gracefully first (so a client's pool does not hand out a dead socket)
   * and requests in flight are cut. Undo with {@link acceptConnections}, which also cuts the
   * requests `'hang'` held.
   */
  async refuseConnections(mode: UnreachableMode = 'refuse'): Promise<void> {
    if (this.closing) return;
    const was = this.unreachable;
    this.unreachable = mode;
    if (was === undefined) await this.dropSockets();
    if (mode === 'refuse' && this.proxy.listening) {
      await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    } else if (mode !== 'refuse' && !this.proxy.listening) {
      await this.listen();
    }
  }

  /** Accepts connections again (on the same port) after {@link refuseConnections}. */
  async acceptConnections(): Promise<void> {
    if (this.closing || this.unreachable === undefined) return;
    if (!this.proxy.listening) await this.listen();
    this.unreachable = undefined;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  /** Stops everything: destroys every socket, stops s3rver, removes the directory it made. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  // --- raw requests -----------------------------------------------------------------------------

  /**
   * Sends one SigV4-signed request to the proxy (as an S3 client would) and returns the whole
   * answer. For tests of the wire behaviour that are simpler without LanceDB.
   */
  async rawRequest(r: RawRequest): Promise<RawResponse> {
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
    let rawPath = '/';
    if (r.bucket) rawPath += uriEncode(r.bucket);
    if (r.key !== undefined) rawPath += '/' + r.key.split('/').map(uriEncode).join('/');
    const params = Object.entries(r.query ?? {});
    const qs = params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
    const headers: Record<string, string> = {
      host: `127.0.0.1:${this.proxyPort}`,
      ...Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    };
    if (body.length > 0 || r.method === 'PUT' || r.method === 'POST') headers['content-length'] = String(body.length);
    const creds = r.credentials === undefined ? { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey } : r.credentials;
    if (creds) {
      const region = ('region' in creds && creds.region) || this.region;
      const now = new Date();
      const amzDate = amzDateOf(now);
      headers['x-amz-date'] = amzDate;
      headers['x-amz-content-sha256'] ??= createHash('sha256').update(body).digest('hex');
      const signedHeaders = Object.keys(headers)
        .filter((h) => h === 'host' || h.startsWith('x-amz-') || h.startsWith('if-') || h === 'range' || h === 'content-type')
        .sort();
      const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
      const { stringToSign } = sigV4StringToSign({
        method: r.method,
        rawPath,
        params,
        headers,
        signedHeaders,
        payloadHash: headers['x-amz-content-sha256'],
        amzDate,
        scope,
      });
      const signature = hmac(signingKey(creds.secretAccessKey, amzDate.slice(0, 8), region), stringToSign).toString('hex');
      headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
    }
    const timeoutMs = r.timeoutMs ?? 10_000;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.proxyPort, method: r.method, path: qs ? `${rawPath}?${qs}` : rawPath, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const data = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, errorCode: errorCodeOf(data) });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`raw ${r.method} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  // --- lifecycle internals ----------------------------------------------------------------------

  private store(): S3rver['store'] {
    if (!this.s3rver) throw new Error('S3TestServer is not running');
    return this.s3rver.store;
  }

  private async startUpstream(): Promise<void> {
    const bucketsDir = path.join(this.dir, 'buckets');
    fs.mkdirSync(bucketsDir, { recursive: true });
    fs.mkdirSync(this.stagingDir, { recursive: true });
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: bucketsDir,
      vhostBuckets: false,
      resetOnClose: false,
    });
    this.patchStore(s3.store);
    this.s3rver = s3;
    const addr = await s3.run();
    this.upstreamPort = addr.port;
  }

  private listen(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.proxy.once('error', onError);
      this.proxy.listen(this.proxyPort, '127.0.0.1', () => {
        this.proxy.off('error', onError);
        this.proxyPort = (this.proxy.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async dropSockets(): Promise<void> {
    const closes: Promise<void>[] = [];
    for (const [socket, state] of this.sockets) {
      if (socket.destroyed) continue;
      closes.push(
        new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          if (state.active > 0) {
            socket.destroy();
          } else {
            socket.end();
            const t = this.setTimer(() => socket.destroy(), GRACEFUL_CLOSE_MS);
            socket.once('close', () => this.clearTimer(t));
          }
        }),
      );
    }
    await Promise.all(closes);
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    this.locks.closeAll();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const socket of this.sockets.keys()) socket.destroy();
    if (this.proxy.listening) await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    this.upstreamAgent.destroy();
    const s3 = this.s3rver;
    if (s3?.httpServer?.listening) {
      s3.httpServer.closeAllConnections();
      await withDeadline(s3.close(), CLOSE_STEP_MS);
    }
    if (this.ownsDir) {
      await withDeadline(fs.promises.rm(this.dir, { recursive: true, force: true, maxRetries: 3 }), CLOSE_STEP_MS);
    }
  }

  private setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearTimer(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  // --- s3rver store patch ---------------------------------------------------------------------

  /**
   * Makes s3rver's file store write atomically: object bytes, `.md5` and `metadata.json` are
   * written to staging files and renamed into place (bytes last, so a key appears only once it
   * is whole), and deletes leave directories in place (s3rver removed emptied directories with
   * a check-then-rmdir that raced with concurrent writes into them; listings ignore them).
   */
  private patchStore(store: S3rver['store']): void {
    const staging = this.stagingDir;
    const stageName = () => path.join(staging, randomUUID());

    const renameIntoPlace = async (from: string, to: string): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        await fs.promises.mkdir(path.dirname(to), { recursive: true });
        try {
          await fs.promises.rename(from, to);
          return;
        } catch (err) {
          if (!isEnoent(err) || attempt >= RENAME_ATTEMPTS) throw err;
        }
      }
    };
    const writeFileAtomic = async (to: string, data: string): Promise<void> => {
      const tmp = stageName();
      await fs.promises.writeFile(tmp, data);
      await renameIntoPlace(tmp, to);
    };
    const putMetadata = async (bucket: string, key: string, metadata: Record<string, string | number>, md5: string) => {
      const stored: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(metadata)) {
        if (STORED_METADATA.includes(k) || k.startsWith('x-amz-meta-')) stored[k] = v;
      }
      await writeFileAtomic(store.getResourcePath(bucket, key, 'object.md5'), md5);
      await writeFileAtomic(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(stored, null, 2));
    };

    store.putObject = async (object) => {
      const tmp = stageName();
      try {
        const md5 = createHash('md5');
        let size = 0;
        if (Buffer.isBuffer(object.content)) {
          md5.update(object.content);
          size = object.content.length;
          await fs.promises.writeFile(tmp, object.content);
        } else if (object.content) {
          await pipeline(
            object.content,
            new Transform({
              transform(chunk: Buffer, _enc, cb) {
                md5.update(chunk);
                size += chunk.length;
                cb(null, chunk);
              },
            }),
            fs.createWriteStream(tmp),
          );
        } else {
          await fs.promises.writeFile(tmp, Buffer.alloc(0));
        }
        const digest = md5.digest('hex');
        await putMetadata(object.bucket, object.key, object.metadata, digest);
        await renameIntoPlace(tmp, store.getResourcePath(object.bucket, object.key, 'object'));
        return { size, md5: digest };
      } finally {
        await fs.promises.rm(tmp, { force: true });
      }
    };

    store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
      const srcMeta = await store.getMetadata(srcBucket, srcKey);
      const md5 = bareEtag(srcMeta.etag);
      let metadata: Record<string, string | number> = replacementMetadata ?? {};
      if (!replacementMetadata) {
        try {
          metadata = JSON.parse(await fs.promises.readFile(store.getResourcePath(srcBucket, srcKey, 'metadata.json'), 'utf8'));
        } catch (err) {
          if (!isEnoent(err)) throw err;
        }
      }
      const srcPath = store.getResourcePath(srcBucket, srcKey, 'object');
      const destPath = store.getResourcePath(destBucket, destKey, 'object');
      if (srcPath === destPath) {
        await putMetadata(destBucket, destKey, metadata, md5);
      } else {
        const tmp = stageName();
        try {
          await fs.promises.copyFile(srcPath, tmp);
          await putMetadata(destBucket, destKey, metadata, md5);
          await renameIntoPlace(tmp, destPath);
        } finally {
          await fs.promises.rm(tmp, { force: true });
        }
      }
      return store.getMetadata(destBucket, destKey);
    };

    store.deleteObject = async (bucket, key) => {
      // The bytes first, so the key disappears before its metadata does.
      for (const resource of ['object', 'object.md5', 'metadata.json']) {
        await fs.promises.rm(store.getResourcePath(bucket, key, resource), { force: true });
      }
    };
  }

  // --- request handling -----------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = parseTarget(req.url ?? '/');
    const operation = classify(method, target, req.headers);
    const conditions: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k.startsWith('if-') || k === 'range' || k.startsWith('x-amz-copy-source')) conditions[k] = headerString(v) ?? '';
    }
    const record: S3RequestRecord = {
      method,
      operation,
      bucket: target.bucket,
      key: target.key,
      query: target.query,
      conditions,
      status: 0,
      bodyBytes: 0,
    };
    this.count(method, operation, record);
    if (this.unreachable === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    const fail = (err: S3ErrorReply) => this.sendError(req, res, record, err, target.rawPath, requestId);
    try {
      const body = await this.readBody(req);
      if (body === undefined) return; // the client went away
      if (body === 'too-large') {
        res.setHeader('connection', 'close');
        return fail(new S3ErrorReply('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(this.maxBodyBytes) }));
      }
      (record as { bodyBytes: number }).bodyBytes = body.length;
      const authError = this.authenticate(req, target, body);
      if (authError) return fail(authError);
      const copySource = headerString(req.headers['x-amz-copy-source']);
      if ((target.key !== undefined && !storableKey(target.key)) || (copySource && !storableKey(parseCopySource(copySource)?.key ?? ''))) {
        return fail(new S3ErrorReply('InvalidArgument', "This test server cannot store keys with empty, '.' or '..' segments (s3rver maps keys to file paths)", { ArgumentName: 'key' }));
      }

      switch (operation) {
        case 'ListObjects':
        case 'ListObjectsV2':
          return await this.listObjects(res, record, target, operation === 'ListObjectsV2');
        case 'GetObject':
        case 'HeadObject':
          return await this.readObject(req, res, record, target, fail);
        case 'PutObject':
        case 'CompleteMultipartUpload':
          return await this.writeObject(req, res, record, target, body, [], fail);
        case 'CopyObject': {
          const src = parseCopySource(headerString(req.headers['x-amz-copy-source']) ?? '');
          if (!src) return fail(new S3ErrorReply('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' }));
          return await this.writeObject(req, res, record, target, body, [`${src.bucket}/${src.key}`], fail);
        }
        case 'DeleteObject':
          return await this.writeObject(req, res, record, target, body, [], fail);
        case 'AbortMultipartUpload':
          return await this.abortUpload(res, target, fail);
        case 'UploadPartCopy':
          return fail(new S3ErrorReply('NotImplemented', 'UploadPartCopy is not implemented by this test server'));
        default:
          return await this.forward(req, res, record, body);
      }
    } catch (err) {
      if (this.closing || res.headersSent) {
        res.destroy();
        return;
      }
      const msg = err instanceof Error ? err.message : String(err);
      if (/lock wait/.test(msg)) return fail(new S3ErrorReply('SlowDown', 'Please reduce your request rate.'));
      return fail(new S3ErrorReply('InternalError', `We encountered an internal error. Please try again. (${msg})`));
    }
  }

  private count(method: string, operation: S3Operation, record: S3RequestRecord): void {
    this.requests.total++;
    if (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'POST' || method === 'DELETE') this.requests[method]++;
    else this.requests.other++;
    this.operations[operation] = (this.operations[operation] ?? 0) + 1;
    this.log.push(record);
    if (this.log.length > MAX_LOG_RECORDS) this.log.splice(0, this.log.length - MAX_LOG_RECORDS);
  }

  /** The whole body, `'too-large'` past the limit (the rest is drained), undefined if the client went away. */
  private readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large' | undefined> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.maxBodyBytes) tooLarge = true;
        if (!tooLarge) chunks.push(c);
      });
      req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
      req.on('error', () => resolve(undefined));
      req.on('close', () => {
        if (!req.complete) resolve(undefined);
      });
    });
  }

  private sendError(req: http.IncomingMessage, res: http.ServerResponse, record: S3RequestRecord, err: S3ErrorReply, resource: string, requestId: string): void {
    record.errorCode = err.code;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const xml = errorXml(err, safeDecode(resource), requestId);
    res.statusCode = err.status;
    res.setHeader('content-type', 'application/xml');
    if (req.method === 'HEAD') {
      res.end();
    } else {
      res.setHeader('content-length', Buffer.byteLength(xml));
      res.end(xml);
    }
  }

  /** SigV4 header authentication; undefined when the request may proceed. */
  private authenticate(req: http.IncomingMessage, t: Target, body: Buffer): S3ErrorReply | undefined {
    const auth = headerString(req.headers.authorization);
    if (!auth) {
      if ('X-Amz-Signature' in t.query || 'Signature' in t.query) {
        return new S3ErrorReply('AccessDenied', 'Query-string (presigned) authentication is not supported by this test server');
      }
      return new S3ErrorReply('AccessDenied', 'Access Denied');
    }
    const sp = auth.indexOf(' ');
    const algorithm = sp < 0 ? auth : auth.slice(0, sp);
    if (algorithm !== 'AWS4-HMAC-SHA256') {
      return new S3ErrorReply('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    }
    const fields = new Map<string, string>();
    for (const part of auth.slice(sp + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get('Credential');
    const signedHeadersField = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!credential || !signedHeadersField || !signature) {
      return new S3ErrorReply('AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.');
    }
    const [accessKeyId, date, region, service, terminator] = credential.split('/');
    if (!accessKeyId || !date || !region || service !== 's3' || terminator !== 'aws4_request') {
      return new S3ErrorReply('AuthorizationHeaderMalformed', `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
    }
    if (accessKeyId !== this.accessKeyId) {
      return new S3ErrorReply('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
    }
    if (region !== this.region) {
      return new S3ErrorReply('AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${region}' is wrong; expecting '${this.region}'`, { Region: this.region });
    }
    const payloadHash = headerString(req.headers['x-amz-content-sha256']);
    if (!payloadHash) return new S3ErrorReply('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    if (payloadHash.startsWith('STREAMING-')) {
      return new S3ErrorReply('NotImplemented', 'aws-chunked (streaming SigV4) uploads are not supported by this test server');
    }
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payloadHash)) {
      return new S3ErrorReply('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash });
    }
    const amzDate = headerString(req.headers['x-amz-date']);
    const when = parseAmzDate(amzDate);
    if (!amzDate || !when) return new S3ErrorReply('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    if (Math.abs(Date.now() - when.getTime()) > MAX_CLOCK_SKEW_MS) {
      return new S3ErrorReply('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', { RequestTime: amzDate, ServerTime: amzDateOf(new Date()) });
    }
    const signedHeaders = signedHeadersField.split(';');
    const scope = `${date}/${region}/s3/aws4_request`;
    const { canonicalRequest, stringToSign } = sigV4StringToSign({
      method: req.method ?? 'GET',
      rawPath: t.rawPath,
      params: t.params,
      headers: req.headers,
      signedHeaders,
      payloadHash,
      amzDate,
      scope,
    });
    const expected = hmac(signingKey(this.secretAccessKey, date, region), stringToSign);
    const provided = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : '', 'hex');
    if (date !== amzDate.slice(0, 8) || provided.length !== expected.length || !timingSafeEqual(provided, expected) || !signedHeaders.includes('host')) {
      return new S3ErrorReply('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
        AWSAccessKeyId: accessKeyId,
        StringToSign: stringToSign,
        SignatureProvided: signature,
        CanonicalRequest: canonicalRequest,
      });
    }
    if (payloadHash !== 'UNSIGNED-PAYLOAD') {
      const actual = body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
      if (actual !== payloadHash) {
        return new S3ErrorReply('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: actual });
      }
    }
    return undefined;
  }

  /** Forwards to s3rver (without the Authorization header: the proxy has checked it) and relays the answer. */
  private forward(req: http.IncomingMessage, res: http.ServerResponse, record: S3RequestRecord, body: Buffer, headerOverrides: Record<string, string> = {}): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || k === 'authorization' || k === 'expect' || k === 'content-length' || k === 'host') continue;
      if (k.startsWith('if-') && req.method !== 'GET' && req.method !== 'HEAD') continue; // evaluated by the proxy
      headers[k] = headerString(v)!;
    }
    headers.host = `127.0.0.1:${this.upstreamPort}`;
    if (body.length > 0 || req.method === 'PUT' || req.method === 'POST') headers['content-length'] = String(body.length);
    Object.assign(headers, headerOverrides);
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const up = http.request(
        { host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers, agent: this.upstreamAgent },
        (ur) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(ur.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
          if (res.destroyed) {
            ur.destroy();
            return done();
          }
          const status = ur.statusCode ?? 500;
          if (status >= 400 && req.method !== 'HEAD') {
            // Keep the error code for the log.
            const chunks: Buffer[] = [];
            ur.on('data', (c: Buffer) => chunks.push(c));
            ur.on('end', () => {
              const data = Buffer.concat(chunks);
              record.errorCode = errorCodeOf(data);
              res.writeHead(status, out);
              res.end(data);
              done();
            });
            ur.on('error', () => {
              res.destroy();
              done();
            });
            return;
          }
          res.writeHead(status, out);
          ur.pipe(res);
          ur.on('end', done);
          ur.on('error', () => {
            res.destroy();
            done();
          });
          res.on('close', () => {
            ur.destroy();
            done();
          });
        },
      );
      up.setTimeout(UPSTREAM_TIMEOUT_MS, () => up.destroy(new Error('upstream timeout')));
      up.on('error', (err) => {
        if (!res.headersSent && !res.destroyed && !this.closing) {
          this.sendError(req, res, record, new S3ErrorReply('InternalError', `We encountered an internal error. Please try again. (${err.message})`), req.url ?? '/', String(res.getHeader('x-amz-request-id') ?? ''));
        } else {
          res.destroy();
        }
        done();
      });
      res.on('close', () => {
        if (!settled) up.destroy();
        done();
      });
      up.end(body);
    });
  }

  /** The stored metadata of a key, or undefined when it (or its bucket) does not exist. */
  private async metadataOf(bucket: string, key: string): Promise<Record<string, string | number> | undefined> {
    try {
      return await this.store().getMetadata(bucket, key);
    } catch (err) {
      if (isEnoent(err) || (err as NodeJS.ErrnoException)?.code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  /** GetObject / HeadObject under the key's shared lock, so no write of the key is in flight. */
  private async readObject(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: S3RequestRecord,
    t: Target,
    fail: (e: S3ErrorReply) => void,
  ): Promise<void> {
    const release = await this.locks.acquire(`${t.bucket}/${t.key}`, 'shared');
    try {
      const range = headerString(req.headers.range);
      const ifMatch = headerString(req.headers['if-match']);
      const overrides: Record<string, string> = {};
      if ((range && /^bytes=/.test(range)) || ifMatch) {
        const meta = await this.metadataOf(t.bucket!, t.key!);
        if (meta) {
          if (ifMatch && !etagList(ifMatch).some((e) => e === '*' || e === bareEtag(meta.etag))) {
            return fail(new S3ErrorReply('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' }));
          }
          const size = Number(meta['content-length']);
          const suffix = range ? /^bytes=-(\d+)$/.exec(range) : null;
          const rangeOnEmpty = range && /^bytes=\d*-\d*$/.test(range) && size === 0;
          if (rangeOnEmpty || (suffix && Number(suffix[1]) === 0)) {
            return fail(new S3ErrorReply('InvalidRange', 'The requested range is not satisfiable', { RangeRequested: range!, ActualObjectSize: String(size) }));
          }
          if (suffix) overrides.range = `bytes=${Math.max(0, size - Number(suffix[1]))}-${size - 1}`;
        }
      }
      await this.forward(req, res, record, Buffer.alloc(0), overrides);
    } finally {
      release();
    }
  }

  /**
   * PutObject, CopyObject, CompleteMultipartUpload and DeleteObject under the key's exclusive
   * lock (and shared locks on `alsoShared`, e.g. a copy source), with the write conditions
   * (`If-None-Match: *`, `If-Match`) evaluated under that lock.
   */
  private async writeObject(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: S3RequestRecord,
    t: Target,
    body: Buffer,
    alsoShared: string[],
    fail: (e: S3ErrorReply) => void,
  ): Promise<void> {
    const own = `${t.bucket}/${t.key}`;
    // Always lock in one global order, so two copies in opposite directions cannot deadlock.
    const wanted = new Map<string, 'shared' | 'exclusive'>([[own, 'exclusive']]);
    for (const k of alsoShared) if (!wanted.has(k)) wanted.set(k, 'shared');
    const releases: (() => void)[] = [];
    try {
      for (const k of [...wanted.keys()].sort()) releases.push(await this.locks.acquire(k, wanted.get(k)!));
      if (record.operation !== 'DeleteObject') {
        const failure = await this.checkWriteConditions(req, t);
        if (failure) return fail(failure);
      }
      await this.forward(req, res, record, body);
    } finally {
      for (const r of releases.reverse()) r();
    }
  }

  private async checkWriteConditions(req: http.IncomingMessage, t: Target): Promise<S3ErrorReply | undefined> {
    const ifNoneMatch = headerString(req.headers['if-none-match']);
    const ifMatch = headerString(req.headers['if-match']);
    if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
      return new S3ErrorReply('NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' });
    }
    if (!(await this.store().getBucket(t.bucket!))) return undefined; // s3rver answers NoSuchBucket
    const meta = await this.metadataOf(t.bucket!, t.key!);
    if (ifNoneMatch !== undefined && meta) {
      return new S3ErrorReply('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
    }
    if (ifMatch !== undefined) {
      if (!meta) return new S3ErrorReply('NoSuchKey', 'The specified key does not exist.', { Key: t.key! });
      if (!etagList(ifMatch).includes(bareEtag(meta.etag))) {
        return new S3ErrorReply('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
      }
    }
    return undefined;
  }

  /** AbortMultipartUpload: drops the upload's parts (s3rver answers 405 to it). */
  private async abortUpload(res: http.ServerResponse, t: Target, fail: (e: S3ErrorReply) => void): Promise<void> {
    const uploadId = t.query.uploadId ?? '';
    if (!(await this.store().getBucket(t.bucket!))) return fail(new S3ErrorReply('NoSuchBucket', 'The specified bucket does not exist', { BucketName: t.bucket! }));
    const dir = path.join(this.store().getBucketPath(t.bucket!), UPLOADS_DIR, uploadId);
    if (!/^[0-9a-f]{1,64}$/.test(uploadId) || !fs.existsSync(dir)) {
      return fail(new S3ErrorReply('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId }));
    }
    await fs.promises.rm(dir, { recursive: true, force: true });
    res.statusCode = 204;
    res.end();
  }

  // --- listing ----------------------------------------------------------------------------------

  /**
   * The keys (and, with delimiter `/`, the common prefixes found without walking below them)
   * of a bucket under `prefix`, sorted. Items are keys, or common prefixes when `delimiter` is
   * `/` (other delimiters are applied by the caller to the keys).
   */
  private async walkKeys(bucket: string, prefix: string, delimiter: string): Promise<{ name: string; isPrefix: boolean }[]> {
    const root = this.store().getBucketPath(bucket);
    const items: { name: string; isPrefix: boolean }[] = [];
    let budget = MAX_LIST_WALK_ENTRIES;
    const readdir = async (dir: string): Promise<fs.Dirent[]> => {
      try {
        const entries = await fs.promises.readdir(dir, { withFileTypes: true });
        budget -= entries.length;
        if (budget < 0) throw new Error(`listing walked more than ${MAX_LIST_WALK_ENTRIES} entries`);
        return entries;
      } catch (err) {
        if (isEnoent(err)) return [];
        throw err;
      }
    };
    /** Whether any object lies below `dir` (depth-first, stops at the first). */
    const hasObject = async (dir: string): Promise<boolean> => {
      const entries = await readdir(dir);
      if (entries.some((e) => e.isFile() && e.name.endsWith(OBJECT_SUFFIX))) return true;
      for (const e of entries) if (e.isDirectory() && (await hasObject(path.join(dir, e.name)))) return true;
      return false;
    };
    const visit = async (dir: string, rel: string): Promise<void> => {
      for (const e of await readdir(dir)) {
        if (e.isFile()) {
          if (!e.name.endsWith(OBJECT_SUFFIX)) continue;
          const key = rel + e.name.slice(0, -OBJECT_SUFFIX.length);
          if (key.startsWith(prefix)) items.push({ name: key, isPrefix: false });
        } else if (e.isDirectory()) {
          if (rel === '' && e.name === UPLOADS_DIR) continue;
          const sub = rel + e.name + '/';
          if (sub.startsWith(prefix)) {
            if (delimiter === '/' && sub.indexOf('/', prefix.length) === sub.length - 1) {
              // The first directory below the prefix is a common prefix if any object lies below it.
              if (await hasObject(path.join(dir, e.name))) items.push({ name: sub, isPrefix: true });
              continue;
            }
            await visit(path.join(dir, e.name), sub);
          } else if (prefix.startsWith(sub)) {
            await visit(path.join(dir, e.name), sub);
          }
        }
      }
    };
    await visit(root, '');
    items.sort((a, b) => compareKeys(a.name, b.name));
    return items;
  }

  /** ListObjects (V1) and ListObjectsV2, computed from the files (see the file header). */
  private async listObjects(res: http.ServerResponse, record: S3RequestRecord, t: Target, v2: boolean): Promise<void> {
    const q = t.query;
    const fail = (e: S3ErrorReply) => this.sendError(res.req, res, record, e, t.rawPath, String(res.getHeader('x-amz-request-id') ?? ''));
    const bucket = t.bucket!;
    if (!(await this.store().getBucket(bucket))) {
      return fail(new S3ErrorReply('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }));
    }
    let maxKeys = MAX_LIST_KEYS;
    if (q['max-keys'] !== undefined) {
      if (!/^\d+$/.test(q['max-keys'])) {
        return fail(new S3ErrorReply('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: q['max-keys'] }));
      }
      maxKeys = Math.min(MAX_LIST_KEYS, Number(q['max-keys']));
    }
    const encodingType = q['encoding-type'];
    if (encodingType !== undefined && encodingType !== 'url') {
      return fail(new S3ErrorReply('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encodingType }));
    }
    const prefix = q.prefix ?? '';
    const delimiter = q.delimiter ?? '';
    let after = '';
    if (v2) {
      if ('marker' in q) return fail(new S3ErrorReply('InvalidArgument', 'Marker unsupported with REST.GET.BUCKET in list-type=2', { ArgumentName: 'marker' }));
      const token = q['continuation-token'];
      if (token !== undefined) {
        const decoded = Buffer.from(token, 'base64url').toString('utf8');
        if (!decoded.startsWith('s3test:')) {
          return fail(new S3ErrorReply('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' }));
        }
        after = decoded.slice('s3test:'.length);
      } else {
        after = q['start-after'] ?? '';
      }
    } else {
      if ('continuation-token' in q) {
        return fail(new S3ErrorReply('InvalidArgument', 'continuation-token only supported in REST.GET.BUCKET with list-type=2', { ArgumentName: 'continuation-token' }));
      }
      if ('start-after' in q) {
        return fail(new S3ErrorReply('InvalidArgument', 'startAfter only supported in REST.GET.BUCKET with list-type=2', { ArgumentName: 'start-after' }));
      }
      after = q.marker ?? '';
    }

    // Keys (or `/` common prefixes) under the prefix, grouped by the delimiter, after the marker.
    const walked = await this.walkKeys(bucket, prefix, delimiter);
    const grouped: { name: string; isPrefix: boolean }[] = [];
    for (const item of walked) {
      let entry = item;
      if (!item.isPrefix && delimiter) {
        const idx = item.name.indexOf(delimiter, prefix.length);
        if (idx >= 0) entry = { name: item.name.slice(0, idx + delimiter.length), isPrefix: true };
      }
      const last = grouped[grouped.length - 1];
      if (last && last.isPrefix && entry.isPrefix && last.name === entry.name) continue;
      if (compareKeys(entry.name, after) <= 0) continue;
      grouped.push(entry);
    }
    // With a non-`/` delimiter the grouped prefixes may interleave with keys; keep S3 order.
    if (delimiter && delimiter !== '/') grouped.sort((a, b) => compareKeys(a.name, b.name));
    const page = grouped.slice(0, maxKeys);
    const truncated = grouped.length > page.length;

    const contents: string[] = [];
    const prefixes: string[] = [];
    const enc = (s: string) => xmlEscape(encodingType === 'url' ? encodeURIComponent(s) : s);
    const withOwner = !v2 || q['fetch-owner'] === 'true';
    for (const item of page) {
      if (item.isPrefix) {
        prefixes.push(`<CommonPrefixes><Prefix>${enc(item.name)}</Prefix></CommonPrefixes>`);
        continue;
      }
      const meta = await this.metadataOf(bucket, item.name);
      if (!meta) continue; // deleted meanwhile
      contents.push(
        '<Contents>' +
          `<Key>${enc(item.name)}</Key>` +
          `<LastModified>${new Date(String(meta['last-modified'])).toISOString()}</LastModified>` +
          `<ETag>${xmlEscape(String(meta.etag))}</ETag>` +
          `<Size>${Number(meta['content-length'])}</Size>` +
          (withOwner ? `<Owner><ID>${OWNER.id}</ID><DisplayName>${OWNER.displayName}</DisplayName></Owner>` : '') +
          '<StorageClass>STANDARD</StorageClass>' +
          '</Contents>',
      );
    }
    const lastName = page.length ? page[page.length - 1]!.name : '';
    const parts: string[] = [`<Name>${xmlEscape(bucket)}</Name>`, `<Prefix>${enc(prefix)}</Prefix>`];
    if (v2) {
      if (q['continuation-token'] !== undefined) parts.push(`<ContinuationToken>${xmlEscape(q['continuation-token'])}</ContinuationToken>`);
      else if (q['start-after'] !== undefined) parts.push(`<StartAfter>${enc(q['start-after'])}</StartAfter>`);
      if (truncated) parts.push(`<NextContinuationToken>${Buffer.from(`s3test:${lastName}`, 'utf8').toString('base64url')}</NextContinuationToken>`);
      parts.push(`<KeyCount>${contents.length + prefixes.length}</KeyCount>`);
    } else {
      parts.push(`<Marker>${enc(q.marker ?? '')}</Marker>`);
      if (truncated && delimiter) parts.push(`<NextMarker>${enc(lastName)}</NextMarker>`);
    }
    parts.push(`<MaxKeys>${maxKeys}</MaxKeys>`);
    if (delimiter) parts.push(`<Delimiter>${enc(delimiter)}</Delimiter>`);
    if (encodingType) parts.push(`<EncodingType>url</EncodingType>`);
    parts.push(`<IsTruncated>${truncated}</IsTruncated>`);
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<ListBucketResult xmlns="${S3_XMLNS}">${parts.join('')}${contents.join('')}${prefixes.join('')}</ListBucketResult>`;
    res.statusCode = 200;
    res.setHeader('content-type', 'application/xml');
    res.setHeader('content-length', Buffer.byteLength(xml));
    res.end(xml);
  }
}

function emptyCounts(): RequestCounts {
  return { total: 0, GET: 0, HEAD: 0, PUT: 0, POST: 0, DELETE: 0, other: 0 };
}

/** Resolves when `p` settles or after `ms`, whichever is first (never rejects). */
async function withDeadline(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
