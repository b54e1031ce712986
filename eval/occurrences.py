"""How many times each of a few token sequences occurs in a large token stream.

Carlini et al. 2022 ("Quantifying Memorization Across Neural Language Models", section 4.2) find
that how often a sequence is repeated in the training data is what most predicts whether a
model can reproduce it, so the memorization table buckets sampled sequences by that count.

Counting a few hundred sequences of ~100 tokens over billions of tokens must not build an index
of the corpus. Each chunk (a shard's memory-mapped tokens) is scanned in slices: a 64-bit
polynomial hash of the first `KEY_TOKENS` tokens at every position is computed with a handful
of vectorized passes (Karp & Rabin 1987, without the rolling update), positions whose hash equals
a wanted sequence's are candidates, and only candidates are compared token by token over the full
length, so the counts are exact. A sequence crossing two chunks is not counted (documents never
cross shards).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

KEY_TOKENS = 8
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd; 2^64 / golden ratio
_SLICE = 1 << 22  # positions hashed at once: 32 MiB of uint64 keys


def _combine(columns: Iterable[np.ndarray], size: int) -> np.ndarray:
    """Polynomial hash over aligned token columns, wrapping modulo 2^64."""
    keys = np.zeros(size, dtype=np.uint64)
    for column in columns:
        keys *= _MULTIPLIER
        keys += column.astype(np.uint64)
    return keys


def occurrence_counts(chunks: Sequence[np.ndarray], sequences: np.ndarray) -> np.ndarray:
    """For each row of `sequences` (n, L), its number of occurrences in `chunks` (int64, n)."""
    n, length = sequences.shape
    counts = np.zeros(n, dtype=np.int64)
    if n == 0 or length == 0:
        return counts
    width = min(KEY_TOKENS, length)
    wanted = _combine((sequences[:, offset] for offset in range(width)), n)
    for chunk in chunks:
        total = chunk.size - length + 1
        for first in range(0, max(total, 0), _SLICE):
            positions = min(_SLICE, total - first)
            piece = chunk[first:first + positions + length - 1]
            keys = _combine((piece[offset:offset + positions] for offset in range(width)), positions)
            candidates = np.flatnonzero(np.isin(keys, wanted))
            if not candidates.size:
                continue
            windows = sliding_window_view(piece, length)
            for key in np.unique(keys[candidates]):
                rows = np.flatnonzero(wanted == key)
                found = windows[candidates[keys[candidates] == key]]  # (c, L)
                counts[rows] += (sequences[rows][:, None, :] == found[None, :, :]).all(axis=2).sum(axis=1)
    return counts
