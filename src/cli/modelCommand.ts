/**
 * `inhouse model create --adapter DIR --base MODEL --name NAME [--host URL]
 *  [--system-from-conventions] [--db DIR] [--parameter KEY=VALUE]... [--modelfile] [--force] [--json]`
 *
 * Registers a LoRA adapter with Ollama as the house model. Progress goes to stderr, the new
 * model's name (or, with --json, the whole result) to stdout.
 */
import { resolve } from 'node:path';
import { assetsIn, createEngine, type EngineAssets } from '../engine/engine';
import { houseSystemPrompt } from '../engine/houseModel/houseSystemPrompt';
import type { ModelParameters } from '../engine/houseModel/modelfile';
import { registerHouseModel, type RegisterProgress } from '../engine/houseModel/registerHouseModel';
import { resolveOllamaHost } from '../engine/llm/ollamaClient';
import { createLineLogger, isLogLevel } from '../engine/log';
import { createNodeHost } from '../engine/nodeHost';
import type { PromptRule } from '../engine/prompts/promptTypes';
import { DEFAULTS, validateSettings } from '../engine/settings';
import { reportError, UsageError } from './errors';
import { findDb } from './indexLocation';
import type { Io } from './main';

export const MODEL_USAGE = `  model create --adapter DIR --base MODEL --name NAME [--system-from-conventions] [--db DIR]
               [--parameter KEY=VALUE]... [--modelfile] [--force] [--host URL] [--json]
                      Register a LoRA adapter (a folder with adapter_model.safetensors and
                      adapter_config.json, or a .gguf file) with Ollama as the house model on
                      its base model: uploads what Ollama lacks (a re-run resumes), creates
                      NAME with the house SYSTEM prompt (plus the most binding conventions of
                      the index with --system-from-conventions), prints NAME. --modelfile also
                      writes the equivalent Modelfile next to the adapter; --force registers
                      even when the adapter was trained on another model.`;

/** The parseArgs values this command reads (main.ts declares them in OPTIONS). */
export interface ModelCommandValues {
  adapter?: string;
  base?: string;
  name?: string;
  host?: string;
  db?: string;
  json?: boolean;
  'system-from-conventions'?: boolean;
  parameter?: string[];
  modelfile?: boolean;
  force?: boolean;
  'log-level'?: string;
}

export interface ModelCommandDeps {
  /** Where the engine's assets are (to read the conventions from the index); default beside the bundle. */
  assets?: EngineAssets;
  /** The house conventions, most binding first; default: read from the index at dbDir. */
  loadRules?: (dbDir: string) => Promise<PromptRule[]>;
}

/** Runs `inhouse model <args>`; returns the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runModelCommand(args: string[], values: ModelCommandValues, io: Io, cwd = process.cwd(), deps: ModelCommandDeps = {}): Promise<number> {
  try {
    const [sub, ...rest] = args;
    if (sub !== 'create') throw new UsageError(sub ? `Unknown model command "${sub}": use inhouse model create.` : `model needs a command:\n${MODEL_USAGE}`);
    if (rest.length) throw new UsageError(`model create takes no positional arguments; got "${rest.join(' ')}".`);
    const adapter = required(values.adapter, '--adapter DIR (the folder your LoRA training wrote)');
    const base = required(values.base, '--base MODEL (the Ollama model the adapter was trained on)');
    const name = required(values.name, '--name NAME (the new model, e.g. acme-coder)');
    const parameters = parseParameters(values.parameter ?? []);
    const level = values['log-level'] ?? 'warn';
    if (!isLogLevel(level)) throw new UsageError('--log-level must be one of off, error, warn, info, debug, trace.');

    const settings = validateSettings(values.host !== undefined ? { 'ollama.host': values.host } : {});
    const host = resolveOllamaHost(settings['ollama.host']);
    let rules: PromptRule[] = [];
    if (values['system-from-conventions']) {
      const dbDir = findDb(values.db, cwd);
      rules = await (deps.loadRules ?? ((dir) => rulesFromIndex(dir, deps.assets ?? assetsIn(__dirname), io, level)))(dbDir);
      io.err(`Conventions: ${rules.length} rule${rules.length === 1 ? '' : 's'} from ${dbDir}.\n`);
    }
    const system = houseSystemPrompt(rules);

    const progress = new ProgressPrinter(io);
    const result = await registerHouseModel(
      {
        adapter: resolve(cwd, adapter),
        base,
        name,
        system,
        parameters,
        allowBaseMismatch: Boolean(values.force),
        writeModelfile: Boolean(values.modelfile),
      },
      { host, timeoutMs: (settings['ollama.timeoutSeconds'] ?? DEFAULTS['ollama.timeoutSeconds']) * 1000, onProgress: (e) => progress.show(e) },
    );
    progress.done();
    if (result.modelfilePath) io.err(`Modelfile: ${result.modelfilePath}\n`);
    if (values.json) {
      const { request: _request, modelfile: _modelfile, ...rest } = result;
      io.out(`${JSON.stringify(rest, null, 2)}\n`);
    } else {
      io.out(`${result.model}\n`);
    }
    return 0;
  } catch (err) {
    return reportError(err, io);
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || !value.trim()) throw new UsageError(`model create needs ${what}.`);
  return value.trim();
}

/** `--parameter num_ctx=4096 --parameter stop=<|im_end|> --parameter stop=</s>`: numbers and booleans typed, repeats a list. */
export function parseParameters(specs: string[]): Record<string, ModelParameters[string]> {
  const out: Record<string, ModelParameters[string]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = spec.slice(0, eq).trim();
    const raw = spec.slice(eq + 1);
    if (eq <= 0 || !/^[a-z][a-z0-9_]*$/.test(key)) throw new UsageError(`--parameter takes KEY=VALUE, e.g. num_ctx=8192; got "${spec}".`);
    const value: string | number | boolean = /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
    const prev = out[key];
    if (prev === undefined) out[key] = key === 'stop' ? [String(value)] : value;
    else out[key] = [...(Array.isArray(prev) ? prev : [String(prev)]), String(value)];
  }
  return out;
}

async function rulesFromIndex(dbDir: string, assets: EngineAssets, io: Io, level: string): Promise<PromptRule[]> {
  const log = createLineLogger(io.err, isLogLevel(level) ? level : 'warn');
  const engine = createEngine(createNodeHost(), validateSettings({}), { dbDir, assets }, log);
  try {
    const book = await engine.conventionBook();
    for (const w of book.warnings) io.err(`warning: ${w}\n`);
    return book.rules;
  } finally {
    await engine.dispose();
  }
}

/** Progress on stderr (also with --json, whose data is on stdout): one line per step; byte counts at every quarter, or one line rewritten in place on a TTY. */
class ProgressPrinter {
  private lastQuarter = new Map<string, number>();
  private inPlace = false;

  constructor(private readonly io: Io) {}

  show(e: RegisterProgress): void {
    if (e.step === 'hash' || e.step === 'upload') {
      const verb = e.step === 'hash' ? 'hashing' : 'uploading';
      const pct = e.total > 0 ? Math.floor((100 * e.bytes) / e.total) : 100;
      if (this.io.isTty) {
        this.io.err(`\r${verb} ${e.file} ${pct}% (${mb(e.bytes)} of ${mb(e.total)})\x1b[K`);
        this.inPlace = true;
        return;
      }
      const key = `${e.step}:${e.file}`;
      const quarter = Math.floor(pct / 25);
      if (this.lastQuarter.get(key) === quarter) return;
      this.lastQuarter.set(key, quarter);
      if (e.bytes === 0 || pct === 100 || quarter > 0) this.line(`${verb} ${e.file} ${pct}%`);
      return;
    }
    if (e.step === 'warning') return this.line(`warning: ${e.message}`);
    if (e.step === 'check') return this.line(e.message);
    if (e.step === 'blob-present') return this.line(`${e.file}: already in Ollama, not uploaded again`);
    if (e.step === 'uploaded') return this.line(`${e.file}: uploaded`);
    if (e.step === 'retry') return this.line(`${e.file}: retrying the upload (${e.attempt}) after ${e.reason}`);
    if (e.step === 'create') {
      const pct = e.total ? ` ${Math.floor((100 * (e.completed ?? 0)) / e.total)}%` : '';
      this.line(`create: ${e.status}${pct}`);
    }
  }

  done(): void {
    if (this.inPlace) this.io.err('\n');
    this.inPlace = false;
  }

  private line(text: string): void {
    if (this.inPlace) this.io.err('\n');
    this.inPlace = false;
    this.io.err(`${text}\n`);
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
