"""What one page request ends as: a `PageItem` (an HTML page for WARC) or a `DropItem` (a reason).

`classify` names the reason of a failed request (`core.reasons` FETCH_* and `http_<status>`);
`DropItem.status` says whether policy refused the URL (`skipped`: robots.txt, size, content type,
private address, an unusable URL) or fetching it did not work (`failed`, which includes every
archive outcome: `archive_none`, `archive_soft_404`, `archive_bad_index`, `archive_error`).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Headers, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure
from webtext.core import reasons
from webtext.crawl.links.store import FAILED, SKIPPED
from webtext.crawl.spiders.addresses import REFUSED, Refused, url_target
from webtext.crawl.spiders.robots import UNREACHABLE
from webtext.crawl.warc.write import Fetched

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
    """Whether `response` says it is HTML or XHTML (the only pages kept)."""
    return is_html_type((response.headers.get("Content-Type") or b"").decode("latin-1"))


def is_html_type(content_type: str) -> bool:
    """Whether a `Content-Type` value names HTML or XHTML."""
    return content_type.split(";")[0].strip().lower() in HTML_TYPES


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) text pairs, one per value."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def reason_phrase(status: int) -> str:
    """The standard reason phrase of an HTTP status ("" for an unknown one)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
