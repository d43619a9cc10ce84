/**
 * What InHouse learns about a model from Ollama (`/api/show`, `/api/tags`, `/api/version`), and
 * the pure rules it applies to that: name normalisation and version comparison.
 */

/**
 * The oldest Ollama InHouse talks to. 0.6.4 added `capabilities` to `/api/show`, which is how we
 * tell a model that can fill in the middle (`insert`) from one that cannot; older servers also
 * lack a few fields of the streamed replies that we rely on (`done_reason`).
 */
export const MIN_OLLAMA_VERSION = '0.6.4';

export interface ModelInfo {
  /** The name as InHouse asked for it. */
  name: string;
  /** `details.family`, e.g. `qwen2`, `llama`; empty when Ollama gives none. */
  family: string;
  families: string[];
  /** e.g. `completion`, `insert`, `embedding`, `tools`, `vision`, `thinking`. */
  capabilities: string[];
  /** `<architecture>.context_length` from `model_info`, when Ollama reports it. */
  contextLength?: number;
  /** The model's prompt template (Go template text). */
  template: string;
  /** e.g. `1.5B`; empty when unknown. */
  parameterSize: string;
}

/** Turns an `/api/show` reply into a {@link ModelInfo}; tolerant of missing fields. */
export function modelInfoFromShow(name: string, reply: unknown): ModelInfo {
  const r = (reply && typeof reply === 'object' ? reply : {}) as Record<string, unknown>;
  const details = (r.details && typeof r.details === 'object' ? r.details : {}) as Record<string, unknown>;
  const info = (r.model_info && typeof r.model_info === 'object' ? r.model_info : {}) as Record<string, unknown>;
  const family = typeof details.family === 'string' ? details.family : '';
  const families = Array.isArray(details.families) ? details.families.filter((f): f is string => typeof f === 'string') : family ? [family] : [];
  const template = typeof r.template === 'string' ? r.template : '';
  const arch = typeof info['general.architecture'] === 'string' ? (info['general.architecture'] as string) : family;
  let contextLength: number | undefined;
  const direct = info[`${arch}.context_length`];
  if (typeof direct === 'number' && direct > 0) contextLength = direct;
  else {
    // Some architectures are named differently in model_info than in details.family.
    for (const [key, value] of Object.entries(info)) {
      if (key.endsWith('.context_length') && typeof value === 'number' && value > 0) {
        contextLength = value;
        break;
      }
    }
  }
  let capabilities: string[];
  if (Array.isArray(r.capabilities)) {
    capabilities = r.capabilities.filter((c): c is string => typeof c === 'string');
  } else {
    // A server without the field: infer as Ollama itself did before reporting it.
    capabilities = info[`${arch}.pooling_type`] !== undefined ? ['embedding'] : ['completion'];
    if (/\.Suffix\b/.test(template)) capabilities.push('insert');
  }
  return {
    name,
    family,
    families,
    capabilities,
    contextLength,
    template,
    parameterSize: typeof details.parameter_size === 'string' ? details.parameter_size : '',
  };
}

/**
 * The key under which Ollama considers two names the same model: case-insensitive, `:latest`
 * implied, the default registry and `library/` namespace implied.
 */
export function modelNameKey(name: string): string {
  let rest = name.trim().toLowerCase();
  let tag = 'latest';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1) || 'latest';
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const model = parts[parts.length - 1];
  const namespace = parts.length >= 2 ? parts[parts.length - 2] : 'library';
  const host = parts.length >= 3 ? parts.slice(0, parts.length - 2).join('/') : 'registry.ollama.ai';
  return `${host}/${namespace}/${model}:${tag}`;
}

export function sameModelName(a: string, b: string): boolean {
  return modelNameKey(a) === modelNameKey(b);
}

/**
 * Compares two Ollama versions (`0.6.4`, `v0.12.0`, `0.6.4-rc1`) by their numbers; a
 * pre-release counts as its release. Negative when a < b.
 */
export function compareVersions(a: string, b: string): number {
  const nums = (v: string): number[] =>
    v
      .trim()
      .replace(/^v/i, '')
      .split(/[-+]/)[0]
      .split('.')
      .map((p) => Number.parseInt(p, 10) || 0);
  const x = nums(a);
  const y = nums(b);
  for (let i = 0; i < Math.max(x.length, y.length, 3); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether `version` is recent enough; `0.0.0` is what a build from source reports, so it passes. */
export function versionSupported(version: string, minimum = MIN_OLLAMA_VERSION): boolean {
  if (compareVersions(version, '0.0.0') === 0) return true;
  return compareVersions(version, minimum) >= 0;
}
