"""The crawl against the sample web over real HTTP: links, pages, WARC, accounting, export."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from webtext.core import reasons
from webtext.core.document import DeadLetter, Page
from webtext.crawl.links.store import LinkStore
from webtext.crawl.warc.read import LINK_HEADER, iter_records, iter_warc_path

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]

pytestmark = pytest.mark.slow


def link_outcomes(store: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(normalized URL -> status, post id -> link drop reason) from a link store."""
    with LinkStore(store) as links:
        urls = {row["url"]: row["status"] for row in links.url_rows(None)}
        return urls, links.dropped_posts()


def expected_links(truth: dict[str, Any], sum_scores: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    urls: dict[str, str] = {}
    drops: dict[str, str] = {}
    for entry in truth.values():
        if entry.link_drop in (None, reasons.LINK_BELOW_THRESHOLD):
            queued = entry.link_drop is None or (sum_scores and entry.kind == "sum_scores")
            status = "queued" if queued else "below_threshold"
            assert urls.get(entry.normalized, status) == status
            urls[entry.normalized] = status
        else:
            drops.update(dict.fromkeys(entry.post_ids, entry.link_drop))
    return urls, drops


def queued(urls: dict[str, str]) -> dict[str, str]:
    return {u: ("below_threshold" if s == "below_threshold" else "queued") for u, s in urls.items()}


@pytest.fixture(scope="module")
def crawled(sample_web: Any, tmp_path_factory: pytest.TempPathFactory, crawl_argv: Callable[..., list[str]],
            fast: list[str]) -> dict[str, Path]:
    """Links from the dump files, then the pages, with the crawl CLI."""
    out = tmp_path_factory.mktemp("crawl")
    store = out / "links.sqlite"
    dumps = [str(p) for p in sample_web.dump_files]
    subprocess.run(crawl_argv("run", "--store", str(store), "--warc-dir", str(out / "warc"), "--dump", *dumps,
                                 "--hosts-file", str(sample_web.hosts_file), "--allow-private", *fast,
                                 *sample_web.archive_flags),
                   check=True, capture_output=True, text=True, timeout=300)
    return {"store": store, "warc": out / "warc", "summary": out / "summary.json", "dir": out}


def test_dump_links_equal_ground_truth(crawled: dict[str, Path], sample_web: Any) -> None:
    urls, drops = link_outcomes(crawled["store"])
    want_urls, want_drops = expected_links(sample_web.truth)
    assert queued(urls) == want_urls
    assert drops == want_drops
    assert set(drops.values()) >= {reasons.LINK_SELF_POST, reasons.LINK_NSFW, reasons.LINK_REMOVED,
                                   reasons.LINK_STICKIED, reasons.LINK_REDDIT, reasons.LINK_MEDIA,
                                   reasons.LINK_WIKIPEDIA}


def test_listing_api_gives_the_same_links_as_the_dumps(crawled: dict[str, Path], sample_web: Any,
                                                       crawl_cli: CrawlCli, tmp_path: Path) -> None:
    store = tmp_path / "api.sqlite"
    crawl_cli("links", "--store", str(store), "--api-base", sample_web.api_base, "--subreddit",
              *sample_web.site.subreddits, "--sort", "new")
    api_urls, api_drops = link_outcomes(store)
    dump_urls, dump_drops = link_outcomes(crawled["store"])
    assert queued(api_urls) == queued(dump_urls)
    assert api_drops == dump_drops


def test_sum_scores_keeps_a_url_whose_posts_add_up(sample_web: Any, crawl_cli: CrawlCli, tmp_path: Path) -> None:
    store = tmp_path / "sum.sqlite"
    crawl_cli("links", "--store", str(store), "--dump", *map(str, sample_web.dump_files), "--sum-scores")
    urls, _ = link_outcomes(store)
    assert queued(urls) == expected_links(sample_web.truth, sum_scores=True)[0]


def test_every_url_is_fetched_or_dropped_for_the_true_reason(crawled: dict[str, Path], sample_web: Any) -> None:
    with sqlite3.connect(crawled["store"]) as db:
        rows = {url: (status, reason, final) for url, status, reason, final in
                db.execute("SELECT url, status, reason, final_url FROM urls WHERE status != 'below_threshold'")}
    for entry in sample_web.truth.values():
        if entry.link_drop is not None:
            continue
        status, reason, final = rows[entry.normalized]
        assert reason == entry.fetch_drop, entry.kind
        assert (status == "fetched") == (entry.fetch_drop is None), entry.kind
        if entry.fetch_drop is None:
            assert final == entry.final_url, entry.kind
    assert {r for _, r, _ in rows.values()} >= {reasons.FETCH_ROBOTS, reasons.FETCH_TOO_LARGE, reasons.FETCH_TIMEOUT,
                                                 reasons.FETCH_REDIRECT_LOOP, reasons.FETCH_NOT_HTML}


def test_warc_files_hold_each_fetched_page_once_with_provenance(crawled: dict[str, Path], sample_web: Any) -> None:
    pages: list[Page] = []
    for path in sorted(crawled["warc"].glob("*.warc.gz")):
        for record in iter_warc_path(str(path)):
            assert not isinstance(record, DeadLetter), record
            pages.append(record)
    assert not list(crawled["warc"].glob(".*partial"))
    by_url = {p.url: p for p in pages}
    assert len(by_url) == len(pages)
    fetched = [t for t in sample_web.truth.values() if t.fetched and t.kind != "tracking_variant"]
    assert {t.final_url for t in fetched} == set(by_url)
    bodies = {p.url: p for p in sample_web.site.fetched_pages()}
    for truth in fetched:
        page = by_url[truth.final_url]
        assert page.status == 200
        assert page.body == bodies[truth.final_url].body
        assert set(truth.post_ids) <= {post.post_id for post in page.reddit}


def test_store_points_at_the_warc_record_of_each_page(crawled: dict[str, Path]) -> None:
    with sqlite3.connect(crawled["store"]) as db:
        rows = db.execute("SELECT url, warc_file, warc_offset FROM urls WHERE status='fetched'").fetchall()
    assert rows
    for url, warc_file, offset in rows:
        with open(crawled["warc"] / warc_file, "rb") as handle:
            handle.seek(offset)
            first = next(iter_records(handle))
            assert first.record is not None
            assert first.record.rec_headers.get_header(LINK_HEADER) == url


def test_summary_counts_every_outcome(crawled: dict[str, Path], sample_web: Any) -> None:
    summary = json.loads(crawled["summary"].read_text())
    fetched = {t.normalized for t in sample_web.truth.values() if t.fetched}
    assert summary["pages"]["fetched"] == len(fetched)
    assert summary["store"]["urls"].get("pending", 0) == 0
    drops = Counter(t.fetch_drop for t in sample_web.truth.values() if t.collected and t.fetch_drop)
    assert summary["store"]["fetch_drops"] == dict(drops)
    assert summary["scrapy"]["webtext-pages"]["finish_reason"] == "finished"


def test_rerun_fetches_nothing_again(crawled: dict[str, Path], sample_web: Any, crawl_cli: CrawlCli,
                                     fast: list[str]) -> None:
    before = sorted(p.name for p in crawled["warc"].glob("*.warc.gz"))
    done = crawl_cli("run", "--store", str(crawled["store"]), "--warc-dir", str(crawled["warc"]), "--dump",
                     *map(str, sample_web.dump_files), "--hosts-file", str(sample_web.hosts_file), "--allow-private",
                     "--summary", str(crawled["dir"] / "again.json"), *fast, *sample_web.archive_flags)
    again = json.loads((crawled["dir"] / "again.json").read_text())
    assert again["pages"].get("fetched", 0) == 0 and again["links"].get("kept", 0) == 0
    assert all(d.get("skipped") == "already read" for d in again["dumps"])
    assert sorted(p.name for p in crawled["warc"].glob("*.warc.gz")) == before
    assert "0 fetched" in done.stdout.split("pages:")[1]


def test_export_writes_manifest_and_checksum(crawled: dict[str, Path], crawl_cli: CrawlCli, tmp_path: Path) -> None:
    for fmt in ("jsonl", "parquet"):
        out = tmp_path / f"manifest.{fmt}"
        crawl_cli("links", "export", "--store", str(crawled["store"]), "--format", fmt, str(out))
        digest, name = (tmp_path / f"manifest.{fmt}.sha256").read_text().split()
        assert name == out.name and digest == hashlib.sha256(out.read_bytes()).hexdigest()
        rows = ([json.loads(line) for line in out.read_text().splitlines()] if fmt == "jsonl"
                else pq.read_table(out).to_pylist())
        assert len(rows) == len({r["url"] for r in rows})
        assert {r["status"] for r in rows} == {"fetched", "failed", "skipped"}
        assert all(r["reddit"] and r["best_score"] >= 3 for r in rows)


def test_private_addresses_are_refused_without_the_flag(sample_web: Any, crawl_cli: CrawlCli, tmp_path: Path,
                                                       fast: list[str]) -> None:
    store = tmp_path / "guard.sqlite"
    crawl_cli("run", "--store", str(store), "--warc-dir", str(tmp_path / "warc"), "--dump",
              *map(str, sample_web.dump_files), "--hosts-file", str(sample_web.hosts_file), *fast)
    with sqlite3.connect(store) as db:
        outcomes = Counter(db.execute("SELECT status, reason FROM urls WHERE status != 'below_threshold'"))
    # every host the hosts file maps is refused; the one under .invalid has no address at all
    assert set(outcomes) == {("skipped", reasons.FETCH_PRIVATE_ADDRESS), ("failed", reasons.FETCH_DNS_ERROR)}
    assert not list((tmp_path / "warc").glob("*.warc.gz"))
