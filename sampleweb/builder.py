"""The mutable state used while generating a sample web: posts, pages and ground truth.

`Builder` hands out prose paragraphs, hosts, post ids and creation times from one seeded random
generator, so that the same seed always produces the same site, byte for byte.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from webtext.core.urls import normalize_url
from webtext.sampleweb.corpus import prose_pool
from webtext.sampleweb.resources import Resource
from webtext.sampleweb.templates import LAYOUTS, Chrome, render_article
from webtext.sampleweb.truth import UrlTruth

SUBREDDITS = ("technology", "science", "programming", "worldnews", "python", "askhistorians")
SITE_NAMES = (
    "Daily Chronicle", "Morning Ledger", "Tech Herald", "Science Dispatch", "Open Notebook",
    "Coder Weekly", "Evening Post", "Global Observer", "Data Digest", "Field Notes",
    "Harbor Gazette", "Valley Times", "Byte Review", "Lab Bulletin", "Civic Journal",
    "Prairie Register", "Signal Monthly", "Atlas Report", "Quiet Corner", "Summit Tribune",
    "Pixel Planet", "Archive Weekly", "Northern Star", "Riverside Voice",
)
SLOW_SITE = "Snail News"
YEAR_START = 1483228800  # 2017-01-01T00:00:00Z: every post is from 2017, as WebText's cut-off
NOW = 1514764800  # 2018-01-01T00:00:00Z: "now" for the listing API's time windows
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


# Blogs of the sample web live on blog platforms, as many of WebText's pages did: blogspot, github
# (pages), wordpress and medium are among WebText's 25 most frequent domains (its published top-1,000
# list), so the corpus report's WebText comparison has labels to compare on the sample web too.
BLOG_PLATFORMS = {"Open Notebook": "blogspot", "Quiet Corner": "blogspot", "Coder Weekly": "github",
                  "Field Notes": "wordpress", "Signal Monthly": "medium"}


def more_sites(count: int) -> tuple[str, ...]:
    """Names of `count` further article sites, beyond `SITE_NAMES`, for a larger sample web."""
    return tuple(f"Outpost {number}" for number in range(len(SITE_NAMES) + 1, len(SITE_NAMES) + 1 + count))


def host_of(site: str) -> str:
    """The host of a site: `www.<name>.test`, or `<name>.<platform>.test` for a blog on a platform."""
    name = re.sub(r"[^a-z0-9]+", "-", site.lower()).strip("-")
    platform = BLOG_PLATFORMS.get(site)
    return f"{name}.{platform}.test" if platform else f"www.{name}.test"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@dataclass
class Article:
    title: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Builder:
    """Accumulates one sample web while it is generated."""

    seed: int
    port: int
    rng: random.Random = field(init=False)
    posts: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, UrlTruth] = field(default_factory=dict)
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)
    chromes: dict[str, Chrome] = field(default_factory=dict)
    _next_paragraph: int = 0
    _next_post: int = 0
    _pool: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._pool = list(prose_pool())
        self.rng.shuffle(self._pool)
        for index, name in enumerate(SITE_NAMES):
            self.chromes[host_of(name)] = Chrome(name, LAYOUTS[index % len(LAYOUTS)])
        self.chromes[host_of(SLOW_SITE)] = Chrome(SLOW_SITE, "news")

    # -- content ---------------------------------------------------------------------------
    def article(self, min_words: int = 220, max_paragraphs: int = 12) -> Article:
        """A new article of unused paragraphs (the pool is cycled only beyond its size)."""
        paragraphs: list[str] = []
        while sum(len(p.split()) for p in paragraphs) < min_words and len(paragraphs) < max_paragraphs:
            paragraphs.append(self._pool[self._next_paragraph % len(self._pool)])
            self._next_paragraph += 1
        words = re.sub(r"[^A-Za-z ]+", "", paragraphs[0]).split()[:7]
        title = " ".join(words).capitalize() + f" ({self._next_paragraph})"
        return Article(title, paragraphs)

    def add_sites(self, names: tuple[str, ...]) -> list[str]:
        """Give each site of `names` a page chrome (layouts in turn); returns their hosts."""
        for index, name in enumerate(names, start=len(SITE_NAMES)):
            self.chromes[host_of(name)] = Chrome(name, LAYOUTS[index % len(LAYOUTS)])
        return [host_of(name) for name in names]

    def unused_paragraphs(self) -> tuple[str, ...]:
        """Paragraphs of the pool that no article took (empty once the pool has been cycled)."""
        return tuple(self._pool[self._next_paragraph:])

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def serve_article(self, host: str, path: str, article: Article, month: int,
                      charset: str | None = "utf-8", encoding: str = "utf-8",
                      content_type: str = "text/html; charset=utf-8") -> str:
        """Serve `article` at host+path in the host's layout; returns its URL."""
        chrome = self.chromes[host]
        related = [self._pool[(self._next_paragraph + i * 7) % len(self._pool)][:48] for i in range(4)]
        page = render_article(chrome, article.title, article.paragraphs, related,
                              f"2017-{month:02d}-15", charset=charset)
        body = page.encode(encoding, "xmlcharrefreplace")
        self.resources[(host, path)] = Resource(content_type=content_type, body=body)
        return self.url(host, path)

    # -- Reddit ----------------------------------------------------------------------------
    def post(self, url: str, score: int, title: str, month: int | None = None,
             **fields: Any) -> dict[str, Any]:
        """Add a Reddit submission linking `url`, with the real listing field names."""
        number = 0x5A000 + self._next_post * 37 + self.rng.randrange(37)
        self._next_post += 1
        post_id = ""
        while number:
            number, digit = divmod(number, 36)
            post_id = _BASE36[digit] + post_id
        month = month or self.rng.randrange(1, 13)
        subreddit = fields.pop("subreddit", None) or self.rng.choice(SUBREDDITS)
        created = YEAR_START + (month - 1) * 30 * 86400 + self.rng.randrange(28 * 86400)
        permalink = f"/r/{subreddit}/comments/{post_id}/{slug(title)}/"
        domain = url.split("/")[2].split(":")[0] if "://" in url else f"self.{subreddit}"
        post = {
            "id": post_id, "name": f"t3_{post_id}", "title": title, "url": url, "score": score,
            "ups": score, "is_self": False, "domain": domain, "permalink": permalink,
            "created_utc": created, "over_18": False, "stickied": False, "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}", "num_comments": self.rng.randrange(200),
            "removed_by_category": None, "selftext": "", "author": f"user{self.rng.randrange(10_000)}",
        }
        post.update(fields)
        self.posts.append(post)
        return post

    def record(self, url: str, kind: str, posts: list[dict[str, Any]], **truth: Any) -> UrlTruth:
        """Record the ground truth of a posted URL."""
        try:
            normalized = normalize_url(url)
        except ValueError:
            normalized = url
        entry = UrlTruth(url=url, normalized=normalized, kind=kind,
                         post_ids=tuple(p["id"] for p in posts),
                         best_score=max(p["score"] for p in posts), **truth)
        self.truth[url] = entry
        return entry
