"""The listing spider against misbehaving APIs on 127.0.0.1: endless paging, bad records, failures."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from webtext.core import reasons
from webtext.sampleweb.server import free_port

pytestmark = pytest.mark.slow

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]
Answer = tuple[int, str, bytes]  # status, content type, body
Page = Callable[[int, str], Answer]  # (request number, after) -> answer
TOKEN: Answer = (200, "application/json", b'{"access_token": "t", "token_type": "bearer"}')


def post(index: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"p{index}", "name": f"t3_p{index}", "url": f"https://site.example/{index}", "score": 10,
            "subreddit": "news", "created_utc": 1497000000, "title": f"post {index}",
            "permalink": f"/r/news/comments/p{index}/", "is_self": False, "over_18": False, "stickied": False,
            **fields}


def listing(children: list[Any], after: Any) -> tuple[int, str, bytes]:
    body = {"kind": "Listing", "data": {"after": after, "children": children}}
    return 200, "application/json", json.dumps(body).encode()


class Api:
    """A tiny listing API whose pages come from `page`; counts the listing requests it answers."""

    def __init__(self, page: Page, token: Answer = TOKEN) -> None:
        self.page, self.token, self.requests = page, token, 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_GET(self) -> None:
                api.requests += 1
                after = parse_qs(urlsplit(self.path).query).get("after", [""])[0]
                self.answer(*api.page(api.requests, after))

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                self.answer(*api.token)

            def answer(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Api:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def collect(crawl_cli: CrawlCli, tmp_path: Path, base: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return crawl_cli("links", "--store", str(tmp_path / "links.sqlite"), "--api-base", base,
                     "--subreddit", "news", *extra, check=False, timeout=180)


def summary(tmp_path: Path) -> dict[str, Any]:
    return dict(json.loads((tmp_path / "links-summary.json").read_text()))


@pytest.mark.parametrize(("name", "page", "requests"), [
    ("empty page with a cursor", lambda n, after: listing([], "t3_next"), 1),
    ("repeated cursor", lambda n, after: listing([{"kind": "t3", "data": post(n)}], "t3_same"), 2),
])
def test_paging_stops_on_an_empty_page_or_a_repeated_cursor(
        crawl_cli: CrawlCli, tmp_path: Path, name: str, page: Page, requests: int) -> None:
    with Api(page) as api:
        done = collect(crawl_cli, tmp_path, api.base)
    assert done.returncode == 0, done.stderr[-2000:]
    assert api.requests == requests
    assert "stopped" in done.stderr and "Traceback" not in done.stderr


def test_paging_stops_at_the_request_budget(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    # every page brings a fresh cursor and no valid post, so only the budget can end the listing
    with Api(lambda n, after: listing([{"kind": "t3", "data": "broken"}], f"t3_{n}")) as api:
        done = collect(crawl_cli, tmp_path, api.base, "--max-requests", "7")
    assert done.returncode == 0, done.stderr[-2000:]
    assert api.requests == 7
    assert summary(tmp_path)["links"] == {reasons.LINK_BAD_RECORD: 7}


def two_pages(n: int, after: str) -> tuple[int, str, bytes]:
    if after == "":
        return listing([{"kind": "t3", "data": post(1)}, 42, {"kind": "t3", "data": "text"},
                        {"kind": "t1", "data": post(2)}, {"kind": "t3", "data": post(3, score="lots")},
                        {"kind": "t3", "data": post(4, created_utc="yesterday")},
                        {"kind": "t3", "data": post(5, title={"a": "dict"})}, {"kind": "t3", "data": post(6)}],
                       "t3_p6")
    return listing([{"kind": "t3", "data": post(7)}, None], None)


def test_bad_children_are_counted_drops_and_the_rest_of_the_page_is_kept(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    with Api(two_pages) as api:
        done = collect(crawl_cli, tmp_path, api.base)
    assert done.returncode == 0, done.stderr[-2000:]
    result = summary(tmp_path)
    assert result["links"] == {"kept": 3, reasons.LINK_BAD_RECORD: 7}
    bad = result["listing"]["bad_records"]
    assert len(bad) == 7
    assert bad[0].startswith("r/news page 1 child 2: ") and bad[-1].startswith("r/news page 2 child 2: ")
    assert "r/news page 1 child 5: score" in done.stderr
    assert "Traceback" not in done.stderr


HTML: Answer = (200, "text/html", b"<html><body>Whoa there, pardner!</body></html>")
CLIENT = ["--client-id", "me", "--client-secret", "s3cret"]


@pytest.mark.parametrize(("name", "page", "token", "flags", "message"), [
    ("listing refuses the token", lambda n, a: (401, "application/json", b'{"error": 401}'), TOKEN,
     ["--token", "expired"], "401"),
    ("listing forbidden", lambda n, a: (403, "application/json", b'{"error": 403}'), TOKEN, [], "403"),
    ("token endpoint refuses the client", lambda n, a: listing([], None),
     (401, "application/json", b'{"error": 401}'), CLIENT, "401"),
    ("token endpoint forbids the client", lambda n, a: listing([], None),
     (403, "application/json", b'{"error": 403}'), CLIENT, "403"),
    ("listing answers HTML", lambda n, a: HTML, TOKEN, [], "not JSON"),
    ("token endpoint answers HTML", lambda n, a: listing([], None), HTML, CLIENT, "not JSON"),
    ("listing answers JSON that is not a listing", lambda n, a: (200, "application/json", b'[1, 2]'), TOKEN, [],
     "not a Reddit listing"),
])
def test_api_failures_are_one_error_line_and_exit_2(crawl_cli: CrawlCli, tmp_path: Path, name: str, page: Page,
                                                     token: Answer, flags: list[str], message: str) -> None:
    with Api(page, token) as api:
        done = collect(crawl_cli, tmp_path, api.base, *flags)
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last and "127.0.0.1" in last
    assert "Traceback" not in done.stderr


def test_an_unreachable_api_is_one_error_line_and_exit_2(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connection refused
    done = collect(crawl_cli, tmp_path, base)
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot reach the Reddit API at {base}")
    assert "Traceback" not in done.stderr
