"""One crawl per link store, whatever path names the store: a symbolic link to the store, or a
path through a symbolically linked directory, finds the same lock as the store's own path."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from webtext.crawl.lock import StoreLock

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]


def other_names(store: Path) -> dict[str, Path]:
    """Two more names of `store`: a link to the file, and its path through a linked directory."""
    (store.parent / "link-to-links.sqlite").symlink_to(store.name)
    (store.parent.parent / "linked-dir").symlink_to(store.parent, target_is_directory=True)
    return {"link-to-store": store.parent / "link-to-links.sqlite",
            "linked-dir": store.parent.parent / "linked-dir" / store.name}


def fetched(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT COUNT(*) FROM urls WHERE status='fetched'").fetchone()[0])


def test_every_name_of_a_store_takes_the_same_lock(tmp_path: Path) -> None:
    store = tmp_path / "crawl" / "links.sqlite"
    store.parent.mkdir()
    store.touch()
    names = other_names(store)
    with StoreLock(store) as held:
        for name in names.values():
            assert StoreLock(name).path == held.path
            probe = subprocess.run([sys.executable, "-c", "import sys; from webtext.crawl.lock import StoreLock, "
                                    "LockHeld\ntry:\n    StoreLock(sys.argv[1]).acquire()\nexcept LockHeld:\n"
                                    "    sys.exit(3)", str(name)], check=False, timeout=120)
            assert probe.returncode == 3, name


@pytest.mark.slow
def test_a_second_crawl_through_another_name_of_the_store_fetches_nothing(
        sample_web: Any, crawl_cli: CrawlCli, crawl_argv: Callable[..., list[str]], tmp_path: Path,
        fast: list[str]) -> None:
    store = tmp_path / "crawl" / "links.sqlite"
    crawl_cli("links", "--store", str(store), "--dump", *map(str, sample_web.dump_files))
    names = other_names(store)
    web = ["--hosts-file", str(sample_web.hosts_file), "--allow-private", *fast]
    first_argv = crawl_argv("pages", "--store", str(store), "--warc-dir", str(tmp_path / "warc-first"), *web,
                            "--concurrency", "1", "--per-domain", "1", "--no-autothrottle")
    with open(tmp_path / "first.log", "w") as log:
        first = subprocess.Popen(first_argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while first.poll() is None and time.monotonic() < deadline and not (store.exists() and fetched(store)):
            time.sleep(0.05)
        assert first.poll() is None and fetched(store), "the first crawl ended or stalled before its first page"
        os.killpg(first.pid, signal.SIGSTOP)  # held mid-crawl, lock and all, while the second one starts
        before = fetched(store)
        for label, name in names.items():
            warc = tmp_path / f"warc-{label}"
            second = crawl_cli("run", "--store", str(name), "--warc-dir", str(warc), *web)
            assert second.returncode == 0
            assert f"crawl: another crawl holds {store.resolve()}.lock; nothing to do" in second.stderr, label
            assert not list(warc.glob("*.warc.gz")) and not list(warc.glob(".*.partial")), label
            assert fetched(store) == before, label
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=60)
