"""`webtext train`, `webtext sample`, `webtext export-hf` and `webtext import-hf`.

    webtext train --data out/corpus --model gpt2 --out out/checkpoints/gpt2
    torchrun --standalone --nproc-per-node 8 -m webtext.cli.main train --data out/corpus --model gpt2
    webtext sample --checkpoint out/checkpoints/gpt2 --prompt "The meaning of life is" --top-k 40
    webtext export-hf --checkpoint out/checkpoints/gpt2 --out out/hf/gpt2
    webtext import-hf --hf-dir out/hf/gpt2 --out out/checkpoints/gpt2-imported
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable

from webtext.core.config import add_arguments, from_namespace


def _train(args: argparse.Namespace) -> int:
    from webtext.train.config import TrainConfig
    from webtext.train.trainer import train

    config = from_namespace(TrainConfig, args)
    result = train(config)
    val = f", val loss {result.val_loss:.4f}" if result.val_loss is not None else ""
    where = f"; checkpoint {result.checkpoint}" if result.checkpoint else ""
    if result.stopped_by:
        print(f"stopped by {result.stopped_by} at step {result.step}{where}; continue with --resume")
        return 128 + signal.Signals[result.stopped_by].value
    print(f"trained to step {result.step}: loss {result.loss:.4f}{val}{where}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from webtext.train.commands import sample
    from webtext.train.config import SampleSettings

    settings = from_namespace(SampleSettings, args)
    texts = sample(settings)
    for number, text in enumerate(texts):
        if len(texts) > 1:
            print(f"--- sample {number + 1}")
        print(settings.prompt + text)
    return 0


def _export(args: argparse.Namespace) -> int:
    from webtext.train.commands import export_checkpoint
    from webtext.train.config import ExportHfSettings

    done = export_checkpoint(from_namespace(ExportHfSettings, args))
    note = "" if done.tokenizer else " (no tokenizer found: weights and config only)"
    print(f"exported step {done.step} of {done.checkpoint} to {done.out}{note}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from webtext.train.commands import import_checkpoint
    from webtext.train.config import ImportHfSettings

    settings = from_namespace(ImportHfSettings, args)
    done = import_checkpoint(settings)
    print(f"imported {settings.hf_dir} ({done.params:,} parameters) to {done.checkpoint}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the train stage's subcommands to the `webtext` parser."""
    from webtext.train.config import ExportHfSettings, ImportHfSettings, SampleSettings, TrainConfig

    train = subparsers.add_parser(
        "train", help="train GPT-2 on token shards",
        description="Train a GPT-2 preset on the shards of --data; checkpoints, metrics.jsonl and "
                    "loss.png go to --out. Run under torchrun for several processes (DDP).")
    add_arguments(train, TrainConfig)
    train.set_defaults(func=_train)

    specs: list[tuple[str, type, Callable[[argparse.Namespace], int], str]] = [
        ("sample", SampleSettings, _sample, "generate text from a checkpoint"),
        ("export-hf", ExportHfSettings, _export, "write a checkpoint in the Hugging Face GPT-2 layout"),
        ("import-hf", ImportHfSettings, _import, "turn a Hugging Face GPT-2 directory into a checkpoint"),
    ]
    for name, settings, func, help_text in specs:
        command = subparsers.add_parser(name, help=help_text, description=help_text)
        add_arguments(command, settings)
        command.set_defaults(func=func)
