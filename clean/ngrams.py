"""Word n-grams of a text as integer ids, and the repetition statistics Gopher computes on them.

The statistics are those of Gopher's repetition filters (Rae et al. 2021, Table A1): the fraction
of characters covered by the most frequent n-gram, and by n-grams that are repeated. Here an
n-gram counts as repeated from its `MIN_REPEATS`-th occurrence (`webtext.clean.quality` says why
and gives the limits); `WordGrams` computes them on integer arrays and from bounds that settle
most texts without building any n-gram.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np

MIN_REPEATS = 3  # a line or n-gram counts as repeated from its third occurrence


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct values: `np.unique(values, return_inverse=True)[1]`
    without its general-purpose steps, which cost a quarter of its time on a text's n-grams."""
    order = values.argsort()
    ordered = values[order]
    ranks = np.empty(len(values), np.int64)
    ranks[order] = np.concatenate(([0], np.cumsum(ordered[1:] != ordered[:-1])))
    return ranks


class WordGrams:
    """The word n-grams of a text as dense integer ids, one per start position.

    The ids of n-grams are those of (first n - n//2 words, last n//2 words) pairs, renumbered by
    rank, so all the n-grams the limits need (2, 3, 4 and 10) take at most five sorts of
    integer arrays instead of Python tuples of strings (half the time on the benchmark's
    articles), and equal n-grams get equal ids exactly, with no hashing. The `*_exceeds` tests
    build ids only when the counts of single words do not settle the answer (bounds computed from
    them: `_window_bound`, `_frequent_run_fraction`), and the ids of longer n-grams only when those
    of shorter ones do not: on the 970 pages of the two real-page sets that have ten words, the
    word counts settle the duplicated-10-gram limit on all but those that break it.
    """

    def __init__(self, words: Sequence[str]) -> None:
        self._words = words
        self._counts = Counter(words)  # in C: no Python loop
        counts = np.fromiter(self._counts.values(), np.int64, len(self._counts))
        shares = counts * np.fromiter(map(len, self._counts), np.int64, len(self._counts))
        self.total_chars = max(1, int(shares.sum()))
        self._most_frequent_word = int(counts.max()) if len(counts) else 0
        self._widest_word_share = int(shares.max()) if len(counts) else 0  # characters of one word's occurrences
        self._repeated_word_chars = int(shares[counts >= MIN_REPEATS].sum())
        self._ids: dict[int, np.ndarray] = {}

    @functools.cached_property
    def lengths(self) -> np.ndarray:
        """The length of each word."""
        return np.fromiter(map(len, self._words), np.int64, len(self._words))

    @functools.cached_property
    def _occurrences(self) -> np.ndarray:
        """How often the word at each position occurs in the text."""
        return np.fromiter(map(self._counts.__getitem__, self._words), np.int64, len(self._words))

    def _window_bound(self, n: int) -> float:
        """An upper bound of `top_fraction(n)` (n <= len(words)) from single words: the most, over
        the runs of n words, of the occurrences of the rarest word in the run times the run's
        characters. The most frequent n-gram is one of the runs, and occurs at most as often as
        its rarest word."""
        runs = len(self._words) - n + 1
        rarest = self._occurrences[:runs].copy()
        chars = self.lengths[:runs].copy()
        for k in range(1, n):
            np.minimum(rarest, self._occurrences[k:k + runs], out=rarest)
            chars += self.lengths[k:k + runs]
        rarest[rarest < MIN_REPEATS] = 0
        return int((rarest * chars).max()) / self.total_chars

    def _frequent_run_fraction(self, n: int) -> float:
        """An upper bound of `duplicate_fraction(n)` (n <= len(words)) from single words: the
        characters of the words inside runs of n words that each occur at least `MIN_REPEATS`
        times, as every word of an n-gram that does occurs that often too."""
        ones = np.ones(n, np.int64)
        frequent = (self._occurrences >= MIN_REPEATS).astype(np.int64)
        runs = (np.convolve(frequent, ones, "valid") == n).astype(np.int64)
        covered = np.convolve(runs, ones)[:len(self._words)] > 0
        return int(self.lengths[covered].sum()) / self.total_chars

    def ids(self, n: int) -> np.ndarray:
        """Id of the n-gram starting at each position (len(words) - n + 1 of them); n <= len(words)."""
        if n not in self._ids:
            if n == 1:
                index = dict(zip(self._counts, itertools.count()))
                self._ids[1] = np.fromiter(map(index.__getitem__, self._words), np.int64, len(self._words))
                return self._ids[1]
            right_n = n // 2
            left_n = n - right_n
            left, right = self.ids(left_n), self.ids(right_n)
            count = len(self._words) - n + 1
            pairs = left[:count] * (int(right.max()) + 1) + right[left_n:left_n + count]
            self._ids[n] = _ranks(pairs)
        return self._ids[n]

    def top_fraction(self, n: int) -> float:
        """Characters in all occurrences of the most frequent n-gram (the first of equals), over all;
        0 when it occurs fewer than `MIN_REPEATS` times."""
        if len(self._words) < n:
            return 0.0
        ids = self.ids(n)
        counts = np.bincount(ids)[ids]
        best = int(counts.max())
        if best < MIN_REPEATS:
            return 0.0
        first = int(np.argmax(counts == best))
        return best * int(self.lengths[first:first + n].sum()) / self.total_chars

    def duplicate_fraction(self, n: int) -> float:
        """Characters of the words covered by n-grams that occur at least `MIN_REPEATS` times, over all."""
        words = len(self._words)
        if words < n:
            return 0.0
        if n == 1:
            return self._repeated_word_chars / self.total_chars
        ids = self.ids(n)
        repeated = np.concatenate(([0], np.cumsum(np.bincount(ids)[ids] >= MIN_REPEATS)))
        # word i is covered when a repeated n-gram starts in [i - n + 1, i]
        position = np.arange(words)
        covered = repeated[np.minimum(position, len(ids) - 1) + 1] > repeated[np.maximum(0, position - n + 1)]
        return int(self.lengths[covered].sum()) / self.total_chars

    def _shorter(self, n: int) -> int:
        """The longest n-grams shorter than `n` (2 < n <= len(words)) whose ids are built, word
        pairs at least (built here if need be: the ids of every longer n-gram need them)."""
        self.ids(2)
        return max(k for k in self._ids if k < n)

    def top_fraction_exceeds(self, n: int, limit: float) -> bool:
        """Whether `top_fraction(n) > limit`."""
        # No n-gram occurs more often than its most frequent word, and the characters of all its
        # occurrences are at most those of all occurrences of its words: at most n times the most any
        # one word has.
        if self._most_frequent_word < MIN_REPEATS:
            return limit < 0  # top_fraction(n) is 0
        if n * self._widest_word_share / self.total_chars <= limit:
            return False
        if n <= len(self._words) and self._window_bound(n) <= limit:
            return False
        if 2 < n <= len(self._words):
            # An n-gram occurs at most as often as its first k words (k < n) and spans at most the
            # longest run of n words: when that product is within the limit, so is the fraction.
            most = int(np.bincount(self.ids(self._shorter(n))).max())
            widest = int(np.convolve(self.lengths, np.ones(n, np.int64), "valid").max())
            if most * widest / self.total_chars <= limit:
                return False
        return self.top_fraction(n) > limit

    def duplicate_fraction_exceeds(self, n: int, limit: float) -> bool:
        """Whether `duplicate_fraction(n) > limit`."""
        # The k-grams inside an n-gram that occurs m times occur at least m times too (k < n), so the
        # words that repeated n-grams cover are among those that repeated k-grams cover: single
        # words first, then runs of repeated words, then the longest n-grams whose ids are built.
        if 1 < n <= len(self._words) and (
                self.duplicate_fraction(1) <= limit or self._frequent_run_fraction(n) <= limit
                or (n > 2 and self.duplicate_fraction(self._shorter(n)) <= limit)):
            return False
        return self.duplicate_fraction(n) > limit
