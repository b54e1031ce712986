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
- `invalid_url`: a stored URL that Scrapy cannot turn into a request (logged; the crawl goes on);
- `parked_domain`: its redirects ended on a domain-parking or domain-sale host (`deadlinks.py`).

A dead link (`deadlinks.DEAD_REASONS`) is then looked up in a web archive, or every URL is with
`--archive always` (`archive.py`): it ends as a page from the archive or with an archive reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.asyncio import sleep
from twisted.python.failure import Failure
from webtext.core import reasons
from webtext.core.document import RedditPost
from webtext.crawl.links.store import LinkStore, provenance_json
from webtext.crawl.lock import StoreLock
from webtext.crawl.spiders.archive import ALWAYS, ArchiveLookups, ArchiveSettings
from webtext.crawl.spiders.deadlinks import is_parked
from webtext.crawl.spiders.outcomes import DropItem, PageItem, classify, header_pairs, is_html, reason_phrase
from webtext.crawl.warc.write import Fetched

log = logging.getLogger(__name__)


class PagesSpider(ArchiveLookups):
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

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PagesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.archive = ArchiveSettings.of(crawler.settings)
        return spider

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

    def _request(self, url: str, reddit: tuple[RedditPost, ...], attempts: int) -> scrapy.Request | DropItem:
        # the time the link was shared: its earliest post (the archive's capture nearest to it is wanted)
        meta = {"link": url, "reddit": provenance_json(reddit), "prior_attempts": attempts,
                "shared": min((p.created_utc for p in reddit), default=int(time.time()))}
        try:
            if self.archive.mode == ALWAYS:
                return self.archive_lookup(meta, attempts + 1)
            return scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True, meta=meta)
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
        if is_parked(link, response.url):
            return self._dead(response.meta, reasons.FETCH_PARKED_DOMAIN, attempts, None)
        if not is_html(response):
            return DropItem(link, reasons.FETCH_NOT_HTML, attempts, response.status)
        page = Fetched(
            link_url=link, url=response.url, status=response.status, reason=reason_phrase(response.status),
            headers=header_pairs(response.headers), body=response.body,
            request_headers=header_pairs(response.request.headers) if response.request else [],
            fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            reddit_json=response.meta.get("reddit", "[]"), ip_address=str(response.ip_address or ""))
        return PageItem(page, attempts)

    def failed(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        reason, status = classify(failure)
        if reason == reasons.FETCH_PRIVATE_ADDRESS:
            log.warning("skipped %s (%s): %s", request.meta["link"], reason, failure.getErrorMessage())
        return self._dead(request.meta, reason, _attempts(request.meta), status)

    def _dead(self, meta: dict[str, Any], reason: str, attempts: int, status: int | None) -> Any:
        """The live fetch's outcome: looked up in the archive when the link is dead, else dropped."""
        if self.archive_wanted(reason):
            return self.archive_lookup(meta, attempts, reason, status)
        return DropItem(meta["link"], reason, attempts, status)

    def closed(self, reason: str) -> None:
        self.store.close()
        self._lock.release()


def _attempts(meta: dict[str, Any]) -> int:
    return int(meta.get("prior_attempts", 0)) + int(meta.get("retry_times", 0)) + 1

