"""GPT-2 normalization and n-gram iteration (the evaluator's overlap figures depend on them)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from webtext.dedup.ngrams import gpt2_words, ngrams, normalize_gpt2, word_ngrams, word_spans


def test_normalization_is_lowercase_alphanumeric_words_single_spaced() -> None:
    text = "The  Quick-brown FOX's\tjump:\n 3.14 times_over! Ünïcode"
    assert normalize_gpt2(text) == "the quick brown fox s jump 3 14 times over ünïcode"


def test_ngrams_are_eight_words_by_default_and_overlap_by_one_word() -> None:
    text = " ".join(f"W{i}," for i in range(10))
    grams = list(ngrams(text))
    assert grams == ["w0 w1 w2 w3 w4 w5 w6 w7", "w1 w2 w3 w4 w5 w6 w7 w8", "w2 w3 w4 w5 w6 w7 w8 w9"]


def test_short_text_has_no_ngrams_and_repeats_are_kept() -> None:
    assert list(ngrams("only seven words in this little text")) == []
    assert list(word_ngrams(["a", "a", "a"], 2)) == ["a a", "a a"]


def test_word_spans_point_into_the_original_text() -> None:
    text = "İstanbul, Straße — OK?"
    spans = word_spans(text)
    assert [word for word, _, _ in spans] == gpt2_words(text)
    assert [text[start:end] for _, start, end in spans] == ["İstanbul", "Straße", "OK"]


@given(st.text())
def test_normalization_is_idempotent_and_case_insensitive(text: str) -> None:
    once = normalize_gpt2(text)
    assert normalize_gpt2(once) == once
    assert normalize_gpt2(text.upper()) == normalize_gpt2(text.upper().lower())
    assert "  " not in once
    assert once == once.strip()
