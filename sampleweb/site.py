"""A generated sample web: Reddit posts, the pages they link, and the ground truth.

`build_site(seed, port, articles, sites)` is deterministic: the same arguments give the same posts,
pages, dump files and truth, byte for byte (for a given Python installation, whose bundled text
the articles are made of). URLs carry the port because a crawler must reach the server there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import zstandard
from webtext.core.document import Page, RedditPost
from webtext.core.urls import url_domain
from webtext.sampleweb import cases, deadlinks
from webtext.sampleweb.builder import NOW, SITE_NAMES, SUBREDDITS, Builder, more_sites
from webtext.sampleweb.resources import Resource
from webtext.sampleweb.truth import UrlTruth

DEFAULT_PORT = 8642
DUMP_WINDOW_LOG = 27  # 128 MiB window: readers need max_window_size=2**31 as for real dumps
# What each evaluation set of `Site.eval_sets` is, one line each (the eval report shows them).
EVAL_SET_ABOUT = {
    "seen": "paragraphs of crawled pages kept in the corpus, so most of them are training text",
    "mixed": "seen and unseen paragraphs, half each",
    "unseen": "paragraphs that no page carries, so the models never trained on them",
}


@dataclass
class Site:
    """Everything the sample web serves, plus the ground truth of every posted URL."""

    seed: int
    port: int
    posts: list[dict[str, Any]]
    truth: dict[str, UrlTruth]
    resources: dict[tuple[str, str], Resource]
    timeout_delay: float
    unused_paragraphs: tuple[str, ...] = ()  # prose that no page carries: held-out evaluation text
    now: int = NOW
    subreddits: tuple[str, ...] = SUBREDDITS

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hosts(self) -> list[str]:
        """Host names the server answers for (all resolve to 127.0.0.1 through a hosts file)."""
        return sorted({host for host, _ in self.resources})

    def resource(self, host: str, path: str) -> Resource | None:
        return self.resources.get((host, path))

    def robots_txt(self, host: str) -> Resource:
        """The host's robots.txt: a served resource (rules, or an error status), or allow-all."""
        served = self.resources.get((host, "/robots.txt"))
        return served or Resource(content_type="text/plain", body=b"User-agent: *\nDisallow:\n")

    def posts_by_month(self) -> dict[str, list[dict[str, Any]]]:
        months: dict[str, list[dict[str, Any]]] = {}
        for post in sorted(self.posts, key=lambda p: (p["created_utc"], p["id"])):
            stamp = datetime.fromtimestamp(post["created_utc"], tz=timezone.utc)
            months.setdefault(f"{stamp:%Y-%m}", []).append(post)
        return months

    def dump_files(self, directory: str | Path) -> list[Path]:
        """Write the posts as monthly `RS_YYYY-MM.zst` dumps (one JSON object per line)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        params = zstandard.ZstdCompressionParameters.from_level(
            10, window_log=DUMP_WINDOW_LOG, write_content_size=False, write_checksum=True)
        paths = []
        for month, posts in self.posts_by_month().items():
            lines = "".join(json.dumps(p, sort_keys=True) + "\n" for p in posts).encode("utf-8")
            path = out / f"RS_{month}.zst"
            with path.open("wb") as raw, zstandard.ZstdCompressor(compression_params=params).stream_writer(
                    raw, closefd=False) as writer:  # streamed: the frame keeps the long window
                writer.write(lines)
            paths.append(path)
        return paths

    def fetched_pages(self) -> Iterator[Page]:
        """The `Page` a crawler reads back for every URL that is fetched, once per normalized URL."""
        posts = {p["id"]: p for p in self.posts}
        by_url: dict[str, list[UrlTruth]] = {}
        for entry in self.truth.values():
            if entry.fetched:
                by_url.setdefault(entry.normalized, []).append(entry)
        for index, normalized in enumerate(sorted(by_url)):
            entries = by_url[normalized]
            final = entries[0].final_url or entries[0].url
            host, path = _split(entries[0].archive_source or final)  # a dead link's page: its capture
            resource = self.resources[(host, path)]
            linked = sorted({pid for e in entries for pid in e.post_ids})
            yield Page(url=final, status=resource.status, headers=tuple(resource.headers()),
                       body=resource.payload(), fetched_at=f"2018-01-02T00:{index // 60:02d}:{index % 60:02d}Z",
                       source=f"sampleweb:{index}", reddit=tuple(_provenance(posts[pid]) for pid in linked))

    def eval_sets(self, directory: str | Path, size: int = 40) -> list[str]:
        """Write three evaluation sets (JSONL, one passage per line) and return their NAME=PATH specs.

        `seen` holds paragraphs of documents that survive every stage (so they are in the training
        data), `unseen` paragraphs that no page carries, `mixed` half of each: their 8-gram overlap
        with the corpus is about 100%, near 0% and about 50%. `EVAL_SET_ABOUT` says so in one line each.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        kept = sorted(t.url for t in self.truth.values() if t.kept and t.article_text)
        seen = [self.truth[url].article_text.split("\n")[1] for url in kept][:size]
        unseen = list(self.unused_paragraphs[:size])
        mixed = [p for pair in zip(seen[size // 2:], unseen[size // 2:], strict=False) for p in pair]
        specs = []
        for name, passages in (("seen", seen), ("mixed", mixed), ("unseen", unseen)):
            path = out / f"{name}.jsonl"
            path.write_text("".join(json.dumps({"text": p}) + "\n" for p in passages), encoding="utf-8")
            specs.append(f"{name}={path}")
        return specs

    def truth_json(self) -> str:
        return json.dumps({url: t.to_dict() for url, t in sorted(self.truth.items())}, indent=1,
                          sort_keys=True, ensure_ascii=False)


def _split(url: str) -> tuple[str, str]:
    rest = url.split("://", 1)[1]
    netloc, _, path = rest.partition("/")
    return netloc.split(":")[0], "/" + path


def _provenance(post: dict[str, Any]) -> RedditPost:
    return RedditPost(post_id=post["id"], subreddit=post["subreddit"], score=post["score"],
                      created_utc=post["created_utc"], title=post["title"], permalink=post["permalink"])


def build_site(seed: int = 0, port: int = DEFAULT_PORT, articles: int = 120,
               timeout_delay: float = 8.0, sites: int = len(SITE_NAMES)) -> Site:
    """Generate the sample web for `seed`, with URLs on `port` and `articles` ordinary articles over
    `sites` article sites (at least the 24 named ones; more add `Outpost 25`, ... for a larger web)."""
    if sites < len(SITE_NAMES):
        raise ValueError(f"a sample web has at least {len(SITE_NAMES)} article sites (got {sites})")
    builder = Builder(seed=seed, port=port)
    hosts = cases.HOSTS + builder.add_sites(more_sites(sites - len(SITE_NAMES)))
    originals = cases.add_articles(builder, articles, hosts)
    cases.add_duplicates(builder, originals)
    cases.add_link_cases(builder)
    cases.add_fetch_cases(builder, timeout_delay)
    cases.add_redirects(builder)
    cases.add_clean_cases(builder)
    cases.add_robots_status(builder)
    deadlinks.add_archive_cases(builder)
    builder.rng.shuffle(builder.posts)
    return Site(seed=seed, port=port, posts=builder.posts, truth=builder.truth,
                resources=builder.resources, timeout_delay=timeout_delay,
                unused_paragraphs=builder.unused_paragraphs())


__all__ = ["DEFAULT_PORT", "Site", "build_site", "url_domain"]
