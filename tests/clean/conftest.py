"""Fixtures of the clean tests: page builders, a small article, a page slow to extract, and whole
pages (the sample web's, and the real ones of `../shared/data` where present)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from webtext.clean.scoring import load_benchmark
from webtext.core.document import Page, RedditPost
from webtext.sampleweb.site import build_site

ARTICLE = [
    "The city council voted on Tuesday to extend the riverside park by another two kilometres, "
    "after a year of public meetings in which residents argued over trees, benches and parking.",
    "Supporters said the extension would give the eastern districts their first large green space, "
    "while shop owners worried that the loss of parking would keep customers away from the market.",
    "Work is expected to start next spring and to finish within eighteen months, the mayor said, "
    "adding that the cost would be shared between the city and a regional development fund.",
]


def _make_page(body: bytes | str, url: str = "http://news.example.com/2017/06/park.html",
              content_type: str = "text/html; charset=utf-8") -> Page:
    """A fetched page with `body`, as the crawler would read it back from WARC."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = (("Content-Type", content_type),) if content_type else ()
    return Page(url=url, status=200, headers=headers, body=data, fetched_at="2017-06-02T10:00:00Z",
                source="pages.warc.gz:1234",
                reddit=(RedditPost("abc12", "news", 57, 1496397600, "Park grows"),))


def _article_html(paragraphs: list[str] = ARTICLE, title: str = "Riverside park to grow",
                 extra_body: str = "", head: str = "") -> str:
    """A small article page with navigation and a footer around `paragraphs`."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang=\"en-GB\"><head>{head}<title>{title}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>{title}</h1>"
            f"<p class='byline'>Published <time datetime='2017-06-01'>1 June 2017</time></p>"
            f"{body}{extra_body}</article><footer>Contact the newsroom</footer></body></html>")


@pytest.fixture(scope="session")
def slow_page() -> Page:
    """A 230 kB page of 2,000 blocks: about a second of extraction, far over a 0.1 s limit."""
    blocks = "".join(f"<div class='c{i}'><p>Paragraph {i} has several words of ordinary prose in "
                     f"it, nothing more.</p><span>x</span></div>" for i in range(2000))
    return _make_page(f"<html><body>{blocks}</body></html>", url="http://slow.example.com/long.html")


@pytest.fixture(scope="session")
def make_page() -> Callable[..., Page]:
    """`make_page(body, url=..., content_type=...)`: a fetched page."""
    return _make_page


@pytest.fixture(scope="session")
def article_html() -> Callable[..., str]:
    """`article_html(paragraphs=ARTICLE, title=..., extra_body=..., head=...)`: an article page."""
    return _article_html


@pytest.fixture(scope="session")
def article() -> list[str]:
    """The paragraphs of the default article."""
    return list(ARTICLE)


@pytest.fixture(params=["sample web", "real pages"])
def whole_pages(request: pytest.FixtureRequest) -> list[Page]:
    """Whole pages: 20 sample-web articles with their awkward neighbours, or the 92 real pages of
    the extraction benchmark (skipped where `../shared/data` is absent)."""
    if request.param == "sample web":
        return list(build_site(seed=3, articles=20).fetched_pages())
    return [page for page, _ in load_benchmark(request.getfixturevalue("extraction_benchmark"))]
