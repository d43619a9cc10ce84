/**
 * Registers the house model with Ollama: a LoRA adapter on its base model, with the house's
 * SYSTEM prompt and parameters.
 *
 * 1. Read the adapter folder (safetensors + adapter_config.json, or one GGUF).
 * 2. Check Ollama has the base model, and that the adapter was trained on it (family and size).
 * 3. sha256 each file, streamed.
 * 4. `HEAD /api/blobs/…` each; `POST` the missing ones, streamed from disk.
 * 5. `POST /api/create` `{model, from, adapters, system, parameters}`, progress streamed.
 *
 * Every step can be run again: a second run finds the blobs the first one uploaded and sends only
 * the rest. Failures are a {@link HouseModelError} or an {@link OllamaError}, each naming the fix.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { sameModelName } from '../llm/modelInfo';
import { OllamaClient } from '../llm/ollamaClient';
import { OllamaError } from '../llm/ollamaError';
import { DEFAULT_RETRY, type RetryPolicy } from '../llm/retry';
import { readAdapterFolder, type AdapterFolder } from './adapterFolder';
import { checkBaseFit } from './baseModelFit';
import { ensureBlobs, type DigestedFile } from './blobUpload';
import { createModel, type CreateRequestBody } from './createModel';
import { sha256File, type BlobDigest } from './fileDigest';
import { HouseModelError } from './houseModelError';
import { renderModelfile, type ModelParameters } from './modelfile';

export interface RegisterHouseModelRequest {
  /** The adapter folder the training wrote, or a `.gguf` adapter file. */
  adapter: string;
  /** The Ollama model the adapter was trained on, e.g. `qwen2.5-coder:1.5b-base`. */
  base: string;
  /** The new model's name, e.g. `acme-coder`. */
  name: string;
  /** The SYSTEM prompt (see houseSystemPrompt); none when absent. */
  system?: string;
  template?: string;
  /** Merged over {@link defaultParameters}; `null` drops a default. */
  parameters?: Record<string, ModelParameters[string] | null>;
  /** Register even when the adapter was trained on another family or size (a warning instead). */
  allowBaseMismatch?: boolean;
  /** Also write the Modelfile: `true` next to the adapter (`<folder>/Modelfile`), or this path. */
  writeModelfile?: boolean | string;
}

export interface RegisterHouseModelOptions {
  host: string;
  /** Bounds each request's silence (checks, blob requests); the create gets more, see `createIdleTimeoutMs`. */
  timeoutMs: number;
  /** The longest silence of the create stream; default max(10 × timeoutMs, 5 min). */
  createIdleTimeoutMs?: number;
  /** Retries of the checks and of each blob request; default {@link DEFAULT_RETRY}. */
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (event: RegisterProgress) => void;
  /** A client to reuse (its model-info cache is invalidated for the new model); one is made otherwise. */
  client?: OllamaClient;
}

export type RegisterProgress =
  | { step: 'check'; message: string }
  | { step: 'hash'; file: string; bytes: number; total: number }
  | { step: 'blob-present'; file: string }
  | { step: 'upload'; file: string; bytes: number; total: number }
  | { step: 'uploaded'; file: string }
  | { step: 'retry'; file: string; attempt: number; reason: string }
  | { step: 'create'; status: string; completed?: number; total?: number }
  | { step: 'warning'; message: string };

export interface RegisteredHouseModel {
  model: string;
  from: string;
  format: AdapterFolder['format'];
  /** What a Modelfile's ADAPTER line names: the adapter folder, or the .gguf file (see {@link houseModelfile}). */
  adapterTarget: string;
  /** File name → digest, as sent to `/api/create`. */
  adapters: Record<string, BlobDigest>;
  system?: string;
  parameters: ModelParameters;
  /** Files sent this run, and files Ollama already had. */
  uploaded: string[];
  alreadyPresent: string[];
  /** The create's status lines, in order (the last is `success`). */
  statuses: string[];
  /** The equivalent Modelfile. */
  modelfile: string;
  /** Where it was written, if asked. */
  modelfilePath?: string;
  warnings: string[];
  /** The exact `/api/create` body sent. */
  request: CreateRequestBody;
}

/** Parameters for a code model that the house model gets unless told otherwise. */
export function defaultParameters(contextLength?: number): ModelParameters {
  return { num_ctx: Math.min(8192, contextLength && contextLength > 0 ? contextLength : 8192), temperature: 0.2 };
}

/** What Ollama accepts as a model name: `[host/][namespace/]model[:tag]`, no spaces. */
const NAME = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/){0,2}[A-Za-z0-9][A-Za-z0-9._-]*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$/;

export function checkModelName(name: string, base: string): void {
  if (!name.trim()) throw new HouseModelError('The house model needs a name, e.g. acme-coder.', 'bad-name');
  if (!NAME.test(name)) {
    throw new HouseModelError(`"${name}" is not a model name Ollama accepts: use letters, digits, "-", "_" and ".", with an optional ":tag" (e.g. acme-coder:v1).`, 'bad-name');
  }
  if (sameModelName(name, base)) {
    throw new HouseModelError(`The house model cannot be named ${name}: that would replace its base model. Pick another name, e.g. ${name.split(':')[0]}-house.`, 'bad-name');
  }
}

export async function registerHouseModel(req: RegisterHouseModelRequest, options: RegisterHouseModelOptions): Promise<RegisteredHouseModel> {
  const { host, signal } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  const emit = options.onProgress ?? (() => undefined);
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ step: 'warning', message });
  };
  const base = req.base.trim();
  const name = req.name.trim();
  if (!base) throw new HouseModelError('Name the base model the adapter was trained on, e.g. qwen2.5-coder:1.5b-base.', 'base-missing');
  checkModelName(name, base);

  emit({ step: 'check', message: `Reading the adapter in ${req.adapter}` });
  const adapter = await readAdapterFolder(req.adapter);
  adapter.warnings.forEach(warn);

  emit({ step: 'check', message: `Checking ${base} in Ollama at ${host}` });
  const client = options.client ?? new OllamaClient({ host, timeoutMs: options.timeoutMs, retry });
  const models = await client.listModels(signal);
  if (!models.some((m) => sameModelName(m, base))) throw baseMissing(host, base, models);
  const info = await client.modelInfo(base, signal).catch((err: unknown) => {
    if (err instanceof OllamaError && err.kind === 'model-missing') throw baseMissing(host, base, models);
    throw err;
  });
  const fit = checkBaseFit(adapter.config?.baseModel ?? '', base, info);
  fit.warnings.forEach(warn);
  if (fit.mismatch) {
    if (!req.allowBaseMismatch) throw new HouseModelError(fit.mismatch, 'base-mismatch');
    warn(`${fit.mismatch} Registering anyway, as asked.`);
  }
  if (models.some((m) => sameModelName(m, name))) warn(`A model named ${name} exists; it is replaced by the new house model.`);

  const digested: DigestedFile[] = [];
  for (const file of adapter.files) {
    emit({ step: 'hash', file: file.name, bytes: 0, total: file.size });
    const digest = await sha256File(file.path, (bytes) => emit({ step: 'hash', file: file.name, bytes, total: file.size }), signal);
    digested.push({ ...file, digest });
  }

  const blobs = await ensureBlobs({ host, timeoutMs: options.timeoutMs, retry, signal }, digested, (e) => {
    if (e.kind === 'present') emit({ step: 'blob-present', file: e.file.name });
    else if (e.kind === 'upload') emit({ step: 'upload', file: e.file.name, bytes: e.bytes, total: e.total });
    else if (e.kind === 'uploaded') emit({ step: 'uploaded', file: e.file.name });
    else emit({ step: 'retry', file: e.file.name, attempt: e.attempt, reason: e.reason });
  });

  const parameters = mergeParameters(defaultParameters(info.contextLength), req.parameters);
  const body: CreateRequestBody = {
    model: name,
    from: base,
    adapters: Object.fromEntries(digested.map((f) => [f.name, f.digest])),
    ...(req.system !== undefined && req.system.trim() ? { system: req.system } : {}),
    ...(req.template !== undefined ? { template: req.template } : {}),
    ...(Object.keys(parameters).length ? { parameters } : {}),
    stream: true,
  };
  const statuses = await createModel(
    { host, idleTimeoutMs: options.createIdleTimeoutMs ?? Math.max(10 * options.timeoutMs, 300_000), signal },
    body,
    (p) => emit({ step: 'create', status: p.status, completed: p.completed, total: p.total }),
  );
  client.invalidateModelInfo(name);

  const modelfilePath = req.writeModelfile === true ? join(adapter.dir, 'Modelfile') : typeof req.writeModelfile === 'string' ? req.writeModelfile : undefined;
  const modelfile = houseModelfile(body, adapter, modelfilePath);
  if (modelfilePath) {
    try {
      await writeFile(modelfilePath, modelfile, 'utf8');
    } catch (err) {
      // The model is registered; only the convenience copy failed.
      warn(`The model is registered, but the Modelfile could not be written to ${modelfilePath} (${(err as Error).message}).`);
    }
  }
  return {
    model: name,
    from: base,
    format: adapter.format,
    adapterTarget: adapter.modelfileTarget,
    adapters: body.adapters,
    system: body.system,
    parameters,
    uploaded: blobs.uploaded,
    alreadyPresent: blobs.present,
    statuses,
    modelfile,
    modelfilePath,
    warnings,
    request: body,
  };
}

/**
 * The Modelfile for a create request. Written at `modelfilePath`, the ADAPTER line is relative to
 * it (`ADAPTER .` next to a safetensors folder); otherwise it is the absolute path.
 */
export function houseModelfile(body: CreateRequestBody, adapter: Pick<AdapterFolder, 'modelfileTarget'>, modelfilePath?: string): string {
  let target = adapter.modelfileTarget;
  if (modelfilePath) {
    const rel = relative(dirname(modelfilePath), target).split('\\').join('/');
    target = rel === '' ? '.' : rel.startsWith('.') || rel.startsWith('/') ? rel : `./${rel}`;
  }
  return renderModelfile({
    comments: [`The InHouse house model ${body.model}: the LoRA adapter on ${body.from}.`, `Create it with: ollama create ${body.model} -f Modelfile`],
    from: body.from,
    adapters: [target],
    parameters: body.parameters,
    template: body.template,
    system: body.system,
  });
}

function mergeParameters(defaults: ModelParameters, overrides: RegisterHouseModelRequest['parameters']): ModelParameters {
  const out: ModelParameters = { ...defaults };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function baseMissing(host: string, base: string, models: string[]): HouseModelError {
  const similar = models.filter((m) => m.split(/[:/]/)[0] === base.split(/[:/]/)[0]);
  const hint = similar.length ? ` Pulled models of that name: ${similar.join(', ')}.` : '';
  return new HouseModelError(`The base model ${base} is not pulled in Ollama at ${host}: run \`ollama pull ${base}\`, then run again.${hint}`, 'base-missing');
}
