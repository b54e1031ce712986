"""Gopher's n-gram repetition statistics, computed on integer ids, against their definition."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from webtext.clean.quality import WordGrams


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
