"""The train room's settings, in one place: the trainer's with GPT-2 / GPT-3 defaults, and those of
`webtext sample`, `export-hf` and `import-hf`.

Sources: the global batch of 512 sequences x 1024 tokens is GPT-2's (paper §2.3). GPT-2 states
no optimizer settings, so those follow GPT-3 for its smallest sizes (Brown et al. 2020,
Appendix B: AdamW with beta2 = 0.95, eps = 1e-8, weight decay 0.1, gradient clipping at 1.0,
peak learning rate 6e-4 for 125M, warm-up over 375M tokens = 715 steps of 524,288 tokens,
cosine decay to 10% of the peak).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import torch
from webtext.core.config import setting
from webtext.core.errors import ConfigError
from webtext.train.model import PRESETS, GPTConfig
from webtext.train.schedule import CosineSchedule

GPT2_BATCH_WINDOWS = 512  # sequences per optimizer step in GPT-2
GPT3_WARMUP_STEPS = 715  # 375M tokens at 524,288 tokens per step
CPU_BATCH_WINDOWS = 32  # default for the CPU presets, so a step takes well under a second
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


@dataclass
class TrainConfig:
    """Everything `webtext train` can be told; saved beside the checkpoints as train_config.json, which
    `--config` reads back (what the settings resolved to, such as the model shape, goes to run.json)."""

    data: str = setting("out/corpus", "directory of token shards (train and val splits), or its URL (s3://..., "
                                      "gs://...: downloaded into the local cache first)")
    model: str = setting("gpt2", "model preset", choices=sorted(PRESETS))
    out: Path | None = setting(None, "run directory for checkpoints and metrics "
                                     "(default: out/checkpoints/<model>)")
    resume: bool = setting(False, "continue from the latest checkpoint in --out")
    block_size: int | None = setting(None, "context length (default: the preset's)")
    dropout: float = setting(0.0, "dropout probability")
    max_steps: int = setting(5000, "optimizer steps to train for")
    batch_tokens: int | None = setting(None, "global batch in tokens per optimizer step "
                                             "(default: 512 x context for GPT-2 sizes, 32 x context otherwise)")
    micro_batch: int = setting(8, "windows per forward pass per process (gradients accumulate to the batch)")
    lr: float = setting(6e-4, "peak learning rate")
    min_lr: float | None = setting(None, "final learning rate (default: lr / 10)")
    warmup_steps: int | None = setting(None, "linear warm-up steps (default: GPT-3's 715, or a tenth of "
                                             "--max-steps when that is fewer)")
    decay_steps: int | None = setting(None, "step where cosine decay reaches --min-lr (default: --max-steps)")
    weight_decay: float = setting(0.1, "AdamW weight decay, applied to matrices only")
    beta1: float = setting(0.9, "AdamW beta1")
    beta2: float = setting(0.95, "AdamW beta2")
    eps: float = setting(1e-8, "AdamW epsilon")
    grad_clip: float = setting(1.0, "clip the global gradient norm to this (0: off)")
    dtype: str = setting("auto", "compute dtype: auto (bfloat16 on GPUs that have it, else float32), "
                                 "float32 or bfloat16 (autocast)", choices=["auto", *DTYPES])
    device: str = setting("auto", "auto, cpu, cuda or cuda:N")
    compile: bool = setting(False, "compile the model with torch.compile")
    seed: int = setting(1337, "seed for initialisation, data order and dropout")
    eval_every: int = setting(250, "steps between validation runs (0: only at the end)")
    eval_windows: int = setting(200, "validation windows (fixed, evenly spaced over the val split)")
    save_every: int = setting(1000, "steps between checkpoints (0: only at the end)")
    keep: int = setting(3, "checkpoints to keep")
    tensorboard: bool = setting(False, "also write TensorBoard event files")
    progress: bool = setting(True, "show a progress bar")

    def run_dir(self) -> Path:
        return self.out if self.out is not None else Path("out/checkpoints") / self.model


@dataclass(frozen=True)
class SampleSettings:
    """`webtext sample`: text from a checkpoint (top-k and nucleus sampling as in GPT-2 §3 / §3.9)."""

    checkpoint: Path | None = setting(None, "checkpoint or run directory (required, no default)")
    prompt: str = setting("", "text to continue (default: start a document)")
    max_new_tokens: int = setting(100, "tokens to generate")
    num_samples: int = setting(1, "continuations to print")
    temperature: float = setting(1.0, "0 for greedy")
    top_k: int | None = setting(None, "sample among the k most likely tokens (default: all)")
    top_p: float | None = setting(None, "nucleus sampling threshold (default: off)")
    seed: int = setting(0, "random seed")
    tokenizer: Path | None = setting(None, "tokenizer.json (default: the model's)")
    device: str = setting("auto", "auto, cpu or cuda")


@dataclass(frozen=True)
class ExportHfSettings:
    """`webtext export-hf`: a checkpoint in the Hugging Face GPT-2 layout."""

    checkpoint: Path | None = setting(None, "checkpoint or run directory (required, no default)")
    out: Path | None = setting(None, "directory for config.json, model.safetensors (required, no default)")
    tokenizer: Path | None = setting(None, "tokenizer.json (default: the model's)")


@dataclass(frozen=True)
class ImportHfSettings:
    """`webtext import-hf`: a Hugging Face GPT-2 directory as a checkpoint."""

    hf_dir: Path | None = setting(None, "directory with config.json, model.safetensors (required, no default)")
    out: Path | None = setting(None, "run directory for the checkpoint (required, no default)")


def model_config(config: TrainConfig, vocab_size: int) -> GPTConfig:
    """The preset with the data's vocabulary and the requested context and dropout."""
    if config.model not in PRESETS:
        raise ConfigError(f"unknown --model {config.model!r}; choose one of {', '.join(sorted(PRESETS))}")
    preset = PRESETS[config.model]
    return dataclasses.replace(preset, vocab_size=vocab_size, dropout=config.dropout,
                               block_size=config.block_size or preset.block_size)


def learning_rate_schedule(config: TrainConfig) -> CosineSchedule:
    """The schedule the options give: warm-up and decay steps default from `max_steps`."""
    warmup = config.warmup_steps
    if warmup is None:
        warmup = min(GPT3_WARMUP_STEPS, max(1, config.max_steps // 10))
    return CosineSchedule(peak_lr=config.lr, warmup_steps=warmup,
                          decay_steps=config.decay_steps or config.max_steps,
                          min_lr=config.min_lr if config.min_lr is not None else config.lr / 10)


def batch_tokens(config: TrainConfig, block_size: int) -> int:
    """Tokens per optimizer step: `--batch-tokens`, or the preset's default."""
    default_windows = GPT2_BATCH_WINDOWS if config.model.startswith("gpt2") else CPU_BATCH_WINDOWS
    return config.batch_tokens or default_windows * block_size


def accumulation_steps(config: TrainConfig, block_size: int, world_size: int) -> int:
    """Micro-batches per process per step so that the global batch is `batch_tokens`."""
    tokens = batch_tokens(config, block_size)
    per_pass = config.micro_batch * block_size * world_size
    if tokens % per_pass:
        raise ConfigError(f"--batch-tokens {tokens} is not a multiple of micro-batch x context x "
                          f"processes = {config.micro_batch} x {block_size} x {world_size} = {per_pass}")
    return tokens // per_pass


def resolve_device(name: str, local_rank: int) -> torch.device:
    """The device for this process: `auto` is the local GPU when there is one, else the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("--device cuda was asked for, but torch sees no GPU; use --device cpu")
        if device.index is None:
            device = torch.device("cuda", local_rank)
    return device


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """The autocast dtype: bfloat16 where the GPU supports it under `auto`, float32 otherwise."""
    if name == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return DTYPES[name]
