"""The page spider run by scrapyd, as docs/crawl.md shows: scheduled over HTTP, crawled to the end."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from webtext.core.document import Page
from webtext.crawl.spiders.archive import ARCHIVE_SLOT
from webtext.crawl.warc.read import iter_warc_path
from webtext.sampleweb.archive import ARCHIVE_HOST, CDX_PATH, REPLAY_PREFIX

pytestmark = pytest.mark.slow

SCRAPYD = Path(sys.executable).with_name("scrapyd")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def archive_settings(port: int) -> list[str]:
    """The scrapyd settings that use the sample web's archive (what `archive_flags` are to the command)."""
    base = f"http://{ARCHIVE_HOST}:{port}"
    return [f"WEBTEXT_ARCHIVE_CDX={base}{CDX_PATH}", f"WEBTEXT_ARCHIVE_REPLAY={base}{REPLAY_PREFIX}",
            f'DOWNLOAD_SLOTS={{"{ARCHIVE_SLOT}": {{"delay": 0}}}}']


def call(base: str, path: str, **form: str | list[str]) -> dict[str, Any]:
    data = urllib.parse.urlencode(form, doseq=True).encode() if form else None
    with urllib.request.urlopen(f"{base}/{path}", data=data, timeout=10) as answer:
        return dict(json.load(answer))


@contextlib.contextmanager
def scrapyd_node(home: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A scrapyd on 127.0.0.1 working in `home`, beside the repository's own scrapy.cfg; yields its URL
    and its process, the leader of a process group that holds its crawls (to kill them all at once)."""
    if not SCRAPYD.exists():
        pytest.skip("scrapyd is not installed")
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "scrapy.cfg").read_text(encoding="utf-8")  # the [settings] a user's scrapyd reads
    (home / "scrapy.cfg").write_text(config + f"\n[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\n"
                                     f"eggs_dir = {home}/eggs\nlogs_dir = {home}/logs\ndbs_dir = {home}/dbs\n"
                                     "poll_interval = 0.5\n", encoding="utf-8")
    log = open(home / "scrapyd.out", "a")  # noqa: SIM115 - closed below
    process = subprocess.Popen([str(SCRAPYD), "--pidfile=", "--nodaemon"], cwd=home, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(base, "daemonstatus.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((home / "scrapyd.out").read_text()) from None
                time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()
        shutil.rmtree(home / "eggs", ignore_errors=True)


def wait_for_job(base: str, job: str, timeout: float) -> None:
    """Wait until scrapyd at `base` lists `job` as finished (AssertionError after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not any(done["id"] == job for done in call(base, "listjobs.json?project=default")["finished"]):
        assert time.monotonic() < deadline, f"the scrapyd job did not finish in {timeout:.0f} s"
        time.sleep(0.5)


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """A scrapyd on 127.0.0.1 started beside the repository's own scrapy.cfg; yields its URL."""
    with scrapyd_node(tmp_path / "scrapyd") as (base, _):
        yield base


def test_scrapyd_runs_the_page_spider_to_completion(
        scrapyd: str, sample_web: Any, crawl_cli: Callable[..., Any], tmp_path: Path) -> None:
    store, warc = tmp_path / "links.sqlite", tmp_path / "warc"
    crawl_cli("links", "--store", str(store), "--dump", *map(str, sample_web.dump_files))
    assert call(scrapyd, "listspiders.json?project=default")["spiders"] == ["webtext-links", "webtext-pages"]

    job = call(scrapyd, "schedule.json", project="default", spider="webtext-pages", store=str(store),
               warc_dir=str(warc), setting=[f"WEBTEXT_HOSTS_FILE={sample_web.hosts_file}",
                                            "WEBTEXT_ALLOW_PRIVATE=True", "AUTOTHROTTLE_ENABLED=False",
                                            "DOWNLOAD_TIMEOUT=2.5", "RETRY_TIMES=1", "RETRY_BACKOFF_BASE=0.1",
                                            "DOWNLOAD_MAXSIZE=1048576", *archive_settings(sample_web.port)])["jobid"]
    wait_for_job(scrapyd, job, 120)

    with sqlite3.connect(store) as db:
        fetched = {url for (url,) in db.execute("SELECT url FROM urls WHERE status='fetched'")}
        assert db.execute("SELECT count(*) FROM urls WHERE status='pending'").fetchone() == (0,)
    assert fetched == {t.normalized for t in sample_web.truth.values() if t.fetched}
    pages = [item for path in sorted(warc.glob("*.warc.gz")) for item in iter_warc_path(str(path))]
    assert all(isinstance(item, Page) for item in pages) and len(pages) == len(fetched)
