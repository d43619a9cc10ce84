/**
 * Where an index lives: a folder on this machine, or a prefix in object storage that LanceDB
 * reads and writes natively (`s3://bucket/prefix`, `s3+ddb://…`, `gs://…`, `az://…`). A shared
 * index in object storage is written by CI and read by every developer's editor.
 */

/** Schemes LanceDB opens as object storage. */
const REMOTE_SCHEMES = ['s3', 's3+ddb', 'gs', 'az'] as const;
export type RemoteScheme = (typeof REMOTE_SCHEMES)[number];

export type IndexLocation =
  | { kind: 'local'; dir: string }
  | { kind: 'remote'; uri: string; scheme: RemoteScheme; storageOptions: Record<string, string> };

export class LocationError extends Error {}

/** True for `s3://…` and the other object-storage URIs LanceDB opens. */
export function isRemoteUri(spec: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(spec);
}

/**
 * Checks an object-storage URI: a known scheme, a bucket, no credentials in it. The URI is
 * shown in messages and logs, so secrets never belong in it.
 */
export function remoteLocation(uri: string, storageOptions: Record<string, string>): IndexLocation & { kind: 'remote' } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(uri.trim());
  if (!m) throw new LocationError(`"${uri}" is not an object-storage URI; write it as s3://bucket/prefix.`);
  const scheme = m[1].toLowerCase();
  if (!(REMOTE_SCHEMES as readonly string[]).includes(scheme)) {
    throw new LocationError(`"${scheme}://" is not a storage LanceDB opens; use s3://, s3+ddb://, gs:// or az://.`);
  }
  if (m[2].includes('@')) {
    throw new LocationError('Credentials do not belong in the index URI (it is shown in logs): pass them in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) instead.');
  }
  if (!m[2]) throw new LocationError(`"${uri}" names no bucket; write it as ${scheme}://bucket/prefix.`);
  const path = (m[3] ?? '').replace(/\/+$/, '');
  // s3+ddb:// names its DynamoDB table in the query (?ddbTableName=…).
  const query = m[4] ?? '';
  if (query && scheme !== 's3+ddb') throw new LocationError(`"${uri}" has a query string; only s3+ddb:// takes one (?ddbTableName=TABLE).`);
  return { kind: 'remote', uri: `${scheme}://${m[2]}${path}${query}`, scheme: scheme as RemoteScheme, storageOptions };
}

/**
 * LanceDB storage options from the standard environment variables (what the AWS CLI and SDKs
 * read), so CI needs nothing InHouse-specific. LanceDB would read most of them itself; passing
 * them explicitly makes what is used visible (without values) and lets flags override them.
 */
export function storageOptionsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, ...names: string[]) => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v !== '') {
        out[key] = v;
        return;
      }
    }
  };
  set('aws_endpoint', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT');
  set('aws_access_key_id', 'AWS_ACCESS_KEY_ID');
  set('aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY');
  set('aws_session_token', 'AWS_SESSION_TOKEN');
  set('aws_region', 'AWS_REGION', 'AWS_DEFAULT_REGION');
  set('aws_virtual_hosted_style_request', 'AWS_VIRTUAL_HOSTED_STYLE_REQUEST');
  set('aws_allow_http', 'AWS_ALLOW_HTTP');
  set('dynamodb_endpoint', 'DYNAMODB_ENDPOINT', 'AWS_ENDPOINT_URL_DYNAMODB');
  set('google_service_account', 'GOOGLE_SERVICE_ACCOUNT', 'GOOGLE_APPLICATION_CREDENTIALS');
  set('azure_storage_account_name', 'AZURE_STORAGE_ACCOUNT_NAME');
  set('azure_storage_account_key', 'AZURE_STORAGE_ACCOUNT_KEY');
  if (out.aws_allow_http !== undefined) {
    out.allow_http = out.aws_allow_http;
    delete out.aws_allow_http;
  } else if (out.aws_endpoint?.startsWith('http://')) {
    // A plain-http endpoint (MinIO, a local test store) is refused unless allowed.
    out.allow_http = 'true';
  }
  // Custom endpoints (MinIO and most S3-compatible stores) want path-style requests.
  if (out.aws_endpoint && out.aws_virtual_hosted_style_request === undefined) out.aws_virtual_hosted_style_request = 'false';
  return out;
}

/** `key=value` pairs from flags, over the environment's. */
export function parseStorageOptions(pairs: readonly string[], base: Record<string, string> = {}): Record<string, string> {
  const out = { ...base };
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new LocationError(`--storage-option takes KEY=VALUE (e.g. aws_region=eu-west-1); got "${p}".`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1);
  }
  return out;
}

/** Option names that hold secrets: never logged, never shown. */
const SECRET_KEY = /secret|token|password|key$|account_key|service_account|sas/i;

/** The storage options with secret values masked, for logs and status. */
export function describeStorageOptions(options: Record<string, string>): string {
  const parts = Object.keys(options)
    .sort()
    .map((k) => `${k}=${SECRET_KEY.test(k) && k !== 'aws_access_key_id' ? '***' : options[k]}`);
  return parts.join(', ');
}

/** The location as people name it: the folder or the URI. */
export function locationName(location: IndexLocation): string {
  return location.kind === 'local' ? location.dir : location.uri;
}
