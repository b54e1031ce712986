"""How close extracted text is to human ground truth: the metrics the clean stage is held to, the
real-page sets they are measured on, and the extractors compared there.

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

`run_extractors` runs the extractors these sets compare (`EXTRACTORS`: the stage, its extraction
alone, bare `trafilatura.extract` with its defaults and with `include_comments=False`) over pages,
on several processes if asked, and keeps why the stage dropped a page (`drop_report` lists them);
`bench/clean.py` and the real-page tests both use it. The stage runs there with `quality_settings`:
its defaults with the language filter off, since both sets are multilingual.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import multiprocessing
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura
from webtext.clean.extract import extract_page
from webtext.clean.filters import Filter, default_filters
from webtext.clean.settings import CleanSettings
from webtext.clean.stage import clean_page
from webtext.core.document import Document, Page

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


@dataclass(frozen=True)
class Outcome:
    """What an extractor made of one page: its text, or "" with why and by which filter it was dropped."""

    url: str
    text: str
    drop_reason: str | None = None
    dropped_by: str = ""  # `meta["dropped_by"]` of the filter, or "extraction"


def quality_settings() -> CleanSettings:
    """The stage's default settings with the language filter off, as the real-page sets measure it."""
    settings = CleanSettings()
    return dataclasses.replace(settings, filters=dataclasses.replace(settings.filters, languages=[]))


@functools.cache
def _quality_stage() -> tuple[CleanSettings, list[Filter]]:
    settings = quality_settings()
    return settings, default_filters(settings.filters)


def _outcome(doc: Document) -> Outcome:
    if doc.drop_reason is None:
        return Outcome(doc.url, doc.text)
    return Outcome(doc.url, "", doc.drop_reason, str(doc.meta.get("dropped_by", "extraction")))


def _stage(page: Page) -> Outcome:
    settings, filters = _quality_stage()
    return _outcome(clean_page(page, settings, filters))


def _extraction(page: Page) -> Outcome:
    return _outcome(extract_page(page, _quality_stage()[0].extract))


def _bare(page: Page) -> Outcome:
    return Outcome(page.url, trafilatura.extract(page.body) or "")


def _bare_without_comments(page: Page) -> Outcome:
    return Outcome(page.url, trafilatura.extract(page.body, include_comments=False) or "")


STAGE = "stage (clean_page)"
EXTRACTION = "extraction alone (extract_page)"
BARE = "trafilatura.extract(html)"
BARE_NO_COMMENTS = "trafilatura.extract(html, include_comments=False)"
EXTRACTORS: dict[str, Callable[[Page], Outcome]] = {
    STAGE: _stage, EXTRACTION: _extraction, BARE: _bare, BARE_NO_COMMENTS: _bare_without_comments}


def _run(task: tuple[str, Page]) -> Outcome:
    name, page = task
    return EXTRACTORS[name](page)


def run_extractors(pages: Sequence[Page], names: Sequence[str] = tuple(EXTRACTORS),
                   processes: int = 1) -> dict[str, list[Outcome]]:
    """The outcome of each extractor named (keys of `EXTRACTORS`) on each page, in page order;
    the work is spread over `processes` worker processes when more than one."""
    tasks = [(name, page) for name in names for page in pages]
    if processes > 1:
        with multiprocessing.Pool(processes) as pool:
            outcomes = pool.map(_run, tasks, chunksize=4)  # small chunks: no worker idles at the end
    else:
        outcomes = [_run(task) for task in tasks]
    return {name: outcomes[index * len(pages):(index + 1) * len(pages)] for index, name in enumerate(names)}


def dropped(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """The outcomes of pages that were dropped, in order."""
    return [outcome for outcome in outcomes if outcome.drop_reason is not None]


def drop_report(outcomes: Iterable[Outcome]) -> list[str]:
    """A line per dropped page ("filter reason URL"), then how many pages each filter dropped."""
    drops = dropped(outcomes)
    counts = Counter(outcome.dropped_by for outcome in drops)
    per_filter = ", ".join(f"{name} {count}" for name, count in counts.most_common()) or "none"
    lines = [f"{o.dropped_by} {o.drop_reason} {o.url}" for o in drops]
    return [*lines, f"{len(drops)} dropped; per filter: {per_filter}"]
