"""The item pipeline of the page spider: pages into WARC, every outcome into the link store.

Ordering is what makes a killed crawl resumable without losing or refetching pages:

1. a page's records are written to the open WARC file (under its temporary name) and its row
   is updated in the store's open transaction;
2. about once a second the WARC file is flushed to the operating system, then the store commits,
   so a committed row never points at bytes that a kill of this process could lose;
3. when the file reaches its size, the store commits before the file is renamed, so a file under
   its final name never holds a page that the store still calls pending.

At start-up `recover_leftovers` completes what a kill interrupted: a leftover temporary file is
cut after its last complete record and renamed, and the store is brought in line with it (pages
written but not committed count as fetched; rows pointing past the cut go back to pending).
Only requests in flight at the kill are fetched again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from webtext.core.progress import bar
from webtext.crawl.pages import DropItem, PageItem, PagesSpider
from webtext.crawl.store import PENDING, LinkStore
from webtext.crawl.warcwrite import RollingWarcWriter, leftover_files, recover

log = logging.getLogger(__name__)

COMMIT_SECONDS = 1.0


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
                                   warc_offset=page.offset, fetched_at=page.fetched_at, attempts=1)
                recovered += 1
        size = (Path(warc_dir) / final).stat().st_size if final else 0
        store.unfetch_file(final or partial.name.removeprefix(".").removesuffix(".partial"), size)
        store.commit()
        log.warning("recovered %s: %d pages kept from an interrupted crawl", final or partial.name, len(found))
    return recovered


class WarcStorePipeline:
    """Write `PageItem`s to rolling WARC files and record every item's outcome in the store.

    The writing (gzip, digests, SQLite) runs in the event loop, in item order, which keeps the
    ordering rules of the module docstring. A writer thread measured slower on two cores: the
    thread and the event loop fought over the GIL (0.53x the bare spider's page rate against
    0.65x in the loop, `bench/crawl.py`).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.counts: Counter[str] = Counter()
        self._last_commit = time.monotonic()
        self._page_times: list[float] = []  # first and latest page written, for the page rate

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcStorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert isinstance(spider, PagesSpider)
        pending = self._open(spider.store.path, spider.warc_dir, spider.warc_size)
        self.bar = bar(total=pending, desc="pages", unit="page")

    def process_item(self, item: Any) -> Any:
        self._record(item)
        self.bar.update(1)
        return item

    def close_spider(self) -> None:
        self._close()
        self.bar.close()
        if self.crawler.stats is not None:
            for name, value in self.counts.items():
                self.crawler.stats.set_value(f"webtext/{name}", value)
            if len(self._page_times) == 2 and self._page_times[1] > self._page_times[0]:
                rate = (self.counts["fetched"] - 1) / (self._page_times[1] - self._page_times[0])
                self.crawler.stats.set_value("webtext/pages_per_second", round(rate, 2))

    def _open(self, store: Path, warc_dir: str, warc_size: int) -> int:
        self.store = LinkStore(store)
        self.writer = RollingWarcWriter(warc_dir, max_bytes=warc_size)
        self.counts["recovered"] = recover_leftovers(warc_dir, self.store)
        self.store.transaction()
        return self.store.count_pending()

    def _record(self, item: Any) -> None:
        if isinstance(item, PageItem):
            self._roll_if_full()
            where = self.writer.write(item.page)
            self.store.mark_fetched(item.page.link_url, http_status=item.page.status, final_url=item.page.url,
                                    warc_file=where.file, warc_offset=where.offset,
                                    fetched_at=item.page.fetched_at, attempts=item.attempts)
            self.counts["fetched"] += 1
            self._page_times[1:] = [time.monotonic()]
        elif isinstance(item, DropItem):
            self.store.mark_dropped(item.link_url, status=item.status, reason=item.reason,
                                    attempts=item.attempts, http_status=item.http_status)
            self.counts[f"{item.status}:{item.reason}"] += 1
            self.counts[item.status] += 1
        if time.monotonic() - self._last_commit >= COMMIT_SECONDS:
            self._commit()
            self.bar.set_postfix(failed=self.counts["failed"], skipped=self.counts["skipped"],
                                 pending=max(0, (self.bar.total or 0) - self.bar.n), refresh=False)

    def _close(self) -> None:
        self._commit(reopen=False)
        self.writer.close()
        self.store.close()

    def _commit(self, reopen: bool = True) -> None:
        self.writer.flush()
        self.store.commit()
        if reopen:
            self.store.transaction()
        self._last_commit = time.monotonic()

    def _roll_if_full(self) -> None:
        if self.writer.full:
            self._commit()
            self.writer.close()
