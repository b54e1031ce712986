"""What the sample web's server answers for one (host, path): a `Resource`.

A resource is a status, headers and a body, plus the behaviours that make a crawl awkward: a
delay before answering (slow hosts, timeouts), a redirect target, or a body produced on demand
(the oversized page and the gzip bomb are built only when requested).
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable
from dataclasses import dataclass, field

HTML_UTF8 = "text/html; charset=utf-8"
GZIP_BOMB_BYTES = 64 * 1024 * 1024  # decompressed size of the gzip bomb
LARGE_PAGE_BYTES = 6 * 1024 * 1024  # above the crawler's default 5 MiB size limit


@dataclass(frozen=True)
class Resource:
    """One response of the sample web."""

    status: int = 200
    content_type: str = HTML_UTF8
    body: bytes = b""
    make_body: Callable[[], bytes] | None = None  # for bodies too big to keep in memory
    delay: float = 0.0  # seconds to wait before answering
    location: str | None = None  # redirect target
    extra_headers: tuple[tuple[str, str], ...] = field(default=())

    def payload(self) -> bytes:
        return self.make_body() if self.make_body is not None else self.body

    def headers(self) -> list[tuple[str, str]]:
        result = [("Content-Type", self.content_type)] if self.content_type else []
        if self.location:
            result.append(("Location", self.location))
        return result + list(self.extra_headers)


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """A small gzip stream that inflates to `GZIP_BOMB_BYTES` of HTML-looking bytes."""
    chunk = b"<p>" + b"A" * 1020 + b"</p>"
    return gzip.compress(chunk * (GZIP_BOMB_BYTES // len(chunk) + 1), compresslevel=9, mtime=0)


def large_page(article_html: str) -> Callable[[], bytes]:
    """A body factory repeating `article_html` until it is bigger than `LARGE_PAGE_BYTES`."""
    def make() -> bytes:
        data = article_html.encode("utf-8")
        return data * (LARGE_PAGE_BYTES // len(data) + 1)
    return make


def redirect(target: str, status: int = 301) -> Resource:
    return Resource(status=status, content_type=HTML_UTF8, body=b"<html><body>Moved</body></html>",
                    location=target)


def not_found() -> Resource:
    return Resource(status=404, body=b"<html><body><h1>404 Not Found</h1></body></html>")
