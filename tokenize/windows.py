"""Fixed-length token windows gathered from a sequence stored as several flat chunks.

A shard set is a concatenation of memory-mapped chunks (one per shard). Training samples
windows of `length` tokens at random starts over the whole concatenation (as nanoGPT's
`get_batch` does over one `train.bin`). Windows inside one chunk, almost all of them, are copied
in one vectorized gather from a strided sliding-window view of the chunk (no per-window Python
work, no index matrix); the rare window that crosses a chunk boundary is assembled from its
pieces.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def chunk_bounds(chunks: Sequence[np.ndarray]) -> np.ndarray:
    """Start of every chunk in the concatenation, plus the total length (int64, len n+1)."""
    bounds = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum([chunk.size for chunk in chunks], out=bounds[1:])
    return bounds


def _span(chunks: Sequence[np.ndarray], bounds: np.ndarray, start: int, length: int,
          out: np.ndarray) -> None:
    """Copy tokens [start, start + length) of the concatenation into `out`, across chunks."""
    filled = 0
    index = int(np.searchsorted(bounds, start, side="right")) - 1
    position = start - int(bounds[index])
    while filled < length:
        piece = chunks[index][position:position + length - filled]
        out[filled:filled + piece.size] = piece
        filled += piece.size
        index, position = index + 1, 0


def gather_windows(chunks: Sequence[np.ndarray], bounds: np.ndarray, starts: np.ndarray,
                   length: int) -> np.ndarray:
    """Windows `[s, s + length)` of the concatenation of `chunks`, one row per start.

    `bounds` is `chunk_bounds(chunks)`. Raises `ValueError` when a window leaves the sequence.
    """
    starts = np.asarray(starts)
    if starts.ndim != 1 or (starts.size and starts.dtype.kind not in "iu"):
        raise ValueError("starts must be a 1-D array of integers")
    total = int(bounds[-1])
    if length < 1:
        raise ValueError(f"window length must be positive, not {length}")
    if starts.size and (int(starts.min()) < 0 or int(starts.max()) > total - length):
        raise ValueError(f"windows of {length} tokens must start in [0, {total - length}]")
    if len(chunks) == 1:
        return sliding_window_view(chunks[0], length)[starts]
    dtype = chunks[0].dtype if chunks else np.dtype(np.uint16)
    out = np.empty((starts.size, length), dtype=dtype)
    which = np.searchsorted(bounds, starts, side="right") - 1
    for index in np.unique(which):
        rows = np.flatnonzero(which == index)
        local = starts[rows] - bounds[index]
        chunk = chunks[index]
        inside = local + length <= chunk.size
        if inside.any():
            out[rows[inside]] = sliding_window_view(chunk, length)[local[inside]]
        for row in rows[~inside]:
            _span(chunks, bounds, int(starts[row]), length, out[row])
    return out
