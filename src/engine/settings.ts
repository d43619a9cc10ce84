/**
 * Every InHouse setting, declared once. Keys mirror `contributes.configuration` in package.json
 * (prefixed `inhouse.`); a unit test keeps the two in step. Hosts read raw values and pass them
 * through validateSettings(), which returns typed settings or names the offending key.
 */
interface Spec<T> {
  default: T;
  description: string;
  check(value: unknown): string | undefined;
}

const integer = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `an integer from ${min} to ${max}`;
const stringList = (v: unknown) =>
  Array.isArray(v) && v.every((s) => typeof s === 'string') ? undefined : 'a list of strings';
const stringMap = (v: unknown, what = 'an object mapping names to paths') =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string')
    ? undefined
    : what;

/** Search sources that are not libraries. */
const RESERVED_SOURCES = new Set(['workspace', 'conventions']);

const text = (max: number) => (v: unknown) => (typeof v === 'string' && v.length <= max ? undefined : `a string of at most ${max} characters`);

function spec<T>(def: T, description: string, check: (v: unknown) => string | undefined): Spec<T> {
  return { default: def, description, check };
}

export const SETTINGS_SPEC = {
  'index.maxFileBytes': spec(1_000_000, 'Files larger than this many bytes are skipped (reason: too-large).', integer(1024, 1_000_000_000)),
  'index.maxLineLength': spec(
    2_000,
    'Files with a line longer than this many characters are treated as minified or generated and skipped.',
    integer(200, 1_000_000),
  ),
  'index.maxChunkLines': spec(150, 'Symbol bodies longer than this many lines are split into parts; the signature is repeated in each.', integer(20, 10_000)),
  'index.exclude': spec<string[]>([], 'Extra ignore patterns (.gitignore syntax) applied to every root.', stringList),
  'index.workers': spec(0, 'Parser worker threads; 0 picks one per CPU core, at most 4.', integer(0, 16)),
  libraries: spec<Record<string, string>>({}, 'Internal libraries to index beside the workspace: name → folder path.', (v) =>
    stringMap(v) ??
    (Object.keys(v as object).find((k) => RESERVED_SOURCES.has(k)) !== undefined
      ? `an object mapping names to paths, with no library named ${[...RESERVED_SOURCES].join(' or ')} (those names are search sources)`
      : undefined),
  ),
  'ollama.host': spec('', 'Ollama address, e.g. http://127.0.0.1:11434. Empty: the OLLAMA_HOST environment variable, else http://127.0.0.1:11434.', text(500)),
  'ollama.timeoutSeconds': spec(30, 'Longest wait for any one Ollama request before it fails with a message.', integer(1, 3600)),
  'ollama.keepAlive': spec(
    '30m',
    'How long Ollama keeps a model loaded after a request, as Ollama reads it: a duration such as 30m or 1h, 0 to unload at once, -1 to keep it loaded.',
    (v: unknown) => (typeof v === 'string' && /^(-1|0|\d+(\.\d+)?(ms|s|m|h))$/.test(v.trim()) ? undefined : 'a duration such as 30m, 1h, 90s, 0 or -1'),
  ),
  'chat.model': spec('qwen2.5-coder:7b', 'Ollama model for the chat panel, `inhouse ask` and "Explain with House Conventions" (the house model once one is registered).', text(200)),
  'chat.contextTokens': spec(
    8192,
    'Prompt budget for chat and explain, in tokens. The model context (num_ctx) is derived from it and stays fixed, so Ollama does not reload the model.',
    integer(1024, 262_144),
  ),
  'chat.maxTokens': spec(1024, 'Longest chat or explain answer, in tokens.', integer(16, 32_768)),
  'completion.model': spec(
    'qwen2.5-coder:1.5b-base',
    'Ollama model for inline completions (fill-in-the-middle). A base/code model such as qwen2.5-coder:1.5b-base works best.',
    text(200),
  ),
  'completion.contextTokens': spec(2048, 'Prompt budget for an inline completion, in tokens (prefix, suffix, repository context and conventions).', integer(256, 65_536)),
  'completion.maxTokens': spec(128, 'Longest inline completion, in tokens.', integer(8, 4096)),
  'completion.enabled': spec(true, 'Show inline completions (ghost text) from the completion model. Toggle with "InHouse: Toggle Inline Completions".', (v) =>
    typeof v === 'boolean' ? undefined : 'true or false',
  ),
  'completion.debounceMs': spec(150, 'Wait this long after the last keystroke before asking the model for an inline completion, in milliseconds.', integer(0, 2000)),
  'embedding.model': spec(
    '',
    'Ollama embedding model for vector search, e.g. nomic-embed-text. Empty: keyword and symbol search only (no model needed).',
    text(200),
  ),
  'sharedIndex.uri': spec(
    '',
    "The team's shared index of internal libraries in object storage (e.g. s3://bucket/inhouse), built by CI with `inhouse index --library NAME=PATH --db s3://…`. Read-only; searched together with the local index. Credentials come from the environment (AWS_ACCESS_KEY_ID, …) or from \"InHouse: Set Shared Index Credentials\", never from settings.",
    (v: unknown) => (typeof v === 'string' && v.length <= 1000 && (v === '' || /^(s3|s3\+ddb|gs|az):\/\/[^/@\s]+(\/\S*)?$/i.test(v)) ? undefined : 'empty or an object-storage URI such as s3://bucket/prefix (s3://, s3+ddb://, gs:// or az://, with no credentials in it)'),
  ),
  'sharedIndex.refreshSeconds': spec(300, 'How often to look for a newer version of the shared index, in seconds. Each query uses one consistent version.', integer(10, 86_400)),
  'sharedIndex.storageOptions': spec<Record<string, string>>(
    {},
    'Non-secret LanceDB storage options for the shared index, e.g. {"aws_region": "eu-west-1", "aws_endpoint": "https://minio.internal:9000"}. Secrets (keys, tokens) are refused here: use "InHouse: Set Shared Index Credentials" or the environment.',
    (v: unknown) =>
      stringMap(v, 'an object mapping option names to strings') ??
      (Object.keys(v as object).find((k) => SECRET_OPTION.test(k)) !== undefined
        ? 'an object of non-secret storage options: keys, secrets and tokens belong in "InHouse: Set Shared Index Credentials" or the environment'
        : undefined),
  ),
} as const;

/** Storage option names that hold secrets, which settings files must never carry. */
const SECRET_OPTION = /secret|token|password|access_key|account_key|service_account|sas|credential/i;

export type SettingKey = keyof typeof SETTINGS_SPEC;
export type Settings = {
  [K in SettingKey]: (typeof SETTINGS_SPEC)[K]['default'] extends infer D ? (D extends number ? number : D extends string ? string : D) : never;
};

export const DEFAULTS: Settings = Object.fromEntries(
  Object.entries(SETTINGS_SPEC).map(([k, s]) => [k, s.default]),
) as unknown as Settings;

export class SettingsError extends Error {}

/** A refused value as a message may show it: storage options may hold a secret put there by mistake. */
function shown(key: SettingKey, value: unknown): string {
  if (key === 'sharedIndex.storageOptions' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return `options ${Object.keys(value).join(', ') || '(none)'} (values not shown)`;
  }
  return JSON.stringify(value);
}

/** Overlays raw values on the defaults; unknown keys are ignored, bad values are named. */
export function validateSettings(raw: Partial<Record<string, unknown>>): Settings {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, s] of Object.entries(SETTINGS_SPEC) as [SettingKey, Spec<unknown>][]) {
    const value = raw[key];
    if (value === undefined) continue;
    const problem = s.check(value);
    if (problem) throw new SettingsError(`Setting inhouse.${key} must be ${problem}; got ${shown(key, value)}.`);
    out[key] = value;
  }
  return out as Settings;
}
