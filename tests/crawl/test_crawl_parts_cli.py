"""`webtext crawl partition|merge` on bad input: one error line, exit 2, nothing written."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from webtext.crawl.lock import StoreLock

from tests.crawl.test_crawl_parts import URLS, make_store, rows

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]


def refused(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and message in done.stderr, done.stderr


def test_partition_and_merge_refuse_bad_input_with_one_line(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    store = make_store(tmp_path / "links.sqlite")
    refused(crawl_cli("partition", "--store", str(store), "--parts", "0", check=False),
            "--parts must be at least 1 (got 0)")
    refused(crawl_cli("partition", "--store", str(store), check=False), "give the number of parts")
    refused(crawl_cli("partition", "--store", str(tmp_path / "none.sqlite"), "--parts", "2", check=False),
            "link store not found")
    refused(crawl_cli("merge", "--store", str(store), check=False), "no URLs were ever handed out to parts")
    with StoreLock(store):  # a crawl holds the store
        refused(crawl_cli("partition", "--store", str(store), "--parts", "2", check=False), "another crawl holds")
        refused(crawl_cli("merge", "--store", str(store), check=False), "another crawl holds")
    assert not (tmp_path / "parts").exists()
    assert rows(store, "status='pending'").keys() == set(URLS)


def test_partition_then_merge_print_what_they_did(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    store = make_store(tmp_path / "links.sqlite")
    done = crawl_cli("partition", "--store", str(store), "--parts", "2")
    lines = done.stdout.splitlines()
    assert lines[0].startswith("  part 0: ") and "webtext crawl pages --store " in lines[0]
    assert lines[-1].startswith(f"crawl: handed out {len(URLS)} URLs in 2 parts")
    assert (tmp_path / "partition-summary.json").is_file()
    refused(crawl_cli("merge", "--store", str(store), str(tmp_path / "parts" / "part-007.sqlite"), check=False),
            "part not found")
    merged = crawl_cli("merge", "--store", str(store)).stdout.splitlines()
    assert merged[-1].startswith("crawl: merged 2 parts, 0 URLs changed") and f"{len(URLS)} handed out" in merged[-1]
