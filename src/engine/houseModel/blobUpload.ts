/**
 * Ollama's blob store over plain HTTP: `HEAD /api/blobs/sha256:<hex>` says whether a blob is
 * there, `POST` the same path uploads it. The `ollama` npm client cannot do this, and fetch would
 * need the whole body or a chunked stream, so this is node:http with the file piped in and a
 * Content-Length, read from disk as it goes.
 *
 * Idempotent by design: each run asks first and uploads only what is missing, so a registration
 * that failed halfway is simply run again and resumes with the first blob Ollama lacks. A failed
 * upload is retried (5xx, a reset connection, a stall), never a refused one (400 digest mismatch,
 * 413 too large): those name their fix instead.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { cancelledError, errorText, OllamaError, unreachableError } from '../llm/ollamaError';
import { backoff, type RetryPolicy } from '../llm/retry';
import type { AdapterFile } from './adapterFolder';
import type { BlobDigest } from './fileDigest';
import { HouseModelError } from './houseModelError';

export interface BlobTransport {
  host: string;
  /** The longest silence: before an answer, and between two chunks of an upload. Not a total bound. */
  timeoutMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
}

/** An adapter file with its digest. */
export interface DigestedFile extends AdapterFile {
  digest: BlobDigest;
}

export type BlobEvent =
  | { kind: 'present'; file: DigestedFile }
  | { kind: 'upload'; file: DigestedFile; bytes: number; total: number }
  | { kind: 'uploaded'; file: DigestedFile }
  | { kind: 'retry'; file: DigestedFile; attempt: number; reason: string };

export interface BlobSummary {
  /** Names of the files sent this run. */
  uploaded: string[];
  /** Names of the files Ollama already had. */
  present: string[];
}

/** Answers worth asking again: Ollama busy, restarting, or a proxy in front of it hiccuping. */
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const BROKEN_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
const PROGRESS_STEP = 4 * 1024 * 1024;

export function blobPath(digest: BlobDigest): string {
  return `/api/blobs/${digest}`;
}

/**
 * Makes sure Ollama has every file: asks for each, uploads the missing ones in order. Throws a
 * {@link HouseModelError} ('upload') that says to run again (what is uploaded stays uploaded), or
 * an OllamaError ('unreachable', 'cancelled').
 */
export async function ensureBlobs(t: BlobTransport, files: readonly DigestedFile[], onEvent?: (e: BlobEvent) => void): Promise<BlobSummary> {
  const summary: BlobSummary = { uploaded: [], present: [] };
  for (const file of files) {
    if ((await blobExists(t, file.digest)) === true) {
      summary.present.push(file.name);
      onEvent?.({ kind: 'present', file });
      continue;
    }
    const outcome = await uploadBlob(t, file, onEvent);
    (outcome === 'created' ? summary.uploaded : summary.present).push(file.name);
    onEvent?.(outcome === 'created' ? { kind: 'uploaded', file } : { kind: 'present', file });
  }
  return summary;
}

/**
 * Whether Ollama has the blob: true (200), false (404), or undefined when it answered something
 * else. Undefined means upload anyway: the check only saves work, and Ollama answers an upload of a
 * blob it has with 200.
 */
export async function blobExists(t: BlobTransport, digest: BlobDigest): Promise<boolean | undefined> {
  for (let attempt = 0; ; attempt++) {
    let reply: Reply;
    try {
      reply = await send(t, 'HEAD', blobPath(digest));
    } catch (err) {
      const failure = classify(err, t);
      if (failure.retry && attempt < t.retry.retries) {
        await backoff(t.retry, attempt, t.signal);
        continue;
      }
      throw failure.error ?? unreachableError(t.host);
    }
    if (reply.status === 200) return true;
    if (reply.status === 404) return false;
    if ([502, 503, 504].includes(reply.status) && attempt < t.retry.retries) {
      await backoff(t.retry, attempt, t.signal);
      continue;
    }
    return undefined;
  }
}

/** Uploads one file, retrying what is worth retrying; 'present' when Ollama already had it (200). */
export async function uploadBlob(t: BlobTransport, file: DigestedFile, onEvent?: (e: BlobEvent) => void): Promise<'created' | 'present'> {
  const now = await stat(file.path).catch(() => undefined);
  if (!now) throw new HouseModelError(`${file.path} disappeared before it was uploaded. Check the adapter folder and run again.`, 'io');
  if (now.size !== file.size) {
    throw new HouseModelError(`${file.path} changed after it was hashed (${file.size} → ${now.size} bytes). Wait for whatever writes it to finish, then run again.`, 'upload');
  }
  for (let attempt = 0; ; attempt++) {
    let reply: Reply;
    try {
      reply = await send(t, 'POST', blobPath(file.digest), file, (bytes) => onEvent?.({ kind: 'upload', file, bytes, total: file.size }));
    } catch (err) {
      const failure = classify(err, t, file);
      if (failure.retry && attempt < t.retry.retries) {
        onEvent?.({ kind: 'retry', file, attempt: attempt + 1, reason: failure.reason });
        await backoff(t.retry, attempt, t.signal);
        continue;
      }
      throw failure.error ?? uploadFailed(t, file, failure.reason);
    }
    if (reply.status === 201) return 'created';
    if (reply.status === 200) return 'present';
    const text = errorText(reply.text, reply.status);
    if (reply.status === 400 && /digest mismatch/i.test(text)) {
      const changed = reply.sentDigest !== undefined && reply.sentDigest !== file.digest;
      throw new HouseModelError(
        changed
          ? `${file.path} changed while it was uploaded (Ollama: ${text}). Wait for whatever writes it to finish, then run again.`
          : `Ollama at ${t.host} received ${file.name} altered (${text}); a proxy in between may be rewriting uploads. Run again, or point inhouse.ollama.host straight at Ollama.`,
        'upload',
      );
    }
    if (reply.status === 413) {
      throw new HouseModelError(
        `Ollama at ${t.host} refused ${file.name} (${file.size} bytes) as too large (413: ${text}). A proxy in front of Ollama limits upload size: raise its limit (e.g. client_max_body_size in nginx), or point inhouse.ollama.host straight at Ollama.`,
        'upload',
      );
    }
    if (RETRY_STATUS.has(reply.status) && attempt < t.retry.retries) {
      onEvent?.({ kind: 'retry', file, attempt: attempt + 1, reason: `${reply.status}: ${text}` });
      await backoff(t.retry, attempt, t.signal);
      continue;
    }
    throw uploadFailed(t, file, `${reply.status}: ${text}`);
  }
}

function uploadFailed(t: BlobTransport, file: DigestedFile, reason: string): HouseModelError {
  return new HouseModelError(
    `Uploading ${file.name} to Ollama at ${t.host} failed (${reason}). Run the registration again: files Ollama already has are not sent again.`,
    'upload',
  );
}

interface Reply {
  status: number;
  text: string;
  /** For an upload: the sha256 of the bytes actually sent. */
  sentDigest?: string;
}

class StallError extends Error {
  constructor() {
    super('stalled');
    this.name = 'StallError';
  }
}

/** One request; for an upload the file is streamed from disk as the body. */
function send(t: BlobTransport, method: 'HEAD' | 'POST', path: string, file?: DigestedFile, onBytes?: (bytes: number) => void): Promise<Reply> {
  if (t.signal?.aborted) return Promise.reject(cancelledError());
  return new Promise<Reply>((resolve, reject) => {
    const url = new URL(path, `${t.host}/`);
    const transport = url.protocol === 'https:' ? https : http;
    const headers: http.OutgoingHttpHeaders = {};
    if (file) {
      headers['Content-Type'] = 'application/octet-stream';
      headers['Content-Length'] = file.size;
    }
    let settled = false;
    let status = 0;
    const chunks: Buffer[] = [];
    let body: ReturnType<typeof createReadStream> | undefined;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      body?.destroy();
      resolve({ status, text: Buffer.concat(chunks).toString('utf8'), sentDigest });
    };
    const fail = (err: unknown): void => {
      // A server that answered before it read the whole upload (413, 400) may then cut the
      // connection; its answer is what counts, not the broken pipe.
      if (status !== 0 && !t.signal?.aborted && !(err instanceof HouseModelError)) return finish();
      if (settled) return;
      settled = true;
      body?.destroy();
      reject(err);
    };
    const req = transport.request(url, { method, headers, signal: t.signal });
    req.setTimeout(t.timeoutMs, () => req.destroy(new StallError()));
    req.on('error', fail);
    let sentDigest: string | undefined;
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      let size = 0;
      res.on('data', (c: Buffer) => {
        // An error page is all we read; a runaway body is not kept.
        if (size < 64 * 1024) chunks.push(c);
        size += c.length;
      });
      res.on('error', fail);
      res.on('aborted', finish);
      res.on('end', finish);
    });
    if (!file) {
      req.end();
      return;
    }
    const hash = createHash('sha256');
    let sent = 0;
    let reported = 0;
    body = createReadStream(file.path, { highWaterMark: 1024 * 1024 });
    body.on('data', (chunk) => {
      const buf = chunk as Buffer;
      hash.update(buf);
      sent += buf.length;
      if (onBytes && (sent - reported >= PROGRESS_STEP || sent === file.size)) {
        reported = sent;
        onBytes(sent);
      }
    });
    body.on('end', () => {
      sentDigest = `sha256:${hash.digest('hex')}`;
    });
    body.on('error', (err) => {
      fail(new HouseModelError(`Could not read ${file.path} while uploading it (${err.message}). Check the file and run again.`, 'io'));
      req.destroy();
    });
    body.pipe(req);
  });
}

interface Failure {
  retry: boolean;
  reason: string;
  /** The error to throw as is; otherwise the caller words it. */
  error?: Error;
}

function classify(err: unknown, t: BlobTransport, file?: DigestedFile): Failure {
  if (err instanceof HouseModelError || err instanceof OllamaError) return { retry: false, reason: err.message, error: err };
  if (t.signal?.aborted) return { retry: false, reason: 'cancelled', error: cancelledError() };
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (err instanceof StallError) {
    return { retry: true, reason: `nothing moved for ${Math.round(t.timeoutMs / 1000)} s` };
  }
  if (CONNECT_CODES.has(code)) {
    // Refused: Ollama may be restarting, worth one more try. A wrong name or route is not.
    return { retry: code === 'ECONNREFUSED', reason: code, error: unreachableError(t.host) };
  }
  if (BROKEN_CODES.has(code) || /socket hang up/i.test(e?.message ?? '')) {
    const what = file ? `the connection broke off while uploading ${file.name}` : 'the connection broke off';
    return { retry: true, reason: what };
  }
  return { retry: false, reason: e?.message ?? String(err) };
}
