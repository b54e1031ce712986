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

import re

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


class WordGrams:
    """The word n-grams of a text as dense integer ids, one per start position.

    The ids of n-grams are those of (first n - n//2 words, last n//2 words) pairs, renumbered with
    `np.unique`, so all the n-grams the limits need (2, 3, 4 and 10) take five sorts of integer
    arrays instead of Python tuples of strings (half the time on the benchmark's articles), and
    equal n-grams get equal ids exactly, with no hashing.
    """

    def __init__(self, words: list[str]) -> None:
        index: dict[str, int] = {}
        self.lengths = np.fromiter(map(len, words), np.int64, len(words))
        self.total_chars = max(1, int(self.lengths.sum()))
        self._ids = {1: np.fromiter((index.setdefault(w, len(index)) for w in words), np.int64, len(words))}

    def ids(self, n: int) -> np.ndarray:
        """Id of the n-gram starting at each position (len(words) - n + 1 of them); n <= len(words)."""
        if n not in self._ids:
            right_n = n // 2
            left_n = n - right_n
            left, right = self.ids(left_n), self.ids(right_n)
            count = len(self._ids[1]) - n + 1
            pairs = left[:count] * (int(right.max()) + 1) + right[left_n:left_n + count]
            self._ids[n] = np.unique(pairs, return_inverse=True)[1]
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
    grams = WordGrams(text.split())
    if any(grams.top_fraction(n) > limit for n, limit in TOP_NGRAM_LIMITS):
        return True
    return any(grams.duplicate_fraction(n) > limit for n, limit in DUPLICATE_NGRAM_LIMITS)


def symbol_to_word_ratio(text: str, words: list[str]) -> float:
    """Hash signs and ellipses ("...", "\u2026") per word."""
    symbols = text.count("#") + text.count("...") + text.count("\u2026")
    return symbols / max(1, len(words))


def alphabetic_word_fraction(words: list[str]) -> float:
    """The fraction of words containing at least one letter."""
    if not words:
        return 1.0
    return sum(1 for w in words if _LETTER.search(w)) / len(words)


def has_english_stop_words(words: list[str], minimum: int = 2) -> bool:
    """Whether at least `minimum` of Gopher's English stop words occur among `words`."""
    return len(STOP_WORDS_EN.intersection(w.lower() for w in words)) >= minimum
