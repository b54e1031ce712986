"""robots.txt as RFC 9309 reads it: an unreachable file forbids the host, a missing one allows it.

Scrapy's `RobotsTxtMiddleware` parses whatever body comes back and, when the download fails,
allows every URL of the host. RFC 9309 (Robots Exclusion Protocol, section 2.3.1) asks for more:

- 2.3.1.3, "unavailable" (a 4xx status): the crawler may access any resource, so the rules
  are empty (an HTML "Not Found" page is not parsed as rules);
- 2.3.1.4, "unreachable" (a 5xx status after the retries, a timeout, a connection error): the
  crawler must assume complete disallow. A name that does not resolve, a host that refuses
  connections, or a host whose address the guard refuses (`addresses.Refused`), is not
  "unreachable" here: no page of it can be fetched either, so each fails with its own reason
  (`dns_error` and `connection_error` are dead links, which a web archive may hold). Its
  robots.txt request is neither retried nor logged: `DeadHostMiddleware` ends it as `DeadHost`
  (an `IgnoreRequest`, which Scrapy's robots.txt middleware does not log with a traceback).

A host whose robots.txt is unreachable is not fetched in this run; its URLs are dropped as
`robots_unreachable`, a transient failure that `--retry-failed` requeues, so a later run asks again.

Requests that arrive while their host's robots.txt is still downloading wait for it. Scrapy
(2.19) hands them all the same `Deferred`, and under the asyncio reactor awaiting it goes
through Twisted's `Deferred.asFuture`, whose callback returns None: the first waiter gets the
rules and every later one gets None, which Scrapy reads as "allow everything". Each waiter here
waits on a branch of its own, so all of them get the rules.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from webtext.crawl.spiders.addresses import Refused

# The text of the IgnoreRequest that `outcomes.classify` maps to `robots_unreachable`.
UNREACHABLE = "robots.txt unreachable"


_DEAD_HOST_ERRORS = (CannotResolveHostError, DNSLookupError, DownloadConnectionRefusedError)


class DeadHost(IgnoreRequest):
    """A robots.txt request to a host that does not resolve or refuses connections."""


class DeadHostMiddleware:
    """Downloader middleware: a robots.txt request to a dead host ends as `DeadHost`, not retried.

    It sits after the address guard's middleware, which has turned a refused address into
    `Refused`, and before the retry middleware.
    """

    def process_exception(self, request: Request, exception: Exception, spider: object = None) -> None:
        if request.callback is NO_CALLBACK and isinstance(exception, _DEAD_HOST_ERRORS):
            raise DeadHost(f"{request.url}: {exception}")


class _Unreachable(RobotParser):
    """The rules of a host whose robots.txt could not be read: nothing is allowed."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> _Unreachable:
        return cls()

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's status handling (see the module docstring)."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):  # robots.txt still downloading: wait on a branch of our own
            return await maybe_deferred_to_future(_branch(pending))
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._robots_error(IgnoreRequest(f"{UNREACHABLE}: HTTP {response.status}"), netloc)
            return
        if response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, (*_DEAD_HOST_ERRORS, DeadHost, Refused)):
            super()._robots_error(exc, netloc)  # no such host, or none listening: each page says so itself
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


def _branch(source: Deferred[RobotParser | None]) -> Deferred[RobotParser | None]:
    """A Deferred that fires with `source`'s result, leaving that result in place for the next waiter."""
    branch: Deferred[RobotParser | None] = Deferred()

    def fire(parser: RobotParser | None) -> RobotParser | None:
        branch.callback(parser)
        return parser

    source.addCallback(fire)
    return branch
