"""Gopher's n-gram repetition statistics, computed on integer ids, against their definition."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from webtext.clean.quality import (
    DUPLICATE_LINE_CHARS_LIMIT,
    DUPLICATE_LINE_LIMIT,
    DUPLICATE_NGRAM_LIMITS,
    TOP_NGRAM_LIMITS,
    WordGrams,
    _ranks,
    alphabetic_word_fraction,
    duplicate_line_fractions,
    repetition_exceeds_limits,
    words_of,
)
from webtext.clean.scoring import load_benchmark


def reference_top(words: list[str], n: int) -> float:
    """Definition: characters in all occurrences of the most frequent n-gram (first of equals)."""
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0.0
    gram, count = Counter(grams).most_common(1)[0]
    return 0.0 if count < 2 else count * sum(map(len, gram)) / max(1, sum(map(len, words)))


def reference_duplicate(words: list[str], n: int) -> float:
    """Definition: characters of the words inside any n-gram that occurs more than once."""
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    counts = Counter(grams)
    covered = {i + k for i, gram in enumerate(grams) if counts[gram] > 1 for k in range(n)}
    return sum(len(words[i]) for i in covered) / max(1, sum(map(len, words)))


def test_hand_computed_fractions() -> None:
    grams = WordGrams(["the", "cat", "sat", "on", "the", "cat", "mat"])
    assert grams.top_fraction(2) == pytest.approx(2 * 6 / 20)  # "the cat" twice, of 20 characters
    assert grams.top_fraction(3) == 0.0  # no 3-gram repeats
    assert grams.duplicate_fraction(2) == pytest.approx(12 / 20)
    assert WordGrams(["one"]).top_fraction(2) == 0.0 and WordGrams([]).duplicate_fraction(10) == 0.0


@pytest.mark.parametrize("seed", range(40))
def test_same_as_the_definition_on_random_texts(seed: int) -> None:
    rng = random.Random(seed)
    words = [rng.choice(["a", "bb", "ccc", "a", "dddd", "e"]) for _ in range(rng.randrange(0, 80))]
    grams = WordGrams(words)
    for n in (1, 2, 3, 4, 5, 9, 10):
        assert grams.top_fraction(n) == pytest.approx(reference_top(words, n)), n
        assert grams.duplicate_fraction(n) == pytest.approx(reference_duplicate(words, n)), n


def exceeds_by_definition(text: str) -> bool:
    """Gopher's repetition limits, every statistic computed in full."""
    lines = text.splitlines()
    duplicate_lines, duplicate_line_chars = duplicate_line_fractions(lines)
    words = text.split()
    return (duplicate_lines > DUPLICATE_LINE_LIMIT or duplicate_line_chars > DUPLICATE_LINE_CHARS_LIMIT
            or any(reference_top(words, n) > limit for n, limit in TOP_NGRAM_LIMITS)
            or any(reference_duplicate(words, n) > limit for n, limit in DUPLICATE_NGRAM_LIMITS))


@pytest.mark.parametrize("seed", range(30))
def test_limit_tests_as_defined_at_and_around_the_values(seed: int) -> None:
    """The `*_exceeds` shortcuts answer as the full statistics do, for limits at and near them."""
    rng = random.Random(seed)
    vocabulary = ["a", "bb", "ccc", "dddd", "eeeee", "ffffffffffff"][:rng.randrange(2, 7)]
    words = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 120))]
    for n in (1, 2, 3, 4, 10):
        for value in (reference_top(words, n), reference_duplicate(words, n)):
            for limit in (value, value - 1e-9, value + 1e-9, 0.0, 0.16, 0.3, 1.0, -0.1):
                grams = WordGrams(words)  # fresh: what is built before changes which shortcut applies
                assert grams.top_fraction_exceeds(n, limit) == (reference_top(words, n) > limit), (n, limit)
                assert grams.duplicate_fraction_exceeds(n, limit) == (reference_duplicate(words, n) > limit)


@pytest.mark.parametrize("seed", range(40))
def test_repetition_limits_as_defined_on_random_texts(seed: int) -> None:
    rng = random.Random(seed)  # about half of these texts break a limit
    vocabulary = ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randrange(1, 9)))
                  for _ in range(rng.randrange(5, 500))]
    phrases = [" ".join(rng.choice(vocabulary) for _ in range(rng.randrange(1, 15)))
               for _ in range(rng.randrange(1, 60))]
    repeated = rng.random() ** 2
    text = "\n".join(" ".join(rng.choice(phrases) if rng.random() < repeated else rng.choice(vocabulary)
                              for _ in range(rng.randrange(1, 30))) for _ in range(rng.randrange(1, 40)))
    assert repetition_exceeds_limits(text) == exceeds_by_definition(text)
    assert words_of(text) == tuple(text.split())


def test_repetition_limits_as_defined_on_real_articles(extraction_benchmark: Path) -> None:
    for _, truth in load_benchmark(extraction_benchmark):
        assert repetition_exceeds_limits(truth) == exceeds_by_definition(truth)


def test_alphabetic_word_fraction_as_defined() -> None:
    rng = random.Random(9)
    pieces = ["a", "Z", "\u00e9", "\u4e2d", "1", "\u00b2", "\u00bd", "\u0663", "_", "#", "-", "\u0301", "...", "'"]
    for _ in range(3000):
        words = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 4))) for _ in range(rng.randrange(0, 8))]
        letters = sum(1 for w in words if re.search(r"[^\W\d_]", w))
        assert alphabetic_word_fraction(words) == (letters / len(words) if words else 1.0), words


@pytest.mark.parametrize("seed", range(10))
def test_ranks_are_the_inverse_of_np_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, rng.integers(1, 50), rng.integers(1, 300)).astype(np.int64)
    assert (_ranks(values) == np.unique(values, return_inverse=True)[1]).all()
