#!/usr/bin/env python3
"""Benchmark of the train stage: CPU training tokens/s of the trainer against Hugging Face GPT-2.

Prints, in one run, on the same windows of the same shards:

- tokens/s of `webtext train` (the real trainer: shard windows, AdamW with weight decay on
  matrices, gradient clipping, one optimizer step per batch) beside a loop training
  `transformers.GPT2LMHeadModel` with the same shape, batch, dtype and optimizer settings
  (target >= 1.1x), in fp32;
- the same pair with bf16 autocast, and the trainer's bf16 speed-up over its own fp32.

Each figure is the median per-step rate after two warm-up steps. The model is GPT-2 with fewer,
narrower layers so a step takes about a second on two cores (--quick: smaller still), with the
full 50,257-token vocabulary; the tokens are random ids (speed does not depend on them).

    .venv/bin/python bench/train.py [--quick] [--json PATH]
"""

from __future__ import annotations

import os
import sys

# bench/tokenize.py would shadow the standard library's tokenize: take bench/ off sys.path first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import dataclasses
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers
from webtext.tokenize.shards import ShardWriter, write_manifest
from webtext.train.config import TrainConfig
from webtext.train.data import WindowOrder, to_inputs_targets
from webtext.train.model import PRESETS
from webtext.train.optim import adamw
from webtext.train.trainer import Trainer

WARMUP = 2


def make_shards(directory: Path, vocab_size: int, tokens: int) -> Path:
    """Train and val shards of random token ids (documents of 1,000 tokens)."""
    rng = np.random.default_rng(0)
    infos = []
    for split, size in (("train", tokens), ("val", tokens // 10)):
        with ShardWriter(directory, split, "bench", vocab_size) as writer:
            for index in range(size // 1000):
                writer.write(f"{split}-{index}", rng.integers(0, vocab_size - 1, 999))
        infos.extend(writer.close())
    write_manifest(directory, infos)
    return directory


def trainer_rate(config: TrainConfig) -> float:
    """Median tokens/s of the real trainer's steps (from its metrics.jsonl)."""
    Trainer(config).run()
    rows = [json.loads(line) for line in (config.run_dir() / "metrics.jsonl").read_text().splitlines()]
    return statistics.median(row["tokens_per_s"] for row in rows[WARMUP:])


def hf_rate(config: TrainConfig, steps: int, dtype: torch.dtype) -> float:
    """Median tokens/s of GPT2LMHeadModel trained the same way on the same windows."""
    trainer = Trainer(dataclasses.replace(config, out=config.run_dir().with_name("unused")))
    shape = trainer.model_config
    torch.manual_seed(config.seed)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(
        n_layer=shape.n_layer, n_head=shape.n_head, n_embd=shape.n_embd, n_positions=shape.block_size,
        vocab_size=shape.vocab_size, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
    model.train()
    optimizer = adamw(model, config.lr, config.weight_decay, (config.beta1, config.beta2), config.eps,
                      torch.device("cpu"))
    order = WindowOrder(trainer.train_shards.n_tokens, shape.block_size, config.seed)
    rates = []
    for step in range(steps):
        started = time.perf_counter()
        windows = trainer.train_shards.windows(order.starts(step * config.micro_batch, config.micro_batch),
                                               shape.block_size + 1)
        x, y = to_inputs_targets(windows, torch.device("cpu"))
        with torch.autocast("cpu", dtype=dtype, enabled=dtype != torch.float32):
            logits = model(x).logits
            loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)).float(), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        rates.append(x.numel() / (time.perf_counter() - started))
    return statistics.median(rates[WARMUP:])


def emit(json_path: str | None, **row: Any) -> None:
    print(f"{row['metric']}: {row['figure']:,.0f} {row['unit']} vs {row['baseline']:,.0f} "
          f"({row['ratio']:.2f}x, target {row['target']})")
    if json_path:
        with open(json_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"stage": "train", **row}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller model and fewer steps (< 1 minute)")
    parser.add_argument("--json", help="append result rows to this JSON-lines file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    n_layer, n_embd, block, micro, steps = (2, 128, 64, 8, 6) if args.quick else (4, 256, 256, 8, 10)
    PRESETS["bench"] = dataclasses.replace(PRESETS["gpt2"], n_layer=n_layer, n_head=n_embd // 64,
                                           n_embd=n_embd, block_size=block)
    print(f"GPT-2 shape {n_layer} layers x {n_embd}, context {block}, vocabulary 50,257, batch {micro} "
          f"windows, AdamW, {torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"transformers {transformers.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        data = make_shards(Path(tmp) / "shards", 50257, 40 * block * micro)
        rates = {}
        for name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
            config = TrainConfig(data=data, model="bench", out=Path(tmp) / f"run-{name}", max_steps=steps,
                                 batch_tokens=micro * block, micro_batch=micro, dtype=name, eval_every=0,
                                 eval_windows=1, save_every=0, progress=False)
            ours, theirs = trainer_rate(config), hf_rate(config, steps, dtype)
            rates[name] = ours
            emit(args.json, metric=f"CPU training tokens/s, {name}", figure=ours, baseline=theirs,
                 ratio=ours / theirs, target=">= 1.1x GPT2LMHeadModel", unit="tok/s")
        emit(args.json, metric="CPU bf16 autocast speed-up", figure=rates["bfloat16"], baseline=rates["float32"],
             ratio=rates["bfloat16"] / rates["float32"], target="bf16 faster than fp32", unit="tok/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
