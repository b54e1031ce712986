"""Validation of a checkpoint's state.json (and of any model config read from a file).

Everything is checked before a model is allocated: the required keys and their JSON types, and
model sizes within `LIMITS` (a damaged or hostile `n_embd` of 10**6 is refused here, not by an
allocator asked for terabytes). The sizes are bounded further by the weights file itself: the
checkpoint loader compares its header with the shapes the config implies.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from typing import Any

from webtext.core.errors import BadFileError
from webtext.train.model import GPTConfig

FORMAT = "webtext-checkpoint/2"  # with the sha256 of its tensor files
LEGACY_FORMAT = "webtext-checkpoint/1"  # without checksums: read, nothing to verify
WEIGHTS = "model.safetensors"
TRAINER = "trainer.safetensors"

# Largest accepted value of each size of a model (well above GPT-3 175B's).
LIMITS = {"n_layer": 1024, "n_head": 1024, "n_embd": 65536, "block_size": 1 << 20, "vocab_size": 1 << 24}
_SHA256 = re.compile(r"[0-9a-f]{64}")
# key -> (accepted types, required)
_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "format": ((str,), True), "model_config": ((dict,), True), "step": ((int,), True),
    "data_position": ((int,), True), "tokenizer_hash": ((str, type(None)), False),
    "shards_dir": ((str, type(None)), False), "eot_id": ((int, type(None)), False),
    "optimizer": ((dict, type(None)), False), "checksums": ((dict,), False),
    "train_config": ((dict,), False), "metrics": ((dict,), False),
}


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False  # JSON true is not a number
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, types)


def model_config_from(data: Any, path: str) -> GPTConfig:
    """A `GPTConfig` from the plain values `data`, each checked (BadFileError naming `path`)."""
    if not isinstance(data, dict):
        raise BadFileError(path, f"the model config is a {type(data).__name__}, not an object")
    hints = typing.get_type_hints(GPTConfig)
    fields = {f.name: f for f in dataclasses.fields(GPTConfig)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise BadFileError(path, f"unknown model config key {unknown[0]!r}")
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING:
                raise BadFileError(path, f"the model config lacks {name}")
            continue
        value, kind = data[name], hints[name]
        if not _type_ok(value, (kind,)):
            raise BadFileError(path, f"model config {name} is {value!r}, not a {kind.__name__}")
        if kind is int and not 1 <= value <= LIMITS[name]:
            raise BadFileError(path, f"model config {name} {value} is outside 1..{LIMITS[name]}")
    values = {name: data[name] for name in fields if name in data}
    config = GPTConfig(**values)
    if config.n_embd % config.n_head:
        raise BadFileError(path, f"model config n_embd {config.n_embd} is not a multiple of n_head {config.n_head}")
    if not 0.0 <= config.dropout < 1.0:
        raise BadFileError(path, f"model config dropout {config.dropout} is outside [0, 1)")
    if not (math.isfinite(config.layer_norm_epsilon) and 0.0 < config.layer_norm_epsilon < 1.0):
        raise BadFileError(path, f"model config layer_norm_epsilon {config.layer_norm_epsilon} is outside (0, 1)")
    return config


def check_state(state: Any, path: str) -> dict[str, Any]:
    """`state` (a parsed state.json) if it is a whole checkpoint state; BadFileError otherwise."""
    if not isinstance(state, dict) or state.get("format") not in (FORMAT, LEGACY_FORMAT):
        raise BadFileError(path, f"not a {FORMAT} state file")
    for key, (types, required) in _KEYS.items():
        if key not in state:
            if required:
                raise BadFileError(path, f"{key} is missing")
        elif not _type_ok(state[key], types):
            raise BadFileError(path, f"{key} is {str(state[key])[:40]!r}, of the wrong type")
    config = model_config_from(state["model_config"], path)
    for key in ("step", "data_position"):
        if state.get(key, 0) < 0:
            raise BadFileError(path, f"{key} {state[key]} is negative")
    if state.get("eot_id") is not None and not 0 <= state["eot_id"] < config.vocab_size:
        raise BadFileError(path, f"eot_id {state['eot_id']} is not a token of the {config.vocab_size}")
    if state["format"] == FORMAT:
        checksums = state.get("checksums")
        if not isinstance(checksums, dict) or not all(
                isinstance(checksums.get(name), str) and _SHA256.fullmatch(checksums[name])
                for name in (WEIGHTS, TRAINER)):
            raise BadFileError(path, f"checksums of {WEIGHTS} and {TRAINER} are missing or malformed")
    optimizer = state.get("optimizer")
    if optimizer is not None and not (isinstance(optimizer.get("param_groups"), list)
                                      and all(isinstance(g, dict) for g in optimizer["param_groups"])
                                      and isinstance(optimizer.get("scalars"), dict)):
        raise BadFileError(path, "optimizer is not a saved optimizer state (param_groups, scalars)")
    return state
