"""Checkpoints: everything needed to use a model or to resume its training exactly, no pickle.

A run directory holds one folder per saved step and a pointer to the newest:

    DIR/step-00000100/model.safetensors    weights (fp32; the tied output matrix stored once)
    DIR/step-00000100/trainer.safetensors  optimizer tensors (optimizer.*) and RNG states (rng.*)
    DIR/step-00000100/state.json           model config, step, data position, tokenizer hash,
                                           shards dir, optimizer hyper-parameters, run config
    DIR/latest.json                        {"checkpoint": "step-00000100", "step": 100}

Every file is written under a temporary name and the step folder is renamed into place when
complete, then `latest.json` is replaced atomically: a crash (even SIGKILL) leaves the previous
checkpoint intact. Loading reads safetensors and JSON only, never `torch.load`, so a checkpoint
from elsewhere cannot run code (ARCHITECTURE §5).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save
from webtext.core.atomic import atomic_write, write_json
from webtext.core.config import to_jsonable
from webtext.core.errors import BadFileError, ConfigError
from webtext.train.model import GPT, GPTConfig

FORMAT = "webtext-checkpoint/1"
LATEST = "latest.json"
STATE = "state.json"
WEIGHTS = "model.safetensors"
TRAINER = "trainer.safetensors"
_TIED = "lm_head.weight"


def step_name(step: int) -> str:
    """The folder name of the checkpoint at `step`."""
    return f"step-{step:08d}"


def _write_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    data = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    with atomic_write(path) as handle:
        handle.write(save(data, metadata={"format": "pt"}))


def _read_tensors(path: Path, device: str | torch.device) -> dict[str, torch.Tensor]:
    try:
        return load_file(path, device=str(device))
    except FileNotFoundError as error:
        raise BadFileError(str(path), "missing from the checkpoint") from error
    except Exception as error:  # safetensors raises its own types for damaged files
        raise BadFileError(str(path), f"unreadable safetensors file ({error})") from error


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


def save_checkpoint(directory: str | Path, model: GPT, optimizer: torch.optim.Optimizer | None, *,
                    step: int, data_position: int, tokenizer_hash: str | None = None,
                    shards_dir: str | None = None, eot_id: int | None = None,
                    rng: dict[str, torch.Tensor] | None = None, extra: dict[str, Any] | None = None,
                    keep: int | None = None) -> Path:
    """Save a checkpoint of `model` (and `optimizer`) at `step`; return its folder.

    `data_position` is the number of training windows consumed so far; `extra` is stored in
    state.json as given (the trainer puts its resolved configuration and metrics there).
    With `keep`, only the newest `keep` step folders remain.
    """
    root = Path(directory)
    final = root / step_name(step)
    partial = root / f".{final.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    weights = {k: v for k, v in model.state_dict().items() if k != _TIED}
    _write_tensors(partial / WEIGHTS, weights)
    trainer_tensors = {f"rng.{name}": t for name, t in (rng or {}).items()}
    optimizer_plain = None
    if optimizer is not None:
        optimizer_tensors, optimizer_plain = _split_optimizer(optimizer)
        trainer_tensors.update(optimizer_tensors)
    _write_tensors(partial / TRAINER, trainer_tensors)
    write_json(partial / STATE, {
        "format": FORMAT, "model_config": dataclasses.asdict(model.config), "step": step,
        "data_position": data_position, "tokenizer_hash": tokenizer_hash, "shards_dir": shards_dir,
        "eot_id": eot_id, "optimizer": optimizer_plain, **to_jsonable(extra or {})})
    if final.exists():  # saving a step again (after a resume): replace the old folder
        shutil.rmtree(final)
    os.replace(partial, final)
    write_json(root / LATEST, {"checkpoint": final.name, "step": step})
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
    except (ValueError, KeyError, TypeError) as error:
        raise BadFileError(str(pointer), f"not a checkpoint pointer ({error})") from error
    if not (path / name / STATE).is_file():
        raise BadFileError(str(pointer), f"points to {name}, which has no {STATE}")
    return path / name


def read_state(checkpoint: Path) -> dict[str, Any]:
    """The state.json of a checkpoint folder, checked for the format."""
    path = checkpoint / STATE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BadFileError(str(path), f"not JSON ({error})") from error
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise BadFileError(str(path), f"not a {FORMAT} state file")
    return state


def check_compatible(state: dict[str, Any], source: str, config: GPTConfig | None,
                     tokenizer_hash: str | None) -> None:
    """Refuse (ConfigError) a checkpoint whose model config or tokenizer differs from the expected."""
    saved = GPTConfig(**state["model_config"])
    if config is not None and saved != config:
        diff = ", ".join(f"{f.name} {getattr(saved, f.name)} vs {getattr(config, f.name)}"
                         for f in dataclasses.fields(GPTConfig)
                         if getattr(saved, f.name) != getattr(config, f.name))
        raise ConfigError(f"checkpoint {source} is for another model ({diff}); "
                          "use the same --model, or another --out")
    if tokenizer_hash is not None and state.get("tokenizer_hash") not in (None, tokenizer_hash):
        raise ConfigError(f"checkpoint {source} was trained with tokenizer {state['tokenizer_hash']}, "
                          f"the data uses {tokenizer_hash}; use the matching shards or another --out")


def load_model(directory: str | Path, map_location: str | torch.device = "cpu",
               config: GPTConfig | None = None,
               tokenizer_hash: str | None = None) -> tuple[GPT, dict[str, Any]]:
    """The model saved in `directory` (a checkpoint folder or run directory) and its state.json.

    With `config` or `tokenizer_hash`, a checkpoint for another model or tokenizer is refused.
    The metadata holds `model_config`, `step`, `data_position`, `tokenizer_hash`, `shards_dir`,
    `eot_id` and what the trainer stored (its `train_config`).
    """
    checkpoint = find_checkpoint(directory)
    if checkpoint is None:
        raise ConfigError(f"no checkpoint in {directory} (expected {STATE} or {LATEST})")
    state = read_state(checkpoint)
    check_compatible(state, str(checkpoint), config, tokenizer_hash)
    with torch.device(map_location):
        model = GPT(GPTConfig(**state["model_config"]))
    weights = _read_tensors(checkpoint / WEIGHTS, map_location)
    weights[_TIED] = weights.get("transformer.wte.weight", torch.empty(0))
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:
        raise BadFileError(str(checkpoint / WEIGHTS), " ".join(str(error).split())[:300]) from error
    state["checkpoint"] = str(checkpoint)
    return model, state


def load_training_state(checkpoint: Path, optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """Restore `optimizer` from `checkpoint`; return the saved RNG states by name.

    Tensors are read on the CPU: `load_state_dict` moves moments to their parameters' device and
    keeps AdamW's step counter where the optimizer expects it.
    """
    state = read_state(checkpoint)
    tensors = _read_tensors(checkpoint / TRAINER, "cpu")
    if state.get("optimizer") is not None:
        try:
            optimizer.load_state_dict(_join_optimizer(tensors, state["optimizer"]))
        except (ValueError, KeyError) as error:
            raise BadFileError(str(checkpoint / TRAINER), f"optimizer state does not fit ({error})") from error
    return {key[len("rng."):]: t for key, t in tensors.items() if key.startswith("rng.")}
