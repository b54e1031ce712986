"""Training and validation windows over the token shards, and the validation loss.

A window is `block_size + 1` consecutive tokens of the flat token stream: inputs are its first
`block_size`, targets the same shifted by one. Training windows start at multiples of
`block_size` (window i covers tokens [i*T, (i+1)*T], sharing one token with the next), so an epoch
visits every token once, as GPT-2's one-pass-style training does; documents are
concatenated with their end-of-text tokens between them, as in GPT-2 (paper §2.1, OpenAI's
released code samples contexts across document boundaries).

The order is a seeded permutation per epoch over the whole shard set, a function of
(seed, epoch) only. A step's global batch is the next `global_windows` positions of that order;
with W processes, rank r takes micro-batches r, r+W, r+2W, ... of it. The windows of a step are
therefore the same for any number of processes, and the data position (windows consumed) is all
a checkpoint needs to resume.

Validation windows are a fixed, evenly spaced set from the val split, so every evaluation (and
the evaluator's perplexity, `exp(evaluate_loss(...))`) scores the same tokens.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from torch import nn
from webtext.core.errors import ConfigError


class TokenSource(Protocol):
    """What the windows need from a shard set (`webtext.tokenize.shards.ShardSet`)."""

    @property
    def n_tokens(self) -> int: ...

    def windows(self, starts: np.ndarray, length: int) -> np.ndarray: ...


def window_count(n_tokens: int, block_size: int) -> int:
    """How many aligned windows of `block_size + 1` tokens fit in `n_tokens`."""
    return max(0, (n_tokens - 1) // block_size)


class WindowOrder:
    """The seeded global order of training windows, epoch after epoch."""

    def __init__(self, n_tokens: int, block_size: int, seed: int, source: str = "train split") -> None:
        self.block_size = block_size
        self.seed = seed
        self.n_windows = window_count(n_tokens, block_size)
        if self.n_windows == 0:
            raise ConfigError(f"the {source} has {n_tokens} tokens, fewer than one window of "
                              f"{block_size + 1}; use more data or a model with a smaller block_size")
        self._epoch = -1
        self._permutation = np.empty(0, dtype=np.int64)

    def _order(self, epoch: int) -> np.ndarray:
        if epoch != self._epoch:
            rng = np.random.default_rng([self.seed, epoch])
            self._permutation = rng.permutation(self.n_windows)
            self._epoch = epoch
        return self._permutation

    def starts(self, position: int, count: int) -> np.ndarray:
        """Token offsets of the windows at global positions [position, position + count)."""
        out = np.empty(count, dtype=np.int64)
        done = 0
        while done < count:
            epoch, index = divmod(position + done, self.n_windows)
            take = min(count - done, self.n_windows - index)
            out[done:done + take] = self._order(epoch)[index:index + take]
            done += take
        return out * self.block_size


def rank_micro_batches(position: int, micro_batch: int, accumulation: int, rank: int,
                       world_size: int) -> list[tuple[int, int]]:
    """(first position, count) of each micro-batch rank `rank` takes from the global batch at `position`."""
    return [(position + (step * world_size + rank) * micro_batch, micro_batch) for step in range(accumulation)]


def to_inputs_targets(windows: np.ndarray, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) as int64 tensors (B, T) on `device` from windows (B, T + 1)."""
    tokens = torch.from_numpy(windows.astype(np.int64))  # a writable copy: shard memory is read-only
    if device.type == "cuda":
        tokens = tokens.pin_memory().to(device, non_blocking=True)
    return tokens[:, :-1], tokens[:, 1:]


def validation_windows(shards: TokenSource, block_size: int, max_windows: int) -> np.ndarray:
    """A fixed set of at most `max_windows` evenly spaced windows (n, block_size + 1) of `shards`."""
    n = window_count(shards.n_tokens, block_size)
    if n == 0:
        raise ConfigError(f"the val split has {shards.n_tokens} tokens, fewer than one window of "
                          f"{block_size + 1}; build shards with a larger val split")
    picks = np.unique(np.linspace(0, n - 1, num=min(n, max_windows)).round().astype(np.int64))
    return shards.windows(picks * block_size, block_size + 1)


@torch.no_grad()
def loss_sum(model: nn.Module, windows: np.ndarray, batch_size: int,
             autocast_dtype: torch.dtype | None = None) -> tuple[float, int]:
    """(sum of token cross-entropies, token count) of `model` on `windows` (n, T + 1)."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for first in range(0, len(windows), batch_size):
        x, y = to_inputs_targets(windows[first:first + batch_size], device)
        with torch.autocast(device.type, dtype=autocast_dtype or torch.float32,
                            enabled=autocast_dtype is not None):
            _, loss = model(x, y)
        total += float(loss) * y.numel()
        count += y.numel()
    model.train(was_training)
    return total, count


def evaluate_loss(model: nn.Module, windows: np.ndarray, batch_size: int,
                  autocast_dtype: torch.dtype | None = None) -> float:
    """Mean next-token cross-entropy (nats per token) of `model` on `windows` (n, T + 1).

    The trainer's validation loss is this function on `validation_windows(...)`; perplexity is
    `exp` of it.
    """
    total, count = loss_sum(model, windows, batch_size, autocast_dtype)
    if count == 0:
        raise ValueError("no windows to evaluate")
    return total / count
