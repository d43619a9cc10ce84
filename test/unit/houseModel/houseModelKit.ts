/** Shared helpers of the house-model tests (not a test file itself). */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HouseModelError, type HouseModelErrorKind } from '../../../src/engine/houseModel/houseModelError';
import { standardModels, type ModelSpec } from '../../support/ollamaTestServer';

export const TIMEOUT_MS = 2_000;
export const FAST_RETRY = { retries: 2, delayMs: 10 };
export const NO_RETRY = { retries: 0, delayMs: 10 };

/** The base the fixture adapter was "trained" on, as Ollama has it. */
export const BASE = 'qwen2.5-coder:1.5b-base';

export function houseModels(): ModelSpec[] {
  return [
    ...standardModels(),
    { name: BASE, family: 'qwen2', capabilities: ['completion', 'insert'], parameterSize: '1.5B', contextLength: 32768 },
    { name: 'qwen2.5-coder:7b', family: 'qwen2', capabilities: ['completion', 'insert'], parameterSize: '7.6B', contextLength: 32768 },
  ];
}

export function sha256(data: Buffer | string): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Deterministic bytes, so digests are the same every run. */
export function weights(size: number, seed = 7): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

export const ADAPTER_CONFIG = {
  base_model_name_or_path: 'Qwen/Qwen2.5-Coder-1.5B',
  peft_type: 'LORA',
  r: 16,
  lora_alpha: 32,
  target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
};

export interface AdapterFixture {
  root: string;
  dir: string;
  weights: Buffer;
  config: string;
  cleanup(): Promise<void>;
}

/** A temp folder with adapter_model.safetensors, adapter_config.json and a README (ignored). */
export async function makeAdapter(options: { size?: number; config?: object | null; extra?: Record<string, string | Buffer> } = {}): Promise<AdapterFixture> {
  const root = await mkdtemp(join(tmpdir(), 'inhouse-house-'));
  const dir = join(root, 'adapter');
  await mkdir(dir);
  const w = weights(options.size ?? 300_000);
  const config = `${JSON.stringify(options.config === undefined ? ADAPTER_CONFIG : options.config, null, 2)}\n`;
  await writeFile(join(dir, 'adapter_model.safetensors'), w);
  if (options.config !== null) await writeFile(join(dir, 'adapter_config.json'), config);
  await writeFile(join(dir, 'README.md'), '# trained by the recipe\n');
  for (const [name, content] of Object.entries(options.extra ?? {})) await writeFile(join(dir, name), content);
  return { root, dir, weights: w, config, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function expectHouseError(fn: () => Promise<unknown>, kind: HouseModelErrorKind, message?: RegExp): Promise<HouseModelError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof HouseModelError, `expected a HouseModelError, got ${String(err)}`);
    assert.equal(err.kind, kind, `kind of: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a HouseModelError of kind ${kind}, got a result`);
}
