/** Why registering the house model failed; every message names the fix. */
export type HouseModelErrorKind =
  /** The adapter folder or file is missing, empty, or holds no adapter. */
  | 'adapter-missing'
  /** The adapter is there but unusable (no adapter_config.json, a Git LFS pointer, not GGUF). */
  | 'adapter-invalid'
  /** The base model is not pulled in Ollama. */
  | 'base-missing'
  /** The adapter was trained on another model family or size than the base. */
  | 'base-mismatch'
  /** The new model's name is not one Ollama accepts, or would replace the base. */
  | 'bad-name'
  /** A blob upload failed; a re-run uploads only what is still missing. */
  | 'upload'
  /** Ollama refused to create the model, or the create stream broke off. */
  | 'create'
  /** A file could not be read or written. */
  | 'io';

export class HouseModelError extends Error {
  constructor(
    message: string,
    readonly kind: HouseModelErrorKind,
  ) {
    super(message);
    this.name = 'HouseModelError';
  }
}
