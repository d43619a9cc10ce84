import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { HouseModelError } from './houseModelError';

/** One file Ollama needs for the adapter, by the name it is registered under. */
export interface AdapterFile {
  /** The key in `/api/create`'s `adapters` map: the base name (`adapter_model.safetensors`). */
  name: string;
  path: string;
  size: number;
}

/** What `adapter_config.json` (PEFT) tells about the training. */
export interface AdapterConfig {
  /** `base_model_name_or_path`, e.g. `Qwen/Qwen2.5-Coder-1.5B`; empty when absent. */
  baseModel: string;
  peftType: string;
  rank?: number;
  alpha?: number;
}

export interface AdapterFolder {
  /** The folder the user named, or the folder of the `.gguf` file named. */
  dir: string;
  format: 'safetensors' | 'gguf';
  /** Sorted by name, so digests, uploads and the create body come out the same every run. */
  files: AdapterFile[];
  /** Read from adapter_config.json; absent for a GGUF adapter without one. */
  config?: AdapterConfig;
  /** Files in the folder that are not part of the adapter (README.md, training_args.bin, …). */
  ignored: string[];
  /** Things worth saying that do not stop the registration. */
  warnings: string[];
  /** What the Modelfile's ADAPTER line points at: the folder for safetensors, the file for GGUF. */
  modelfileTarget: string;
}

const CONFIG = 'adapter_config.json';
const LFS_POINTER = 'version https://git-lfs';
const GGUF_MAGIC = 'GGUF';

/**
 * Reads an adapter as LoRA training writes it: a folder with `adapter_model.safetensors` (any
 * `*.safetensors`) and `adapter_config.json`, or one `.gguf` adapter (named directly, or alone in
 * its folder). Throws a {@link HouseModelError} that names the fix for a missing or empty folder, a
 * full model instead of an adapter, a missing config, a Git LFS pointer, or a file that is not GGUF.
 */
export async function readAdapterFolder(path: string): Promise<AdapterFolder> {
  const target = resolve(path);
  const info = await stat(target).catch(() => undefined);
  if (!info) {
    throw new HouseModelError(
      `The adapter folder ${target} does not exist. Pass the folder your LoRA training wrote (it holds adapter_model.safetensors and adapter_config.json), or a .gguf adapter file.`,
      'adapter-missing',
    );
  }
  if (info.isFile()) {
    if (extname(target).toLowerCase() !== '.gguf') {
      throw new HouseModelError(
        `${target} is a file but not a .gguf adapter. Pass the folder your LoRA training wrote (with adapter_model.safetensors and adapter_config.json), or a .gguf adapter file.`,
        'adapter-invalid',
      );
    }
    return ggufAdapter(dirname(target), target, await listFiles(dirname(target)));
  }
  if (!info.isDirectory()) {
    throw new HouseModelError(`${target} is neither a folder nor a file. Pass the folder your LoRA training wrote.`, 'adapter-invalid');
  }

  const names = await listFiles(target);
  if (names.length === 0) {
    throw new HouseModelError(
      `The adapter folder ${target} is empty. Run the LoRA training first (see the recipe next to the exported training set), then pass the folder it wrote, with adapter_model.safetensors and adapter_config.json.`,
      'adapter-missing',
    );
  }
  const ggufs = names.filter((n) => n.toLowerCase().endsWith('.gguf'));
  const tensors = names.filter((n) => n.toLowerCase().endsWith('.safetensors'));

  if (ggufs.length > 1) {
    throw new HouseModelError(
      `The adapter folder ${target} holds ${ggufs.length} .gguf files (${ggufs.join(', ')}). Pass the one adapter file to use instead of the folder.`,
      'adapter-invalid',
    );
  }
  if (ggufs.length === 1) {
    const adapter = await ggufAdapter(target, join(target, ggufs[0]), names);
    if (tensors.length > 0) adapter.warnings.push(`Using ${ggufs[0]}; the .safetensors files next to it are not uploaded.`);
    return adapter;
  }
  if (tensors.length === 0) {
    throw new HouseModelError(
      `The adapter folder ${target} holds no adapter: no *.safetensors or *.gguf file among ${preview(names)}. Pass the folder your LoRA training wrote (with adapter_model.safetensors and adapter_config.json).`,
      'adapter-missing',
    );
  }
  if (!names.includes(CONFIG)) {
    if (names.includes('config.json') && tensors.some((t) => /^model[-.]/i.test(t) || t === 'model.safetensors')) {
      throw new HouseModelError(
        `${target} holds a full model (config.json, ${tensors[0]}), not a LoRA adapter. Pass the adapter folder the training wrote (with adapter_model.safetensors and adapter_config.json).`,
        'adapter-invalid',
      );
    }
    throw new HouseModelError(
      `The adapter folder ${target} has ${tensors.join(', ')} but no ${CONFIG}; Ollama needs both to load a safetensors adapter. Copy ${CONFIG} from the training's output folder next to it.`,
      'adapter-invalid',
    );
  }

  const files: AdapterFile[] = [];
  for (const name of [...tensors, CONFIG].sort()) files.push(await adapterFile(target, name));
  const config = await readConfig(join(target, CONFIG));
  const used = new Set(files.map((f) => f.name));
  const adapter: AdapterFolder = {
    dir: target,
    format: 'safetensors',
    files,
    config,
    ignored: names.filter((n) => !used.has(n)),
    warnings: [],
    modelfileTarget: target,
  };
  if (config.peftType && config.peftType.toUpperCase() !== 'LORA') {
    adapter.warnings.push(`${CONFIG} says peft_type ${config.peftType}; Ollama loads LoRA adapters only.`);
  }
  return adapter;
}

async function ggufAdapter(dir: string, file: string, names: string[]): Promise<AdapterFolder> {
  const name = basename(file);
  const entry = await adapterFile(dir, name);
  const head = await readHead(file, 4);
  if (head !== GGUF_MAGIC) {
    throw new HouseModelError(
      `${file} is not a GGUF file (it does not start with "GGUF"). Convert the adapter with llama.cpp's convert_lora_to_gguf.py, or pass the safetensors adapter folder.`,
      'adapter-invalid',
    );
  }
  const config = names.includes(CONFIG) ? await readConfig(join(dir, CONFIG)).catch(() => undefined) : undefined;
  return {
    dir,
    format: 'gguf',
    files: [entry],
    config,
    ignored: names.filter((n) => n !== name),
    warnings: [],
    modelfileTarget: file,
  };
}

async function adapterFile(dir: string, name: string): Promise<AdapterFile> {
  const path = join(dir, name);
  const { size } = await stat(path);
  if (size === 0) {
    throw new HouseModelError(`${path} is empty. The training did not finish writing it: run the training again, or pass another adapter folder.`, 'adapter-invalid');
  }
  if (size < 1024 && name.endsWith('.safetensors') && (await readHead(path, LFS_POINTER.length)) === LFS_POINTER) {
    throw new HouseModelError(`${path} is a Git LFS pointer, not the adapter weights. Run \`git lfs pull\` in that repository first.`, 'adapter-invalid');
  }
  return { name, path, size };
}

async function readConfig(path: string): Promise<AdapterConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new HouseModelError(`${path} is not valid JSON (${(err as Error).message}). Copy ${CONFIG} again from the training's output folder.`, 'adapter-invalid');
  }
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    baseModel: typeof o.base_model_name_or_path === 'string' ? o.base_model_name_or_path : '',
    peftType: typeof o.peft_type === 'string' ? o.peft_type : '',
    rank: num(o.r),
    alpha: num(o.lora_alpha),
  };
}

/** Regular files directly in the folder, sorted; hidden files and sub-folders are not the adapter. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

async function readHead(path: string, bytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

function preview(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
