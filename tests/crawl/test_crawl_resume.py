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


def pages_args(store: Path, warc: Path, web: Any, fast: list[str]) -> list[str]:
    return ["pages", "--store", str(store), "--warc-dir", str(warc), "--hosts-file", str(web.hosts_file),
            "--allow-private", *fast]


def interrupt(crawl_argv: Callable[..., list[str]], store: Path, warc: Path, web: Any, fast: list[str],
              sig: signal.Signals, pages: int) -> int:
    """Start a slow page crawl (one request at a time), send `sig` part-way; returns its exit status."""
    argv = crawl_argv(*pages_args(store, warc, web, fast), "--concurrency", "1", "--per-domain", "1",
                      "--no-autothrottle")
    with open(store.with_name(f"crawl-{sig.name}.log"), "w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True)
        wait_for_pages(store, warc, process, pages)
        process.send_signal(sig)
        return process.wait(timeout=60)


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
    """SIGKILL part-way, rerun: every URL fetched once by the store, once in the WARC files."""
    warc = tmp_path / "warc"
    assert interrupt(crawl_argv, collected, warc, sample_web, fast, signal.SIGKILL, pages=10) == -signal.SIGKILL
    assert statuses(collected)["pending"] > 0  # it really stopped part-way
    assert list(warc.glob(".*.partial"))  # and left a file open

    crawl_cli(*pages_args(collected, warc, sample_web, fast))

    assert statuses(collected)["pending"] == 0
    assert not list(warc.glob(".*.partial"))
    with sqlite3.connect(collected) as db:
        fetched = db.execute("SELECT url, warc_file, warc_offset FROM urls WHERE status='fetched'").fetchall()
    expected = {t.normalized for t in sample_web.truth.values() if t.fetched}
    assert {url for url, _, _ in fetched} == expected
    for url, warc_file, offset in fetched:  # the store points at each page's own record
        with open(warc / warc_file, "rb") as handle:
            handle.seek(offset)
            assert next(iter_records(handle)).record.rec_headers.get_header(LINK_HEADER) == url
    counts = warc_link_counts(warc)
    assert set(counts) == expected
    assert set(counts.values()) == {1}  # every URL's page is in the WARC files exactly once


def test_ctrl_c_stops_gracefully_and_rerun_completes(
        collected: Path, sample_web: Any, crawl_argv: Callable[..., list[str]], crawl_cli: CrawlCli,
        tmp_path: Path, fast: list[str]) -> None:
    warc = tmp_path / "warc"
    assert interrupt(crawl_argv, collected, warc, sample_web, fast, signal.SIGINT, pages=5) == 130
    assert not list(warc.glob(".*.partial"))  # the open WARC file was closed under its final name
    assert statuses(collected)["pending"] > 0

    crawl_cli(*pages_args(collected, warc, sample_web, fast))
    assert statuses(collected)["pending"] == 0
    assert set(warc_link_counts(warc).values()) == {1}
