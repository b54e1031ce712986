"""How close extracted text is to human ground truth: the two metrics the clean stage is held to.

- `token_f1`: bag-of-words F1 of one page (tokens are `\\w+` runs, compared as multisets), the
  usual measure of main-text extraction (Kohlschütter et al. 2010, "Boilerplate Detection using
  Shallow Text Features"; CleanEval, Baroni et al. 2008). The sample web's acceptance figure is
  its mean over pages.
- `benchmark_scores`: the Scrapinghub/Zyte article-extraction benchmark's metric — each text is
  the multiset of its word 4-grams; per page, precision and recall over those multisets;
  precision and recall are averaged over pages and F1 is the harmonic mean of the two averages.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from webtext.core.document import Page

_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """The word tokens of `text` (`\\w+` runs)."""
    return _WORD.findall(text)


def _overlap(predicted: Counter[object], truth: Counter[object]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of two multisets."""
    tp = sum((predicted & truth).values())
    return tp, sum(predicted.values()) - tp, sum(truth.values()) - tp


def token_f1(predicted: str, truth: str) -> float:
    """Bag-of-tokens F1 of `predicted` against `truth` (1.0 when both are empty)."""
    tp, fp, fn = _overlap(Counter(tokens(predicted)), Counter(tokens(truth)))
    if tp + fp + fn == 0:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of an extractor over a set of pages."""

    precision: float
    recall: float
    f1: float


def _ngrams(text: str, n: int = 4) -> Counter[object]:
    words = tokens(text)
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def benchmark_scores(pairs: Iterable[tuple[str, str]]) -> Scores:
    """The benchmark's scores over (predicted, truth) pairs, one pair per page."""
    precisions: list[float] = []
    recalls: list[float] = []
    for predicted, truth in pairs:
        tp, fp, fn = _overlap(_ngrams(predicted), _ngrams(truth))
        if tp + fp + fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        precisions.append(tp / (tp + fp) if tp + fp else 0.0)
        recalls.append(tp / (tp + fn) if tp + fn else 0.0)
    if not precisions:
        raise ValueError("no pages to score")
    precision = sum(precisions) / len(precisions)
    recall = sum(recalls) / len(recalls)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


def load_benchmark(directory: Path) -> list[tuple[Page, str]]:
    """The pages of an extraction benchmark folder (`html/<key>.html.gz` + `ground-truth.json`,
    the layout of Scrapinghub's article-extraction benchmark) with their human-written text."""
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    return [(Page(url=item["url"], status=200, headers=(("Content-Type", "text/html"),),
                  body=gzip.decompress((directory / "html" / f"{key}.html.gz").read_bytes()), fetched_at=""),
             item["articleBody"]) for key, item in sorted(truth.items())]
