/**
 * The Modelfile equivalent to a `/api/create` request, for people who prefer
 * `ollama create NAME -f Modelfile`. Ollama's parser has no escapes: a value is plain up to the
 * end of the line, `"…"` on one line, or `"""…"""` across lines and ends at the first `"""`.
 */
import { modelfileSafe } from './houseSystemPrompt';

/** Modelfile parameters as `/api/create` takes them; a list (stop) is one PARAMETER line per entry. */
export type ModelParameters = Record<string, string | number | boolean | readonly string[]>;

export interface ModelfileSpec {
  from: string;
  /** Adapter paths, as the Modelfile should name them (absolute, or relative to the Modelfile). */
  adapters?: readonly string[];
  system?: string;
  template?: string;
  license?: string;
  parameters?: ModelParameters;
  messages?: readonly { role: 'system' | 'user' | 'assistant'; content: string }[];
  /** Comment lines at the top, without the `# `. */
  comments?: readonly string[];
}

export function renderModelfile(spec: ModelfileSpec): string {
  const out: string[] = [];
  for (const c of spec.comments ?? []) for (const line of c.split('\n')) out.push(line ? `# ${line}` : '#');
  if (out.length) out.push('');
  out.push(`FROM ${quote(spec.from)}`);
  for (const a of spec.adapters ?? []) out.push(`ADAPTER ${quote(a)}`);
  for (const [key, value] of Object.entries(spec.parameters ?? {})) {
    const values = Array.isArray(value) ? (value as readonly string[]) : [value as string | number | boolean];
    for (const v of values) out.push(`PARAMETER ${key} ${quote(String(v))}`);
  }
  if (spec.template !== undefined) out.push(`TEMPLATE ${tripleQuote(spec.template)}`);
  if (spec.system !== undefined) out.push(`SYSTEM ${tripleQuote(spec.system)}`);
  if (spec.license !== undefined) out.push(`LICENSE ${tripleQuote(spec.license)}`);
  for (const m of spec.messages ?? []) out.push(`MESSAGE ${m.role} ${quote(m.content)}`);
  return `${out.join('\n')}\n`;
}

/** Plain when it can be, `"…"` for spaces at the ends or a `#`, `"""…"""` for several lines or quotes. */
function quote(value: string): string {
  if (value.includes('\n') || value.includes('"')) return tripleQuote(value);
  if (value === '' || /^\s|\s$|\s#|^#/.test(value)) return `"${value}"`;
  return value;
}

function tripleQuote(value: string): string {
  return `"""${modelfileSafe(value)}"""`;
}
