/**
 * The LoRA training script written next to an exported training set (train_lora.py). Kept here
 * as a string so the bundle carries it (only dist/*.js ships). Python with PEFT + TRL; it runs on a
 * GPU box, never here: the unit tests only byte-compile it (`python3 -m py_compile`).
 *
 * Edit it as Python: in this literal a backslash, a backtick and a dollar-brace are escaped.
 */
export const TRAIN_LORA_PY = `#!/usr/bin/env python3
"""LoRA fine-tuning of the InHouse house model on an exported training set.

Written by \`inhouse dataset\` / "InHouse: Export Training Set" next to the data. Runs on a GPU
box (PEFT + TRL); see README.md in this folder for the run and for serving the adapter with
Ollama.

What it does:
  * reads train/valid *.completion.jsonl (FIM samples: {"prompt", "completion"}) and
    *.chat.jsonl ({"messages"}) and dataset_info.json (base model, FIM tokens, seed);
  * checks that the tokenizer knows every FIM control token as ONE token (they are in the text;
    if one were split into pieces the model would learn the wrong thing). Missing ones are added
    as special tokens, and the embeddings are then trained and saved with the adapter;
  * tokenizes each sample itself: loss on the completion (the middle and its end token, or the
    assistant's answer) only, and a sample longer than --max-length is dropped, never truncated,
    so no middle is ever cut off (the export already fits samples to the budget);
  * trains a LoRA adapter (r 16, alpha 32, dropout 0.05, all linear layers, lr 2e-4, cosine) and
    writes it as adapter_model.safetensors + adapter_config.json.
"""

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_args():
    p = argparse.ArgumentParser(description="Train a LoRA adapter for the InHouse house model.")
    p.add_argument("--data", default=str(HERE), help="folder with the exported JSONL and dataset_info.json")
    p.add_argument("--base-model", default=None, help="Hugging Face id or local path of the base model (default: dataset_info.json hfBaseModel)")
    p.add_argument("--output", default=str(HERE / "adapter"), help="where the adapter is written")
    p.add_argument("--data-kind", choices=["both", "completion", "chat"], default="both", help="which exported files to train on")
    p.add_argument("--max-length", type=int, default=2048)
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--r", type=int, default=16)
    p.add_argument("--alpha", type=int, default=32)
    p.add_argument("--dropout", type=float, default=0.05)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--grad-accum", type=int, default=4)
    p.add_argument("--target-modules", default="all-linear", help='"all-linear" or a comma-separated list, e.g. q_proj,k_proj,v_proj,o_proj')
    p.add_argument("--load-in-4bit", action="store_true", help="QLoRA: load the base model in 4 bit (needs bitsandbytes)")
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--seed", type=int, default=None, help="default: the export's seed")
    p.add_argument("--dry-run", action="store_true", help="tokenize and report, without loading the model or training")
    return p.parse_args()


def read_jsonl(path):
    rows = []
    if not path.exists():
        return rows
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                sys.exit(f"{path}:{n} is not valid JSON ({err}). Export the training set again.")
    return rows


def ensure_fim_tokens(tokenizer, info):
    """Adds the FIM control tokens the tokenizer does not know as single tokens; returns them."""
    tokens = [t for t in info.get("fim", {}).get("specialTokens", []) if t]
    missing = []
    for token in tokens:
        ids = tokenizer.encode(token, add_special_tokens=False)
        if len(ids) != 1:
            missing.append(token)
    if missing:
        print(f"The tokenizer splits {len(missing)} FIM token(s) ({', '.join(missing)}); adding them as special tokens.", file=sys.stderr)
        tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_additional_special_tokens=False)
    return missing


class Encoder:
    def __init__(self, tokenizer, max_length):
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.dropped = 0

    def _fit(self, prompt_ids, completion_ids):
        if not completion_ids or len(prompt_ids) + len(completion_ids) > self.max_length:
            self.dropped += 1
            return None
        return {
            "input_ids": prompt_ids + completion_ids,
            "completion_mask": [0] * len(prompt_ids) + [1] * len(completion_ids),
        }

    def completion(self, row):
        # Special-token strings in the text map to their ids (split_special_tokens is off by default).
        prompt_ids = self.tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]
        completion_ids = self.tokenizer(row["completion"], add_special_tokens=False)["input_ids"]
        return self._fit(prompt_ids, completion_ids)

    def chat(self, row):
        messages = row["messages"]
        if not messages or messages[-1]["role"] != "assistant":
            self.dropped += 1
            return None
        if self.tokenizer.chat_template:
            prompt_text = self.tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
            full_text = self.tokenizer.apply_chat_template(messages, tokenize=False)
            if full_text.startswith(prompt_text):
                completion_text = full_text[len(prompt_text):]
            else:
                completion_text = messages[-1]["content"] + (self.tokenizer.eos_token or "")
        else:
            # A base model without a chat template: a plain transcript.
            prompt_text = "".join(f"{m['role']}: {m['content']}\\n\\n" for m in messages[:-1]) + "assistant: "
            completion_text = messages[-1]["content"] + (self.tokenizer.eos_token or "")
        prompt_ids = self.tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
        completion_ids = self.tokenizer(completion_text, add_special_tokens=False)["input_ids"]
        return self._fit(prompt_ids, completion_ids)


def load_split(data_dir, split, kind, encoder):
    rows = []
    if kind in ("both", "completion"):
        rows += [encoder.completion(r) for r in read_jsonl(data_dir / f"{split}.completion.jsonl")]
    if kind in ("both", "chat"):
        rows += [encoder.chat(r) for r in read_jsonl(data_dir / f"{split}.chat.jsonl")]
    return [r for r in rows if r is not None]


def main():
    args = parse_args()
    data_dir = Path(args.data)
    info_path = data_dir / "dataset_info.json"
    if not info_path.exists():
        sys.exit(f"No dataset_info.json in {data_dir}. Point --data at a folder written by \`inhouse dataset\`.")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    base = args.base_model or info.get("hfBaseModel")
    if not base:
        sys.exit(f"Which Hugging Face model is {info.get('baseModel')}? Pass --base-model (the full-precision checkpoint of the Ollama base model).")
    seed = args.seed if args.seed is not None else int(info.get("seed", 1))

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    added = ensure_fim_tokens(tokenizer, info)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    encoder = Encoder(tokenizer, args.max_length)
    train_rows = load_split(data_dir, "train", args.data_kind, encoder)
    valid_rows = load_split(data_dir, "valid", args.data_kind, encoder)
    train_tokens = sum(len(r["input_ids"]) for r in train_rows)
    print(f"Samples: {len(train_rows)} train, {len(valid_rows)} validation ({train_tokens} training tokens); "
          f"{encoder.dropped} dropped as longer than {args.max_length} tokens.")
    if not train_rows:
        sys.exit("Nothing to train on. Export more data (index more code, record more feedback).")
    if args.dry_run:
        return

    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    if not torch.cuda.is_available():
        print("No CUDA GPU found: training on the CPU will be very slow.", file=sys.stderr)
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    fp16 = torch.cuda.is_available() and not bf16
    model_kwargs = {"torch_dtype": torch.bfloat16 if bf16 else (torch.float16 if fp16 else torch.float32)}
    if args.load_in_4bit:
        from transformers import BitsAndBytesConfig

        model_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float16,
        )
    model = AutoModelForCausalLM.from_pretrained(base, **model_kwargs)
    modules_to_save = None
    if added:
        model.resize_token_embeddings(len(tokenizer))
        # New token rows must be learnt and shipped with the adapter.
        modules_to_save = ["embed_tokens", "lm_head"]

    target = args.target_modules if args.target_modules == "all-linear" else [m.strip() for m in args.target_modules.split(",") if m.strip()]
    peft_config = LoraConfig(
        r=args.r, lora_alpha=args.alpha, lora_dropout=args.dropout, bias="none",
        target_modules=target, task_type="CAUSAL_LM", modules_to_save=modules_to_save,
    )
    output = Path(args.output)
    config = SFTConfig(
        output_dir=str(output.parent / (output.name + "-checkpoints")),
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        learning_rate=args.lr,
        lr_scheduler_type="cosine",
        warmup_ratio=0.03,
        weight_decay=0.0,
        logging_steps=10,
        eval_strategy="epoch" if valid_rows else "no",
        save_strategy="epoch",
        save_total_limit=2,
        bf16=bf16,
        fp16=fp16,
        max_length=args.max_length,
        packing=False,
        completion_only_loss=True,
        gradient_checkpointing=args.gradient_checkpointing,
        report_to="none",
        seed=seed,
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(train_rows),
        eval_dataset=Dataset.from_list(valid_rows) if valid_rows else None,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    if valid_rows:
        metrics = trainer.evaluate()
        print(f"Validation loss: {metrics.get('eval_loss')}")
    output.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(str(output), safe_serialization=True)
    if added:
        tokenizer.save_pretrained(str(output))
    (output / "inhouse_training.json").write_text(json.dumps({
        "baseModel": info.get("baseModel"), "hfBaseModel": base, "r": args.r, "alpha": args.alpha,
        "lr": args.lr, "epochs": args.epochs, "maxLength": args.max_length, "seed": seed,
        "trainSamples": len(train_rows), "validSamples": len(valid_rows), "addedTokens": added,
    }, indent=2) + "\\n", encoding="utf-8")
    print(f"Adapter written to {output} (adapter_model.safetensors, adapter_config.json).")
    print("Next: see README.md, 'Serve it with Ollama'.")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
`;
