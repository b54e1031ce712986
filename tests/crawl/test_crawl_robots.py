"""robots.txt rules reach every request of a host, including those that waited for the file."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from webtext.core import reasons
from webtext.sampleweb.cases import ROBOTS_HOST

pytestmark = pytest.mark.slow

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]


def test_requests_waiting_for_robots_txt_all_obey_it(sample_web: Any, crawl_cli: CrawlCli, tmp_path: Path,
                                                     fast: list[str]) -> None:
    """The robots host answers its robots.txt late, so its pages' requests queue behind it; the
    forbidden page comes last of them, after the first waiter, and must still be refused."""
    store = tmp_path / "links.sqlite"
    crawl_cli("links", "--store", str(store), "--dump", *map(str, sample_web.dump_files))
    host = f"//{ROBOTS_HOST}:"
    with sqlite3.connect(store) as db:
        db.execute("UPDATE urls SET status='below_threshold' WHERE instr(url, ?) = 0", (host,))
        db.execute("UPDATE urls SET spread=(SELECT MAX(spread) + 1 FROM urls) WHERE url LIKE '%/private/%'")
        waiting = db.execute("SELECT COUNT(*) FROM urls WHERE status='pending'").fetchone()[0]
    assert waiting >= 4  # the forbidden page and the articles whose requests wait with it

    crawl_cli("pages", "--store", str(store), "--warc-dir", str(tmp_path / "warc"), "--hosts-file",
              str(sample_web.hosts_file), "--allow-private", *fast, "--concurrency", "16", "--per-domain", "4")

    with sqlite3.connect(store) as db:
        outcomes = dict(db.execute("SELECT url, COALESCE(reason, status) FROM urls WHERE status != 'below_threshold'"))
    forbidden = {url for url in outcomes if "/private/" in url}
    assert len(forbidden) == 1
    assert {outcomes[url] for url in forbidden} == {reasons.FETCH_ROBOTS}
    assert {outcomes[url] for url in outcomes.keys() - forbidden} == {"fetched"}
