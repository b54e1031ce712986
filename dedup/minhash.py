"""MinHash signatures of word-shingle sets, computed in vectorized batches with numpy.

MinHash (Broder 1997, "On the resemblance and containment of documents") estimates the Jaccard
similarity of two sets as the fraction of equal signature entries. Documents become sets of
word shingles: the text is normalized (NFKC, lower-cased, alphanumeric words as in
`webtext.dedup.ngrams`) and every run of `shingle_size` consecutive words (default 5) is one
shingle; a document shorter than that is one shingle of all its words, an empty one has none.

Signatures are exactly those of `datasketch.MinHash` (datasketch >= 2.0, scheme "affine32")
given the same shingles, seed and hash function, so they can be handed to datasketch's
`MinHashLSH` / `LeanMinHash` (`to_datasketch`). The permutation parameters come from datasketch
itself (`datasketch.MinHash(num_perm, seed).permutations`); the 32-bit hash of a shingle is
`shingle_hash`, which callers pass to datasketch as `hashfunc` together with the shingle bytes.

Speed comes from doing no per-word Python work, measured by `bench/dedup.py` against a
per-document `MinHash.update` loop: word boundaries come from a code-point table, each word's
hash is a polynomial (Horner) hash over its code points computed for all words at once from
prefix sums (Karp and Rabin 1987), shingle hashes are combined from word hashes with numpy, and
each document's shingles are permuted as one (shingles x num_perm) matrix and reduced by column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

_WORD = re.compile(r"[^\W_]+")  # the word of webtext.dedup.ngrams: a run of letters and digits
_BASE = 0x100000001B3  # FNV-1a's 64-bit prime (odd, so invertible modulo 2^64)
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)
_MIX = 0x9E3779B97F4A7C15  # 2^64 / golden ratio, the usual odd multiplier
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_MASK64 = (1 << 64) - 1
_U64 = np.uint64


def shingle_text(text: str) -> str:
    """The form of `text` that shingles are cut from: NFKC, lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def _word_hash(word: str) -> int:
    """64-bit polynomial hash of a word's code points (Horner, base `_BASE`), then mixed."""
    state = 0
    for char in word:
        state = (state * _BASE + ord(char)) & _MASK64
    return _finish_word(state)


def _finish_word(state: int) -> int:
    state ^= state >> 33
    state = (state * _MIX) & _MASK64
    return (state ^ (state >> 29)) & 0xFFFFFFFF


def _combine_hashes(word_hashes: Sequence[int]) -> int:
    state = word_hashes[0]
    for value in word_hashes[1:]:
        state = (state * _MIX + value) & _MASK64
        state ^= state >> 29
    return (state ^ (state >> 32)) & 0xFFFFFFFF


def shingle_hash(shingle: bytes) -> int:
    """The 32-bit hash of one shingle (its words joined by single spaces, UTF-8): pass this as
    `hashfunc` to `datasketch.MinHash` to reproduce this module's signatures. It is the slow,
    readable reference of what `MinHasher` computes with numpy."""
    return _combine_hashes([_word_hash(word) for word in shingle.decode("utf-8").split(" ")])


def shingles(text: str, size: int = 5) -> list[bytes]:
    """The shingles of `text` as datasketch would be fed them (one per window, repeats kept)."""
    words = _WORD.findall(shingle_text(text))
    if not words:
        return []
    count = max(len(words) - size + 1, 1)
    return [" ".join(words[i:i + size]).encode("utf-8") for i in range(count)]


@lru_cache(maxsize=1)
def _word_chars() -> np.ndarray:
    """Which code points belong to words, for every code point (built once, about 0.5 s)."""
    table = np.zeros(0x110000, dtype=bool)
    ascii_and_bmp = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))
    codes = np.frombuffer(ascii_and_bmp.encode("utf-32-le"), dtype=np.uint32)
    for match in _WORD.finditer(ascii_and_bmp):
        table[codes[match.start():match.end()]] = True
    return table


class _Powers:
    """Growing tables of _BASE^k and _BASE^-k modulo 2^64 (numpy integer products wrap)."""

    def __init__(self) -> None:
        self.up = np.ones(1, dtype=_U64)
        self.down = np.ones(1, dtype=_U64)

    def ensure(self, length: int) -> None:
        if length <= len(self.up):
            return
        size = max(length, 2 * len(self.up))
        self.up, self.down = _power_table(_BASE, size), _power_table(_BASE_INVERSE, size)


def _power_table(base: int, size: int) -> np.ndarray:
    factors = np.full(size, base, dtype=_U64)
    factors[0] = 1
    return np.cumprod(factors, dtype=_U64)


def _word_hashes(text: str, powers: _Powers) -> np.ndarray:
    """`_word_hash` of every word of `text` (already shingle_text), vectorized over code points.

    With S_j = sum_{i<j} c_i B^-i, the Horner hash of code points [s, e) is B^(e-1) (S_e - S_s).
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    inside = _word_chars()[codes]
    edges = np.flatnonzero(np.diff(inside.astype(np.int8), prepend=0, append=0))
    starts, ends = edges[0::2], edges[1::2]
    if not len(starts):
        return np.empty(0, dtype=_U64)
    powers.ensure(len(codes) + 1)
    prefix = np.zeros(len(codes) + 1, dtype=_U64)
    np.cumsum(codes.astype(_U64) * powers.down[:len(codes)], out=prefix[1:])
    state = powers.up[ends - 1] * (prefix[ends] - prefix[starts])
    state ^= state >> _U64(33)
    state *= _U64(_MIX)
    return (state ^ (state >> _U64(29))) & _U64(0xFFFFFFFF)


def _combine(word_hashes: np.ndarray, size: int) -> np.ndarray:
    """`_combine_hashes` of every `size`-word window, vectorized over windows."""
    count = max(len(word_hashes) - size + 1, 1)
    size = min(size, len(word_hashes))
    state = word_hashes[:count].copy()
    for offset in range(1, size):
        state = state * _U64(_MIX) + word_hashes[offset:offset + count]
        state ^= state >> _U64(29)
    return (state ^ (state >> _U64(32))).astype(np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before permuting."""
    s1, m1, s2, m2, s3 = _FMIX32
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine permutation parameters (a, b), as (1, num_perm) uint32 rows."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32).reshape(1, -1), b.astype(np.uint32).reshape(1, -1)


class MinHasher:
    """Computes MinHash signatures for batches of texts; one instance per (shingle, perm, seed)."""

    def __init__(self, shingle_size: int = 5, num_perm: int = 128, seed: int = 1) -> None:
        self.shingle_size = shingle_size
        self.num_perm = num_perm
        self.seed = seed
        self._a, self._b = permutations(num_perm, seed)
        self._powers = _Powers()

    def shingle_hashes(self, text: str) -> np.ndarray:
        """uint32 hashes of the shingles of `text` (empty when it has no words)."""
        words = _word_hashes(shingle_text(text), self._powers)
        if not len(words):
            return np.empty(0, dtype=np.uint32)
        return _combine(words, self.shingle_size)

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), num_perm) uint32 signatures; a text without words gets all 0xFFFFFFFF."""
        result = np.full((len(texts), self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        buffer = np.empty((0, self.num_perm), dtype=np.uint32)
        for row, text in enumerate(texts):
            hashes = self.shingle_hashes(text)
            if not len(hashes):
                continue
            if len(hashes) > len(buffer):
                buffer = np.empty((len(hashes), self.num_perm), dtype=np.uint32)
            permuted = buffer[:len(hashes)]
            # datasketch "affine32": fmix32, then a * h + b modulo 2^32, minimum per permutation.
            np.multiply(_fmix32(hashes).reshape(-1, 1), self._a, out=permuted)
            np.add(permuted, self._b, out=permuted)
            permuted.min(axis=0, out=result[row])
        return result

    def signature(self, text: str) -> np.ndarray:
        """The signature of one text (prefer `signatures` for many)."""
        return self.signatures([text])[0]

    def to_datasketch(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch `LeanMinHash` holding `signature`, for datasketch's LSH indexes."""
        minhash = MinHash(num_perm=self.num_perm, seed=self.seed, scheme="affine32",
                          hashvalues=signature.astype(np.uint32))
        return LeanMinHash(minhash)


def jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Jaccard similarity estimated from two signatures (fraction of equal entries)."""
    return float(np.count_nonzero(first == second)) / len(first)
