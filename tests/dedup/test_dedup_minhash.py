"""MinHash signatures are datasketch's own: the same numbers, usable by datasketch's LSH indexes."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from webtext.dedup.minhash import MinHasher, jaccard, shingle_hash, shingles

TEXTS = [
    "the quick brown fox jumps over the lazy dog while the cat sleeps in the warm afternoon sun",
    "Ünïcödé words, punctuation; and numbers 1234 in one line — with a dash and “quotes”",
    "short text",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_signatures_equal_datasketch_fed_the_same_shingles(text: str) -> None:
    hasher = MinHasher(shingle_size=5, num_perm=128, seed=1)
    reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=shingle_hash)
    for shingle in shingles(text, 5):
        reference.update(shingle)
    assert np.array_equal(hasher.signature(text), reference.hashvalues.astype(np.uint32))


def test_to_datasketch_feeds_minhash_lsh_which_finds_the_near_duplicate() -> None:
    hasher = MinHasher()
    base = " ".join(f"word{i}" for i in range(200))
    near = base.replace("word100", "changed")
    other = " ".join(f"other{i}" for i in range(200))
    signatures = hasher.signatures([base, near, other])
    assert jaccard(signatures[0], signatures[1]) > 0.8
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    for key, signature in zip(("base", "near", "other"), signatures, strict=True):
        lsh.insert(key, hasher.to_datasketch(signature))
    assert sorted(lsh.query(hasher.to_datasketch(signatures[0]))) == ["base", "near"]
