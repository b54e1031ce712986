"""The two extraction metrics: bag-of-tokens F1 and the benchmark's word 4-gram scores."""

from __future__ import annotations

import pytest
from webtext.clean.scoring import Scores, benchmark_scores, token_f1


def test_token_f1() -> None:
    assert token_f1("the park grows", "The park grows") == pytest.approx(2 / 3)  # case matters
    assert token_f1("a b c d", "a b c d") == 1.0
    assert token_f1("a b", "a b c d") == pytest.approx(2 * 2 / (2 * 2 + 0 + 2))
    assert token_f1("a a a", "a") == pytest.approx(2 * 1 / (2 * 1 + 2 + 0))  # multisets
    assert token_f1("", "") == 1.0
    assert token_f1("", "words") == 0.0


def test_benchmark_scores_follow_the_benchmark_definition() -> None:
    assert benchmark_scores([("a b c d e", "a b c d e")]) == Scores(1.0, 1.0, 1.0)
    partial = benchmark_scores([("a b c d", "a b c d e f g h")])  # 1 of the 5 true 4-grams
    assert (partial.precision, partial.recall) == (1.0, 0.2)
    averaged = benchmark_scores([("a b c d", "a b c d e f g h"), ("x y z w", "x y z w")])
    assert (averaged.precision, averaged.recall) == (1.0, 0.6)
    assert averaged.f1 == pytest.approx(2 * 0.6 / 1.6)


def test_no_pages_is_an_error() -> None:
    with pytest.raises(ValueError, match="no pages"):
        benchmark_scores([])
