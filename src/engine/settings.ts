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
const stringMap = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string')
    ? undefined
    : 'an object mapping names to paths';

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
  libraries: spec<Record<string, string>>({}, 'Internal libraries to index beside the workspace: name → folder path.', stringMap),
  'ollama.host': spec('', 'Ollama address, e.g. http://127.0.0.1:11434. Empty: the OLLAMA_HOST environment variable, else http://127.0.0.1:11434.', text(500)),
  'ollama.timeoutSeconds': spec(30, 'Longest wait for any one Ollama request before it fails with a message.', integer(1, 3600)),
  'embedding.model': spec(
    '',
    'Ollama embedding model for vector search, e.g. nomic-embed-text. Empty: keyword and symbol search only (no model needed).',
    text(200),
  ),
} as const;

export type SettingKey = keyof typeof SETTINGS_SPEC;
export type Settings = {
  [K in SettingKey]: (typeof SETTINGS_SPEC)[K]['default'] extends infer D ? (D extends number ? number : D extends string ? string : D) : never;
};

export const DEFAULTS: Settings = Object.fromEntries(
  Object.entries(SETTINGS_SPEC).map(([k, s]) => [k, s.default]),
) as unknown as Settings;

export class SettingsError extends Error {}

/** Overlays raw values on the defaults; unknown keys are ignored, bad values are named. */
export function validateSettings(raw: Partial<Record<string, unknown>>): Settings {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, s] of Object.entries(SETTINGS_SPEC) as [SettingKey, Spec<unknown>][]) {
    const value = raw[key];
    if (value === undefined) continue;
    const problem = s.check(value);
    if (problem) throw new SettingsError(`Setting inhouse.${key} must be ${problem}; got ${JSON.stringify(value)}.`);
    out[key] = value;
  }
  return out as Settings;
}
