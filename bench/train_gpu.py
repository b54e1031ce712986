#!/usr/bin/env python3
"""GPU benchmark of the train stage: GPT-2 124M at context 1024 in bf16, tokens/s and MFU.

Runs the real trainer (`webtext train` internals: shard windows, bf16 autocast, fused AdamW,
flash attention through scaled_dot_product_attention, torch.compile, gradient accumulation to
GPT-2's 524,288-token batch) on random token shards for a few steps on the first CUDA device,
and prints one summary line: the median tokens/s after warm-up and the MFU against the
device's peak bf16 FLOP/s (`webtext.train.mfu.PEAK_FLOPS`; target >= 40%). About 2 minutes on
one H100, most of it compilation.

    .venv/bin/python bench/train_gpu.py [--micro-batch 32] [--steps 8] [--no-compile] [--json PATH]
"""

from __future__ import annotations

import os
import sys

# bench/tokenize.py would shadow the standard library's tokenize: take bench/ off sys.path first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import importlib.util
import json
import logging
import statistics
import tempfile
from pathlib import Path

import torch
from webtext.train.config import TrainConfig
from webtext.train.mfu import flops_per_token, mfu, peak_flops
from webtext.train.model import GPT, PRESETS
from webtext.train.trainer import Trainer

WARMUP = 2  # steps left out of the median (compilation, allocator warm-up)


def _make_shards() -> object:
    """`make_shards` of bench/train.py (random token shards), loaded by path."""
    spec = importlib.util.spec_from_file_location("bench_train", Path(__file__).with_name("train.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_shards


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--micro-batch", type=int, default=32, help="windows per forward pass (default: 32)")
    parser.add_argument("--steps", type=int, default=8, help="optimizer steps of 524,288 tokens (default: 8)")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=True, help="torch.compile")
    parser.add_argument("--json", help="append the result row to this JSON-lines file")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("bench/train_gpu.py needs a CUDA device; none is visible", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    device = torch.device("cuda", 0)
    name = torch.cuda.get_device_name(device)
    with tempfile.TemporaryDirectory() as tmp:
        tokens = (args.steps + 1) * 524_288 + 1024 * 64
        data = _make_shards()(Path(tmp) / "shards", 50257, tokens)  # type: ignore[operator]
        config = TrainConfig(data=data, model="gpt2", out=Path(tmp) / "run", max_steps=args.steps,
                             micro_batch=args.micro_batch, dtype="bfloat16", device="cuda", compile=args.compile,
                             eval_every=0, eval_windows=8, save_every=0, progress=False)
        Trainer(config).run()
        rows = [json.loads(line) for line in (config.run_dir() / "metrics.jsonl").read_text().splitlines()]
    rate = statistics.median(row["tokens_per_s"] for row in rows[WARMUP:])
    with torch.device("meta"):
        flops = flops_per_token(GPT(PRESETS["gpt2"]))
    peak = peak_flops(device, torch.bfloat16)
    utilization = mfu(rate, flops, peak)
    mfu_text = f"MFU {utilization:.1%}" if utilization is not None else f"MFU unknown (no peak for {name!r})"
    print(f"GPU train: GPT-2 124M, context 1024, bf16, micro-batch {args.micro_batch}, "
          f"compile={args.compile}, on {name}, torch {torch.__version__}: {rate:,.0f} tokens/s, {mfu_text} "
          f"(target >= 40%)")
    if args.json and utilization is not None:
        with open(args.json, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"stage": "train", "metric": f"GPU MFU, GPT-2 124M bf16, {name}",
                                     "figure": utilization, "baseline": 0.40, "ratio": utilization / 0.40,
                                     "target": ">= 40% MFU", "unit": ""}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
