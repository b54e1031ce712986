"""A page crawl killed part-way (SIGKILL, or Ctrl-C) resumes: nothing lost, nothing fetched twice."""

from __future__ import annotations

import os
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
from webtext.crawl.lock import LockHeld, StoreLock
from webtext.crawl.warc.read import LINK_HEADER, iter_records, iter_warc_path

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
            "--allow-private", *fast, *web.archive_flags]


def interrupt(crawl_argv: Callable[..., list[str]], store: Path, warc: Path, web: Any, fast: list[str],
              sig: signal.Signals, pages: int, group: bool = False) -> int:
    """Start a slow page crawl (one request at a time), send `sig` part-way to the crawler, or to
    its whole process group (the WARC writer too) when `group`; returns the crawler's exit status."""
    argv = crawl_argv(*pages_args(store, warc, web, fast), "--concurrency", "1", "--per-domain", "1",
                      "--no-autothrottle")
    with open(store.with_name(f"crawl-{sig.name}.log"), "w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        wait_for_pages(store, warc, process, pages)
        if group:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        status = process.wait(timeout=60)
    wait_for_lock(store)  # a writer whose crawler was killed finishes, then lets go of the lock
    return status


def wait_for_lock(store: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with StoreLock(store):
                return
        except LockHeld:
            time.sleep(0.05)
    raise AssertionError(f"{store} still locked a minute after its crawl stopped")


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


@pytest.mark.parametrize("group", [True, False], ids=["crawler-and-writer", "crawler-only"])
def test_sigkill_then_rerun_fetches_every_url_exactly_once(
        collected: Path, sample_web: Any, crawl_argv: Callable[..., list[str]], crawl_cli: CrawlCli,
        tmp_path: Path, fast: list[str], group: bool) -> None:
    """SIGKILL part-way, rerun: every URL fetched once by the store, once in the WARC files.

    Killed together, the crawler and its WARC writer leave the open file under its temporary
    name, which the rerun recovers; a writer that outlives its crawler closes the file itself.
    """
    warc = tmp_path / "warc"
    status = interrupt(crawl_argv, collected, warc, sample_web, fast, signal.SIGKILL, pages=10, group=group)
    assert status == -signal.SIGKILL
    assert statuses(collected)["pending"] > 0  # it really stopped part-way
    assert bool(list(warc.glob(".*.partial"))) == group  # the file left open, or closed by the writer

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
    # a terminal's Ctrl-C reaches the whole process group: the writer ignores it, the crawler stops
    assert interrupt(crawl_argv, collected, warc, sample_web, fast, signal.SIGINT, pages=5, group=True) == 130
    assert not list(warc.glob(".*.partial"))  # the open WARC file was closed under its final name
    assert statuses(collected)["pending"] > 0

    crawl_cli(*pages_args(collected, warc, sample_web, fast))
    assert statuses(collected)["pending"] == 0
    assert set(warc_link_counts(warc).values()) == {1}


def writer_pid(store: Path) -> int:
    """The pid of the WARC writer process working for `store`."""
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"webtext.crawl.spiders.writer" in argv and str(store).encode() in argv:
            return int(entry.name)
    raise AssertionError(f"no writer process for {store}")


def test_a_killed_writer_ends_the_crawl_with_an_error_and_rerun_completes(
        collected: Path, sample_web: Any, crawl_argv: Callable[..., list[str]], crawl_cli: CrawlCli,
        tmp_path: Path, fast: list[str]) -> None:
    """The writer dies (the kernel's OOM killer, say): the crawl stops with one error line and
    exit status 1, what the writer never recorded stays pending, and a rerun completes."""
    warc = tmp_path / "warc"
    argv = crawl_argv(*pages_args(collected, warc, sample_web, fast), "--concurrency", "1", "--per-domain", "1",
                      "--no-autothrottle")
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_pages(collected, warc, process, 5)
    os.kill(writer_pid(collected), signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "error: the WARC writer process stopped" in err
    assert "Traceback" not in err
    assert statuses(collected)["pending"] > 0
    wait_for_lock(collected)

    crawl_cli(*pages_args(collected, warc, sample_web, fast))
    assert statuses(collected)["pending"] == 0
    assert set(warc_link_counts(warc).values()) == {1}
