"""The link rules: which Reddit submissions contribute a URL to fetch, and why the others do not.

GPT-2 (Radford et al. 2019, §2.1) scraped "all outbound links from Reddit, a social media
platform, which received at least 3 karma" and removed Wikipedia articles. The same paper and
OpenWebText (Gokaslan & Cohen 2019) skip what cannot hold prose, so each submission is checked
in this order and refused with the first reason that applies (names from `core.reasons`):

1. `out_of_range`: created outside the date range (WebText used links up to December 2017);
2. `removed`: removed by moderators or deleted by its author (`removed_by_category`, or a
   `[removed]`/`[deleted]` body in dumps older than that field);
3. `self_post`: a text post with no outbound link;
4. `stickied`: pinned announcements (kept with `keep_stickied`);
5. `nsfw`: marked over 18;
6. `invalid_url`: not an http(s) URL;
7. `reddit_link`: links into Reddit itself (reddit.com, redd.it, i.redd.it, v.redd.it, ...);
8. `wikipedia`: any *.wikipedia.org page (the paper removed Wikipedia to avoid test overlap);
9. `media`: images, video, audio, archives and other binary files, by path extension or by
   media host (the hosts OpenWebText's domain blacklist names for that reason);
10. `blocklist`: a domain the user blocks (the domain and all its subdomains).

A posted URL is kept as posted (`posted_url`) except for credentials in it (`user:pass@`),
which are removed (`strip_userinfo`) before anything is stored or written.

The karma threshold applies per URL once all its posts are known (`LinkStore.apply_threshold`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from webtext.core import reasons
from webtext.core.document import RedditPost
from webtext.core.errors import ConfigError
from webtext.core.urls import normalize_url, url_domain
from webtext.crawl.links.store import KeptPost

REDDIT_DOMAINS = frozenset({"reddit.com", "redd.it", "redditmedia.com", "redditstatic.com", "reddituploads.com"})
MEDIA_DOMAINS = frozenset({"imgur.com", "gfycat.com", "giphy.com", "youtube.com", "youtu.be", "vimeo.com",
                           "streamable.com", "instagram.com", "flickr.com", "soundcloud.com",
                           "twitch.tv", "vid.me", "gyazo.com", "tinypic.com"})
MEDIA_EXTENSIONS = frozenset({
    "jpg", "jpeg", "png", "gif", "gifv", "webp", "bmp", "svg", "tif", "tiff", "ico", "heic", "mp4",
    "webm", "mov", "avi", "mkv", "flv", "wmv", "m4v", "mpg", "mpeg", "mp3", "wav", "ogg", "oga",
    "flac", "m4a", "aac", "opus", "pdf", "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "tar", "exe",
    "dmg", "iso", "apk", "deb", "rpm", "msi", "bin", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
    "swf", "torrent"
})
WIKIPEDIA = "wikipedia.org"
END_OF_WEBTEXT = "2017-12-31"  # WebText's links end with December 2017 (GPT-2 §2.1)


def _day(text: str, end: bool) -> int | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"bad date {text!r}: use YYYY-MM-DD") from exc
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time(), dt.timezone.utc)
    return int(moment.timestamp())


def _under(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass
class LinkRules:
    """The filters of the module docstring, with the user's switches."""

    keep_stickied: bool = False
    blocklist: frozenset[str] = field(default_factory=frozenset)
    since: str = ""  # YYYY-MM-DD, inclusive; "" for no bound
    until: str = ""  # YYYY-MM-DD, inclusive; "" for no bound

    def __post_init__(self) -> None:
        self._start = _day(self.since, end=False)
        self._stop = _day(self.until, end=True)

    def check(self, post: dict[str, Any]) -> KeptPost | str:
        """The kept post with its normalized URL, or the reason it is refused."""
        created = int(float(post.get("created_utc") or 0))
        if (self._start is not None and created < self._start) or (self._stop is not None and created >= self._stop):
            return reasons.LINK_OUT_OF_RANGE
        if post.get("removed_by_category") or post.get("selftext") in ("[removed]", "[deleted]"):
            return reasons.LINK_REMOVED
        if post.get("is_self"):
            return reasons.LINK_SELF_POST
        if post.get("stickied") and not self.keep_stickied:
            return reasons.LINK_STICKIED
        if post.get("over_18"):
            return reasons.LINK_NSFW
        posted = strip_userinfo(str(post.get("url") or ""))
        try:
            url = normalize_url(posted)
        except ValueError:
            return reasons.LINK_INVALID_URL
        host = urlsplit(url).hostname or ""
        if _under(host, REDDIT_DOMAINS):
            return reasons.LINK_REDDIT
        if _under(host, (WIKIPEDIA,)):
            return reasons.LINK_WIKIPEDIA
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")
        if suffix in MEDIA_EXTENSIONS or _under(host, MEDIA_DOMAINS):
            return reasons.LINK_MEDIA
        if _under(host, self.blocklist):
            return reasons.LINK_BLOCKLIST
        return KeptPost(url=url, domain=url_domain(url), posted_url=posted, post=reddit_post(post, created))


def strip_userinfo(url: str) -> str:
    """`url` without the `user:password@` of its authority, and otherwise exactly as given.

    A posted link may carry credentials (`http://user:pass@host/`); the fetch never sends them
    (the normalized URL has none), and the store, the WARC files and the manifest never keep them.
    Only the authority (between `//` and the next `/`, `?` or `#`) is touched: an `@` in a path,
    query or fragment stays, and text without `scheme://` is returned unchanged.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.strip() or any(c in scheme.strip() for c in "/?#@ "):
        return url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    return url if at < 0 else f"{scheme}://{rest[at + 1:]}"


def reddit_post(post: dict[str, Any], created: int) -> RedditPost:
    """The provenance kept for a submission."""
    return RedditPost(post_id=post_id_of(post), subreddit=str(post.get("subreddit") or ""),
                      score=int(post.get("score") or 0), created_utc=created,
                      title=str(post.get("title") or ""), permalink=str(post.get("permalink") or ""))


def post_id_of(post: dict[str, Any]) -> str:
    """The submission id without its `t3_` kind prefix."""
    return str(post.get("id") or str(post.get("name", "")).removeprefix("t3_"))


def read_blocklist(path: str | None) -> frozenset[str]:
    """Domains from a file, one a line; `#` starts a comment."""
    if not path:
        return frozenset()
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.split("#", 1)[0].strip().lower() for line in handle]
    except OSError as exc:
        raise ConfigError(f"cannot read blocklist {path}: {exc.strerror}") from exc
    return frozenset(line.removeprefix("www.") for line in lines if line)
