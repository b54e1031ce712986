"""A web archive that answers badly, an old link store, and archive options that cannot work.

The archive here is a small HTTP server of the test's own on 127.0.0.1, crawled by real Scrapy:
each URL's index answer is damaged in one way, and each ends as one clear drop reason.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from webtext.core import reasons
from webtext.core.document import RedditPost
from webtext.crawl.links.store import KeptPost, LinkStore

from tests.crawl.test_crawl_options import in_process, one_error_line

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
GOOD_ROW = ["test,x)/", "20170610141500", "", "text/html", "200", "D", "9"]
ARTICLE = (b"<html><head><title>Harbour opens again</title></head><body><h1>Harbour opens again</h1>"
           b"<p>The old harbour opened again on Monday after a year of repairs.</p></body></html>")


def index_answer(name: str, url: str) -> tuple[int, bytes]:
    """The index's answer for the case `name` (the last path segment of the URL looked up)."""
    good = json.dumps([HEADER, [*GOOD_ROW[:2], url, *GOOD_ROW[3:]]]).encode()
    return {
        "not-json": (200, b"<html><body>Please slow down</body></html>"),
        "truncated": (200, good[:len(good) // 2]),
        "wrong-types": (200, json.dumps([HEADER, [1, 2, 3, 4, 5, 6, 7]]).encode()),
        "not-a-list": (200, json.dumps({"captures": []}).encode()),
        "busy": (503, b"Service Unavailable"),
        "good": (200, good),
    }[name]


class _Archive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/cdx":
            url = parse_qs(parts.query)["url"][0]
            status, body = index_answer(url.rstrip("/").rsplit("/", 1)[-1], url)
        elif parts.path.startswith("/web/20170610141500id_/"):
            status, body = 200, ARTICLE
        else:
            status, body = 404, b"not here"
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if parts.path.startswith("/web/") else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def archive() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Archive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_damaged_index_answers_are_one_drop_reason_each(archive: str, crawl_cli: CrawlCli, fast: list[str],
                                                         tmp_path: Path) -> None:
    names = ("not-json", "truncated", "wrong-types", "not-a-list", "busy", "good")
    store = tmp_path / "links.sqlite"
    with LinkStore(store) as links:
        for number, name in enumerate(names):
            url = f"http://gone-{number}.example/{name}"
            links.add_post(KeptPost(url, f"gone-{number}.example", url, RedditPost(f"p{number}", "news", 10,
                                                                                   1496275200)))
        links.apply_threshold(3, sum_scores=False)
    done = crawl_cli("pages", "--store", str(store), "--warc-dir", str(tmp_path / "warc"), "--allow-private", *fast,
                     "--archive", "always", "--archive-cdx", f"{archive}/cdx", "--archive-replay", f"{archive}/web/",
                     "--archive-delay", "0")
    with sqlite3.connect(store) as db:
        outcomes = {url.rsplit("/", 1)[-1]: (status, reason, source) for url, status, reason, source in
                    db.execute("SELECT url, status, reason, source FROM urls")}
    bad = ("failed", reasons.ARCHIVE_BAD_INDEX, None)
    assert outcomes == {"not-json": bad, "truncated": bad, "wrong-types": bad, "not-a-list": bad,
                        "busy": ("failed", reasons.ARCHIVE_ERROR, None), "good": ("fetched", None, "archive")}
    assert "Traceback" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if f"dropped ({reasons.ARCHIVE_BAD_INDEX})" in line]
    assert len(warnings) == 4 and all("the index answer" in line for line in warnings)


def test_an_old_store_gains_the_archive_columns_and_its_pages_count_as_live(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE urls (url TEXT PRIMARY KEY, domain TEXT NOT NULL, best_score INTEGER NOT NULL, "
                   "total_score INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT, http_status INTEGER, "
                   "attempts INTEGER NOT NULL DEFAULT 0, final_url TEXT, warc_file TEXT, warc_offset INTEGER, "
                   "fetched_at TEXT, added_at REAL NOT NULL, spread INTEGER NOT NULL)")
        db.executemany("INSERT INTO urls (url, domain, best_score, total_score, status, added_at, spread) "
                       "VALUES (?, 'a.example', 5, 5, ?, 0, ?)",
                       [("http://a.example/1", "fetched", 1), ("http://a.example/2", "pending", 2)])
    with LinkStore(path) as store:
        assert store.counts()["sources"] == {"live": 1}
        store.mark_fetched("http://a.example/2", http_status=200, final_url="http://a.example/2", warc_file="w",
                           warc_offset=0, fetched_at="2018-01-01T00:00:00Z", attempts=1,
                           archive_time="2017-06-10T14:15:00Z")
        assert store.counts()["sources"] == {"live": 1, "archive": 1}
    with LinkStore(path) as again:  # opening it again changes nothing
        rows = {r["url"]: (r["source"], r["archive_time"]) for r in again.url_rows()}
    assert rows == {"http://a.example/1": ("live", None), "http://a.example/2": ("archive", "2017-06-10T14:15:00Z")}


@pytest.mark.parametrize(("flags", "says"), [
    (["--archive-cdx", "ftp://archive.example/cdx"], "--archive-cdx must be an http(s) URL"),
    (["--archive-replay", "http://archive.example:port/web/"], "--archive-replay must be an http(s) URL"),
    (["--archive-api", "commoncrawl"], "--archive-api commoncrawl needs its own --archive-cdx"),
    (["--archive-captures", "0"], "--archive-captures must be at least 1"),
    (["--archive-delay", "-1"], "--archive-delay must be at least 0"),
])
def test_archive_options_that_cannot_work_are_refused(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      flags: list[str], says: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert in_process("pages", *flags) == 2
    assert says in one_error_line(capsys)
    assert not (tmp_path / "out").exists()
