import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { BuiltDataset } from './exportTrainingSet';
import type { TrainingSample } from './datasetTypes';
import { fimLayoutFor } from './fimFormat';
import { hfModelFor } from './hfModels';
import { recipeReadme } from './recipe/recipeReadme';
import { REQUIREMENTS_TXT } from './recipe/requirements';
import { TRAIN_LORA_PY } from './recipe/trainLoraScript';

export const DATA_FILES = ['train.chat.jsonl', 'valid.chat.jsonl', 'train.completion.jsonl', 'valid.completion.jsonl'] as const;

/**
 * One line per sample. Completion lines carry `prompt` + `completion` (TRL SFTTrainer and
 * unsloth train on the completion only; mlx-lm's completions format) and `text`, the two joined
 * (axolotl `type: completion`, mlx-lm's text format, plain language modelling). Chat lines carry
 * only `messages`, which every one of them reads as conversations.
 */
export function sampleLine(s: TrainingSample): string {
  if (s.format === 'chat') return JSON.stringify({ messages: s.messages });
  return JSON.stringify({ prompt: s.prompt, completion: s.completion, text: s.prompt + s.completion });
}

/** Writes the data files, dataset_info.json, stats.json, splits.json and the recipe; returns the names written. */
export async function writeDataset(outDir: string, built: BuiltDataset, withRecipe: boolean): Promise<string[]> {
  await fs.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, text: string) => {
    const path = join(outDir, name);
    await fs.writeFile(`${path}.tmp`, text, 'utf8');
    await fs.rename(`${path}.tmp`, path);
    written.push(name);
  };
  const lines = (list: TrainingSample[], format: 'chat' | 'completion') =>
    list.filter((s) => s.format === format).map((s) => `${sampleLine(s)}\n`).join('');
  await write('train.chat.jsonl', lines(built.train, 'chat'));
  await write('valid.chat.jsonl', lines(built.valid, 'chat'));
  await write('train.completion.jsonl', lines(built.train, 'completion'));
  await write('valid.completion.jsonl', lines(built.valid, 'completion'));
  await write('dataset_info.json', `${JSON.stringify(datasetInfo(built), null, 2)}\n`);
  await write('stats.json', `${JSON.stringify(built.stats, null, 2)}\n`);
  await write('splits.json', `${JSON.stringify(built.splits, null, 2)}\n`);
  // The folder may sit inside an indexed workspace: keep the data and the script out of the index.
  await write('.inhouseignore', '# Written by InHouse: a training set is not house code.\n*\n');
  if (withRecipe) {
    await write('train_lora.py', TRAIN_LORA_PY);
    await write('requirements.txt', REQUIREMENTS_TXT);
    await write('README.md', recipeReadme(built.stats));
  }
  return written;
}

export function datasetInfo(built: BuiltDataset): Record<string, unknown> {
  const s = built.stats;
  const layout = fimLayoutFor({ family: s.family });
  const psm = layout.template.build('{prefix}', '{suffix}') + '{middle}' + layout.eos;
  const spm = layout.suffixFirst ? psm : `${layout.prefixToken.trimEnd()}${layout.suffixToken}{suffix}${layout.middleToken}{prefix}{middle}${layout.eos}`;
  return {
    name: 'inhouse-house-model',
    generator: 'InHouse',
    baseModel: s.baseModel,
    hfBaseModel: hfModelFor(s.baseModel) ?? null,
    seed: s.seed,
    fimRate: s.fimRate,
    spmRate: s.spmRate,
    validShare: s.validShare,
    maxTokens: s.maxTokens,
    minSurvival: s.minSurvival,
    nearDuplicateThreshold: s.duplicatesRemoved.threshold,
    fim: {
      family: layout.family,
      prefix: layout.prefixToken,
      suffix: layout.suffixToken,
      middle: layout.middleToken,
      eos: layout.eos,
      suffixFirst: layout.suffixFirst,
      specialTokens: layout.specialTokens,
      psm,
      spm,
    },
    files: {
      'train.chat.jsonl': { format: 'chat', split: 'train', rows: s.chat.train },
      'valid.chat.jsonl': { format: 'chat', split: 'valid', rows: s.chat.valid },
      'train.completion.jsonl': { format: 'completion', split: 'train', rows: s.completion.train },
      'valid.completion.jsonl': { format: 'completion', split: 'valid', rows: s.completion.valid },
    },
    counts: { samples: s.samples, bySource: s.bySource, byKind: s.byKind, byLanguage: s.byLanguage, tokens: s.tokens },
    layouts: {
      chat: '{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}]}',
      completion: '{"prompt": "<FIM tokens, prefix and suffix>", "completion": "<middle><eos>", "text": "<prompt + completion>"}',
      trl: 'SFTTrainer: prompt/completion (loss on the completion only) or messages',
      unsloth: 'as TRL (SFTTrainer): prompt/completion or messages',
      axolotl: 'type: completion (field: text) for *.completion.jsonl; type: chat_template (field_messages: messages) for *.chat.jsonl',
      'mlx-lm': 'mlx_lm.lora --data DIR reads train.jsonl/valid.jsonl: copy or link one format to those names; prompt/completion, text and messages are all understood',
    },
  };
}
