import type { DatasetStats } from '../datasetTypes';
import { hfModelFor } from '../hfModels';

const FENCE = '```';

/** README.md for an exported training set: the files, which trainer reads which layout, the run, and Ollama. */
export function recipeReadme(s: DatasetStats): string {
  const hf = hfModelFor(s.baseModel);
  const base = hf ?? '<the Hugging Face checkpoint of ' + s.baseModel + '>';
  const name = 'house-coder';
  return [
    '# InHouse training set and LoRA recipe',
    '',
    `Exported by InHouse for the base model \`${s.baseModel}\` (FIM family \`${s.family}\`), seed ${s.seed}.`,
    `${s.samples.train} training and ${s.samples.valid} validation samples, about ${s.tokens.total} tokens; ` +
      `train and validation are split by file (files in both: ${s.leakage.sharedFiles}). Figures: \`stats.json\`; ` +
      'tokens, rates and layouts: `dataset_info.json`; which file went where: `splits.json`.',
    '',
    '## Files',
    '',
    '| File | Lines |',
    '|---|---|',
    '| `train.completion.jsonl`, `valid.completion.jsonl` | `{"prompt", "completion", "text"}`: fill-in-the-middle samples (PSM and SPM) with the FIM tokens in `prompt`, the middle plus the end token in `completion`; `text` is the two joined. Plain left-to-right samples have the code before in `prompt` and what follows in `completion`. |',
    '| `train.chat.jsonl`, `valid.chat.jsonl` | `{"messages": [{"role": "system" / "user" / "assistant", "content"}]}`: corrected answers and questions on the house conventions, answered citing the rule id, e.g. `[errors-name-the-fix]`. |',
    '| `train_lora.py`, `requirements.txt` | The LoRA run below (PEFT + TRL). |',
    '',
    '## Which trainer reads what',
    '',
    '- **Hugging Face TRL `SFTTrainer`** (and **unsloth**, which wraps it): `prompt`/`completion` is a prompt-completion dataset, trained on the completion only; `messages` is conversational and goes through the chat template. `load_dataset("json", data_files={"train": "train.completion.jsonl", "validation": "valid.completion.jsonl"})`; drop the `text` column (`.remove_columns("text")`) so TRL does not take it for a language-modelling dataset.',
    '- **axolotl**: `datasets: [{path: train.completion.jsonl, ds_type: json, type: completion, field: text}]` (no masking: trains on prefix and suffix too) and `[{path: train.chat.jsonl, ds_type: json, type: chat_template, field_messages: messages}]`.',
    '- **mlx-lm** (`mlx_lm.lora --train --data DIR`): it reads `DIR/train.jsonl` and `DIR/valid.jsonl`; copy or link one format to those names (for example `ln -s ../train.completion.jsonl fim/train.jsonl`). It understands `prompt`/`completion` (loss on the completion with `--mask-prompt`), `text` and `messages`.',
    '- The FIM tokens are plain text in `prompt`; a tokenizer of the base family maps each to one special token. `train_lora.py` checks this and adds any that are missing.',
    '',
    '## Train (GPU box)',
    '',
    FENCE + 'sh',
    'python3 -m venv .venv && . .venv/bin/activate',
    'pip install -r requirements.txt',
    `python train_lora.py --base-model ${base} --output adapter`,
    '# options: --data-kind completion|chat|both, --epochs 2, --lr 2e-4, --r 16, --alpha 32, --max-length 2048,',
    '#          --load-in-4bit (QLoRA, needs bitsandbytes), --gradient-checkpointing, --dry-run (tokenize only)',
    FENCE,
    '',
    'Defaults: LoRA r 16, alpha 32, dropout 0.05 on all linear layers; learning rate 2e-4 with a cosine schedule and 3% warm-up; 2 epochs; 2048 tokens per sample.',
    'Loss is on the completion only (the middle and its end token, or the answer). A sample longer than `--max-length` is dropped, never truncated, so no middle is cut; the export already fits samples to the budget by cutting the far ends of prefix and suffix.',
    'The adapter lands in `adapter/` as `adapter_model.safetensors` + `adapter_config.json`; the validation loss is printed at the end of each epoch.',
    `Train on the checkpoint Ollama's \`${s.baseModel}\` was made from${hf ? ` (\`${hf}\`)` : ''}: an adapter only works on the base it was trained on.`,
    '',
    '## Serve it with Ollama',
    '',
    'A `Modelfile` next to the adapter:',
    '',
    FENCE,
    `FROM ${s.baseModel}`,
    'ADAPTER ./adapter',
    FENCE,
    '',
    FENCE + 'sh',
    `ollama create ${name} -f Modelfile`,
    `ollama run ${name}`,
    FENCE,
    '',
    'Ollama imports safetensors adapters directly for the architectures it supports (Llama, Mistral, Gemma families). For the others (Qwen2 is the usual case), or if `ollama create` says the adapter is not supported, convert it to GGUF with llama.cpp first and point `ADAPTER` at the file:',
    '',
    FENCE + 'sh',
    'git clone https://github.com/ggml-org/llama.cpp && pip install -r llama.cpp/requirements.txt',
    `python llama.cpp/convert_lora_to_gguf.py adapter --base-model-id ${hf ?? '<hf-base-model>'} --outfile adapter.gguf`,
    '# or --base /path/to/the/downloaded/base/checkpoint instead of --base-model-id',
    FENCE,
    '',
    FENCE,
    `FROM ${s.baseModel}`,
    'ADAPTER ./adapter.gguf',
    FENCE,
    '',
    'Then register it as the house model (`inhouse model create`, or "InHouse: Register House Model", which uploads the adapter and creates the model over the Ollama API) and set it as `inhouse.completion.model`. Compare it with the base on the validation files before switching ("InHouse: Evaluate Models").',
    '',
  ].join('\n');
}
