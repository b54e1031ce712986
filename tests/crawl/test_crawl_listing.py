"""The listing spider against the sample web's Reddit API: OAuth, rate limits, 429 back-off."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from webtext.sampleweb.server import SampleWebServer, free_port
from webtext.sampleweb.site import build_site

pytestmark = pytest.mark.slow

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def strict_api() -> Iterator[SampleWebServer]:
    """A sample web whose API allows only 2 requests a second per client."""
    with SampleWebServer(build_site(seed=1, port=free_port(), articles=30), rate_budget=2, rate_window=1.0) as server:
        yield server


def collected_posts(store: Path) -> int:
    with sqlite3.connect(store) as db:
        row = db.execute("SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM dropped_posts)").fetchone()
        return int(row[0])


def test_client_credentials_and_rate_limits_still_collect_every_post(
        strict_api: SampleWebServer, crawl_cli: CrawlCli, tmp_path: Path) -> None:
    site = strict_api.site
    store = tmp_path / "links.sqlite"
    crawl_cli("links", "--store", str(store), "--api-base", site.api_base, "--subreddit", *site.subreddits,
              "--sort", "new", "--client-id", "webtext-test", "--client-secret", "s3cret")
    assert collected_posts(store) == len(site.posts)
    stats = json.loads((tmp_path / "links-summary.json").read_text())["scrapy"]["webtext-links"]
    assert stats["downloader/response_status_count/429"] >= 1  # it was throttled, and waited
    assert stats["downloader/request_method_count/POST"] == 1  # one token request


def test_a_refused_token_fails_the_run(strict_api: SampleWebServer, crawl_cli: CrawlCli, tmp_path: Path) -> None:
    store = tmp_path / "links.sqlite"
    done = crawl_cli("links", "--store", str(store), "--api-base", strict_api.site.api_base, "--subreddit", "all",
                     "--token", "not-issued", check=False)
    assert collected_posts(store) == 0
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "401" in last and "--token" in last
