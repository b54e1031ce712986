"""Checkpoints: everything needed to use a model or to resume its training exactly, no pickle.

A run directory holds one folder per saved step and a pointer to the newest:

    DIR/step-00000100/model.safetensors    weights (fp32; the tied output matrix stored once)
    DIR/step-00000100/trainer.safetensors  optimizer tensors (optimizer.*) and RNG states (rng.*)
    DIR/step-00000100/state.json           model config, step, data position, tokenizer hash,
                                           shards dir, optimizer hyper-parameters, run config,
                                           and the sha256 of both tensor files
    DIR/latest.json                        {"checkpoint": "step-00000100", "step": 100}

Every file is written under a temporary name and the step folder is renamed into place when
complete, then `latest.json` is replaced atomically: a crash (even SIGKILL) leaves the previous
checkpoint intact. Loading reads safetensors and JSON only, never `torch.load`, so a checkpoint
from elsewhere cannot run code (ARCHITECTURE §5).

Loading trusts nothing: state.json is validated (`checkpoint_state`), each tensor file is
compared with its recorded sha256, the weights' header with the config's shapes before any
allocation, and NaN or infinity is refused; every damage gives one `BadFileError` naming the
file. Saving refuses a model that is not finite (`DivergedError`), and a write that fails
(a full disk) leaves no partial folder (`NotSavedError`); the older checkpoints stay either way.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import torch
from webtext.core.atomic import write_json
from webtext.core.config import to_jsonable
from webtext.core.errors import BadFileError, ConfigError, WebtextError
from webtext.train.checkpoint_state import FORMAT, TRAINER, WEIGHTS, check_state, model_config_from
from webtext.train.errors import DivergedError, NotSavedError
from webtext.train.model import GPT, GPTConfig
from webtext.train.tensor_files import (
    check_finite,
    check_shapes,
    first_non_finite,
    read_tensors,
    verify,
    write_tensors,
)

LATEST = "latest.json"
STATE = "state.json"
_TIED = "lm_head.weight"
_STEP_NAME = re.compile(r"step-\d{8,}")


def step_name(step: int) -> str:
    """The folder name of the checkpoint at `step`."""
    return f"step-{step:08d}"


def _split_optimizer(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimizer's state as tensors (for safetensors) and plain values (for JSON)."""
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{index}.{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": to_jsonable(state["param_groups"]), "scalars": scalars}


def _join_optimizer(tensors: dict[str, torch.Tensor], plain: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `_split_optimizer`: a dict for `optimizer.load_state_dict`."""
    state: dict[int, dict[str, Any]] = {}
    for key, tensor in tensors.items():
        if key.startswith("optimizer."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = tensor
    for index, values in plain["scalars"].items():
        state.setdefault(int(index), {}).update(values)
    groups = [{**g, "betas": tuple(g["betas"])} if "betas" in g else g for g in plain["param_groups"]]
    return {"state": dict(sorted(state.items())), "param_groups": groups}


def _refuse_non_finite(tensors: dict[str, torch.Tensor], step: int, root: Path) -> None:
    name = first_non_finite(tensors)
    if name is not None:
        try:
            latest = find_checkpoint(root)
        except WebtextError:
            latest = None
        kept = f"the last checkpoint, {latest.name}, is kept" if latest else "no checkpoint was saved"
        raise DivergedError(f"step {step}: {name} holds values that are not finite (NaN or infinity), so it "
                            f"is not saved and {kept}; resume from it with a lower --lr")


def save_checkpoint(directory: str | Path, model: GPT, optimizer: torch.optim.Optimizer | None, *,
                    step: int, data_position: int, tokenizer_hash: str | None = None,
                    shards_dir: str | None = None, eot_id: int | None = None,
                    rng: dict[str, torch.Tensor] | None = None, extra: dict[str, Any] | None = None,
                    keep: int | None = None) -> Path:
    """Save a checkpoint of `model` (and `optimizer`) at `step`; return its folder.

    `data_position` is the number of training windows consumed so far; `extra` is stored in
    state.json as given (the trainer puts its resolved configuration and metrics there).
    With `keep`, only the newest `keep` step folders remain. A model or optimizer holding NaN or
    infinity is never saved (DivergedError); a write that fails (a full disk) removes what it
    wrote and raises NotSavedError; either way the older checkpoints stay.
    """
    root = Path(directory)
    final = root / step_name(step)
    weights = {k: v for k, v in model.state_dict().items() if k != _TIED}
    trainer_tensors = {f"rng.{name}": t for name, t in (rng or {}).items()}
    optimizer_plain = None
    if optimizer is not None:
        optimizer_tensors, optimizer_plain = _split_optimizer(optimizer)
        trainer_tensors.update(optimizer_tensors)
    _refuse_non_finite({**weights, **trainer_tensors}, step, root)
    partial = root / f".{final.name}.partial-{os.getpid()}"
    try:
        shutil.rmtree(partial, ignore_errors=True)
        checksums = {WEIGHTS: write_tensors(partial / WEIGHTS, weights),
                     TRAINER: write_tensors(partial / TRAINER, trainer_tensors)}
        write_json(partial / STATE, {
            "format": FORMAT, "model_config": dataclasses.asdict(model.config), "step": step,
            "data_position": data_position, "tokenizer_hash": tokenizer_hash, "shards_dir": shards_dir,
            "eot_id": eot_id, "optimizer": optimizer_plain, "checksums": checksums, **to_jsonable(extra or {})})
        if final.exists():  # saving a step again (after a resume): replace the old folder
            shutil.rmtree(final)
        os.replace(partial, final)
        try:
            write_json(root / LATEST, {"checkpoint": final.name, "step": step})
        except OSError:
            shutil.rmtree(final, ignore_errors=True)  # latest.json still names the older one
            raise
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise NotSavedError(f"checkpoint {final} not saved: {error.strerror or error}; the older checkpoints "
                            f"are kept; free space in {root} or choose another --out") from error
    if keep is not None:
        for old in sorted(root.glob("step-*"))[:-keep]:
            if old != final:
                shutil.rmtree(old, ignore_errors=True)
    return final


def find_checkpoint(directory: str | Path) -> Path | None:
    """The checkpoint folder `directory` names: itself, or a run directory's latest; None if none."""
    path = Path(directory)
    if (path / STATE).is_file():
        return path
    pointer = path / LATEST
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["checkpoint"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise BadFileError(str(pointer), f"not a checkpoint pointer ({error})") from error
    if not isinstance(name, str) or not _STEP_NAME.fullmatch(name):
        raise BadFileError(str(pointer), f"names {str(name)[:40]!r}, not a step-NNNNNNNN folder")
    if not (path / name / STATE).is_file():
        raise BadFileError(str(pointer), f"points to {name}, which has no {STATE}")
    return path / name


def read_state(checkpoint: Path) -> dict[str, Any]:
    """The state.json of a checkpoint folder, checked (keys, types, sizes) before any use."""
    path = checkpoint / STATE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BadFileError(str(path), f"not JSON ({str(error)[:200]})") from error
    except OSError as error:
        raise BadFileError(str(path), f"unreadable ({error.strerror or error})") from error
    return check_state(state, str(path))


def _checksum(state: dict[str, Any], name: str) -> str | None:
    checksums = state.get("checksums")
    return checksums.get(name) if isinstance(checksums, dict) else None


def _same_tokenizer(checkpoint: Path, tokenizer_hash: str) -> bool:
    """Whether the tokenizer.json kept in `checkpoint` has the content hash `tokenizer_hash`
    (checkpoints that recorded the file's own sha256 instead)."""
    from webtext.tokenize.bpe import tokenizer_hash as content_hash

    path = checkpoint / "tokenizer.json"
    try:
        return path.is_file() and content_hash(path) == tokenizer_hash
    except WebtextError:
        return False


def check_compatible(state: dict[str, Any], source: str, config: GPTConfig | None,
                     tokenizer_hash: str | None) -> None:
    """Refuse (ConfigError) a checkpoint whose model config or tokenizer differs from the expected.

    Tokenizers are compared by `webtext.tokenize.bpe.tokenizer_hash`, the hash of what decides
    the ids, whatever file layout holds them.
    """
    saved = model_config_from(state["model_config"], str(Path(source) / STATE))
    if config is not None and saved != config:
        diff = ", ".join(f"{f.name} {getattr(saved, f.name)} vs {getattr(config, f.name)}"
                         for f in dataclasses.fields(GPTConfig)
                         if getattr(saved, f.name) != getattr(config, f.name))
        raise ConfigError(f"checkpoint {source} is for another model ({diff}); "
                          "use the same --model, or another --out")
    recorded = state.get("tokenizer_hash")
    if tokenizer_hash is not None and recorded not in (None, tokenizer_hash) \
            and not _same_tokenizer(Path(source), tokenizer_hash):
        raise ConfigError(f"checkpoint {source} was trained with tokenizer {recorded}, "
                          f"the data uses {tokenizer_hash}; use the matching shards or another --out")


def load_model(directory: str | Path, map_location: str | torch.device = "cpu",
               config: GPTConfig | None = None,
               tokenizer_hash: str | None = None) -> tuple[GPT, dict[str, Any]]:
    """The model saved in `directory` (a checkpoint folder or run directory) and its state.json.

    With `config` or `tokenizer_hash`, a checkpoint for another model or tokenizer is refused.
    The metadata holds `model_config`, `step`, `data_position`, `tokenizer_hash`, `shards_dir`,
    `eot_id` and what the trainer stored (its `train_config`). The weights file is checked
    against its recorded sha256 and its header against the config before the model is
    allocated, and weights that are not finite are refused.
    """
    checkpoint = find_checkpoint(directory)
    if checkpoint is None:
        raise ConfigError(f"no checkpoint in {directory} (expected {STATE} or {LATEST})")
    state = read_state(checkpoint)
    check_compatible(state, str(checkpoint), config, tokenizer_hash)
    model_config = model_config_from(state["model_config"], str(checkpoint / STATE))
    path = checkpoint / WEIGHTS
    with torch.device("meta"):  # shapes only, nothing allocated
        expected = {k: tuple(v.shape) for k, v in GPT(model_config).state_dict().items() if k != _TIED}
    verify(path, _checksum(state, WEIGHTS))
    check_shapes(path, expected)
    weights = read_tensors(path, map_location, None)  # verified just above
    check_finite(path, weights)
    with torch.device(map_location):
        model = GPT(model_config)
    weights[_TIED] = weights["transformer.wte.weight"]
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:
        raise BadFileError(str(path), " ".join(str(error).split())[:300]) from error
    state["checkpoint"] = str(checkpoint)
    return model, state


def _check_moments(optimizer: torch.optim.Optimizer, path: Path) -> None:
    """Refuse optimizer state whose tensors do not have their parameters' shapes."""
    for group in optimizer.param_groups:
        for param in group["params"]:
            for name, value in optimizer.state.get(param, {}).items():
                if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != param.shape:
                    raise BadFileError(str(path), f"optimizer {name} has shape {tuple(value.shape)}, its "
                                                  f"parameter {tuple(param.shape)}")


def load_training_state(checkpoint: Path, optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """Restore `optimizer` from `checkpoint`; return the saved RNG states by name.

    Tensors are read on the CPU: `load_state_dict` moves moments to their parameters' device and
    keeps AdamW's step counter where the optimizer expects it.
    """
    state = read_state(checkpoint)
    path = checkpoint / TRAINER
    tensors = read_tensors(path, "cpu", _checksum(state, TRAINER))
    check_finite(path, tensors)
    if state.get("optimizer") is not None:
        try:
            optimizer.load_state_dict(_join_optimizer(tensors, state["optimizer"]))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, RuntimeError) as error:
            raise BadFileError(str(path), f"optimizer state does not fit ({str(error)[:200]})") from error
        _check_moments(optimizer, path)
    rng = {key[len("rng."):]: t for key, t in tensors.items() if key.startswith("rng.")}
    for name, tensor in rng.items():
        if tensor.dtype != torch.uint8 or tensor.dim() != 1:
            raise BadFileError(str(path), f"rng.{name} is not a generator state")
    return rng
