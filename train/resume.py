"""Resuming a run with the options it was started with.

The learning rate at each step and the token count of a run follow from options saved in the
checkpoint's `train_config`. A resume that changed them would bend the schedule silently (the
cosine jumps to another curve) and miscount `tokens` in metrics.jsonl; one that changed AdamW's
settings or the seed would be ignored or break the data order, since the optimizer state and the
data position are restored from the checkpoint. `check_resume_options` refuses such a resume,
naming each option with its saved and new values. `--max-steps` alone may change where the
schedule does not depend on it (`--warmup-steps` and `--decay-steps` given), which is how a run
is extended.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from webtext.core.errors import BadFileError, ConfigError
from webtext.train.config import TrainConfig, batch_tokens, learning_rate_schedule

# Options that decide the learning rate at a step or the tokens per step.
SCHEDULE_OPTIONS = ("lr", "min_lr", "warmup_steps", "decay_steps", "max_steps", "batch_tokens")
# Options whose saved values the checkpoint restores (data order, AdamW state).
RESTORED_OPTIONS = ("seed", "weight_decay", "beta1", "beta2", "eps")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _saved_values(saved: dict[str, Any], source: str) -> dict[str, Any]:
    values = {}
    for name in SCHEDULE_OPTIONS + RESTORED_OPTIONS:
        if name in saved:
            value = saved[name]
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise BadFileError(source, f"train_config {name} is {str(value)[:40]!r}, not a number")
            values[name] = value
    return values


def check_resume_options(saved: dict[str, Any] | None, config: TrainConfig, block_size: int,
                         source: str) -> None:
    """Refuse (ConfigError) resuming the run whose saved `train_config` is `saved` with options
    that change its schedule, its tokens per step or what the checkpoint restores."""
    if not saved:
        return  # an imported model: it has no schedule yet
    values = _saved_values(saved, source)
    before = dataclasses.replace(config, **values)
    changed = [name for name, value in values.items() if value != getattr(config, name)]
    plan_changed = (learning_rate_schedule(before), batch_tokens(before, block_size)) != \
        (learning_rate_schedule(config), batch_tokens(config, block_size))
    refused = [name for name in changed if name in RESTORED_OPTIONS or plan_changed]
    if not refused:
        return
    listed = ", ".join(f"{_flag(name)} {values[name]} (now {getattr(config, name)})" for name in refused)
    hint = "resume with the saved values, or start another --out"
    if "max_steps" in refused:
        schedule = learning_rate_schedule(before)
        hint += (f"; to train longer on the saved schedule, pin --warmup-steps {schedule.warmup_steps} "
                 f"--decay-steps {schedule.decay_steps}")
    raise ConfigError(f"checkpoint {source} was trained with {listed}; resuming would change the learning-rate "
                      f"schedule, the token count or restored state: {hint}")
