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
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Response
from webtext.core.errors import ConfigError
from webtext.crawl import settings as crawl_settings
from webtext.crawl.collect import LinkCollector
from webtext.crawl.lock import StoreLock
from webtext.crawl.rules import LinkRules, read_blocklist
from webtext.crawl.store import LinkStore

REDDIT_TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
USER_AGENT = "python:webtext:0.1.0 (by /u/webtext-crawler)"
SORTS = ("top", "new", "hot")
TIMES = ("all", "year", "month", "week", "day", "hour")


def token_url_for(api_base: str) -> str:
    """Where to ask for a token: Reddit's own endpoint for oauth.reddit.com, else the API's host."""
    if urlsplit(api_base).hostname == "oauth.reddit.com":
        return REDDIT_TOKEN_URL
    return api_base.rstrip("/") + "/api/v1/access_token"


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
                                   "webtext.crawl.throttle.RateLimitMiddleware": 40},
    }

    def __init__(self, store: str = "out/crawl/links.sqlite", api_base: str = "https://oauth.reddit.com",
                 subreddits: list[str] | str = "all", sort: str = "top", time: str = "all",
                 token: str = "", client_id: str = "", client_secret: str = "", token_url: str = "",
                 user_agent: str = USER_AGENT, max_items: int | str = 1000, keep_stickied: bool | str = False,
                 since: str = "", until: str = "", blocklist: str = "", min_score: int | str = 3,
                 sum_scores: bool | str = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = StoreLock(store)
        self._lock.acquire()
        if sort not in SORTS or time not in TIMES:
            raise ConfigError(f"--sort must be one of {', '.join(SORTS)} and --time one of {', '.join(TIMES)}")
        self.subreddits = subreddits.split(",") if isinstance(subreddits, str) else list(subreddits)
        self.api_base, self.sort, self.time = api_base.rstrip("/"), sort, time
        self.token, self.client_id, self.client_secret = token, client_id, client_secret
        self.token_url = token_url or token_url_for(api_base)
        self.api_user_agent, self.max_items = user_agent, int(max_items)
        self.store = LinkStore(store)
        rules = LinkRules(keep_stickied=flag(keep_stickied), since=since, until=until,
                          blocklist=read_blocklist(blocklist or None))
        self.collector = LinkCollector(self.store, rules)
        self.min_score, self.sum_scores = int(min_score), flag(sum_scores)
        self.seen: dict[str, int] = {}

    async def start(self) -> AsyncIterator[Any]:
        if self.client_id and self.client_secret and not self.token:
            secret = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            yield scrapy.FormRequest(self.token_url, formdata={"grant_type": "client_credentials"},
                                     headers={"Authorization": f"Basic {secret}", "User-Agent": self.api_user_agent},
                                     callback=self.got_token, dont_filter=True)
            return
        for request in self._first_pages():
            yield request

    def got_token(self, response: Response) -> Iterator[scrapy.Request]:
        self.token = str(json.loads(response.text).get("access_token") or "")
        if not self.token:
            raise ConfigError(f"{self.token_url} gave no access token: check --client-id/--client-secret")
        yield from self._first_pages()

    def _first_pages(self) -> Iterator[scrapy.Request]:
        for subreddit in self.subreddits:
            yield self._page(subreddit, after="")

    def _page(self, subreddit: str, after: str) -> scrapy.Request:
        query = {"limit": 100, "t": self.time, "raw_json": 1, **({"after": after} if after else {})}
        headers = {"User-Agent": self.api_user_agent}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return scrapy.Request(f"{self.api_base}/r/{subreddit}/{self.sort}.json?{urlencode(query)}",
                              headers=headers, callback=self.parse, cb_kwargs={"subreddit": subreddit},
                              dont_filter=True)

    def parse(self, response: Response, subreddit: str) -> Iterator[scrapy.Request]:
        try:
            data = json.loads(response.text)["data"]
        except (ValueError, KeyError, TypeError):
            self.logger.error("not a Reddit listing: %s", response.url)
            return
        for child in data.get("children", []):
            if child.get("kind") == "t3" and isinstance(child.get("data"), dict):
                self.collector.add(child["data"])
                self.seen[subreddit] = self.seen.get(subreddit, 0) + 1
        self.collector.flush()
        after = data.get("after")
        if after and self.seen.get(subreddit, 0) < self.max_items:
            yield self._page(subreddit, after)

    def closed(self, reason: str) -> None:
        counts = self.collector.finish(self.min_score, self.sum_scores)
        if self.crawler.stats is not None:
            for name, value in counts.items():
                self.crawler.stats.set_value(f"webtext/links/{name}", value)
        self.store.close()
        self._lock.release()


def flag(value: bool | str) -> bool:
    """A switch given as a bool, or as text by `scrapy crawl -a` / scrapyd."""
    return value if isinstance(value, bool) else value.strip().lower() in ("1", "true", "yes", "on")
