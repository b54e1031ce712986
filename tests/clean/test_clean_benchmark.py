"""The clean stage on real pages: the article-extraction benchmark with human ground truth.

Skipped when `../shared/data/extraction-benchmark` (beside the repository) is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura
from webtext.clean.extract import extract_page
from webtext.clean.scoring import benchmark_scores, load_benchmark
from webtext.core.document import Page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pages(extraction_benchmark: Path) -> list[tuple[Page, str]]:
    return load_benchmark(extraction_benchmark)


def test_stage_beats_bare_trafilatura_defaults_on_real_pages(pages: list[tuple[Page, str]]) -> None:
    ours = benchmark_scores((extract_page(page).text, truth) for page, truth in pages)
    bare = benchmark_scores((trafilatura.extract(page.body) or "", truth) for page, truth in pages)
    assert ours.f1 >= 0.95
    assert ours.f1 > bare.f1
    assert ours.precision > bare.precision


def test_no_real_article_is_lost_to_extraction(pages: list[tuple[Page, str]]) -> None:
    dropped = [(page.url, doc.drop_reason) for page, _ in pages
               if (doc := extract_page(page)).drop_reason is not None]
    assert dropped == []
