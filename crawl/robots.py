"""robots.txt as RFC 9309 reads it: an unreachable file forbids the host, a missing one allows it.

Scrapy's `RobotsTxtMiddleware` parses whatever body comes back and, when the download fails,
allows every URL of the host. RFC 9309 (Robots Exclusion Protocol, section 2.3.1) asks for more:

- 2.3.1.3, "unavailable" (a 4xx status): the crawler may access any resource, so the rules
  are empty (an HTML "Not Found" page is not parsed as rules);
- 2.3.1.4, "unreachable" (a 5xx status after the retries, a timeout, a connection error): the
  crawler must assume complete disallow. A name that does not resolve (or resolves to a refused
  private address) is not "unreachable" here: each of its pages fails with its own reason.

A host whose robots.txt is unreachable is not fetched in this run; its URLs are dropped as
`robots_unreachable`, a transient failure that `--retry-failed` requeues, so a later run asks again.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

# The text of the IgnoreRequest that `pages.classify` maps to `robots_unreachable`.
UNREACHABLE = "robots.txt unreachable"


class _Unreachable(RobotParser):
    """The rules of a host whose robots.txt could not be read: nothing is allowed."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> _Unreachable:
        return cls()

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's status handling (see the module docstring)."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._robots_error(IgnoreRequest(f"{UNREACHABLE}: HTTP {response.status}"), netloc)
            return
        if response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, (CannotResolveHostError, DNSLookupError)):
            super()._robots_error(exc, netloc)  # no such host (or a refused address): each page says so itself
            return
        self._stats.inc_value("robotstxt/unreachable")
        waiting = self._parsers[netloc]
        unreachable = _Unreachable()
        self._parsers[netloc] = unreachable
        if isinstance(waiting, Deferred):
            waiting.callback(unreachable)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, _Unreachable):
            self._stats.inc_value("robotstxt/forbidden_unreachable")
            raise IgnoreRequest(UNREACHABLE)
        super().process_request_2(rp, request)
