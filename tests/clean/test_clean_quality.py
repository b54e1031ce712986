"""Gopher's repetition, letter and line statistics against their definitions."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from webtext.clean.ngrams import MIN_REPEATS, WordGrams, _ranks
from webtext.clean.quality import (
    DUPLICATE_LINE_CHARS_LIMIT,
    DUPLICATE_LINE_LIMIT,
    DUPLICATE_NGRAM_LIMITS,
    TOP_NGRAM_LIMITS,
    alphabetic_word_fraction,
    duplicate_line_fractions,
    letter_fraction,
    repetition_exceeds_limits,
    words_of,
)
from webtext.clean.scoring import load_benchmark
from webtext.clean.words import PROSE_LINE_WORDS, token_words, word_count


def reference_top(words: list[str], n: int) -> float:
    """Definition: characters in all occurrences of the most frequent n-gram (first of equals), when
    it occurs at least MIN_REPEATS times."""
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0.0
    gram, count = Counter(grams).most_common(1)[0]
    return 0.0 if count < MIN_REPEATS else count * sum(map(len, gram)) / max(1, sum(map(len, words)))


def reference_duplicate(words: list[str], n: int) -> float:
    """Definition: characters of the words inside any n-gram that occurs at least MIN_REPEATS times."""
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    counts = Counter(grams)
    covered = {i + k for i, gram in enumerate(grams) if counts[gram] >= MIN_REPEATS for k in range(n)}
    return sum(len(words[i]) for i in covered) / max(1, sum(map(len, words)))


def reference_duplicate_lines(lines: list[str]) -> tuple[float, float]:
    """Definition: the copies of earlier lines, of lines that occur at least MIN_REPEATS times; the
    fraction of lines that are such copies of prose lines, and of characters in all such copies."""
    counts = Counter(lines)
    copies = [line for i, line in enumerate(lines) if line in lines[:i] and counts[line] >= MIN_REPEATS]
    prose = [line for line in copies if word_count(line) >= PROSE_LINE_WORDS]
    return len(prose) / max(1, len(lines)), sum(map(len, copies)) / max(1, sum(map(len, lines)))


def test_hand_computed_fractions() -> None:
    grams = WordGrams(["the", "cat", "sat", "on", "the", "cat", "mat", "and", "the", "cat"])
    assert grams.top_fraction(2) == pytest.approx(3 * 6 / 29)  # "the cat" three times, of 29 characters
    assert grams.top_fraction(3) == 0.0  # no 3-gram occurs three times
    assert grams.duplicate_fraction(2) == pytest.approx(18 / 29)
    twice = WordGrams(["the", "cat", "sat", "on", "the", "cat"])
    assert twice.top_fraction(2) == 0.0 and twice.duplicate_fraction(2) == 0.0  # twice is not repetition
    assert WordGrams(["one"]).top_fraction(2) == 0.0 and WordGrams([]).duplicate_fraction(10) == 0.0


def test_duplicate_lines_count_prose_lines_and_the_characters_of_every_line() -> None:
    label, paragraph = "Sunshine:", "We met in the spring, after the book had come out, at a small cafe."
    interview = [line for i in range(5) for line in (label, f"{paragraph} ({i})")]
    chars = sum(map(len, interview))
    assert duplicate_line_fractions(interview) == (0.0, pytest.approx(4 * len(label) / chars))
    assert duplicate_line_fractions([label, paragraph] * 3) == (pytest.approx(2 / 6), pytest.approx(2 / 3))
    assert duplicate_line_fractions([paragraph, paragraph, label]) == (0.0, 0.0)  # twice: an extraction artefact


@pytest.mark.parametrize("seed", range(30))
def test_duplicate_lines_as_defined_on_random_lines(seed: int) -> None:
    rng = random.Random(seed)
    pool = [" ".join(rng.choice(["a", "bb", "\u6c49\u5b57", "ccc"]) for _ in range(rng.randrange(1, 9)))
            for _ in range(rng.randrange(1, 12))]
    lines = [rng.choice(pool) for _ in range(rng.randrange(0, 40))]
    assert duplicate_line_fractions(lines) == pytest.approx(reference_duplicate_lines(lines))


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
    duplicate_lines, duplicate_line_chars = reference_duplicate_lines(lines)
    words = [word for word in text.split() if not ("|" in word and set(word) <= set("|-:"))]
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
    if seed % 4 == 0:  # some as table rows: the cell borders are not words
        text = "\n".join(f"| {line.replace(' ', ' | ', 3)} |" for line in text.splitlines())
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


def reference_letter_fraction(text: str) -> float:
    """Definition: words with a letter over words, where a word counts once, with a letter or not,
    and `token_words - 1` times more with a letter, and a line that starts with "|" is a table row
    that counts once (with a letter when a cell has one), or not at all when it has neither letters
    nor digits."""
    letters = total = 0.0
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            if re.search(r"[^\W_]", line):
                total += 1
                letters += re.search(r"[^\W\d_]", line) is not None
            continue
        for word in line.split():
            total += token_words(word)
            letters += token_words(word) - 1 + (re.search(r"[^\W\d_]", word) is not None)
    return letters / total if total else 1.0


@pytest.mark.parametrize("seed", range(20))
def test_letter_fraction_as_defined_on_random_texts(seed: int) -> None:
    rng = random.Random(seed)
    cells = ["1", "22", "Busch", "5,2 %", "", "---", "\u6c49\u5b57\u8bcd", "\u3072\u3089", "#", "x1"]
    lines = []
    for _ in range(rng.randrange(0, 25)):
        picked = [rng.choice(cells) for _ in range(rng.randrange(0, 6))]
        lines.append("| " + " | ".join(picked) + " |" if rng.random() < 0.4 else " ".join(picked))
    text = "\n".join(lines)
    assert letter_fraction(text, text.split()) == pytest.approx(reference_letter_fraction(text))
    if "|" not in text and not any(c >= "\u3040" for c in text):
        assert letter_fraction(text, text.split()) == alphabetic_word_fraction(text.split())
