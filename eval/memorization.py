"""Extractable memorization: can the model reproduce a training sequence from its prefix?

Carlini et al. 2022 ("Quantifying Memorization Across Neural Language Models", section 3) call a
training sequence extractable when, prompted with its preceding `prefix` tokens (50), greedy
decoding reproduces its next `continuation` tokens (50) exactly. The same test on held-out
sequences (never trained on) gives the rate at which the model reproduces text it merely
predicts well; the difference between the two is memorization.

- `sample_sequences` draws sequences uniformly among the positions where `prefix + continuation`
  tokens fit inside one document (the end-of-text token excluded), across one or more splits;
- `extract` runs batched greedy decoding with the model's KV cache (`GPT.generate`) and reports,
  per sequence, exact match and the fraction of continuation tokens reproduced;
- `difference_p_value` is the one-sided two-proportion z-test that the training rate exceeds the
  held-out rate (pooled variance; e.g. Agresti, "Categorical Data Analysis", section 2.1.3), so
  the report can say whether a difference is more than chance on N sequences.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from webtext.core.errors import ConfigError
from webtext.eval.models import LoadedModel
from webtext.tokenize.shards import ShardSet


def sample_sequences(splits: Sequence[ShardSet], length: int, count: int, seed: int) -> np.ndarray:
    """`count` distinct sequences (n, length) from inside documents of `splits` (fewer if fewer fit)."""
    valid, bases, owners = [], [], []
    for number, shards in enumerate(splits):
        lengths = np.diff(shards.doc_offsets) - 1  # without the end-of-text token
        valid.append(np.maximum(lengths - length + 1, 0))
        bases.append(shards.doc_offsets[:-1])
        owners.append(np.full(lengths.size, number))
    fits = np.concatenate(valid) if valid else np.zeros(0, dtype=np.int64)
    total = int(fits.sum())
    if total == 0:
        names = ", ".join(s.split for s in splits) or "none"
        raise ConfigError(f"no document of the {names} split(s) has {length} tokens; use a smaller "
                          "--prefix/--continuation or a larger corpus")
    rng = np.random.default_rng(seed)
    picks = np.sort(rng.choice(total, size=min(count, total), replace=False))
    ends = np.cumsum(fits)
    docs = np.searchsorted(ends, picks, side="right")
    starts = np.concatenate(bases)[docs] + picks - (ends[docs] - fits[docs])
    split_of = np.concatenate(owners)[docs]
    out = np.empty((picks.size, length), dtype=np.int64)
    for number, shards in enumerate(splits):
        rows = np.flatnonzero(split_of == number)
        if rows.size:
            out[rows] = shards.windows(starts[rows].astype(np.int64), length)
    return out


@dataclass
class Extraction:
    """Per-sequence outcome of the extraction test."""

    exact: np.ndarray  # bool (n,): the whole continuation reproduced
    token_match: np.ndarray  # float (n,): fraction of continuation tokens reproduced
    generated: np.ndarray  # int64 (n, continuation): what greedy decoding produced

    @property
    def rate(self) -> float:
        return float(self.exact.mean()) if self.exact.size else math.nan


def check_lengths(label: str, block_size: int, prefix: int, continuation: int) -> None:
    """`ConfigError` unless the prompt fits the model's context (generation may slide beyond it)."""
    if prefix < 1 or continuation < 1:
        raise ConfigError(f"--prefix and --continuation must be at least 1, not {prefix} and {continuation}")
    if prefix >= block_size:
        raise ConfigError(f"--prefix {prefix} does not fit the context of {label} ({block_size} tokens); "
                          f"use at most {block_size - 1}")


@torch.no_grad()
def extract(model: LoadedModel, sequences: np.ndarray, prefix: int, batch_size: int) -> Extraction:
    """Greedy-decode the continuation of each sequence's prefix and compare (see the docstring)."""
    continuation = sequences.shape[1] - prefix
    device = next(model.model.parameters()).device
    generated = np.empty((len(sequences), continuation), dtype=np.int64)
    for first in range(0, len(sequences), batch_size):
        prompts = torch.from_numpy(np.ascontiguousarray(sequences[first:first + batch_size, :prefix])).to(device)
        out = model.model.generate(prompts, continuation, greedy=True)
        generated[first:first + len(prompts)] = out[:, prefix:].cpu().numpy()
    same = generated == sequences[:, prefix:]
    return Extraction(same.all(axis=1), same.mean(axis=1), generated)


def difference_p_value(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    """One-sided p-value that rate a exceeds rate b (two-proportion z-test, pooled variance)."""
    if n_a == 0 or n_b == 0:
        return math.nan
    pooled = (hits_a + hits_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    if spread == 0.0:
        return 1.0  # both rates 0 or both 1: no difference
    z = (hits_a / n_a - hits_b / n_b) / spread
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def count_bucket_labels(edges: Sequence[int]) -> list[str]:
    """Names of occurrence-count buckets with lower `edges`: below the first, then each range."""
    if any(e < 1 for e in edges) or list(edges) != sorted(set(edges)):
        raise ConfigError(f"--count-buckets must be increasing counts of at least 1, not {list(edges)}")
    labels = [f"<{edges[0]}" if edges[0] > 1 else "0"] if edges else []
    for low, high in zip(edges, [*edges[1:], None], strict=True):
        if high is None:
            labels.append(f"{low}+")
        else:
            labels.append(str(low) if high == low + 1 else f"{low}–{high - 1}")
    return labels


def count_bucket(count: int, edges: Sequence[int]) -> int:
    """Index of `count` among `count_bucket_labels(edges)`."""
    return int(np.searchsorted(np.asarray(edges), count, side="right"))
