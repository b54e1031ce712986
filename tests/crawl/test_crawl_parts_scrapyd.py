"""Three scrapyd nodes crawl one link list partitioned by host; one is killed and its part re-run.

The sample web here has over 5,000 URLs on over 40 hosts. After the merges the store must hold
every URL once, with the outcome a single crawl gives (the ground truth), every page must be in
exactly one WARC record with valid digests, and no host may have been crawled by two nodes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from webtext.crawl.parts.partition import host_key
from webtext.crawl.warc.read import LINK_HEADER, iter_records
from webtext.sampleweb.server import RunningSampleWeb, start_sample_web

from tests.crawl.test_crawl_scrapyd import archive_settings, call, scrapyd_node, wait_for_job

pytestmark = pytest.mark.slow

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]
NODES = 3
SLOWEST_RATE = 20  # pages per second: far below any working crawl, so the time allowed is never the limit


@pytest.fixture(scope="module")
def large_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSampleWeb]:
    web = start_sample_web(tmp_path_factory.mktemp("largeweb"), articles=5000, sites=40, port=None,
                           timeout_delay=6.0)
    yield web
    web.stop()


def node_settings(web: RunningSampleWeb, concurrency: int) -> list[str]:
    return [f"WEBTEXT_HOSTS_FILE={web.hosts_file}", "WEBTEXT_ALLOW_PRIVATE=True", "AUTOTHROTTLE_ENABLED=False",
            f"CONCURRENT_REQUESTS={concurrency}", f"CONCURRENT_REQUESTS_PER_DOMAIN={max(1, concurrency // 8)}",
            "DOWNLOAD_TIMEOUT=2.5", "RETRY_TIMES=1", "RETRY_BACKOFF_BASE=0.1", "DOWNLOAD_MAXSIZE=1048576",
            *archive_settings(web.port)]


def schedule(base: str, part: Path, warc: Path, settings: list[str]) -> str:
    return str(call(base, "schedule.json", project="default", spider="webtext-pages", store=str(part),
                    warc_dir=str(warc), setting=settings)["jobid"])


def count(store: Path, status: str) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT COUNT(*) FROM urls WHERE status=?", (status,)).fetchone()[0])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_nodes_crawl_their_parts_and_merge_into_one_store(large_web: RunningSampleWeb, crawl_cli: CrawlCli,
                                                         tmp_path: Path) -> None:
    store, warc = tmp_path / "links.sqlite", tmp_path / "warc"
    crawl_cli("links", "--store", str(store), "--dump", *map(str, large_web.dump_files))
    urls = count(store, "pending")
    assert urls >= 5000 and len(large_web.site.hosts) >= 40
    allowed = urls / SLOWEST_RATE + 60
    crawl_cli("partition", "--store", str(store), "--parts", str(NODES), "--warc-dir", str(warc))
    parts = [tmp_path / "parts" / f"part-{k:03d}.sqlite" for k in range(NODES)]
    dirs = [warc / f"part-{k:03d}" for k in range(NODES)]

    with scrapyd_node(tmp_path / "node-0") as (node0, _), scrapyd_node(tmp_path / "node-1") as (node1, victim), \
            scrapyd_node(tmp_path / "node-2") as (node2, _):
        jobs = {base: schedule(base, parts[k], dirs[k], node_settings(large_web, 4 if k == 1 else 64))
                for k, base in enumerate((node0, node1, node2))}
        total = count(parts[1], "pending")
        wait_until(lambda: count(parts[1], "fetched") >= total // 4, allowed, "node 1 fetched too little")
        os.killpg(victim.pid, signal.SIGKILL)  # scrapyd, its crawl and the crawl's WARC writer
        victim.wait()
        for base in (node0, node2):
            wait_for_job(base, jobs[base], allowed)
    assert count(parts[1], "pending") > 0 and list(dirs[1].glob(".*.partial"))  # cut mid-crawl, file open

    first = crawl_cli("merge", "--store", str(store), "--warc-dir", str(warc)).stdout
    assert "re-run the parts that hold the rest" in first
    assert 0 < count(store, "handed_out") <= count(parts[1], "pending") + count(parts[1], "fetched")

    with scrapyd_node(tmp_path / "node-1") as (node1, _):  # the same node again, its part re-run
        wait_for_job(node1, schedule(node1, parts[1], dirs[1], node_settings(large_web, 64)), allowed)
    crawl_cli("merge", "--store", str(store), "--warc-dir", str(warc))
    assert "merged 3 parts, 0 URLs changed" in crawl_cli("merge", "--store", str(store)).stdout

    check_outcomes(store, large_web)
    check_warc_files(store, warc, dirs)


def check_outcomes(store: Path, web: RunningSampleWeb) -> None:
    """Every URL once, with the outcome (status and reason) of a single crawl: the ground truth."""
    with sqlite3.connect(store) as db:
        got = {url: (status, reason) for url, status, reason in db.execute(
            "SELECT url, status, reason FROM urls WHERE status != 'below_threshold'")}
    want = {t.normalized: ("fetched" if t.fetch_drop is None else "", t.fetch_drop)
            for t in web.truth.values() if t.collected}
    assert got.keys() == want.keys()
    for url, (status, reason) in want.items():
        assert got[url][1] == reason and (got[url][0] == "fetched") == (status == "fetched"), url


def check_warc_files(store: Path, warc: Path, dirs: list[Path]) -> None:
    """Each page in one record (digests valid), where the store says; no host in two nodes' files."""
    records: Counter[str] = Counter()
    nodes_of_host: dict[str, set[Path]] = defaultdict(set)
    for directory in dirs:
        assert not list(directory.glob(".*.partial"))
        for path in sorted(directory.glob("*.warc.gz")):
            with open(path, "rb") as handle:
                for record in ArchiveIterator(handle, check_digests=True):
                    record.content_stream().read()
                    assert record.digest_checker.passed is True, (path, record.digest_checker.problems)
                    if record.rec_type == "response":
                        link = record.rec_headers.get_header(LINK_HEADER)
                        records[link] += 1
                        nodes_of_host[host_key(link)].add(directory)
    with sqlite3.connect(store) as db:
        fetched = db.execute("SELECT url, warc_file, warc_offset FROM urls WHERE status='fetched'").fetchall()
    assert records == Counter(url for url, _, _ in fetched)
    assert all(len(nodes) == 1 for nodes in nodes_of_host.values()), nodes_of_host
    for url, warc_file, offset in fetched:
        with open(warc / warc_file, "rb") as handle:
            handle.seek(offset)
            found = next(iter_records(handle)).record
            assert found is not None and found.rec_headers.get_header(LINK_HEADER) == url
