// The shared index's configuration from settings, the environment and the credentials kept in
// the editor's secret storage: pure (no `vscode`), unit-tested in plain Node.
import type { Settings } from '../../engine/settings';
import type { SharedIndexConfig } from '../../engine/shared/sharedIndex';
import { storageOptionsFromEnv } from '../../engine/store/location';

/** The one SecretStorage entry that holds the credentials, as JSON. */
export const CREDENTIALS_SECRET_KEY = 'inhouse.sharedIndex.credentials';

/** What "InHouse: Set Shared Index Credentials" stores. */
export interface SharedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** For temporary credentials only. */
  sessionToken?: string;
}

export type SharedSettings = Pick<Settings, 'sharedIndex.uri' | 'sharedIndex.refreshSeconds' | 'sharedIndex.storageOptions'>;

const LIMITS = { accessKeyId: 256, secretAccessKey: 1024, sessionToken: 8192 } as const;
const NAMES = { accessKeyId: 'The access key ID', secretAccessKey: 'The secret access key', sessionToken: 'The session token' } as const;

/**
 * Why a credential typed into an input box cannot be used, or undefined. The session token may
 * be empty (permanent keys have none). Never repeats the value.
 */
export function credentialProblem(field: keyof SharedCredentials, value: string): string | undefined {
  const v = value.trim();
  if (!v) return field === 'sessionToken' ? undefined : `${NAMES[field]} is required.`;
  if (/\s/.test(v)) return `${NAMES[field]} cannot contain spaces or line breaks.`;
  if (v.length > LIMITS[field]) return `${NAMES[field]} is longer than ${LIMITS[field]} characters.`;
  return undefined;
}

/** The stored JSON, or undefined when nothing (or nothing usable) is stored. */
export function parseCredentials(raw: string | undefined): SharedCredentials | undefined {
  if (!raw) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const c = value as Partial<Record<keyof SharedCredentials, unknown>> | null;
  if (!c || typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string') return undefined;
  if (credentialProblem('accessKeyId', c.accessKeyId) || credentialProblem('secretAccessKey', c.secretAccessKey)) return undefined;
  const sessionToken = typeof c.sessionToken === 'string' && c.sessionToken.trim() ? c.sessionToken.trim() : undefined;
  return { accessKeyId: c.accessKeyId.trim(), secretAccessKey: c.secretAccessKey.trim(), ...(sessionToken ? { sessionToken } : {}) };
}

export function serializeCredentials(c: SharedCredentials): string {
  const token = c.sessionToken?.trim();
  return JSON.stringify({ accessKeyId: c.accessKeyId.trim(), secretAccessKey: c.secretAccessKey.trim(), ...(token ? { sessionToken: token } : {}) });
}

/** The credentials as LanceDB (object_store) storage options. */
export function credentialOptions(c: SharedCredentials): Record<string, string> {
  return {
    aws_access_key_id: c.accessKeyId,
    aws_secret_access_key: c.secretAccessKey,
    ...(c.sessionToken ? { aws_session_token: c.sessionToken } : {}),
  };
}

/**
 * The shared index the engine should read, or undefined when inhouse.sharedIndex.uri is empty.
 * Storage options, later ones winning: the standard environment variables (AWS_*), then the
 * non-secret inhouse.sharedIndex.storageOptions, then the stored credentials. Stored
 * credentials are a complete set: an AWS_SESSION_TOKEN from the environment does not pair with them.
 */
export function sharedIndexConfig(settings: SharedSettings, env: NodeJS.ProcessEnv, credentials?: SharedCredentials): SharedIndexConfig | undefined {
  const uri = settings['sharedIndex.uri'].trim();
  if (!uri) return undefined;
  const options: Record<string, string> = { ...storageOptionsFromEnv(env), ...settings['sharedIndex.storageOptions'] };
  if (credentials) {
    delete options.aws_session_token;
    Object.assign(options, credentialOptions(credentials));
  }
  // As for an endpoint from the environment: a plain-http endpoint (MinIO, a test store) must be
  // allowed, and custom endpoints want path-style requests, unless the settings say otherwise.
  const endpoint = options.aws_endpoint;
  if (endpoint?.startsWith('http://') && options.allow_http === undefined && options.aws_allow_http === undefined) options.allow_http = 'true';
  if (endpoint && options.aws_virtual_hosted_style_request === undefined) options.aws_virtual_hosted_style_request = 'false';
  return { uri, storageOptions: options, refreshSeconds: settings['sharedIndex.refreshSeconds'] };
}

