"""The listing spider: collect submissions from Reddit's listing API into the link store.

It pages through `/r/{subreddit}/{sort}.json?limit=100&t={time}&after={fullname}` for each
subreddit (or `all`) until the listing ends (Reddit stops a listing at about 1,000 items).
Following Reddit's API rules it sends a User-Agent of the form
`<platform>:<app id>:<version> (by /u/<username>)`, an OAuth bearer token when one is given or
obtained through the client-credentials flow (`POST /api/v1/access_token` with the client id and
secret as HTTP basic auth), and it honours the rate-limit headers (`throttle.py`).

robots.txt does not apply here: API access is governed by the API terms, and Reddit's
robots.txt disallows crawlers that the API admits. Every submission goes through the same
`LinkCollector` as the dump reader, so both sources record the same links.

An API that misbehaves cannot keep the spider (and the store's lock) forever: a listing stops
at an empty page that still names a next page, at a cursor it already followed, or after
`max_requests` pages, with a warning saying which. A child that is not a valid submission is a
counted `bad_record` drop named by its page and position; the rest of its page is kept. An API
that cannot be used at all (unreachable, credentials refused with 401/403, any other HTTP error
after retries, an answer that is not JSON or not a listing) stops the spider with `ApiError`,
which the job reports as one `error:` line.

The client secret and the bearer token (given, or obtained from the token endpoint) are never
written anywhere: they come from an argument, a file (`token_file`, `client_secret_file`, so they
stay out of `ps` and scrapyd's job list) or the environment (`WEBTEXT_REDDIT_TOKEN`,
`WEBTEXT_REDDIT_CLIENT_SECRET`), and only the requests that need them carry them.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure
from webtext.core import reasons
from webtext.core.errors import ConfigError, WebtextError
from webtext.crawl.links.collect import LinkCollector
from webtext.crawl.links.rules import LinkRules, read_blocklist
from webtext.crawl.links.store import LinkStore
from webtext.crawl.lock import StoreLock
from webtext.crawl.spiders import settings as crawl_settings

log = logging.getLogger(__name__)

REDDIT_TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
USER_AGENT = "python:webtext:0.1.0 (by /u/webtext-crawler)"
SORTS = ("top", "new", "hot")
TIMES = ("all", "year", "month", "week", "day", "hour")
ERROR_STAT = "webtext/error"
LISTING_STATS = "webtext/listing/"
_AUTH_HINT = ": check --token, or --client-id and --client-secret"
SECRET_ENV = {"token": "WEBTEXT_REDDIT_TOKEN", "client_secret": "WEBTEXT_REDDIT_CLIENT_SECRET"}


class ApiError(WebtextError):
    """The listing API cannot be used: unreachable, credentials refused, or answers that are not listings."""


def token_url_for(api_base: str) -> str:
    """Where to ask for a token: Reddit's own endpoint for oauth.reddit.com, else the API's host."""
    if urlsplit(api_base).hostname == "oauth.reddit.com":
        return REDDIT_TOKEN_URL
    return api_base.rstrip("/") + "/api/v1/access_token"


def read_secret(name: str, value: str, path: str | os.PathLike[str] | None) -> str:
    """The secret `name` (`token`, `client_secret`): `value`, else the one line of file `path`,
    else its environment variable (`SECRET_ENV`); "" when none is given.

    A file that cannot be read, is empty or holds more than one line, and a secret given both as
    a value and as a file, raise `ConfigError` (the message never shows the secret).
    """
    flag = "--" + name.replace("_", "-")
    if not path:
        return value or os.environ.get(SECRET_ENV[name], "").strip()
    if value:
        raise ConfigError(f"give {flag} or {flag}-file, not both")
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read {flag}-file {path}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read {flag}-file {path}: not UTF-8 text") from None
    if not secret:
        raise ConfigError(f"{flag}-file is empty: {path}")
    if "\n" in secret or "\r" in secret:
        raise ConfigError(f"{flag}-file must hold the secret on one line: {path}")
    return secret


def read_listing_page(body: bytes) -> tuple[list[Any], str | None]:
    """The children and the next-page cursor of one listing answer; `ValueError` if it is not a listing."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError("not JSON") from None
    listing = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(listing, dict) or not isinstance(listing.get("children"), list):
        raise ValueError("not a Reddit listing (no data.children list)")
    after = listing.get("after")
    if after is not None and not isinstance(after, str):
        raise ValueError(f"not a Reddit listing (data.after is {type(after).__name__}, not a string)")
    return listing["children"], after or None


def collect_page(collector: LinkCollector, children: list[Any], where: str) -> int:
    """Record each child of a listing page; returns how many were submissions (not bad records)."""
    posts = 0
    for number, child in enumerate(children, 1):
        kind = child.get("kind") if isinstance(child, dict) else None
        if kind != "t3":
            what = f"kind {kind!r}" if isinstance(child, dict) else type(child).__name__
            collector.drop_bad(f"{where} child {number}", f"not a submission ({what[:40]})")
            continue
        posts += collector.add(child.get("data"), f"{where} child {number}") != reasons.LINK_BAD_RECORD
    return posts


class ListingSpider(scrapy.Spider):
    """Page through Reddit listings and record every submission in the link store."""

    name = "webtext-links"
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
        # Before WaitMiddleware (50), so the wait it asks for is honoured for the same request.
        "DOWNLOADER_MIDDLEWARES": {**crawl_settings.DOWNLOADER_MIDDLEWARES,
                                   "webtext.crawl.spiders.throttle.RateLimitMiddleware": 40},
    }

    def __init__(self, store: str = "out/crawl/links.sqlite", api_base: str = "https://oauth.reddit.com",
                 subreddits: list[str] | str = "all", sort: str = "top", time: str = "all",
                 token: str = "", client_id: str = "", client_secret: str = "", token_url: str = "",
                 token_file: str = "", client_secret_file: str = "",
                 user_agent: str = USER_AGENT, max_items: int | str = 1000, max_requests: int | str = 100,
                 keep_stickied: bool | str = False, since: str = "", until: str = "", blocklist: str = "",
                 min_score: int | str = 3, sum_scores: bool | str = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if sort not in SORTS or time not in TIMES:
            raise ConfigError(f"--sort must be one of {', '.join(SORTS)} and --time one of {', '.join(TIMES)}")
        self.max_items, self.max_requests = int(max_items), int(max_requests)
        if self.max_items < 1 or self.max_requests < 1:
            raise ConfigError("--max-items and --max-requests must be at least 1")
        self.token = read_secret("token", token, token_file)
        self.client_secret = read_secret("client_secret", client_secret, client_secret_file)
        self.client_id = client_id
        self._lock = StoreLock(store)
        self._lock.acquire()
        self.subreddits = subreddits.split(",") if isinstance(subreddits, str) else list(subreddits)
        self.api_base, self.sort, self.time = api_base.rstrip("/"), sort, time
        self.token_url = token_url or token_url_for(api_base)
        self.api_user_agent = user_agent
        self.store = LinkStore(store)
        rules = LinkRules(keep_stickied=flag(keep_stickied), since=since, until=until,
                          blocklist=read_blocklist(blocklist or None))
        self.collector = LinkCollector(self.store, rules)
        self.min_score, self.sum_scores = int(min_score), flag(sum_scores)
        self.seen: dict[str, int] = {}  # submissions per subreddit
        self.requests: dict[str, int] = {}  # pages asked for per subreddit
        self.cursors: dict[str, set[str]] = {}  # `after` values followed per subreddit
        self.stopped: dict[str, str] = {}  # why a listing stopped early
        self.children = 0
        self.error = ""

    async def start(self) -> AsyncIterator[Any]:
        if self.client_id and self.client_secret and not self.token:
            secret = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            yield scrapy.FormRequest(self.token_url, formdata={"grant_type": "client_credentials"},
                                     headers={"Authorization": f"Basic {secret}", "User-Agent": self.api_user_agent},
                                     callback=self.got_token, errback=self.failed, dont_filter=True)
            return
        for request in self._first_pages():
            yield request

    def got_token(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            answer = json.loads(response.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            self._fail(f"the token endpoint {self.token_url} answered something that is not JSON")
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            self._fail(f"the token endpoint {self.token_url} gave no access token{_AUTH_HINT}")
        self.token = token
        yield from self._first_pages()

    def _first_pages(self) -> Iterator[scrapy.Request]:
        for subreddit in self.subreddits:
            yield self._page(subreddit, after="")

    def _page(self, subreddit: str, after: str) -> scrapy.Request:
        query = {"limit": 100, "t": self.time, "raw_json": 1, **({"after": after} if after else {})}
        headers = {"User-Agent": self.api_user_agent}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.requests[subreddit] = self.requests.get(subreddit, 0) + 1
        if after:
            self.cursors.setdefault(subreddit, set()).add(after)
        return scrapy.Request(f"{self.api_base}/r/{subreddit}/{self.sort}.json?{urlencode(query)}",
                              headers=headers, callback=self.parse, errback=self.failed,
                              cb_kwargs={"subreddit": subreddit}, dont_filter=True)

    def parse(self, response: Response, subreddit: str) -> Iterator[scrapy.Request]:
        try:
            children, after = read_listing_page(response.body)
        except ValueError as exc:
            kind = (response.headers.get("Content-Type") or b"").decode("latin-1")
            self._fail(f"{response.url} answered {exc} (Content-Type {kind or 'unset'}): check --api-base")
        self.children += len(children)
        where = f"r/{subreddit} page {self.requests[subreddit]}"
        self.seen[subreddit] = self.seen.get(subreddit, 0) + collect_page(self.collector, children, where)
        self.collector.flush()
        if not after or self.seen[subreddit] >= self.max_items:
            return
        stop = self._stop_reason(subreddit, children, after)
        if stop:
            self.stopped[subreddit] = stop
            log.warning("listing r/%s stopped: %s", subreddit, stop)
            return
        yield self._page(subreddit, after)

    def _stop_reason(self, subreddit: str, children: list[Any], after: str) -> str:
        if not children:
            return f"an empty page still names a next page ({after[:40]!r})"
        if after in self.cursors.get(subreddit, ()):
            return f"the API repeated the cursor {after[:40]!r}"
        if self.requests[subreddit] >= self.max_requests:
            return f"{self.max_requests} pages requested (--max-requests)"
        return ""

    def failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Errback of every API request: the API cannot be used, so the run fails."""
        url = failure.request.url  # type: ignore[attr-defined]
        where = (f"the token endpoint {self.token_url}" if url == self.token_url
                 else f"the Reddit API at {self.api_base}")
        if isinstance(failure.value, HttpError):
            status = failure.value.response.status
            hint = _AUTH_HINT if status in (401, 403) else ""
            message = f"{where} answered HTTP {status} for {url}{hint}"
        elif failure.check(DNSLookupError):
            message = f"cannot resolve the host of {where}: {failure.getErrorMessage()}"
        else:
            message = f"cannot reach {where}: {failure.getErrorMessage()}"
        return self._closing(message)

    def _closing(self, message: str) -> Iterator[scrapy.Request]:
        """Output that stops the spider when Scrapy reads it (an errback that raises is logged with a traceback)."""
        self._fail(message)
        yield from ()

    def _fail(self, message: str) -> NoReturn:
        self.error = self.error or message
        raise CloseSpider("api_error")

    def closed(self, reason: str) -> None:
        counts = self.collector.finish(self.min_score, self.sum_scores)
        stats = self.crawler.stats
        if stats is not None:
            for name, value in counts.items():
                stats.set_value(f"webtext/links/{name}", value)
            stats.set_value(LISTING_STATS + "pages", sum(self.requests.values()))
            stats.set_value(LISTING_STATS + "children", self.children)
            stats.set_value(LISTING_STATS + "stopped", {f"r/{k}": v for k, v in self.stopped.items()})
            stats.set_value(LISTING_STATS + "bad_records", list(self.collector.bad_records))
            if self.error:
                stats.set_value(ERROR_STAT, self.error)
        self.store.close()
        self._lock.release()


def flag(value: bool | str) -> bool:
    """A switch given as a bool, or as text by `scrapy crawl -a` / scrapyd."""
    return value if isinstance(value, bool) else value.strip().lower() in ("1", "true", "yes", "on")
