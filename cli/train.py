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
from pathlib import Path

from webtext.core.config import add_arguments, from_namespace
from webtext.core.errors import ConfigError


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


def _device(name: str) -> str:
    import torch

    return ("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name


def _sample(args: argparse.Namespace) -> int:
    from webtext.train.checkpoint import load_model
    from webtext.train.generate import load_tokenizer, sample_texts

    model, state = load_model(args.checkpoint, map_location=_device(args.device))
    tokenizer = load_tokenizer(state, args.tokenizer)
    eot = state.get("eot_id")
    eot_id = model.config.vocab_size - 1 if eot is None else int(eot)
    texts = sample_texts(model, tokenizer, args.prompt, eot_id, num_samples=args.num_samples,
                         max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                         top_k=args.top_k, top_p=args.top_p, seed=args.seed)
    for number, text in enumerate(texts):
        if len(texts) > 1:
            print(f"--- sample {number + 1}")
        print(args.prompt + text)
    return 0


def _export(args: argparse.Namespace) -> int:
    from webtext.train.checkpoint import load_model
    from webtext.train.generate import tokenizer_candidates
    from webtext.train.hf import export_hf

    model, state = load_model(args.checkpoint)
    tokenizer = args.tokenizer or next((p for p in tokenizer_candidates(state) if p.is_file()), None)
    out = export_hf(model, args.out, eot_id=state.get("eot_id"), tokenizer_file=tokenizer)
    note = "" if tokenizer else " (no tokenizer found: weights and config only)"
    print(f"exported step {state['step']} of {state['checkpoint']} to {out}{note}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from webtext.core.atomic import atomic_write
    from webtext.tokenize.bpe import Tokenizer, definition_hash
    from webtext.tokenize.vocab_files import read_definition
    from webtext.train.checkpoint import find_checkpoint, save_checkpoint
    from webtext.train.hf import import_hf

    if find_checkpoint(args.out) is not None:
        raise ConfigError(f"{args.out} already holds a checkpoint; choose another --out")
    model = import_hf(args.hf_dir)
    hf_dir = Path(args.hf_dir)
    definition = None
    if any((hf_dir / name).is_file() for name in ("tokenizer.json", "vocab.json", "encoder.json")):
        definition = read_definition(hf_dir)  # the tokenizer's identity is its content hash
        if len(definition.vocab) > model.config.vocab_size:
            raise ConfigError(f"{hf_dir}: the tokenizer has {len(definition.vocab)} tokens, the model "
                              f"only {model.config.vocab_size}")
    path = save_checkpoint(args.out, model, None, step=0, data_position=0,
                           tokenizer_hash=definition_hash(definition) if definition else None,
                           eot_id=definition.eot_id if definition else model.config.vocab_size - 1,
                           extra={"imported_from": str(args.hf_dir)})
    if definition is not None:  # kept beside the weights, as a tokenizer.json
        original = hf_dir / "tokenizer.json"
        with atomic_write(path / "tokenizer.json", "w") as handle:
            handle.write(original.read_text(encoding="utf-8") if original.is_file()
                         else Tokenizer(definition, engine="tokenizers").to_json())
    print(f"imported {args.hf_dir} ({model.num_params():,} parameters) to {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the train stage's subcommands to the `webtext` parser."""
    from webtext.train.config import TrainConfig

    train = subparsers.add_parser(
        "train", help="train GPT-2 on token shards",
        description="Train a GPT-2 preset on the shards of --data; checkpoints, metrics.jsonl and "
                    "loss.png go to --out. Run under torchrun for several processes (DDP).")
    add_arguments(train, TrainConfig)
    train.set_defaults(func=_train)

    sample = subparsers.add_parser("sample", help="generate text from a checkpoint")
    sample.add_argument("--checkpoint", type=Path, required=True, help="checkpoint or run directory")
    sample.add_argument("--prompt", default="", help="text to continue (default: start a document)")
    sample.add_argument("--max-new-tokens", type=int, default=100, help="tokens to generate (default: 100)")
    sample.add_argument("--num-samples", type=int, default=1, help="continuations to print (default: 1)")
    sample.add_argument("--temperature", type=float, default=1.0, help="0 for greedy (default: 1.0)")
    sample.add_argument("--top-k", type=int, default=None, help="sample among the k most likely tokens")
    sample.add_argument("--top-p", type=float, default=None, help="nucleus sampling threshold")
    sample.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    sample.add_argument("--tokenizer", type=Path, default=None, help="tokenizer.json (default: the model's)")
    sample.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    sample.set_defaults(func=_sample)

    export = subparsers.add_parser("export-hf", help="write a checkpoint in the Hugging Face GPT-2 layout")
    export.add_argument("--checkpoint", type=Path, required=True, help="checkpoint or run directory")
    export.add_argument("--out", type=Path, required=True, help="directory for config.json, model.safetensors")
    export.add_argument("--tokenizer", type=Path, default=None, help="tokenizer.json (default: the model's)")
    export.set_defaults(func=_export)

    imp = subparsers.add_parser("import-hf", help="turn a Hugging Face GPT-2 directory into a checkpoint")
    imp.add_argument("--hf-dir", type=Path, required=True, help="directory with config.json, model.safetensors")
    imp.add_argument("--out", type=Path, required=True, help="run directory for the checkpoint")
    imp.set_defaults(func=_import)
