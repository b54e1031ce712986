"""A page crawl killed part-way (SIGKILL, or Ctrl-C) resumes: nothing lost, nothing fetched twice."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from webtext.core.document import DeadLetter
from webtext.crawl.warcread import LINK_HEADER, iter_records, iter_warc_path

pytestmark = pytest.mark.slow

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]


def statuses(store: Path) -> Counter[str]:
    with sqlite3.connect(store) as db:
        return Counter(status for (status,) in db.execute("SELECT status FROM urls"))


def warc_link_counts(warc_dir: Path) -> Counter[str]:
    """How many response records each link URL has, over every WARC file (all must read cleanly)."""
    counts: Counter[str] = Counter()
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for read in iter_records(handle):
                assert read.record is not None, f"{path}: {read.problem}"
                if read.record.rec_type == "response":
                    counts[read.record.rec_headers.get_header(LINK_HEADER)] += 1
        assert not any(isinstance(r, DeadLetter) for r in iter_warc_path(str(path)))
    return counts


def start_pages(crawl_argv: Callable[..., list[str]], store: Path, warc: Path, web: Any,
                fast: list[str]) -> subprocess.Popen[str]:
    """A slow page crawl (one request at a time) so it can be stopped part-way."""
    argv = crawl_argv("pages", "--store", str(store), "--warc-dir", str(warc), "--hosts-file", str(web.hosts_file),
                      "--allow-private", "--concurrency", "1", "--per-domain", "1", "--no-autothrottle", *fast)
    log = open(store.with_name(f"crawl-{time.monotonic_ns()}.log"), "w")  # noqa: SIM115 - the child owns it
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True)


def wait_for_pages(store: Path, warc: Path, process: subprocess.Popen[str], pages: int) -> None:
    """Wait until the crawl has committed `pages` pages and is writing more."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if store.exists() and statuses(store)["fetched"] >= pages and list(warc.glob(".*.partial")):
            return
        time.sleep(0.05)
    raise AssertionError(f"crawl ended or stalled before {pages} pages (exit {process.poll()})")


@pytest.fixture
def collected(sample_web: Any, crawl_cli: CrawlCli, tmp_path: Path) -> Path:
    store = tmp_path / "links.sqlite"
    crawl_cli("links", "--store", str(store), "--dump", *map(str, sample_web.dump_files))
    return store


def test_sigkill_then_rerun_fetches_every_url_exactly_once(
        collected: Path, sample_web: Any, crawl_argv: Callable[..., list[str]], crawl_cli: CrawlCli,
        tmp_path: Path, fast: list[str]) -> None:
    warc = tmp_path / "warc"
    process = start_pages(crawl_argv, collected, warc, sample_web, fast)
    wait_for_pages(collected, warc, process, pages=10)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert statuses(collected)["pending"] > 0  # it really stopped part-way
    assert list(warc.glob(".*.partial"))  # and left a file open

    crawl_cli("pages", "--store", str(collected), "--warc-dir", str(warc), "--hosts-file",
              str(sample_web.hosts_file), "--allow-private", *fast)

    assert statuses(collected)["pending"] == 0
    assert not list(warc.glob(".*.partial"))
    with sqlite3.connect(collected) as db:
        fetched = dict(db.execute("SELECT url, warc_file FROM urls WHERE status='fetched'").fetchall())
    expected = {t.normalized for t in sample_web.truth.values() if t.fetched}
    assert set(fetched) == expected
    counts = warc_link_counts(warc)
    assert set(counts) == expected
    assert set(counts.values()) == {1}  # every URL's page is in the WARC files exactly once


def test_ctrl_c_stops_gracefully_and_rerun_completes(
        collected: Path, sample_web: Any, crawl_argv: Callable[..., list[str]], crawl_cli: CrawlCli,
        tmp_path: Path, fast: list[str]) -> None:
    warc = tmp_path / "warc"
    process = start_pages(crawl_argv, collected, warc, sample_web, fast)
    wait_for_pages(collected, warc, process, pages=5)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert not list(warc.glob(".*.partial"))  # the open WARC file was closed under its final name
    assert statuses(collected)["pending"] > 0

    crawl_cli("pages", "--store", str(collected), "--warc-dir", str(warc), "--hosts-file",
              str(sample_web.hosts_file), "--allow-private", *fast)
    assert statuses(collected)["pending"] == 0
    assert set(warc_link_counts(warc).values()) == {1}
