"""The link store: one SQLite file, the crawl's single source of truth (ARCHITECTURE §3).

Tables:

- `urls`: one row per normalized URL with its best and summed Reddit score, its crawl status
  (`below_threshold`, `pending`, `handed_out`, `fetched`, `failed`, `skipped`), the drop reason,
  HTTP status, attempt count, final URL after redirects, where its WARC record lives (a file name
  relative to the crawl's WARC directory), whether the page came from the site itself (`source` =
  `live`) or from a web archive (`archive`, with the capture's time in `archive_time`), and the
  part it was handed out to (`part`: `webtext.crawl.parts`; a `handed_out` URL is being crawled
  from a part store by another crawler, and comes back with `webtext crawl merge`);
- `posts`: every kept submission that linked a URL (all provenance, not only the best post);
- `dropped_posts`: every submission the link rules refused, with its reason;
- `sources`: dump files already read completely, so a rerun only reads new ones.

Pending URLs are handed out in `spread` order (a hash of the URL) rather than insertion order:
submissions arrive grouped by time and so by site, and a batch that mixes hosts keeps the
per-host concurrency limit from idling the crawler.

A store made before a column existed gets it when opened (`ALTER TABLE ... ADD COLUMN`, see
`_COLUMNS`), so an existing crawl goes on with its store as it is.

The file runs in WAL mode so a reader (export, a status query) never blocks the crawler. A URL
only leaves `pending` when its WARC record is written or a final failure is known, so a
restarted crawl resumes from the rows still pending.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webtext.core.document import RedditPost

PENDING = "pending"
FETCHED = "fetched"
FAILED = "failed"  # the fetch did not work (HTTP error, timeout, connection)
SKIPPED = "skipped"  # policy refused it (robots.txt, size, content type, private address)
BELOW_THRESHOLD = "below_threshold"
HANDED_OUT = "handed_out"  # copied into a part store for another crawler (`webtext crawl partition`)
LIVE = "live"  # a fetched page came from its own site
ARCHIVE = "archive"  # or from a web archive's capture

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    best_score INTEGER NOT NULL,
    total_score INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    http_status INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    final_url TEXT,
    warc_file TEXT,
    warc_offset INTEGER,
    fetched_at TEXT,
    added_at REAL NOT NULL,
    spread INTEGER NOT NULL,
    source TEXT,
    archive_time TEXT,
    part INTEGER
);
CREATE INDEX IF NOT EXISTS urls_pending ON urls (status, spread);
CREATE TABLE IF NOT EXISTS posts (
    post_id TEXT PRIMARY KEY,
    url TEXT NOT NULL REFERENCES urls (url),
    posted_url TEXT NOT NULL,
    subreddit TEXT NOT NULL,
    score INTEGER NOT NULL,
    created_utc INTEGER NOT NULL,
    title TEXT NOT NULL,
    permalink TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS posts_url ON posts (url);
CREATE TABLE IF NOT EXISTS dropped_posts (
    post_id TEXT PRIMARY KEY,
    posted_url TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    records INTEGER NOT NULL,
    finished_at REAL NOT NULL
);
"""

# Columns added to `urls` after its first version: added to an older store when it is opened.
_COLUMNS = (("source", "TEXT"), ("archive_time", "TEXT"), ("part", "INTEGER"))


@dataclass(frozen=True)
class KeptPost:
    """A submission that passed the link rules: its normalized URL and provenance."""

    url: str
    domain: str
    posted_url: str
    post: RedditPost


@dataclass(frozen=True)
class UrlRow:
    """A URL waiting to be fetched, with the posts that linked it."""

    position: tuple[int, int]  # (spread, rowid): where the next batch starts
    url: str
    attempts: int
    reddit: tuple[RedditPost, ...]


class LinkStore:
    """Read and update the link store at `path` (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(urls)")}
        for name, kind in _COLUMNS:
            if name not in have:
                self.db.execute(f"ALTER TABLE urls ADD COLUMN {name} {kind}")
        if "source" not in have:  # every page of a store from before web archives came live
            self.db.execute("UPDATE urls SET source=? WHERE status=?", (LIVE, FETCHED))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LinkStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> None:
        """Begin a transaction: the writes until `commit` land together (or not at all)."""
        self.db.execute("BEGIN")

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    # -- link collection ------------------------------------------------------------------

    def known_post(self, post_id: str) -> bool:
        row = self.db.execute("SELECT 1 FROM posts WHERE post_id=? UNION ALL "
                              "SELECT 1 FROM dropped_posts WHERE post_id=?", (post_id, post_id))
        return row.fetchone() is not None

    def add_drop(self, post_id: str, posted_url: str, reason: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO dropped_posts VALUES (?,?,?)", (post_id, posted_url, reason))

    def add_post(self, kept: KeptPost) -> None:
        """Record `kept` (or update its score when seen again) under its normalized URL."""
        p = kept.post
        self.db.execute(
            "INSERT INTO urls (url, domain, best_score, total_score, status, added_at, spread) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(url) DO NOTHING",
            (kept.url, kept.domain, p.score, p.score, BELOW_THRESHOLD, time.time(), spread_of(kept.url)))
        self.db.execute(
            "INSERT INTO posts VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(post_id) DO UPDATE SET "
            "score=excluded.score", (p.post_id, kept.url, kept.posted_url, p.subreddit, p.score,
                                     p.created_utc, p.title, p.permalink))
        self.db.execute("DELETE FROM dropped_posts WHERE post_id=?", (p.post_id,))

    def apply_threshold(self, min_score: int, sum_scores: bool) -> None:
        """Recompute scores and move URLs between `below_threshold` and `pending`.

        A URL qualifies when one post scored at least `min_score` (GPT-2 §2.1: "at least 3
        karma"), or, with `sum_scores`, when its posts' scores add up to it.
        """
        self.db.execute(
            "UPDATE urls SET best_score=s.best, total_score=s.total FROM "
            "(SELECT url AS u, MAX(score) AS best, SUM(score) AS total FROM posts GROUP BY url) AS s "
            "WHERE urls.url=s.u AND urls.status IN (?, ?)", (PENDING, BELOW_THRESHOLD))
        column = "total_score" if sum_scores else "best_score"
        self.db.execute(f"UPDATE urls SET status=CASE WHEN {column} >= ? THEN ? ELSE ? END "
                        "WHERE status IN (?, ?)", (min_score, PENDING, BELOW_THRESHOLD,
                                                  PENDING, BELOW_THRESHOLD))

    def source_done(self, name: str, size: int) -> bool:
        row = self.db.execute("SELECT 1 FROM sources WHERE name=? AND size=?", (name, size))
        return row.fetchone() is not None

    def mark_source(self, name: str, size: int, records: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?)", (name, size, records, time.time()))

    # -- page fetching --------------------------------------------------------------------

    def pending_batch(self, after: tuple[int, int], limit: int) -> list[UrlRow]:
        """Up to `limit` pending URLs after position `after` (start with `(-1, 0)`), in spread order."""
        rows = self.db.execute("SELECT spread, rowid, url, attempts FROM urls WHERE status=? AND (spread, rowid) > "
                               "(?, ?) ORDER BY spread, rowid LIMIT ?", (PENDING, *after, limit)).fetchall()
        posts: dict[str, list[RedditPost]] = {}
        urls = [url for _, _, url, _ in rows]
        for start in range(0, len(urls), 500):  # one query a few hundred URLs, under SQLite's variable limit
            chunk = urls[start:start + 500]
            for url, *post in self.db.execute(
                    "SELECT url, post_id, subreddit, score, created_utc, title, permalink FROM posts "
                    f"WHERE url IN ({','.join('?' * len(chunk))}) ORDER BY url, score DESC, post_id", chunk):
                posts.setdefault(url, []).append(RedditPost(*post))
        return [UrlRow((spread, rowid), url, attempts, tuple(posts.get(url, ())))
                for spread, rowid, url, attempts in rows]

    def provenance(self, url: str) -> tuple[RedditPost, ...]:
        rows = self.db.execute("SELECT post_id, subreddit, score, created_utc, title, permalink "
                               "FROM posts WHERE url=? ORDER BY score DESC, post_id", (url,))
        return tuple(RedditPost(*row) for row in rows)

    def mark_fetched(self, url: str, *, http_status: int, final_url: str, warc_file: str,
                     warc_offset: int, fetched_at: str, attempts: int, archive_time: str = "") -> None:
        """Record the page of `url`: live, or from a web archive's capture of `archive_time`."""
        self.db.execute("UPDATE urls SET status=?, reason=NULL, http_status=?, final_url=?, warc_file=?, "
                        "warc_offset=?, fetched_at=?, attempts=?, source=?, archive_time=? WHERE url=?",
                        (FETCHED, http_status, final_url, warc_file, warc_offset, fetched_at, attempts,
                         ARCHIVE if archive_time else LIVE, archive_time or None, url))

    def mark_dropped(self, url: str, *, status: str, reason: str, attempts: int,
                     http_status: int | None = None) -> None:
        self.db.execute("UPDATE urls SET status=?, reason=?, http_status=?, attempts=? "
                        "WHERE url=? AND status=?", (status, reason, http_status, attempts, url, PENDING))

    def unfetch_file(self, warc_file: str, from_offset: int = 0) -> int:
        """Return to `pending` the URLs recorded in `warc_file` at or after `from_offset`."""
        cursor = self.db.execute("UPDATE urls SET status=?, warc_file=NULL, warc_offset=NULL, source=NULL, "
                                 "archive_time=NULL WHERE warc_file=? AND warc_offset>=?",
                                 (PENDING, warc_file, from_offset))
        return cursor.rowcount

    def requeue(self, reasons: Iterable[str]) -> int:
        """Return failed URLs with one of `reasons` to `pending` (to retry transient errors).

        A URL that a part crawled is this store's own again (`part` cleared), so merging that
        part once more leaves the new outcome alone.
        """
        names = list(reasons)
        marks = ",".join("?" * len(names))
        cursor = self.db.execute(f"UPDATE urls SET status=?, reason=NULL, part=NULL WHERE status IN (?,?) "
                                 f"AND reason IN ({marks})", (PENDING, FAILED, SKIPPED, *names))
        return cursor.rowcount

    # -- accounting and export ------------------------------------------------------------

    def count_pending(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM urls WHERE status=?", (PENDING,)).fetchone()[0])

    def counts(self) -> dict[str, Any]:
        """URL counts by status, pages by source (live, archive), fetch drops and link drops by reason."""
        status = dict(self.db.execute("SELECT status, COUNT(*) FROM urls GROUP BY status").fetchall())
        sources = dict(self.db.execute("SELECT source, COUNT(*) FROM urls WHERE status=? GROUP BY source",
                                       (FETCHED,)).fetchall())
        fetch = dict(self.db.execute("SELECT reason, COUNT(*) FROM urls WHERE reason IS NOT NULL "
                                     "GROUP BY reason").fetchall())
        links = dict(self.db.execute("SELECT reason, COUNT(*) FROM dropped_posts GROUP BY reason").fetchall())
        posts = int(self.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
        return {"urls": status, "sources": sources, "fetch_drops": fetch, "link_drops": links, "posts": posts}

    def url_rows(self, statuses: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every URL row (optionally only some statuses) with its provenance, in rowid order."""
        query = "SELECT rowid, * FROM urls"
        params: tuple[str, ...] = ()
        if statuses is not None:
            params = tuple(statuses)
            query += f" WHERE status IN ({','.join('?' * len(params))})"
        cursor = self.db.execute(query + " ORDER BY rowid", params)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            del row["rowid"], row["spread"], row["part"]  # bookkeeping of this store, not of the URL
            row["reddit"] = [p.to_dict() for p in self.provenance(row["url"])]
            yield row

    def dropped_posts(self) -> dict[str, str]:
        """Post id -> link drop reason, for every refused submission."""
        return dict(self.db.execute("SELECT post_id, reason FROM dropped_posts").fetchall())


def spread_of(url: str) -> int:
    """A stable pseudo-random position for `url` (63 bits, so it fits SQLite's INTEGER)."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def provenance_json(posts: Iterable[RedditPost]) -> str:
    """Provenance as one line of ASCII JSON (fits in a WARC header)."""
    return json.dumps([p.to_dict() for p in posts], ensure_ascii=True, separators=(",", ":"))
