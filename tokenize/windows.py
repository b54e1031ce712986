"""Fixed-length token windows gathered from a sequence stored as several flat chunks.

A shard set is a concatenation of memory-mapped chunks (one or more per shard). Training samples
windows of `length` tokens at random starts over the whole concatenation (as nanoGPT's
`get_batch` does over one `train.bin`). A NumPy memmap of one file serves a batch in a single
fancy-index gather from its sliding-window view; gathering per chunk and then placing the rows
copies every token twice, which measured about 0.7x the memmap's rate over nine shards.

So the windows are gathered in one step here too: the chunks already live in this process's
address space, and one strided view whose origin is the lowest chunk address covers them all
(`_AddressSpan`). Element `offset[c] + i` of that view is token `i` of chunk `c`. The view also
spans the gaps between the mappings, which must never be read: a row is gathered only when its
whole window lies inside one chunk. The rare window that crosses a chunk boundary is assembled
from its pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided


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


class _AddressSpan:
    """A 1-D array interface over the address range from the first chunk to the end of the last.

    It holds the chunks, so their memory stays mapped while any view of the span exists.
    """

    def __init__(self, chunks: Sequence[np.ndarray], dtype: np.dtype) -> None:
        self.chunks = [c for c in chunks if c.size]
        addresses = [c.__array_interface__["data"][0] for c in self.chunks]
        self.base = min(addresses, default=0)
        end = max((a + c.nbytes for a, c in zip(addresses, self.chunks, strict=True)), default=0)
        # Offsets of each chunk from the base, in elements (NumPy keeps arrays itemsize-aligned).
        self.offsets = [(a - self.base) // dtype.itemsize for a in addresses]
        self.__array_interface__: dict[str, Any] = {
            "shape": ((end - self.base) // dtype.itemsize,), "typestr": dtype.str,
            "data": (self.base, True), "version": 3}


class TokenWindows:
    """Windows over the concatenation of `chunks`; keeps each length's view for reuse."""

    def __init__(self, chunks: Sequence[np.ndarray]) -> None:
        self.dtype = chunks[0].dtype if chunks else np.dtype(np.uint16)
        self.chunks = [np.ascontiguousarray(c, dtype=self.dtype) for c in chunks]
        self.bounds = chunk_bounds(self.chunks)
        self.total = int(self.bounds[-1])
        span = _AddressSpan(self.chunks, self.dtype)
        self._flat = np.asarray(span)
        by_chunk = iter(span.offsets)
        # Chunk start in the address span minus chunk start in the concatenation.
        offsets = np.array([next(by_chunk) if c.size else 0 for c in self.chunks], dtype=np.int64)
        self._shift = offsets - self.bounds[:-1]
        self._views: dict[int, np.ndarray] = {}

    def _sliding(self, length: int) -> np.ndarray:
        """The `(n - length + 1, length)` sliding view of the address span (never written)."""
        view = self._views.get(length)
        if view is None:
            step = self.dtype.itemsize
            view = self._views[length] = as_strided(self._flat, (max(self._flat.size - length + 1, 0), length),
                                                    (step, step), writeable=False)
        return view

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
        if len(self.chunks) == 1:
            return self._sliding(length)[starts]
        which = np.searchsorted(self.bounds, starts, side="right") - 1
        inside = starts + length <= self.bounds[1:][which]
        crossing = np.flatnonzero(~inside)
        if crossing.size == starts.size:
            out = np.empty((starts.size, length), dtype=self.dtype)
        else:
            index = starts + self._shift[which]  # position in the address span
            if crossing.size:
                index[crossing] = index[np.argmax(inside)]  # a safe row, overwritten below
            out = self._sliding(length)[index]
        for row in crossing.tolist():
            _span(self.chunks, self.bounds, int(starts[row]), length, out[row])
        return out
