"""Title and date: the same as trafilatura's full metadata extraction, on sample and real pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from trafilatura.metadata import extract_metadata
from trafilatura.settings import set_date_params
from trafilatura.utils import load_html
from webtext.clean.metadata import title_and_date
from webtext.clean.scoring import load_benchmark
from webtext.sampleweb.site import build_site


def full_metadata(html: str, url: str) -> tuple[str, str]:
    metadata = extract_metadata(load_html(html), url, set_date_params(extensive=True))
    return metadata.title or "", metadata.date or ""


def test_article_title_and_date(article_html: Callable[..., str]) -> None:
    html = article_html(head="<meta property='og:title' content='Park to grow, council says'>")
    assert title_and_date(load_html(html), "http://news.example.com/park.html") == (
        "Park to grow, council says", "2017-06-01")
    assert title_and_date(load_html("<html><body><p>no title, no date</p></body></html>"), "http://x.test/") == (
        "", "")


def test_same_as_trafilatura_on_the_sample_web() -> None:
    pages = list(build_site(seed=5, articles=40).fetched_pages())
    assert len(pages) >= 40
    for page in pages:
        html = page.body.decode("utf-8", "replace")
        tree = load_html(html)
        if tree is not None:
            assert title_and_date(tree, page.url) == full_metadata(html, page.url), page.url


def test_same_as_trafilatura_on_real_pages(extraction_benchmark: Path) -> None:
    for page, _ in load_benchmark(extraction_benchmark):
        html = page.body.decode("utf-8", "replace")
        assert title_and_date(load_html(html), page.url) == full_metadata(html, page.url), page.url


@pytest.mark.parametrize(("head", "title"), [
    ('<meta property="og:title" content="Meta title">'
     '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
     ' "headline": "JSON-LD headline"}</script>', "Meta title"),
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
     ' "headline": "JSON-LD headline"}</script>', "JSON-LD headline"),
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
     ' "headline": "Broken JSON-LD headline", }</script>', "Broken JSON-LD headline"),
    ('<meta name="title" content="Meta title">'
     '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
     ' "url": "http://other.example.com/2001/01/01/x.html", "headline": "JSON-LD"}</script>', "Meta title"),
])
def test_json_ld_fills_only_a_title_the_meta_tags_lack(head: str, title: str) -> None:
    html = (f"<html><head>{head}<title>Page - Site.com</title></head><body><h1>One</h1><h1>Two</h1>"
            "<p>Text of the page, long enough to be one.</p></body></html>")
    url = "http://news.example.com/2017/06/01/park.html"
    assert title_and_date(load_html(html), url) == full_metadata(html, url) == (title, "2017-06-01")
