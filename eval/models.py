"""The checkpoints an eval command compares: model sizes, training steps, or both.

`--checkpoint` takes checkpoint folders (`DIR/step-00000100`), run directories (their latest
checkpoint, or every saved step with `--all-steps`) and directories of run directories (such as
`out/checkpoints`, holding one run per model size). `checkpoint_folders` resolves them all before
any work starts, so a wrong path fails at once with one line; `load_models` then loads them one
at a time through the trainer's `load_model`, which refuses a checkpoint of another tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from webtext.core.errors import ConfigError
from webtext.train.checkpoint import LATEST, STATE, find_checkpoint, load_model, read_state
from webtext.train.model import GPT


@dataclass
class LoadedModel:
    """One checkpoint, loaded: the model, its state.json and how tables name it."""

    label: str  # "<run>@<step>"
    checkpoint: Path
    model: GPT
    state: dict[str, Any]

    @property
    def params(self) -> int:
        """Parameter count (tied embedding counted once), the x-axis of GPT-2's Figure 4."""
        return self.model.num_params()

    @property
    def step(self) -> int:
        return int(self.state.get("step", 0))


def _run_steps(run: Path, all_steps: bool) -> list[Path]:
    if not all_steps:
        latest = find_checkpoint(run)
        return [latest] if latest is not None else []
    return sorted(p for p in run.glob("step-*") if (p / STATE).is_file())


def checkpoint_folders(paths: Sequence[Path], all_steps: bool = False) -> list[Path]:
    """Every checkpoint folder `paths` name (see the module docstring), in a stable order."""
    folders: list[Path] = []
    for path in paths:
        if (path / STATE).is_file():
            found = [path]
        elif (path / LATEST).is_file():
            found = _run_steps(path, all_steps)
        elif path.is_dir():
            found = [f for run in sorted(path.iterdir()) if (run / LATEST).is_file()
                     for f in _run_steps(run, all_steps)]
        else:
            raise ConfigError(f"--checkpoint {path}: no such directory")
        if not found:
            raise ConfigError(f"--checkpoint {path}: no checkpoint there (expected {STATE}, {LATEST}, "
                              "or run directories holding them); train a model first")
        folders.extend(f for f in found if f not in folders)
    return folders


def label(folder: Path) -> str:
    """`<run>@<step>` for a checkpoint folder."""
    return f"{folder.parent.name}@{read_state(folder).get('step', 0)}"


def load_models(folders: Sequence[Path], device: str, tokenizer_hash: str | None) -> Iterator[LoadedModel]:
    """Each checkpoint in `folders`, loaded on `device` in evaluation mode, one at a time."""
    for folder in folders:
        model, state = load_model(folder, map_location=torch.device(device), tokenizer_hash=tokenizer_hash)
        model.eval()
        yield LoadedModel(label(folder), folder, model, state)
