"""The recall fallback of extraction: when precision mode keeps only a short block of a page, the
text of recall mode is taken where it is several times longer, and `meta["extraction"]` says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml.html import HtmlElement
from trafilatura.settings import Extractor
from webtext.clean import extract
from webtext.clean.extract import extract_page
from webtext.clean.scoring import load_snippet_set, snippet_rates
from webtext.clean.settings import ExtractSettings
from webtext.core.document import Page

from tests.clean.conftest import ARTICLE as BASE_ARTICLE

PageMaker = Callable[..., Page]

NOTICE = "Your browser is out of date. Please update it for a better experience."
ARTICLE = [*BASE_ARTICLE,
           "The plan also includes a new footbridge over the river, a playground near the old mill and a "
           "path for cyclists that links the park to the railway station in the south of the town.",
           "Residents who live next to the park will be invited to a meeting in September, where the "
           "architects will present the final drawings and answer questions about noise during the works."]
# A notice beside the article, which the page shows only to browsers without scripts: precision
# mode keeps the notice alone (as on real pages that tell old browsers to update).
NOTICE_PAGE = ("<!DOCTYPE html><html lang='en'><head><title>Park</title></head><body><div class='post'>"
               f"<p>{NOTICE}</p><noscript>{''.join(f'<p>{p}</p>' for p in ARTICLE)}</noscript>"
               "</div></body></html>")


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """The mode of every trafilatura extraction made while the test runs."""
    calls: list[dict[str, object]] = []
    real = extract.trafilatura_sequence

    def counted(tree: HtmlElement, options: Extractor, url: str | None = None) -> object:
        calls.append({"favor_precision": options.focus == "precision",
                      "favor_recall": options.focus == "recall", "fast": options.fast})
        return real(tree, options, url)

    monkeypatch.setattr(extract, "trafilatura_sequence", counted)
    return calls


def test_short_precision_text_falls_back_to_the_article(make_page: PageMaker) -> None:
    doc = extract_page(make_page(NOTICE_PAGE))
    assert doc.drop_reason is None
    assert doc.meta["extraction"] == "fallback"
    assert all(paragraph in doc.text for paragraph in ARTICLE)


def test_without_the_fallback_the_notice_is_all_there_is(make_page: PageMaker) -> None:
    doc = extract_page(make_page(NOTICE_PAGE), ExtractSettings(recall_fallback_chars=0))
    assert doc.meta["extraction"] == "precision"
    assert not any(paragraph in doc.text for paragraph in ARTICLE)


def test_recall_text_not_long_enough_is_not_taken(make_page: PageMaker) -> None:
    # the recall text (about 13 times the notice here) must be 20 times longer
    doc = extract_page(make_page(NOTICE_PAGE), ExtractSettings(recall_fallback_ratio=20))
    assert doc.meta["extraction"] == "precision"
    assert ARTICLE[0] not in doc.text


def test_an_article_is_extracted_once(
        make_page: PageMaker, article_html: Callable[..., str], extractions: list[dict[str, object]]) -> None:
    doc = extract_page(make_page(article_html(paragraphs=ARTICLE)))
    assert doc.meta["extraction"] == "precision"
    assert [call["favor_precision"] for call in extractions] == [True]


def test_fallback_runs_recall_mode_once_more(
        make_page: PageMaker, extractions: list[dict[str, object]]) -> None:
    extract_page(make_page(NOTICE_PAGE))
    # recall mode the second time, without trafilatura's second-opinion extractors
    assert [(call["favor_precision"], call["favor_recall"], call["fast"]) for call in extractions] == [
        (True, False, False), (False, True, True)]


def test_without_precision_mode_there_is_no_fallback(
        make_page: PageMaker, extractions: list[dict[str, object]]) -> None:
    doc = extract_page(make_page(NOTICE_PAGE), ExtractSettings(favor_precision=False))
    assert doc.meta["extraction"] == "balanced"
    assert len(extractions) == 1


# Real pages where precision mode keeps a date line, a "browser outdated" notice, the first
# paragraph, or nothing (`../shared/data/trafilatura-eval`); each with the share of its "with"
# snippets found after the fallback (one of homify's three is a caption neither mode keeps).
REAL_PAGES = {
    "https://security.googleblog.com/2020/05/enhanced-safe-browsing-protection-now.html": 3,
    "https://www.homify.de/diy/20546/wie-man-eine-runde-tischdecke-in-nur-7-schritten-herstellt": 2,
    "https://onlinemarketing.de/social-media-marketing/instagram-neue-videofunktion-stories": 3,
    "https://www.rhein-neckar-loewen.de/kleiner-vorverkauf-fuer-liga-heimspiele-gestartet-920981": 3,
    "https://www.caymancompass.com/2022/05/04/prison-official-anyone-could-escape-from-northward/": 3,
}


@pytest.mark.slow
def test_real_pages_where_precision_mode_misses_the_article(snippet_set: Path) -> None:
    pages = {item.page.url: item for item in load_snippet_set(snippet_set) if item.page.url in REAL_PAGES}
    assert sorted(pages) == sorted(REAL_PAGES)
    for url, wanted in REAL_PAGES.items():
        item = pages[url]
        doc = extract_page(item.page)
        precision_only = extract_page(item.page, ExtractSettings(recall_fallback_chars=0))
        found = snippet_rates([(doc.text, item)]).found
        assert (doc.meta["extraction"], found) == ("fallback", wanted), url
        assert snippet_rates([(precision_only.text, item)]).found < found, url
