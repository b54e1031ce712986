"""Text statistics behind the quality filters: repetition, symbols and stop words.

All from Gopher's MassiveWeb quality filters (Rae et al. 2021, "Scaling Language Models:
Methods, Analysis & Insights from Training Gopher", Appendix A.1.1 and Table A1), which were
tuned on web text and reused by RefinedWeb (Penedo et al. 2023) and datatrove:

- repetition: the fraction of lines that are duplicates, and of the characters in them; the
  fraction of characters covered by the most frequent word 2-, 3- and 4-gram; the fraction of
  characters inside word 5- to 10-grams that occur more than once;
- symbols: the ratio of hash signs and ellipses to words; the fraction of words that contain
  no letter;
- stop words: whether at least two of the eight English stop words Gopher lists occur.

Lines stand for Gopher's paragraphs too, since extracted text has one paragraph per line.

Two limits are looser than Gopher's, because WebText keeps what a person would call an article
and Gopher could afford to lose some. Measured on the 92 human-selected news and blog articles
of the extraction benchmark (`../shared/data/extraction-benchmark`):

- Gopher's duplicated-n-gram limits (0.15 of characters for 5-grams down to 0.10 for 10-grams)
  dropped 3 articles, e.g. one where a politician's hover card is repeated inline (0.19), and 4 of
  the sample web's 116 articles that repeat one paragraph; we keep one limit, 0.30 for
  duplicated 10-grams: a page of which almost a third is repeated passages.
- Gopher's "80% of words contain a letter" dropped two sports articles full of scores and
  statistics (0.71, 0.72); at 0.70 they stay, while a standings table (0.22) still goes.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence

import numpy as np

# Gopher, Table A1: (n, threshold) for the most frequent n-gram's character fraction...
TOP_NGRAM_LIMITS = ((2, 0.20), (3, 0.18), (4, 0.16))
# ... and for the fraction of characters in duplicated n-grams (looser; see above).
DUPLICATE_NGRAM_LIMITS = ((10, 0.30),)
DUPLICATE_LINE_LIMIT = 0.30
DUPLICATE_LINE_CHARS_LIMIT = 0.20
_LETTER = re.compile(r"[^\W\d_]")
SYMBOLS_PER_WORD_LIMIT = 0.10
ALPHABETIC_WORDS_MIN = 0.70  # Gopher: 0.80 (see above)
STOP_WORDS_EN = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})


@functools.lru_cache(maxsize=1)
def words_of(text: str) -> tuple[str, ...]:
    """`text.split()`, kept for the last text: the length, symbol and repetition filters all read
    the words of the same document, one after another."""
    return tuple(text.split())


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
    build the ids of longer n-grams only when those of shorter ones do not settle the answer:
    on 79 of the benchmark's 92 articles, the word pairs settle all four limits.
    """

    def __init__(self, words: Sequence[str]) -> None:
        index = dict(zip(dict.fromkeys(words), itertools.count()))  # in C: no Python loop
        ids = np.fromiter(map(index.__getitem__, words), np.int64, len(words))
        self.lengths = np.fromiter(map(len, index), np.int64, len(index))[ids]
        self.total_chars = max(1, int(self.lengths.sum()))
        self._ids = {1: ids}

    def ids(self, n: int) -> np.ndarray:
        """Id of the n-gram starting at each position (len(words) - n + 1 of them); n <= len(words)."""
        if n not in self._ids:
            right_n = n // 2
            left_n = n - right_n
            left, right = self.ids(left_n), self.ids(right_n)
            count = len(self._ids[1]) - n + 1
            pairs = left[:count] * (int(right.max()) + 1) + right[left_n:left_n + count]
            self._ids[n] = _ranks(pairs)
        return self._ids[n]

    def top_fraction(self, n: int) -> float:
        """Characters in all occurrences of the most frequent n-gram (the first of equals), over all."""
        if len(self.lengths) < n:
            return 0.0
        ids = self.ids(n)
        counts = np.bincount(ids)[ids]
        best = int(counts.max())
        if best < 2:
            return 0.0
        first = int(np.argmax(counts == best))
        return best * int(self.lengths[first:first + n].sum()) / self.total_chars

    def duplicate_fraction(self, n: int) -> float:
        """Characters of the words covered by n-grams that occur more than once, over all."""
        words = len(self.lengths)
        if words < n:
            return 0.0
        ids = self.ids(n)
        repeated = np.concatenate(([0], np.cumsum(np.bincount(ids)[ids] > 1)))
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
        if 2 < n <= len(self.lengths):
            # An n-gram occurs at most as often as its first k words (k < n) and spans at most the
            # longest run of n words: when that product is within the limit, so is the fraction.
            most = int(np.bincount(self.ids(self._shorter(n))).max())
            widest = int(np.convolve(self.lengths, np.ones(n, np.int64), "valid").max())
            if most * widest / self.total_chars <= limit:
                return False
        return self.top_fraction(n) > limit

    def duplicate_fraction_exceeds(self, n: int, limit: float) -> bool:
        """Whether `duplicate_fraction(n) > limit`."""
        # The k-grams inside an n-gram that occurs twice occur twice too (k < n), so the words that
        # repeated n-grams cover are among those that repeated k-grams cover.
        if 2 < n <= len(self.lengths) and self.duplicate_fraction(self._shorter(n)) <= limit:
            return False
        return self.duplicate_fraction(n) > limit


def duplicate_line_fractions(lines: list[str]) -> tuple[float, float]:
    """(fraction of lines that repeat an earlier line, fraction of characters in them)."""
    if not lines:
        return 0.0, 0.0
    seen: set[str] = set()
    duplicates = duplicate_chars = 0
    for line in lines:
        if line in seen:
            duplicates += 1
            duplicate_chars += len(line)
        seen.add(line)
    return duplicates / len(lines), duplicate_chars / max(1, sum(len(line) for line in lines))


def repetition_exceeds_limits(text: str) -> bool:
    """Whether `text` breaks any of Gopher's repetition limits."""
    lines = text.splitlines()
    duplicate_lines, duplicate_line_chars = duplicate_line_fractions(lines)
    if duplicate_lines > DUPLICATE_LINE_LIMIT or duplicate_line_chars > DUPLICATE_LINE_CHARS_LIMIT:
        return True
    grams = WordGrams(words_of(text))
    if any(grams.top_fraction_exceeds(n, limit) for n, limit in TOP_NGRAM_LIMITS):
        return True
    return any(grams.duplicate_fraction_exceeds(n, limit) for n, limit in DUPLICATE_NGRAM_LIMITS)


def symbol_to_word_ratio(text: str, words: Sequence[str]) -> float:
    """Hash signs and ellipses ("...", "\u2026") per word."""
    symbols = text.count("#") + text.count("...") + text.count("\u2026")
    return symbols / max(1, len(words))


def alphabetic_word_fraction(words: Sequence[str]) -> float:
    """The fraction of words containing at least one letter."""
    if not words:
        return 1.0
    # A word of letters only (most words) has one; only the others need the regex: a third of the time.
    others = list(itertools.filterfalse(str.isalpha, words))
    with_letter = len(words) - len(others) + len(list(filter(_LETTER.search, others)))
    return with_letter / len(words)


def has_english_stop_words(words: Sequence[str], minimum: int = 2) -> bool:
    """Whether at least `minimum` of Gopher's English stop words occur among `words`."""
    return len(STOP_WORDS_EN.intersection(w.lower() for w in words)) >= minimum
