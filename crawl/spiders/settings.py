"""Scrapy settings of the webtext crawler: polite defaults for a broad crawl of untrusted links.

This is the project's Scrapy settings module (`scrapy.cfg` names it, so `scrapy list` and
scrapyd find the spiders). The command line overrides the values marked "flag" through
`crawler_settings`. Sources: Scrapy's "Broad crawls" guide (concurrency, priority queue,
cookies off, retries, redirects) and Reddit's API rules (User-Agent form, rate limits).
"""

from __future__ import annotations

from typing import Any

from webtext.crawl.spiders.archive import ARCHIVE_SLOT
from webtext.crawl.spiders.cdx import WAYBACK, WAYBACK_CDX, WAYBACK_REPLAY

BOT_NAME = "webtext"
SPIDER_MODULES = ["webtext.crawl.spiders.pages", "webtext.crawl.spiders.listing"]

# Identify the crawler honestly; sites can block it by this name in robots.txt (flag).
USER_AGENT = "Mozilla/5.0 (compatible; webtext-crawler/0.1; +https://github.com/webtext/webtext)"
ROBOTSTXT_OBEY = True

# Concurrency: many hosts at once, few requests per host (flags --concurrency, --per-domain).
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 4
REACTOR_THREADPOOL_MAXSIZE = 20  # DNS lookups run in this pool
# Spread requests over hosts instead of draining one host's queue (Scrapy broad-crawl advice).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

# AutoThrottle adapts each host's delay to its latency: a slow host gets fewer requests (flag).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Bounded work per link: time, size (also after decompression), redirects, retries (flags).
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry, doubled for each further one

# Each response gives one item; Scrapy starts CONCURRENT_ITEMS worker tasks per response, so
# the default of 100 costs CPU for nothing (measured: about 100k needless tasks per 1000 pages).
CONCURRENT_ITEMS = 1

# The link store is the crawl's memory: no duplicate filter holding every URL in RAM, no cookies.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Resolve IP literals as written, names through the hosts file, then DNS; refuse non-public
# addresses unless allowed (flags --hosts-file, --allow-private, --allow-address). The listing
# API's own host:port origins are trusted only while the listing spider runs (addresses.ApiTrust).
TWISTED_DNS_RESOLVER = "webtext.crawl.spiders.addresses.GuardedResolver"
DNS_TIMEOUT = 10
WEBTEXT_HOSTS_FILE = None
WEBTEXT_ALLOW_PRIVATE = False
WEBTEXT_ALLOW_ADDRESS: list[str] = []
WEBTEXT_API_ORIGINS: list[str] = []
EXTENSIONS = {"webtext.crawl.spiders.addresses.ApiTrust": 0}

DOWNLOADER_MIDDLEWARES = {
    # robots.txt per RFC 9309: a 5xx or unreachable file forbids the host for this run (robots.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "webtext.crawl.spiders.robots.StrictRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "webtext.crawl.spiders.throttle.BackoffRetryMiddleware": 550,
    "webtext.crawl.spiders.throttle.WaitMiddleware": 50,
    # Sees download errors before the retry middleware: a refused address is not retried.
    "webtext.crawl.spiders.addresses.RefusedAddressMiddleware": 580,
    # Then a robots.txt request to a host that does not resolve or refuses connections ends quietly.
    "webtext.crawl.spiders.robots.DeadHostMiddleware": 570,
}

# Web archives (archive.py): dead links looked up in the Wayback Machine's CDX index and fetched
# from its replay (flags --archive, --archive-api, --archive-cdx, --archive-replay, --archive-captures).
# Archive requests share one download slot, one request a second (--archive-delay) and at most
# CONCURRENT_REQUESTS_PER_DOMAIN at once (--per-domain); AutoThrottle leaves its delay alone.
WEBTEXT_ARCHIVE = "fallback"
WEBTEXT_ARCHIVE_API = WAYBACK
WEBTEXT_ARCHIVE_CDX = WAYBACK_CDX
WEBTEXT_ARCHIVE_REPLAY = WAYBACK_REPLAY
WEBTEXT_ARCHIVE_CAPTURES = 3
DOWNLOAD_SLOTS = {ARCHIVE_SLOT: {"delay": 1.0, "jitter": 0.0, "concurrency": CONCURRENT_REQUESTS_PER_DOMAIN}}

LOG_LEVEL = "WARNING"
LOGSTATS_INTERVAL = 0


def crawler_settings(**overrides: Any) -> dict[str, Any]:
    """This module's settings as a dict, with `overrides` (upper-case names) applied."""
    values = {name: value for name, value in globals().items() if name.isupper()}
    values.update(overrides)
    return values
