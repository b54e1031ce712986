"""Fixed-length token windows gathered from a sequence stored as several flat chunks.

A shard set is a concatenation of memory-mapped chunks (one per shard). Training samples
windows of `length` tokens at random starts over the whole concatenation (as nanoGPT's
`get_batch` does over one `train.bin`). Windows inside one chunk, almost all of them, are copied
in one vectorized gather from a strided sliding-window view of the chunk (no per-window Python
work, no index matrix; the views are made once per length, as making one costs more than
gathering a training batch); the rare window that crosses a chunk boundary is assembled from its
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


class TokenWindows:
    """Windows over the concatenation of `chunks`; keeps each length's sliding views for reuse."""

    def __init__(self, chunks: Sequence[np.ndarray]) -> None:
        self.chunks = list(chunks)
        self.bounds = chunk_bounds(self.chunks)
        self.total = int(self.bounds[-1])
        self.dtype = self.chunks[0].dtype if self.chunks else np.dtype(np.uint16)
        self._views: dict[int, list[np.ndarray | None]] = {}

    def _sliding(self, length: int) -> list[np.ndarray | None]:
        """Per chunk, its `(size - length + 1, length)` sliding view (None when shorter)."""
        views = self._views.get(length)
        if views is None:
            views = self._views[length] = [sliding_window_view(c, length) if c.size >= length else None
                                           for c in self.chunks]
        return views

    def gather(self, starts: np.ndarray, length: int) -> np.ndarray:
        """Windows `[s, s + length)` of the concatenation, one row per start.

        Raises `ValueError` when a window leaves the sequence.
        """
        starts = np.asarray(starts)
        if starts.ndim != 1 or (starts.size and starts.dtype.kind not in "iu"):
            raise ValueError("starts must be a 1-D array of integers")
        if length < 1:
            raise ValueError(f"window length must be positive, not {length}")
        if starts.size and (int(starts.min()) < 0 or int(starts.max()) > self.total - length):
            raise ValueError(f"windows of {length} tokens must start in [0, {self.total - length}]")
        views = self._sliding(length)
        if len(views) == 1 and views[0] is not None:
            return views[0][starts]
        out = np.empty((starts.size, length), dtype=self.dtype)
        which = np.searchsorted(self.bounds, starts, side="right") - 1
        order = np.argsort(which, kind="stable")  # rows grouped by chunk, one pass
        first = 0
        for index, count in enumerate(np.bincount(which, minlength=len(self.chunks)).tolist()):
            if not count:
                continue
            rows = order[first:first + count]
            first += count
            local = starts[rows] - self.bounds[index]
            view = views[index]
            inside = local + length <= self.chunks[index].size
            if view is not None and inside.all():
                out[rows] = view[local]
                continue
            if view is not None:
                out[rows[inside]] = view[local[inside]]
            for row in rows[~inside]:
                _span(self.chunks, self.bounds, int(starts[row]), length, out[row])
        return out
