"""Pages from web archives: the page spider's lookups of dead links (or of every URL) in a CDX index.

With `--archive fallback` (the default) a URL whose live fetch ends dead (`deadlinks.DEAD_REASONS`:
DNS, connection refused, 404, 410, a parked domain) is looked up in the archive's CDX index
(`cdx.py`) for the captures nearest to the time it was shared: the earliest Reddit post that
linked it. The nearest capture that answered 200 is fetched (a Wayback `id_` replay, or a Common
Crawl WARC record by byte range); one that is not HTML, fails, or is a soft 404
(`deadlinks.is_soft_404`) gives way to the next nearest, up to `--archive-captures`. With
`--archive always` every URL is fetched from the archive and none from its own site; with
`never` none is.

Every URL still ends as exactly one item. A capture kept is a `PageItem` whose `Fetched` names the
original URL, the source URI and the capture time. Otherwise a `DropItem`: with no capture the
live reason stays (`archive_none` under `always`, where there is none); `archive_soft_404` when the
captures tried were soft 404s; `archive_bad_index` when the index answered something that is no
capture list (`cdx.BadIndex`, logged); `archive_error` when the index or every capture failed.
The Scrapy stats count `webtext/archive/lookups` (index answers), `webtext/archive/none` and
`webtext/archive/soft_404` (captures refused).

Politeness as for live fetches: archive requests go through the same downloader, with its
retries, backoff, size limit and private-address guard, in one download slot of their own
(`ARCHIVE_SLOT`: `--archive-delay` seconds apart, `--per-domain` at once, a delay AutoThrottle
leaves alone). They skip robots.txt: they are API calls to the archive, governed by its terms,
and never touch the original site.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure
from webtext.core import reasons
from webtext.core.document import Page
from webtext.crawl.spiders.cdx import COMMONCRAWL, BadIndex, Capture, capture_request, index_query, nearest, parse_index
from webtext.crawl.spiders.deadlinks import DEAD_REASONS, is_soft_404
from webtext.crawl.spiders.outcomes import DropItem, PageItem, header_pairs, is_html_type, reason_phrase
from webtext.crawl.warc.read import iter_warc
from webtext.crawl.warc.write import Fetched

log = logging.getLogger(__name__)

FALLBACK, ALWAYS, NEVER = "fallback", "always", "never"
MODES = (FALLBACK, ALWAYS, NEVER)
ARCHIVE_SLOT = "web-archive"  # the download slot of every archive request (`DOWNLOAD_SLOTS`)
_STATS = "webtext/archive/"


@dataclass(frozen=True)
class ArchiveSettings:
    """Which URLs go to the archive, and where it is (the `WEBTEXT_ARCHIVE*` Scrapy settings)."""

    mode: str
    api: str
    cdx: str
    replay: str
    captures: int
    max_size: int

    @classmethod
    def of(cls, settings: BaseSettings) -> ArchiveSettings:
        return cls(settings.get("WEBTEXT_ARCHIVE"), settings.get("WEBTEXT_ARCHIVE_API"),
                   settings.get("WEBTEXT_ARCHIVE_CDX"), settings.get("WEBTEXT_ARCHIVE_REPLAY"),
                   settings.getint("WEBTEXT_ARCHIVE_CAPTURES"), settings.getint("DOWNLOAD_MAXSIZE"))


class ArchiveLookups(scrapy.Spider):
    """The page spider's archive half: look a URL up, fetch its captures, end it as one item."""

    archive: ArchiveSettings

    def archive_wanted(self, reason: str) -> bool:
        """Whether a live fetch that ended with `reason` is looked up in the archive."""
        return self.archive.mode == FALLBACK and reason in DEAD_REASONS

    def archive_lookup(self, meta: dict[str, Any], attempts: int, dead: str = "",
                       dead_status: int | None = None) -> scrapy.Request | DropItem:
        """The index query for the URL of `meta` (its link, posts and `shared` time)."""
        state = {"link": meta["link"], "reddit": meta["reddit"], "shared": meta["shared"], "attempts": attempts,
                 "dead": dead, "dead_status": dead_status, "captures": [], "soft_404": False}
        url = index_query(self.archive.api, self.archive.cdx, meta["link"], meta["shared"], self.archive.captures)
        return self._archive_request(url, {}, self.archive_index, state)

    def archive_index(self, response: Response) -> Any:
        meta = response.meta
        self._count("lookups")
        try:
            found = [] if response.status == 404 else parse_index(self.archive.api, response.body)
        except BadIndex as bad:
            log.warning("archive index answer for %s dropped (%s): %s", meta["link"], reasons.ARCHIVE_BAD_INDEX, bad)
            return self._drop(meta, reasons.ARCHIVE_BAD_INDEX)
        captures = nearest(found, meta["shared"], self.archive.captures)
        if not captures:
            self._count("none")
            return DropItem(meta["link"], meta["dead"] or reasons.ARCHIVE_NONE, meta["attempts"], meta["dead_status"])
        return self._next_capture(meta, captures)

    def archive_capture(self, response: Response) -> Any:
        meta = response.meta
        capture: Capture = meta["capture"]
        page = self._page_of(response)
        if page is None or page.status != 200 or not is_html_type(page.header("Content-Type")):
            return self._next_capture(meta, meta["captures"])
        if is_soft_404(page.body):
            self._count("soft_404")
            return self._next_capture({**meta, "soft_404": True}, meta["captures"])
        request_headers = header_pairs(response.request.headers) if response.request else []
        return PageItem(Fetched(
            link_url=meta["link"], url=meta["link"], status=page.status, reason=reason_phrase(page.status),
            headers=list(page.headers), body=page.body, request_headers=request_headers,
            fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), reddit_json=meta["reddit"],
            ip_address=str(response.ip_address or ""), source_uri=response.url, archive_time=capture.time),
            meta["attempts"])

    def archive_failed(self, failure: Failure) -> Any:
        meta = failure.request.meta  # type: ignore[attr-defined]
        if "capture" not in meta:  # the index did not answer
            log.warning("archive index unreachable for %s: %s", meta["link"], failure.getErrorMessage())
            return self._drop(meta, reasons.ARCHIVE_ERROR)
        return self._next_capture(meta, meta["captures"])

    def _next_capture(self, meta: dict[str, Any], captures: list[Capture]) -> Any:
        if not captures:
            return self._drop(meta, reasons.ARCHIVE_SOFT_404 if meta["soft_404"] else reasons.ARCHIVE_ERROR)
        url, headers = capture_request(self.archive.api, self.archive.replay, captures[0])
        state = {**meta, "capture": captures[0], "captures": captures[1:]}
        return self._archive_request(url, headers, self.archive_capture, state)

    def _archive_request(self, url: str, headers: dict[str, str], callback: Any,
                         state: dict[str, Any]) -> scrapy.Request | DropItem:
        keep = ("link", "reddit", "shared", "attempts", "dead", "dead_status", "captures", "capture", "soft_404")
        meta = {key: state[key] for key in keep if key in state}
        meta.update(download_slot=ARCHIVE_SLOT, dont_obey_robotstxt=True, autothrottle_dont_adjust_delay=True)
        if callback == self.archive_index and self.archive.api == COMMONCRAWL:
            meta["handle_httpstatus_list"] = [404]  # pywb's answer for a URL it has no capture of
        try:
            return scrapy.Request(url, headers=headers, callback=callback, errback=self.archive_failed,
                                  dont_filter=True, meta=meta)
        except ValueError as exc:  # a capture URL from the index that cannot be requested
            log.warning("archive request for %s dropped (%s): %s", meta["link"], reasons.ARCHIVE_ERROR, exc)
            return self._drop(meta, reasons.ARCHIVE_ERROR)

    def _page_of(self, response: Response) -> Page | None:
        """The captured page: the replayed response, or the WARC record of a Common Crawl range."""
        if self.archive.api != COMMONCRAWL:
            return Page(url=response.url, status=response.status, headers=tuple(header_pairs(response.headers)),
                        body=response.body, fetched_at="")
        for record in iter_warc(io.BytesIO(response.body), response.url, max_body=self.archive.max_size):
            return record if isinstance(record, Page) else None
        return None

    def _drop(self, meta: dict[str, Any], reason: str) -> DropItem:
        return DropItem(meta["link"], reason, meta["attempts"])

    def _count(self, name: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(_STATS + name)
