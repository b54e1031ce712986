"""The page spider: fetch the link store's pending URLs and hand each outcome to the WARC pipeline.

URLs are read from the store in its spread order (hosts mixed), a batch at a time, and the next batch is only read
once the scheduler has drained below one batch, so memory stays flat however many URLs are
pending. Every request ends in exactly one item: a `PageItem` for an HTML page, or a
`DropItem` naming why there is none (`core.reasons` FETCH_* and `http_<status>`):

- `robots`: robots.txt forbids it (Scrapy's RobotsTxtMiddleware);
- `robots_unreachable`: the host's robots.txt answered 5xx or not at all (RFC 9309, `robots.py`);
- `too_large`: larger than `DOWNLOAD_MAXSIZE`, by `Content-Length`, while streaming, or once
  decompressed (a gzip bomb);
- `redirect_loop`: more than `REDIRECT_MAX_TIMES` redirects;
- `timeout`, `connection_error`, `dns_error`: after the retries;
- `private_address`: the host is, or resolved to, a non-public address that nothing allows
  (`addresses.py`); logged as one warning line per URL;
- `not_html`: a content type that is not HTML (only `text/html` and XHTML are kept);
- `http_<status>`: an error status after the retries;
- `invalid_url`: a stored URL that Scrapy cannot turn into a request (logged; the crawl goes on).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.asyncio import sleep
from twisted.internet.error import DNSLookupError
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure
from webtext.core import reasons
from webtext.crawl.links.store import FAILED, SKIPPED, LinkStore, provenance_json
from webtext.crawl.lock import StoreLock
from webtext.crawl.spiders.addresses import REFUSED, Refused, url_target
from webtext.crawl.spiders.robots import UNREACHABLE
from webtext.crawl.warc.write import Fetched

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
_POLICY = {reasons.FETCH_ROBOTS, reasons.FETCH_TOO_LARGE, reasons.FETCH_REDIRECT_LOOP,
           reasons.FETCH_NOT_HTML, reasons.FETCH_PRIVATE_ADDRESS, reasons.LINK_INVALID_URL}


@dataclass(frozen=True)
class PageItem:
    """A fetched HTML page, ready for WARC."""

    page: Fetched
    attempts: int


@dataclass(frozen=True)
class DropItem:
    """A URL that has no page, and why."""

    link_url: str
    reason: str
    attempts: int
    http_status: int | None = None

    @property
    def status(self) -> str:
        """`skipped` when policy refused the URL, `failed` when fetching it did not work."""
        return SKIPPED if self.reason in _POLICY else FAILED


def classify(failure: Failure) -> tuple[str, int | None]:
    """(drop reason, HTTP status or None) for a failed request."""
    error = failure.value
    if isinstance(error, HttpError):
        return reasons.http_error(error.response.status), error.response.status
    if isinstance(error, Refused):
        return reasons.FETCH_PRIVATE_ADDRESS, None
    if isinstance(error, IgnoreRequest):
        text = str(error)
        if text.startswith(UNREACHABLE):
            return reasons.FETCH_ROBOTS_UNREACHABLE, None
        if "robots.txt" in text:
            return reasons.FETCH_ROBOTS, None
        if "redirections" in text:
            return reasons.FETCH_REDIRECT_LOOP, None
        if "MAXSIZE" in text:
            return reasons.FETCH_TOO_LARGE, None
        return reasons.FETCH_CONNECTION_ERROR, None
    if isinstance(error, DownloadCancelledError):
        return reasons.FETCH_TOO_LARGE, None
    if isinstance(error, (DownloadTimeoutError, TxTimeoutError)):
        return reasons.FETCH_TIMEOUT, None
    if isinstance(error, (CannotResolveHostError, DNSLookupError)):
        refused = hasattr(failure, "request") and url_target(failure.request.url) in REFUSED
        return (reasons.FETCH_PRIVATE_ADDRESS if refused else reasons.FETCH_DNS_ERROR), None
    if isinstance(error, DownloadConnectionRefusedError):
        return reasons.FETCH_CONNECTION_ERROR, None
    return reasons.FETCH_CONNECTION_ERROR, None


def is_html(response: Response) -> bool:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").split(";")[0].strip().lower()
    return content_type in HTML_TYPES


class PagesSpider(scrapy.Spider):
    """Fetch every pending URL of the link store at `store` (see the module docstring)."""

    name = "webtext-pages"
    custom_settings = {
        "ITEM_PIPELINES": {"webtext.crawl.spiders.items_to_warc.WarcStorePipeline": 300},
    }

    def __init__(self, store: str = "out/crawl/links.sqlite", warc_dir: str = "out/crawl/warc",
                 batch: int | str = 500, warc_size: int | str = 1 << 30, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = StoreLock(store)
        self._lock.acquire()
        self.store = LinkStore(store)
        self.warc_dir = warc_dir
        self.batch = int(batch)
        self.warc_size = int(warc_size)

    @property
    def lock_fd(self) -> int:
        """The store lock's descriptor, which the WARC writer process inherits."""
        return self._lock.fileno()

    async def start(self) -> AsyncIterator[Any]:
        after = (-1, 0)
        while rows := self.store.pending_batch(after, self.batch):
            for row in rows:
                yield self._request(row.url, row.reddit, row.attempts)
            after = rows[-1].position
            while self._queued() > self.batch:
                await sleep(0.05)

    def _request(self, url: str, reddit: Any, attempts: int) -> scrapy.Request | DropItem:
        try:
            return scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True,
                                  meta={"link": url, "reddit": provenance_json(reddit), "prior_attempts": attempts})
        except ValueError as exc:  # one URL Scrapy cannot request must not stop the crawl
            log.warning("skipped %s (%s): %s", url, reasons.LINK_INVALID_URL, exc)
            return DropItem(url, reasons.LINK_INVALID_URL, attempts + 1)

    def _queued(self) -> int:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        return len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0

    def parse(self, response: Response) -> Any:
        attempts = _attempts(response.meta)
        link = response.meta["link"]
        if not is_html(response):
            return DropItem(link, reasons.FETCH_NOT_HTML, attempts, response.status)
        request_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in
                           response.request.headers.items() for v in values] if response.request else []
        page = Fetched(
            link_url=link, url=response.url, status=response.status,
            reason=_reason_phrase(response.status),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items()
                     for v in values],
            body=response.body, request_headers=request_headers,
            fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            reddit_json=response.meta.get("reddit", "[]"), ip_address=str(response.ip_address or ""))
        return PageItem(page, attempts)

    def failed(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        reason, status = classify(failure)
        if reason == reasons.FETCH_PRIVATE_ADDRESS:
            log.warning("skipped %s (%s): %s", request.meta["link"], reason, failure.getErrorMessage())
        return DropItem(request.meta["link"], reason, _attempts(request.meta), status)

    def closed(self, reason: str) -> None:
        self.store.close()
        self._lock.release()


def _attempts(meta: dict[str, Any]) -> int:
    return int(meta.get("prior_attempts", 0)) + int(meta.get("retry_times", 0)) + 1


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""

