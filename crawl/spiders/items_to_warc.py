"""The item pipeline of the page spider: every item's outcome to the WARC writer process.

The pipeline counts each outcome, shows progress and hands the item to the writer process
(`webtext.crawl.spiders.writer`), which writes pages into WARC files and outcomes into the link store in
an order that makes a killed crawl resumable without losing or refetching pages.

At start-up `recover_leftovers` completes what a kill of both processes interrupted: a leftover
temporary file is cut after its last complete record and renamed, and the store is brought in
line with it (pages written but not committed count as fetched; rows pointing past the cut go
back to pending). Only requests in flight at the kill are fetched again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from webtext.core.progress import bar
from webtext.crawl.links.store import PENDING, LinkStore
from webtext.crawl.spiders.outcomes import DropItem, PageItem
from webtext.crawl.spiders.pages import PagesSpider
from webtext.crawl.spiders.writer import WriterFailed, WriterProcess
from webtext.crawl.warc.write import leftover_files, recover

log = logging.getLogger(__name__)

STATUS_SECONDS = 1.0
WRITER_FAILED = "writer_failed"


def recover_leftovers(warc_dir: str | Path, store: LinkStore) -> int:
    """Finish the WARC files a killed crawl left open; returns the pages recovered."""
    recovered = 0
    for partial in leftover_files(warc_dir):
        final, found = recover(partial)
        store.transaction()
        for page in found:
            row = store.db.execute("SELECT status FROM urls WHERE url=?", (page.link_url,)).fetchone()
            if row and row[0] == PENDING:
                store.mark_fetched(page.link_url, http_status=page.status, final_url=page.url, warc_file=final,
                                   warc_offset=page.offset, fetched_at=page.fetched_at, attempts=1,
                                   archive_time=page.archive_time)
                recovered += 1
        size = (Path(warc_dir) / final).stat().st_size if final else 0
        store.unfetch_file(final or partial.name.removeprefix(".").removesuffix(".partial"), size)
        store.commit()
        log.warning("recovered %s: %d pages kept from an interrupted crawl", final or partial.name, len(found))
    return recovered


class WarcStorePipeline:
    """Count every item, show progress, and send it to the writer process.

    The writer runs in its own process: in the event loop, building the records and updating
    SQLite held the crawler to 0.72x the bare spider's page rate; a writer thread was slower
    still (the two fought over the GIL), while a process costs the loop one pickle per item
    (`bench/crawl.py`). If the writer stops, the crawl closes with reason `writer_failed`; the
    items it did not record stay pending.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.counts: Counter[str] = Counter()
        self._page_times: list[float] = []  # first and latest page handed over, for the page rate
        self._last_status = time.monotonic()
        self.error = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcStorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert isinstance(spider, PagesSpider)
        self.counts["recovered"] = recover_leftovers(spider.warc_dir, spider.store)
        self.bar = bar(total=spider.store.count_pending(), desc="pages", unit="page")
        self.writer = WriterProcess.start(spider.store.path, spider.warc_dir, spider.warc_size,
                                          spider.lock_fd)

    def process_item(self, item: Any) -> Any:
        if self.error:
            return item  # the crawl is closing: the writer records nothing more, the URL stays pending
        if isinstance(item, PageItem):
            message: tuple[Any, ...] = ("page", item.page, item.attempts)
        else:
            message = ("drop", item.link_url, item.status, item.reason, item.attempts, item.http_status)
        try:
            self.writer.send(message)
        except WriterFailed as failure:
            self._fail(str(failure))
            return item
        self._count(item)
        return item

    def close_spider(self) -> None:
        report = None
        if not self.error:
            try:
                report = self.writer.close()
            except WriterFailed as failure:
                self.error = str(failure)
        self.bar.close()
        stats = self.crawler.stats
        if stats is None:
            return
        for name, value in self.counts.items():
            stats.set_value(f"webtext/{name}", value)
        if self.error:
            stats.set_value("webtext/writer_error", self.error)
        if report is not None:
            stats.set_value("webtext/writer_peak_rss_mib", round(report.peak_rss_mib, 1))
            if self._page_times:  # the rate runs until the writer has written the last page
                self._page_times[1:] = [max(self._page_times[-1], report.last_page)]
        if len(self._page_times) == 2 and self._page_times[1] > self._page_times[0]:
            rate = (self.counts["fetched"] - 1) / (self._page_times[1] - self._page_times[0])
            stats.set_value("webtext/pages_per_second", round(rate, 2))
            # the same span in Unix time, so that the rate of crawls run side by side can be added up
            offset = time.time() - time.monotonic()
            stats.set_value("webtext/first_page_at", round(self._page_times[0] + offset, 3))
            stats.set_value("webtext/last_page_at", round(self._page_times[1] + offset, 3))

    def _count(self, item: PageItem | DropItem) -> None:
        self.bar.update(1)
        if isinstance(item, PageItem):
            self.counts["fetched"] += 1
            if item.page.archive_time:
                self.counts["fetched_archive"] += 1
            self._page_times[1:] = [time.monotonic()]
        else:
            self.counts[f"{item.status}:{item.reason}"] += 1
            self.counts[item.status] += 1
        if time.monotonic() - self._last_status >= STATUS_SECONDS:
            self._last_status = time.monotonic()
            self.bar.set_postfix(failed=self.counts["failed"], skipped=self.counts["skipped"],
                                 pending=max(0, (self.bar.total or 0) - self.bar.n), refresh=False)

    def _fail(self, error: str) -> None:
        self.error = error
        log.error("%s; closing the crawl (unrecorded URLs stay pending)", error)
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason=WRITER_FAILED))
