"""The crawl's settings, in one place: typed dataclasses that become the command-line flags.

`LinkConfig` drives link collection (listing API and dump files, the link rules, the karma
threshold), `FetchConfig` the page fetcher. `LinksJob`, `PagesJob` and `RunJob` are the settings
of `webtext crawl links|pages|run` (the link store, the summary file, and those two as sections);
`LinksExportSettings` those of `webtext crawl links export`. `fetch_settings` turns a `FetchConfig`
into the Scrapy settings that override `webtext.crawl.spiders.settings`.

Counts, sizes and times carry their lower bound (`at_least`, or `above` for a bound the value
must exceed) in the field's metadata; a value that cannot work (`--per-domain 0` would never
fetch, `--max-size -1` would refuse every page) raises `ConfigError` when the configuration is
built, before any work starts.
"""

from __future__ import annotations

import abc
import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from webtext.core.config import setting
from webtext.core.errors import ConfigError
from webtext.crawl.links.export import FORMATS
from webtext.crawl.links.rules import END_OF_WEBTEXT, LinkRules, read_blocklist
from webtext.crawl.spiders import settings as scrapy_defaults
from webtext.crawl.spiders.addresses import api_origin, parse_allowed
from webtext.crawl.spiders.archive import ARCHIVE_SLOT, FALLBACK, MODES
from webtext.crawl.spiders.cdx import APIS, COMMONCRAWL, WAYBACK, WAYBACK_CDX, WAYBACK_REPLAY
from webtext.crawl.spiders.listing import SORTS, TIMES, USER_AGENT, read_secret

DEFAULT_STORE = Path("out/crawl/links.sqlite")
DEFAULT_WARC_DIR = Path("out/crawl/warc")


@dataclass
class LinkConfig:
    """Where submissions come from and which of their links are kept."""

    api_base: str = setting("", "Reddit listing API base URL, e.g. https://oauth.reddit.com "
                                "(or the sample web's http://127.0.0.1:8642)")
    subreddit: list[str] = setting([], "subreddits to list (`all` for every one)")
    sort: str = setting("top", "listing order", choices=SORTS)
    time: str = setting("all", "time window of `top` listings", choices=TIMES)
    max_items: int = setting(1000, "stop each listing after this many submissions (Reddit stops near 1000)",
                             at_least=1)
    max_requests: int = setting(100, "stop each listing after this many page requests (an API that never "
                                     "ends a listing cannot hold the crawl)", at_least=1)
    token: str = setting("", "OAuth bearer token for the API (or --token-file, or $WEBTEXT_REDDIT_TOKEN; "
                             "never written out)", secret=True)
    token_file: Path | None = setting(None, "file holding the bearer token on one line (kept out of `ps`)")
    client_id: str = setting("", "API client id (client-credentials flow, with --client-secret)")
    client_secret: str = setting("", "API client secret (or --client-secret-file, or "
                                     "$WEBTEXT_REDDIT_CLIENT_SECRET; never written out)", secret=True)
    client_secret_file: Path | None = setting(None, "file holding the client secret on one line (kept out of `ps`)")
    token_url: str = setting("", "token endpoint (default: Reddit's, or API base + /api/v1/access_token)")
    api_user_agent: str = setting(USER_AGENT, "User-Agent for the API, in Reddit's required form")
    dump: list[Path] = setting([], "monthly submission dumps (RS_YYYY-MM.zst) to read")
    since: str = setting("", "keep submissions created on or after this day (YYYY-MM-DD)")
    until: str = setting("", f"keep submissions created up to this day (default for dumps: {END_OF_WEBTEXT})")
    min_score: int = setting(3, "karma threshold: keep URLs with a submission scoring at least this")
    sum_scores: bool = setting(False, "apply the threshold to the sum of all submissions of a URL")
    keep_stickied: bool = setting(False, "keep links of stickied (pinned) submissions")
    blocklist: Path | None = setting(None, "file of domains to drop, one a line")

    def __post_init__(self) -> None:
        check_bounds(self)
        if self.api_base and urlsplit(self.api_base).scheme not in ("http", "https"):
            raise ConfigError(f"--api-base must be an http(s) URL (got {self.api_base!r})")
        self.token = read_secret("token", self.token, self.token_file)
        self.client_secret = read_secret("client_secret", self.client_secret, self.client_secret_file)

    def rules(self, for_dumps: bool) -> LinkRules:
        until = self.until or (END_OF_WEBTEXT if for_dumps else "")
        return LinkRules(keep_stickied=self.keep_stickied, since=self.since, until=until,
                         blocklist=read_blocklist(str(self.blocklist) if self.blocklist else None))

    @property
    def uses_api(self) -> bool:
        return bool(self.api_base and self.subreddit)


@dataclass
class FetchConfig:
    """How pages are fetched and stored."""

    warc_dir: Path = setting(DEFAULT_WARC_DIR, "directory of the WARC files")
    hosts_file: Path | None = setting(None, "hosts(5) file resolving names before DNS (like curl --resolve)")
    allow_private: bool = setting(False, "allow private, loopback and link-local addresses (sample web, tests)")
    allow_address: list[str] = setting([], "HOST:PORT ([ADDRESS]:PORT for IPv6) that pages may reach although "
                                           "the address is not public; HOST is the address or the URL's host name")
    concurrency: int = setting(64, "requests in flight overall", at_least=1)
    per_domain: int = setting(4, "requests in flight per host", at_least=1)
    timeout: float = setting(30.0, "seconds allowed per request", above=0)
    retries: int = setting(2, "retries of 5xx answers and timeouts (with exponential backoff)", at_least=0)
    backoff: float = setting(1.0, "seconds before the first retry; doubled for each further one", at_least=0)
    max_size: int = setting(5 * 1024 * 1024, "largest response in bytes, also after decompression", at_least=1)
    warc_size: int = setting(1 << 30, "roll over to a new WARC file after this many bytes", at_least=1)
    autothrottle: bool = setting(True, "adapt each host's delay to its latency (Scrapy AutoThrottle)")
    throttle_start: float = setting(1.0, "AutoThrottle's first delay per host, in seconds", at_least=0)
    batch: int = setting(500, "URLs read from the store at a time", at_least=1)
    retry_failed: bool = setting(False, "requeue URLs that failed with a transient error (timeouts, 5xx)")
    user_agent: str = setting(scrapy_defaults.USER_AGENT, "User-Agent for page requests (and robots.txt)")
    archive: str = setting(FALLBACK, "web archive: `fallback` fetches dead links (DNS error, connection refused, "
                                     "404, 410, parked domain) from it, `always` every URL, `never` none",
                           choices=MODES)
    archive_api: str = setting(WAYBACK, "the archive index's protocol: the Wayback Machine's CDX server, or "
                                        "pywb's as Common Crawl runs it", choices=APIS)
    archive_cdx: str = setting(WAYBACK_CDX, "CDX index URL (Common Crawl: https://index.commoncrawl.org/"
                                            "CC-MAIN-YYYY-WW-index)")
    archive_replay: str = setting(WAYBACK_REPLAY, "where captures are fetched: the replay base "
                                                  "(TIMESTAMPid_/URL is added), or for Common Crawl the base of "
                                                  "its WARC files, https://data.commoncrawl.org/")
    archive_captures: int = setting(3, "captures tried per URL, nearest to the link's first post first", at_least=1)
    archive_delay: float = setting(1.0, "seconds between two requests to the archive", at_least=0)

    def __post_init__(self) -> None:
        check_bounds(self)
        for entry in self.allow_address:
            try:
                parse_allowed(entry)
            except ValueError as exc:
                raise ConfigError(f"--allow-address {exc}") from None
        for flag, url in (("--archive-cdx", self.archive_cdx), ("--archive-replay", self.archive_replay)):
            if not _http_url(url):
                raise ConfigError(f"{flag} must be an http(s) URL (got {url!r})")
        wayback_urls = self.archive_cdx == WAYBACK_CDX or self.archive_replay == WAYBACK_REPLAY
        if self.archive_api == COMMONCRAWL and wayback_urls:
            raise ConfigError("--archive-api commoncrawl needs its own --archive-cdx (an index, e.g. "
                              "https://index.commoncrawl.org/CC-MAIN-2017-51-index) and --archive-replay "
                              "(https://data.commoncrawl.org/)")


@dataclass
class StoreSettings:
    """The link store a crawl command works on."""

    store: Path = setting(DEFAULT_STORE, "link store (SQLite)")


@dataclass
class JobSettings(StoreSettings, abc.ABC):
    """A crawl job: the link store and its JSON summary; each command's subclass adds its sections."""

    summary: Path | None = setting(None, "JSON summary to write (default: beside the store, named after the "
                                         "command: links-summary.json, pages-summary.json, or summary.json for run)")
    SUMMARY: ClassVar[str] = "summary.json"

    def summary_path(self) -> Path:
        return self.summary or self.store.parent / self.SUMMARY

    @abc.abstractmethod
    def sections(self) -> tuple[LinkConfig | None, FetchConfig | None]:
        """What the job does: collect links with the first, fetch pages with the second."""


@dataclass
class LinksJob(JobSettings):
    """`webtext crawl links`: collect links into the store."""

    links: LinkConfig = field(default_factory=LinkConfig)
    SUMMARY: ClassVar[str] = "links-summary.json"

    def sections(self) -> tuple[LinkConfig | None, FetchConfig | None]:
        return self.links, None


@dataclass
class PagesJob(JobSettings):
    """`webtext crawl pages`: fetch the store's pending URLs."""

    fetch: FetchConfig = field(default_factory=FetchConfig)
    SUMMARY: ClassVar[str] = "pages-summary.json"

    def sections(self) -> tuple[LinkConfig | None, FetchConfig | None]:
        return None, self.fetch


@dataclass
class RunJob(JobSettings):
    """`webtext crawl run`: links (when sources are given), then pages; the scheduled job."""

    links: LinkConfig = field(default_factory=LinkConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)

    def sections(self) -> tuple[LinkConfig | None, FetchConfig | None]:
        has_sources = bool(self.links.dump or self.links.uses_api)
        return self.links if has_sources else None, self.fetch  # no sources: only fetch what is pending


@dataclass
class LinksExportSettings(StoreSettings):
    """`webtext crawl links export`: the store as a URL manifest."""

    format: str = setting("jsonl", "manifest format", choices=FORMATS)
    all: bool = setting(False, "also list URLs below the karma threshold")
    out: Path | None = setting(None, "manifest file to write (no default)", positional=True)


def _http_url(url: str) -> bool:
    """Whether `url` is an http(s) URL with a host and a valid port."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:  # a port that is no number, an unclosed bracket
        return False


def check_bounds(config: object) -> None:
    """`ConfigError` naming the flag when a field is below its `at_least` or not above its `above` bound."""
    for f in dataclasses.fields(config):  # type: ignore[arg-type]
        value = getattr(config, f.name)
        low, above = f.metadata.get("at_least"), f.metadata.get("above")
        if low is None and above is None:
            continue
        flag = "--" + f.name.replace("_", "-")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{flag} must be a finite number (got {value})")
        if low is not None and not value >= low:
            raise ConfigError(f"{flag} must be at least {low} (got {value})")
        if above is not None and not value > above:
            raise ConfigError(f"{flag} must be more than {above} (got {value})")


def fetch_settings(fetch: FetchConfig, links: LinkConfig | None = None) -> dict[str, Any]:
    """Scrapy settings for `fetch` (and the API origins of `links`, trusted for the listing's own requests)."""
    api = [u for u in (links.api_base, links.token_url) if urlsplit(u).hostname] if links else []
    return scrapy_defaults.crawler_settings(
        WEBTEXT_HOSTS_FILE=str(fetch.hosts_file) if fetch.hosts_file else None,
        WEBTEXT_ALLOW_PRIVATE=fetch.allow_private, WEBTEXT_ALLOW_ADDRESS=list(fetch.allow_address),
        WEBTEXT_API_ORIGINS=[api_origin(url) for url in api],
        CONCURRENT_REQUESTS=fetch.concurrency, CONCURRENT_REQUESTS_PER_DOMAIN=fetch.per_domain,
        DOWNLOAD_TIMEOUT=fetch.timeout, RETRY_TIMES=fetch.retries, RETRY_BACKOFF_BASE=fetch.backoff,
        DOWNLOAD_MAXSIZE=fetch.max_size, AUTOTHROTTLE_ENABLED=fetch.autothrottle,
        AUTOTHROTTLE_START_DELAY=fetch.throttle_start, USER_AGENT=fetch.user_agent,
        WEBTEXT_ARCHIVE=fetch.archive, WEBTEXT_ARCHIVE_API=fetch.archive_api, WEBTEXT_ARCHIVE_CDX=fetch.archive_cdx,
        WEBTEXT_ARCHIVE_REPLAY=fetch.archive_replay, WEBTEXT_ARCHIVE_CAPTURES=fetch.archive_captures,
        DOWNLOAD_SLOTS={ARCHIVE_SLOT: {"delay": fetch.archive_delay, "jitter": 0.0, "concurrency": fetch.per_domain}})
