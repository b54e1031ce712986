"""How close extracted text is to human ground truth: the two metrics the clean stage is held to.

- `token_f1`: bag-of-words F1 of one page (tokens are `\\w+` runs, compared as multisets), the
  usual measure of main-text extraction (Kohlschütter et al. 2010, "Boilerplate Detection using
  Shallow Text Features"; CleanEval, Baroni et al. 2008). The sample web's acceptance figure is
  its mean over pages.
- `benchmark_scores`: the Scrapinghub/Zyte article-extraction benchmark's metric — each text is
  the multiset of its word 4-grams; per page, precision and recall over those multisets;
  precision and recall are averaged over pages and F1 is the harmonic mean of the two averages.
- `snippet_rates`: the measure of trafilatura's own evaluation set (Barbaresi 2021) — per page,
  text snippets that belong to the main text ("with") and text that must not be in it
  ("without"); the share of "with" snippets found and of "without" snippets leaked, over all
  pages. Snippets and text are compared in NFC with whitespace runs as one space.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class SnippetPage:
    """A page of a snippet set, with text that belongs to its main text and text that does not."""

    page: Page
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()


@dataclass(frozen=True)
class SnippetRates:
    """Snippets found over snippets asked for, of each kind, summed over pages."""

    found: int
    wanted: int
    leaked: int
    unwanted: int
    pages: list[str] = field(default_factory=list, compare=False)  # URLs of pages without text

    @property
    def found_rate(self) -> float:
        """Share of "with" snippets found in the extracted text (higher is better)."""
        return self.found / self.wanted if self.wanted else 1.0

    @property
    def leak_rate(self) -> float:
        """Share of "without" snippets found in the extracted text (lower is better)."""
        return self.leaked / self.unwanted if self.unwanted else 0.0


def _comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def snippet_rates(pairs: Iterable[tuple[str, SnippetPage]]) -> SnippetRates:
    """The snippet rates of extracted texts, one (text, page) pair per page ("" for no text)."""
    found = wanted = leaked = unwanted = 0
    empty: list[str] = []
    for text, item in pairs:
        plain = _comparable(text)
        if not plain:
            empty.append(item.page.url)
        found += sum(bool(plain) and _comparable(s) in plain for s in item.with_snippets)
        leaked += sum(bool(plain) and _comparable(s) in plain for s in item.without_snippets)
        wanted += len(item.with_snippets)
        unwanted += len(item.without_snippets)
    return SnippetRates(found, wanted, leaked, unwanted, empty)


def load_snippet_set(directory: Path) -> list[SnippetPage]:
    """The pages of a snippet set folder (`evaldata.json` mapping each URL to its `file`, `with`
    and `without` lists; `html/<file>.gz`, the layout of trafilatura's evaluation set), in URL
    order; entries whose page file is absent are left out."""
    entries = json.loads((directory / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, item in sorted(entries.items()):
        path = directory / "html" / f"{item['file']}.gz"
        if not path.is_file():
            continue
        page = Page(url=url, status=200, headers=(("Content-Type", "text/html"),),
                    body=gzip.decompress(path.read_bytes()), fetched_at="")
        pages.append(SnippetPage(page, tuple(item.get("with") or ()), tuple(item.get("without") or ())))
    return pages
