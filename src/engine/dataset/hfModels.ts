/**
 * The Hugging Face checkpoint an Ollama model name stands for, for the training script (LoRA
 * trains on the full-precision weights; Ollama serves a quantised GGUF of the same model).
 * Undefined when the name is not one of the common code bases: the script then asks for it.
 */
export function hfModelFor(ollamaModel: string): string | undefined {
  const name = ollamaModel.toLowerCase().replace(/^.*\//, '');
  let m = /^qwen2\.5-coder:(0\.5|1\.5|3|7|14|32)b(?:-(base|instruct))?/.exec(name);
  if (m) return `Qwen/Qwen2.5-Coder-${m[1]}B${m[2] === 'base' ? '' : '-Instruct'}`;
  m = /^codellama:(7|13|34)b-code/.exec(name);
  if (m) return `codellama/CodeLlama-${m[1]}b-hf`;
  m = /^deepseek-coder:(1\.3|6\.7|33)b(?:-(base|instruct))?/.exec(name);
  if (m) return `deepseek-ai/deepseek-coder-${m[1]}b-${m[2] === 'base' ? 'base' : 'instruct'}`;
  m = /^starcoder2:(3|7|15)b/.exec(name);
  if (m) return `bigcode/starcoder2-${m[1]}b`;
  m = /^codegemma:(2b|7b)(?:-(code))?/.exec(name);
  if (m) return m[1] === '2b' ? 'google/codegemma-2b' : m[2] === 'code' ? 'google/codegemma-7b' : 'google/codegemma-7b-it';
  m = /^codestral:22b/.exec(name);
  if (m) return 'mistralai/Codestral-22B-v0.1';
  return undefined;
}
