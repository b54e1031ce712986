"""Dead links fetched from a web archive: real Scrapy over HTTP against the sample web's archive host.

Each crawl fetches a small store holding the sample web's archive cases (a 410 with several
captures, a 404 whose nearest capture is a soft 404, a dead host with only a soft 404 captured, a
parked domain, a host that refuses connections, a live page with an older capture, a 404 with no
capture) and is checked against the ground truth.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from webtext.core import reasons
from webtext.core.document import Page, RedditPost
from webtext.core.urls import url_domain
from webtext.crawl.links.store import KeptPost, LinkStore
from webtext.crawl.warc.read import LINK_HEADER, SOURCE_HEADER, iter_records, iter_warc_path
from webtext.sampleweb.archive import ARCHIVE_HOST, CC_DATA_PREFIX, CC_FILE, commoncrawl_flags
from webtext.sampleweb.server import RunningSampleWeb
from webtext.sampleweb.truth import UrlTruth

from tests.crawl.conftest import crawl_command

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]
KINDS = ("archive_nearest", "archive_after_soft_404", "archive_soft_404", "archive_parked", "archive_refused",
         "archived_live", "http_404")

pytestmark = pytest.mark.slow


def cases(web: RunningSampleWeb) -> dict[str, UrlTruth]:
    """Kind -> ground truth of the archive cases (one URL each)."""
    return {t.kind: t for t in web.truth.values() if t.kind in KINDS}


def make_store(web: RunningSampleWeb, path: Path) -> Path:
    """A link store holding the archive cases' URLs and their posts, all pending."""
    posts = {p["id"]: p for p in web.site.posts}
    with LinkStore(path) as store:
        for truth in cases(web).values():
            for post in (posts[pid] for pid in truth.post_ids):
                store.add_post(KeptPost(truth.normalized, url_domain(truth.normalized), truth.url, RedditPost(
                    post["id"], post["subreddit"], post["score"], post["created_utc"], post["title"],
                    post["permalink"])))
        store.apply_threshold(3, sum_scores=False)
    return path


def crawl(web: RunningSampleWeb, out: Path, fast: list[str], *flags: str) -> dict[str, Any]:
    """`webtext crawl pages` of a fresh store of the cases in `out`; returns the summary (with the stdout)."""
    store = make_store(web, out / "links.sqlite")
    done = subprocess.run(crawl_command("pages", "--store", str(store), "--warc-dir", str(out / "warc"),
                                        "--hosts-file", str(web.hosts_file), "--allow-private", *fast, *flags),
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return {**json.loads((out / "pages-summary.json").read_text()), "stdout": done.stdout, "stderr": done.stderr}


def rows(store: Path) -> dict[str, tuple[str, str | None, str | None, str | None]]:
    """URL -> (status, reason, source, archive_time) of every URL of a store."""
    with sqlite3.connect(store) as db:
        return {url: (status, reason, source, time) for url, status, reason, source, time in
                db.execute("SELECT url, status, reason, source, archive_time FROM urls")}


def responses(warc: Path) -> dict[str, Any]:
    """Link URL -> the WARC headers of its response record, over every WARC file in `warc`."""
    found = {}
    for path in sorted(warc.glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for read in iter_records(handle):
                assert read.record is not None, read.problem
                if read.record.rec_type == "response":
                    found[read.record.rec_headers.get_header(LINK_HEADER)] = read.record.rec_headers
    return found


def capture_body(web: RunningSampleWeb, replay_url: str) -> bytes:
    path = "/" + replay_url.split("://", 1)[1].partition("/")[2]
    return web.site.resources[(ARCHIVE_HOST, path)].payload()


@pytest.fixture(scope="module")
def fallback(sample_web: RunningSampleWeb, tmp_path_factory: pytest.TempPathFactory, fast: list[str]) -> Path:
    """The cases crawled with the default `--archive fallback`, against the sample web's archive."""
    out = tmp_path_factory.mktemp("fallback")
    (out / "summary.json").write_text(json.dumps(crawl(sample_web, out, fast, *sample_web.archive_flags)))
    return out


def test_each_dead_link_gets_the_capture_nearest_its_post_or_its_reason(
        fallback: Path, sample_web: RunningSampleWeb) -> None:
    found = rows(fallback / "links.sqlite")
    for kind, truth in cases(sample_web).items():
        status, reason, source, when = found[truth.normalized]
        if truth.fetch_drop:
            assert (status, reason, source) == ("failed", truth.fetch_drop, None), kind
        else:
            assert (status, reason) == ("fetched", None), kind
            assert (source, when) == (("archive", truth.archive_time) if truth.archive_time else ("live", None)), kind
    nearest = cases(sample_web)["archive_nearest"]
    assert nearest.archive_time == "2017-06-10T14:15:00Z"  # not the 404 capture that is nearer, nor the others


def test_archived_pages_are_stored_under_their_original_url_with_capture_time_and_source(
        fallback: Path, sample_web: RunningSampleWeb) -> None:
    records = responses(fallback / "warc")
    pages = {p.url: p for path in (fallback / "warc").glob("*.warc.gz") for p in iter_warc_path(str(path))}
    archived = [t for t in cases(sample_web).values() if t.archive_time]
    assert len(archived) == 4
    for truth in archived:
        headers = records[truth.normalized]
        assert headers.get_header("WARC-Target-URI") == truth.url
        assert headers.get_header("WARC-Date") == truth.archive_time
        assert headers.get_header(SOURCE_HEADER) == truth.archive_source
        page = pages[truth.url]
        assert isinstance(page, Page) and page.archive_source == truth.archive_source
        assert page.body == capture_body(sample_web, truth.archive_source or "")
    live = cases(sample_web)["archived_live"]
    assert records[live.normalized].get_header(SOURCE_HEADER) is None
    assert not pages[live.url].archive_source


def test_the_summary_counts_lookups_archive_pages_and_misses(fallback: Path) -> None:
    summary = json.loads((fallback / "summary.json").read_text())
    pages = summary["pages"]
    assert pages["fetched"] == 5 and pages["fetched_archive"] == 4
    assert pages["archive/lookups"] == 6  # the live page is not looked up
    assert pages["archive/none"] == 1 and pages["archive/soft_404"] == 2
    assert summary["store"]["sources"] == {"live": 1, "archive": 4}
    assert "5 fetched (4 from a web archive)" in summary["stdout"]


def test_the_manifest_says_where_each_page_came_from(fallback: Path, sample_web: RunningSampleWeb,
                                                    crawl_cli: CrawlCli, tmp_path: Path) -> None:
    crawl_cli("links", "export", "--store", str(fallback / "links.sqlite"), str(tmp_path / "m.jsonl"))
    manifest = {r["url"]: r for r in map(json.loads, (tmp_path / "m.jsonl").read_text().splitlines())}
    for truth in cases(sample_web).values():
        row = manifest[truth.normalized]
        assert row["archive_time"] == truth.archive_time
        assert row["source"] == (None if truth.fetch_drop else "archive" if truth.archive_time else "live")


def test_the_clean_stage_reads_archived_pages_like_live_ones(fallback: Path, sample_web: RunningSampleWeb) -> None:
    (warc,) = (fallback / "warc").glob("*.warc.gz")
    done = subprocess.run([str(Path(sys.executable).with_name("webtext")), "clean", "--jsonl", str(warc)],
                          capture_output=True, text=True, timeout=120, check=True)
    documents = {d["url"]: d for d in map(json.loads, done.stdout.splitlines())}
    for truth in cases(sample_web).values():
        if truth.fetched:
            document = documents[truth.url]
            assert document["drop_reason"] is None, truth.kind
            assert truth.article_text.split("\n")[1][:60] in document["text"], truth.kind
            assert document["meta"].get("archive_source") == truth.archive_source, truth.kind


def test_never_keeps_the_live_reasons(sample_web: RunningSampleWeb, tmp_path: Path, fast: list[str]) -> None:
    summary = crawl(sample_web, tmp_path, fast, "--archive", "never")
    found = rows(tmp_path / "links.sqlite")
    for kind, truth in cases(sample_web).items():
        status, reason, source, _ = found[truth.normalized]
        dead = truth.live_drop or truth.fetch_drop
        assert (reason, source) == (dead, None if dead else "live"), kind
    assert not any(key.startswith("archive/") for key in summary["pages"])
    assert all(h.get_header(SOURCE_HEADER) is None for h in responses(tmp_path / "warc").values())


def test_always_fetches_every_url_from_the_archive(sample_web: RunningSampleWeb, tmp_path: Path,
                                                  fast: list[str]) -> None:
    summary = crawl(sample_web, tmp_path, fast, *sample_web.archive_flags, "--archive", "always")
    found = rows(tmp_path / "links.sqlite")
    known = cases(sample_web)
    live = known["archived_live"]
    assert found[live.normalized] == ("fetched", None, "archive", "2016-12-01T00:00:00Z")
    headers = responses(tmp_path / "warc")[live.normalized]
    pages = {p.url: p for p in iter_warc_path(str(next((tmp_path / "warc").glob("*.warc.gz"))))}
    assert pages[live.url].body == capture_body(sample_web, headers.get_header(SOURCE_HEADER))
    assert found[known["http_404"].normalized][:2] == ("failed", reasons.ARCHIVE_NONE)
    assert found[known["archive_nearest"].normalized][3] == known["archive_nearest"].archive_time
    assert summary["pages"]["archive/lookups"] == len(known)
    assert all(source in ("archive", None) for _, _, source, _ in found.values())


def test_common_crawl_index_and_warc_ranges_give_the_same_pages(
        fallback: Path, sample_web: RunningSampleWeb, tmp_path: Path, fast: list[str]) -> None:
    crawl(sample_web, tmp_path, fast, "--archive", "fallback", *commoncrawl_flags(sample_web.port))
    assert rows(tmp_path / "links.sqlite") == rows(fallback / "links.sqlite")
    wayback, common = responses(fallback / "warc"), responses(tmp_path / "warc")
    source = f"http://{ARCHIVE_HOST}:{sample_web.port}{CC_DATA_PREFIX}{CC_FILE}"
    for truth in cases(sample_web).values():
        if truth.archive_time:
            assert common[truth.normalized].get_header(SOURCE_HEADER) == source
            assert common[truth.normalized].get_header("WARC-Payload-Digest") == \
                wayback[truth.normalized].get_header("WARC-Payload-Digest")
