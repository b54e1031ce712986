"""Windows over chunks that lie anywhere in memory equal slices of their concatenation."""

from __future__ import annotations

import numpy as np
import pytest
from webtext.tokenize.windows import TokenWindows


def test_windows_over_scattered_chunks_equal_slices_of_the_concatenation() -> None:
    rng = np.random.default_rng(1)
    sizes = [500, 0, 3, 1200, 40, 0, 800]  # empty and very short chunks among long ones
    # Allocated in a shuffled order, so the chunks' addresses are not in sequence order.
    chunks: dict[int, np.ndarray] = {}
    for index in rng.permutation(len(sizes)).tolist():
        chunks[index] = rng.integers(0, 50257, sizes[index], dtype=np.uint16)
    ordered = [chunks[i] for i in range(len(sizes))]
    flat = np.concatenate(ordered)
    windows = TokenWindows(ordered)
    for length in (1, 2, 41, 600, flat.size):
        starts = np.concatenate([rng.integers(0, flat.size - length + 1, 300), [0, flat.size - length]])
        expected = np.stack([flat[s:s + length] for s in starts])
        np.testing.assert_array_equal(windows.gather(starts, length), expected)


def test_windows_are_copies_and_leave_the_sequence_untouched() -> None:
    chunks = [np.arange(10, dtype=np.uint16), np.arange(10, 30, dtype=np.uint16)]
    windows = TokenWindows(chunks)
    batch = windows.gather(np.array([0, 5, 12]), 8)
    batch[:] = 0
    assert chunks[0][5] == 5 and chunks[1][2] == 12
    assert windows.gather(np.array([], dtype=np.int64), 8).shape == (0, 8)


@pytest.mark.parametrize(("starts", "length", "message"), [
    ([-1], 4, "must start in"), ([27], 4, "must start in"), ([0], 0, "must be positive"), ([[0]], 4, "1-D")])
def test_bad_windows_are_refused(starts: list[int], length: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TokenWindows([np.arange(30, dtype=np.uint16)]).gather(np.array(starts), length)
