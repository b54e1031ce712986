"""Occurrence counts of sampled sequences are exact, across shard chunks and hash collisions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from webtext.eval.memorization import count_bucket, count_bucket_labels, difference_p_value
from webtext.eval.occurrences import occurrence_counts


def _brute_force(chunks: list[np.ndarray], sequences: np.ndarray) -> list[int]:
    length = sequences.shape[1]
    return [sum(int(np.array_equal(chunk[i:i + length], row)) for chunk in chunks
                for i in range(chunk.size - length + 1)) for row in sequences]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), max_size=60), min_size=1, max_size=4), st.integers(1, 12),
       st.integers(0, 2**32 - 1))
def test_counts_equal_brute_force(chunks: list[list[int]], length: int, seed: int) -> None:
    arrays = [np.asarray(c, dtype=np.uint16) for c in chunks]
    flat = np.concatenate(arrays)
    rng = np.random.default_rng(seed)
    rows = [flat[s:s + length] for s in rng.integers(0, max(flat.size - length, 0) + 1, size=3)
            if flat[s:s + length].size == length]
    rows.append(rng.integers(0, 4, size=length).astype(np.uint16))  # maybe absent
    sequences = np.stack(rows).astype(np.int64)
    assert occurrence_counts(arrays, sequences).tolist() == _brute_force(arrays, sequences)


def test_repeated_passage_counted_in_every_chunk() -> None:
    rng = np.random.default_rng(0)
    passage = rng.integers(0, 50_000, size=100)
    chunks = []
    for _ in range(3):
        chunk = rng.integers(0, 50_000, size=5_000)
        chunk[100:200] = passage
        chunk[3_000:3_100] = passage
        chunks.append(chunk.astype(np.uint32))
    counts = occurrence_counts(chunks, np.stack([passage, chunks[0][400:500].astype(np.int64)]))
    assert counts.tolist() == [6, 1]


def test_buckets_and_significance() -> None:
    assert count_bucket_labels([1, 2, 5, 20]) == ["0", "1", "2–4", "5–19", "20+"]
    assert [count_bucket(c, [1, 2, 5, 20]) for c in (0, 1, 3, 19, 20, 500)] == [0, 1, 2, 3, 4, 4]
    assert difference_p_value(0, 100, 0, 100) == 1.0
    assert difference_p_value(10, 100, 0, 100) < 0.01
    assert difference_p_value(1, 100, 1, 100) == 0.5
