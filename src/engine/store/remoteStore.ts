import type * as LanceDb from '@lancedb/lancedb';
import { Field, Float64, Schema, Utf8 } from 'apache-arrow';
import { rowsToTable } from './arrowRows';
import { IndexError } from './indexError';
import type { IndexMeta } from './indexStore';

/**
 * The pieces an index in object storage needs that a local folder gets from the file system:
 * a meta record (kept in a LanceDB table, since there is no file to rename over), commit
 * conflicts retried, and storage errors turned into messages that name the fix.
 */

const META_TABLE = 'inhouse_meta';
const META_SCHEMA = new Schema([new Field('seq', new Float64(), false), new Field('meta', new Utf8(), false)]);
/** Meta rows kept; older ones are pruned now and then (readers only need the newest). */
const KEEP_META_ROWS = 10;
const PRUNE_EVERY = 25;

/** Every table an InHouse index in object storage holds. */
export const REMOTE_TABLES = ['chunks', 'files', 'embeddings', META_TABLE];

/**
 * The meta record, one row per write: appends never conflict between writers, and the newest
 * row (highest `seq`) is the current meta.
 */
export class RemoteMeta {
  static readonly TABLE = META_TABLE;
  private table?: LanceDb.Table;
  private writes = 0;
  private lastSeq = 0;

  constructor(private readonly db: LanceDb.Connection) {}

  async read(): Promise<IndexMeta | undefined> {
    const table = await this.open(false);
    if (!table) return undefined;
    await table.checkoutLatest();
    const rows = (await table.query().select(['seq', 'meta']).toArray()) as { seq: number; meta: string }[];
    let best: { seq: number; meta: string } | undefined;
    for (const r of rows) if (!best || r.seq > best.seq) best = r;
    if (!best) return undefined;
    try {
      return JSON.parse(best.meta) as IndexMeta;
    } catch {
      throw new IndexError('The shared index has an unreadable meta record. Rebuild it with `inhouse index … --rebuild`.', 'corrupt');
    }
  }

  async write(meta: IndexMeta): Promise<void> {
    const table = (await this.open(true))!;
    // Later writes sort later, also within one millisecond.
    const seq = Math.max(Date.now(), this.lastSeq + 0.001);
    this.lastSeq = seq;
    await retryOnConflict(() => table.add(rowsToTable(META_SCHEMA, [{ seq, meta: JSON.stringify(meta) }])), table);
    if (++this.writes % PRUNE_EVERY === 0) await this.prune(table);
  }

  private async prune(table: LanceDb.Table): Promise<void> {
    await table.checkoutLatest();
    const seqs = ((await table.query().select(['seq']).toArray()) as { seq: number }[]).map((r) => r.seq).sort((a, b) => b - a);
    if (seqs.length <= KEEP_META_ROWS) return;
    const cutoff = seqs[KEEP_META_ROWS - 1];
    await retryOnConflict(() => table.delete(`seq < ${cutoff}`), table);
  }

  private async open(create: boolean): Promise<LanceDb.Table | undefined> {
    if (this.table) return this.table;
    if (create) {
      this.table = await this.db.createEmptyTable(META_TABLE, META_SCHEMA, { mode: 'create', existOk: true });
    } else {
      if (!(await this.db.tableNames()).includes(META_TABLE)) return undefined;
      this.table = await this.db.openTable(META_TABLE);
    }
    return this.table;
  }
}

const CONFLICT = /conflict|retryable|preempted|concurrent (?:commit|write)/i;
const MAX_ATTEMPTS = 10;

/**
 * Runs a write, again when it lost a commit race with another writer (LanceDB retries most
 * such races itself; an index build or a compaction racing a merge can still fail). Bounded.
 */
export async function retryOnConflict<T>(write: () => Promise<T>, table?: { checkoutLatest(): Promise<void> }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isConflict(err)) throw err;
      const delay = Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
      // The winner's version first: retrying from the old one loses the same race again.
      await table?.checkoutLatest();
    }
  }
}

export function isConflict(err: unknown): boolean {
  return CONFLICT.test(err instanceof Error ? err.message : String(err));
}

/**
 * A storage failure as a message that names the fix. Credentials are the usual cause; the
 * message never repeats their values.
 */
export function remoteError(uri: string, err: unknown): Error {
  if (err instanceof IndexError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const detail = text.split('\n')[0].slice(0, 300);
  const bucket = /^[a-z0-9+]+:\/\/([^/]+)/i.exec(uri)?.[1] ?? uri;
  if (/NoSuchBucket|bucket.*(?:does not exist|not found)/i.test(text)) {
    return new IndexError(
      `The bucket "${bucket}" of ${uri} does not exist. Create it, or fix the URI (--db / --shared, or the setting inhouse.sharedIndex.uri).`,
      'not-found',
    );
  }
  if (/ExpiredToken|token.*expired/i.test(text)) {
    return new IndexError(
      `The credentials for ${uri} have expired. Refresh AWS_SESSION_TOKEN (or run "InHouse: Set Shared Index Credentials" in the editor).`,
      'denied',
    );
  }
  if (/InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|Forbidden|\b403\b|credential/i.test(text)) {
    return new IndexError(
      `Access to ${uri} was denied (${accessCause(text)}). Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "InHouse: Set Shared Index Credentials" in the editor.`,
      'denied',
    );
  }
  if (isConflict(err)) {
    return new IndexError(`Another writer of ${uri} kept winning the race to commit (${detail}). Run the index job again.`, 'locked');
  }
  if (/\b(?:connect(?:ion)?|refused|reset|timed? ?out|dns|unreachable|broken pipe)\b|error sending request|failed to lookup address/i.test(text)) {
    return new IndexError(
      `Cannot reach the storage of ${uri} (${detail}). Check the network and AWS_ENDPOINT_URL (in the editor: aws_endpoint in inhouse.sharedIndex.storageOptions).`,
      'unreachable',
    );
  }
  return new IndexError(`The shared index at ${uri} could not be read (${detail}). Check the URI and the credentials.`, 'unreachable');
}

function accessCause(text: string): string {
  if (/InvalidAccessKeyId/i.test(text)) return 'unknown access key';
  if (/SignatureDoesNotMatch/i.test(text)) return 'wrong secret key';
  return 'access denied';
}
