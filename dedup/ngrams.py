"""GPT-2's text normalization for overlap measurement, and word n-gram iteration.

GPT-2 measured how much of each test set also occurs in WebText with 8-gram Bloom filters over
text "normalized to contain only lower-cased alphanumeric words separated by single spaces"
(Radford et al. 2019, "Language Models are Unsupervised Multitask Learners", section 4 and
appendix). `gpt2_words` is that normalization: every maximal run of Unicode letters and digits
is a word, lower-cased, and everything else (punctuation, underscores, whitespace) separates
words. `ngrams` yields the space-joined word n-grams (8 by default) that the Bloom filter
(`webtext.dedup.bloom`) stores; a text with fewer than n words has no n-grams.

The GPT-3 decontamination rule (Brown et al. 2020, appendix C) uses the same normalization with
13-grams, and needs to know where each n-gram sits in the original text: `word_spans` gives the
character span of every normalized word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

GPT2_NGRAM: int = 8
"""The n-gram length GPT-2 used to measure test-set overlap (section 4)."""

# A word is a maximal run of Unicode letters and digits (\w without the underscore).
_WORD = re.compile(r"[^\W_]+")


def gpt2_words(text: str) -> list[str]:
    """The lower-cased alphanumeric words of `text`, in order (the words of `word_spans`)."""
    return [word.lower() for word in _WORD.findall(text)]


def normalize_gpt2(text: str) -> str:
    """`text` as lower-cased alphanumeric words separated by single spaces."""
    return " ".join(gpt2_words(text))


def word_ngrams(words: Sequence[str], n: int = GPT2_NGRAM) -> Iterator[str]:
    """The space-joined n-grams of an already normalized word sequence (none if too short)."""
    if n < 1:
        raise ValueError(f"n-gram length must be at least 1, not {n}")
    for start in range(len(words) - n + 1):
        yield " ".join(words[start:start + n])


def ngrams(text: str, n: int = GPT2_NGRAM) -> Iterator[str]:
    """The n-grams of `text` after GPT-2 normalization, in order, repeats included."""
    return word_ngrams(gpt2_words(text), n)


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Each normalized word of `text` with its (start, end) character offsets in `text`.

    Lower-casing can change a string's length (e.g. "İ"), so words are matched on the original
    text and lower-cased one by one (as in `gpt2_words`); offsets always index `text` itself.
    """
    return [(match.group().lower(), match.start(), match.end()) for match in _WORD.finditer(text)]
