#!/usr/bin/env python3
"""Language identification on real pages: accuracy per language, how much text to read, the threshold.

On the pages of `../shared/data` (the extraction benchmark's 92 and the snippet set's 883),
extracted by the clean stage, with their true language as `tests/clean/test_clean_language.py`
defines it (the declared one, or the one read by hand where it is missing or wrong), it prints:

- for each way of feeding a document to the model (`webtext.clean.language.sample`, the whole
  text, its first N characters), how many pages it reads right, per language, and its cost per
  page (best of 3 runs that alternate between the ways, one core);
  and the pages it reads wrong, and how it reads the sample web's three English pages that hold a
  French or Russian paragraph (its character-encoding cases);
- for thresholds of `--min-language-score`, how many English pages the English filter keeps and
  how many pages of other languages it lets in;
- the cost of `identify` beside bare `trafilatura.extract`, per page of the extraction benchmark
  (best of 3 runs that alternate).

    .venv/bin/python bench/language.py     (about 2 minutes on 2 cores)
"""

from __future__ import annotations

import os
import sys

from _paths import EXTRACTION_BENCHMARK, SNIPPET_SET  # bench/_paths.py, while bench/ is still on sys.path

# `python bench/language.py` puts bench/ first on sys.path, where bench/tokenize.py would shadow the
# standard library's `tokenize`: take bench/ off first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import logging
import runpy
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura
from webtext.clean.extract import extract_page
from webtext.clean.language import LanguageFilter, _model, identify
from webtext.clean.scoring import load_benchmark, load_snippet_set
from webtext.core.document import Document
from webtext.sampleweb.site import build_site

TESTS = Path(__file__).resolve().parent.parent / "tests" / "clean" / "test_clean_language.py"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _read(text: str) -> tuple[str, float]:
    (label,), (probability,) = _model().predict(text.replace("\n", " "))
    return label.removeprefix("__label__"), float(probability)


FEEDS: dict[str, Callable[[str], tuple[str, float]]] = {
    "sample (ours)": identify,
    "whole text": _read,
    **{f"first {n} characters": (lambda text, n=n: _read(text[:n])) for n in (200, 500, 1000)},
}


def _best_ms(work: dict[str, Callable[[Any], object]], items: list[Any]) -> dict[str, float]:
    """Milliseconds an item of each piece of `work`, best of 3 runs that alternate between them."""
    best = dict.fromkeys(work, float("inf"))
    for _ in range(3):
        for name, function in work.items():
            started = time.perf_counter()
            for item in items:
                function(item)
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: seconds / len(items) * 1000 for name, seconds in best.items()}


def main() -> int:
    logging.disable(logging.WARNING)
    true_language = runpy.run_path(str(TESTS))["true_language"]
    if not EXTRACTION_BENCHMARK.is_dir() or not SNIPPET_SET.is_dir():
        print(f"needs {EXTRACTION_BENCHMARK} and {SNIPPET_SET}")
        return 1
    pages = [page for page, _ in load_benchmark(EXTRACTION_BENCHMARK)]
    pages += [item.page for item in load_snippet_set(SNIPPET_SET)]
    labelled = [(doc, truth) for page in pages
                if (truth := true_language(page)) and (doc := extract_page(page)).text]
    print(f"{len(labelled)} pages with text and a known language, of {len(pages)}: "
          + ", ".join(f"{lang} {n}" for lang, n in Counter(t for _, t in labelled).most_common()))
    cost = _best_ms(FEEDS, [doc.text for doc, _ in labelled])
    foreign = [extract_page(page).text for page in build_site(seed=0).fetched_pages() if "/intl/" in page.url]
    for name, feed in FEEDS.items():
        right, total, wrong = Counter[str](), Counter[str](), []
        for doc, truth in labelled:
            language, score = feed(doc.text)
            total[truth] += 1
            right[truth] += language == truth
            if language != truth:
                wrong.append(f"{doc.url} is {truth}, read {language} {score:.2f}")
        others = sum(right.values()) - right["en"] - right["de"]
        print(f"{name:22} {sum(right.values())}/{len(labelled)} right (en {right['en']}/{total['en']}, de "
              f"{right['de']}/{total['de']}, others {others}/{len(labelled) - total['en'] - total['de']}), "
              f"{cost[name]:.3f} ms a page")
        print("".join(f"    {line}\n" for line in wrong), end="")
        print("    the sample web's English pages with a French or Russian paragraph: "
              + ", ".join(f"{language} {score:.2f}" for language, score in map(feed, foreign)))
    detected = [(Document(id="", url="", domain="", text=doc.text, language=lang, language_score=score), truth)
                for doc, truth in labelled for lang, score in [identify(doc.text)]]
    for threshold in THRESHOLDS:
        english = LanguageFilter(frozenset({"en"}), threshold)
        kept = Counter(truth == "en" for doc, truth in detected if english(doc) is None)
        print(f"--min-language-score {threshold}: keeps {kept[True]} of {sum(t == 'en' for _, t in detected)} "
              f"English pages and {kept[False]} of other languages")
    benchmark = [page for page, _ in load_benchmark(EXTRACTION_BENCHMARK)]
    texts = {page.url: extract_page(page).text for page in benchmark}
    pair = _best_ms({"identify": lambda page: identify(texts[page.url]),
                     "bare trafilatura.extract": lambda page: trafilatura.extract(page.body)}, benchmark)
    print(f"identify {pair['identify']:.3f} ms a page beside bare trafilatura.extract "
          f"{pair['bare trafilatura.extract']:.1f} ms ({pair['identify'] / pair['bare trafilatura.extract']:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
