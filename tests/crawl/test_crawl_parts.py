"""Partition and merge on small link stores (no network): pages written as a node's writer would."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from webtext.core.document import RedditPost
from webtext.core.errors import BadFileError, ConfigError
from webtext.core.urls import url_domain
from webtext.crawl.job import JobResult, summarize
from webtext.crawl.links.store import FAILED, FETCHED, HANDED_OUT, PENDING, SKIPPED, KeptPost, LinkStore
from webtext.crawl.parts.merge import merge
from webtext.crawl.parts.partition import deal, host_key, partition
from webtext.crawl.parts.settings import MergeSettings, PartitionSettings
from webtext.crawl.spiders.items_to_warc import recover_leftovers
from webtext.crawl.warc.read import LINK_HEADER, iter_records
from webtext.crawl.warc.write import Fetched, RollingWarcWriter

HOSTS = [f"www.site{n}.example" for n in range(12)] + ["a.shared.example", "b.shared.example"]
URLS = [f"http://{host}/page-{i}.html" for host in HOSTS for i in range(5)]
OUTCOME = ("status", "reason", "http_status", "attempts", "final_url", "warc_file", "warc_offset", "fetched_at",
           "source", "archive_time")


def make_store(path: Path, urls: list[str] = URLS) -> Path:
    """A link store whose `urls` are pending, one post each."""
    with LinkStore(path) as store:
        for number, url in enumerate(urls):
            post = RedditPost(f"p{number}", "science", 10, 1_490_000_000 + number, f"Title {number}", f"/r/s/{number}/")
            store.add_post(KeptPost(url, url_domain(url), url, post))
        store.apply_threshold(3, False)
    return path


def rows(store: Path, where: str = "1") -> dict[str, tuple[object, ...]]:
    with sqlite3.connect(store) as db:
        return {url: rest for url, *rest in db.execute(f"SELECT url, {', '.join(OUTCOME)} FROM urls WHERE {where}")}


def crawl_part(part: Path, warc_dir: Path, finish: bool = True) -> dict[str, str]:
    """Crawl the part as a node's writer records it: every third URL fails, the rest are pages.
    Without `finish` the WARC file stays open under its temporary name, as after a kill."""
    outcomes = {}
    writer = RollingWarcWriter(warc_dir)
    with LinkStore(part) as store:
        for number, row in enumerate(store.pending_batch((-1, 0), 1000)):
            if number % 3 == 2:
                store.mark_dropped(row.url, status=FAILED, reason="http_404", attempts=1, http_status=404)
                outcomes[row.url] = FAILED
                continue
            page = Fetched(link_url=row.url, url=row.url, status=200, reason="OK",
                           headers=[("Content-Type", "text/html")], body=b"<html><p>text</p></html>",
                           request_headers=[], fetched_at="2018-01-02T00:00:00Z", reddit_json="[]")
            where = writer.write(page)
            store.mark_fetched(row.url, http_status=200, final_url=row.url, warc_file=where.file,
                               warc_offset=where.offset, fetched_at=page.fetched_at, attempts=1)
            outcomes[row.url] = FETCHED
    if finish:
        writer.close()
    else:
        writer.flush()
    return outcomes


@pytest.fixture
def parted(tmp_path: Path) -> dict[str, Path]:
    store = make_store(tmp_path / "links.sqlite")
    partition(PartitionSettings(store=store, parts=3, warc_dir=tmp_path / "warc"))
    return {"store": store, "parts": tmp_path / "parts", "warc": tmp_path / "warc"}


def parts_of(parted: dict[str, Path]) -> list[Path]:
    return sorted(parted["parts"].glob("part-*.sqlite"))


def test_hosts_are_dealt_whole_largest_first_to_the_lightest_part() -> None:
    assert host_key("http://news.bbc.co.uk:8080/x") == host_key("https://www.bbc.co.uk/") == "bbc.co.uk"
    sizes = {"big.example": 10, "a.example": 3, "b.example": 3, "c.example": 2, "d.example": 2}
    assert deal(sizes, 2) == {"big.example": 0, "a.example": 1, "b.example": 1, "c.example": 1, "d.example": 1}
    ties = {f"site{n}.example": 1 for n in range(9)}
    dealt = deal(ties, 3)
    assert deal(dict(reversed(ties.items())), 3) == dealt  # the same parts whatever order the store reads
    assert sorted(Counter(dealt.values()).values()) == [3, 3, 3]


def test_partition_hands_each_pending_url_to_exactly_one_part_by_host(parted: dict[str, Path]) -> None:
    parts = parts_of(parted)
    assert [p.name for p in parts] == ["part-000.sqlite", "part-001.sqlite", "part-002.sqlite"]
    seen: Counter[str] = Counter()
    keys_by_part = []
    for part in parts:
        with LinkStore(part) as store:
            got = {row.url: row for row in store.pending_batch((-1, 0), 1000)}
        assert all(len(row.reddit) == 1 for row in got.values())  # each URL comes with its post
        seen.update(got.keys())
        keys_by_part.append({host_key(url) for url in got})
    assert seen == Counter(URLS)
    assert sum(len(keys) for keys in keys_by_part) == len(set().union(*keys_by_part))  # no host in two parts
    assert {"shared.example"} <= set().union(*keys_by_part)
    with LinkStore(parted["store"]) as store:
        assert store.counts()["urls"] == {HANDED_OUT: len(URLS)}
        assert store.pending_batch((-1, 0), 1000) == []  # a crawl of the parent skips them


def test_a_second_partition_is_refused_while_urls_are_out(parted: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="still out in the parts of partitioning"):
        partition(PartitionSettings(store=parted["store"], parts=2))


def test_merge_brings_every_outcome_back_once_and_twice_changes_nothing(parted: dict[str, Path]) -> None:
    expected = {}
    for index, part in enumerate(parts_of(parted)):
        expected.update(crawl_part(part, parted["warc"] / f"part-{index:03d}"))
    summary = merge(MergeSettings(store=parted["store"], warc_dir=parted["warc"]))
    assert summary["changed"] == len(URLS)
    merged = rows(parted["store"])
    assert {url: row[0] for url, row in merged.items()} == expected
    for url, row in merged.items():  # the parent's WARC names resolve to the record of the URL
        if row[0] == FETCHED:
            warc_file, offset = str(row[5]), int(str(row[6]))
            assert warc_file.startswith("part-")
            with open(parted["warc"] / warc_file, "rb") as handle:
                handle.seek(offset)
                record = next(iter_records(handle)).record
                assert record is not None and record.rec_headers.get_header(LINK_HEADER) == url
    assert merge(MergeSettings(store=parted["store"], warc_dir=parted["warc"]))["changed"] == 0
    assert rows(parted["store"]) == merged


def test_a_cut_part_brings_back_what_it_finished_and_the_rest_after_its_rerun(parted: dict[str, Path]) -> None:
    part, warc = parts_of(parted)[1], parted["warc"] / "part-001"
    outcomes = crawl_part(part, warc, finish=False)  # killed: its WARC file is still .partial
    first = merge(MergeSettings(store=parted["store"], parts=[part], warc_dir=parted["warc"]))["parts"][0]
    failed = sum(1 for o in outcomes.values() if o == FAILED)
    assert (first["failed"], first["fetched"], first["out"]) == (failed, 0, len(outcomes) - failed)
    assert first["unfinished_pages"] == len(outcomes) - failed
    with LinkStore(part) as store:  # the rerun's first step: finish the cut file
        assert recover_leftovers(warc, store) == 0
    again = merge(MergeSettings(store=parted["store"], parts=[part], warc_dir=parted["warc"]))["parts"][0]
    assert (again["failed"], again["fetched"], again["out"]) == (failed, len(outcomes) - failed, 0)


def test_a_url_that_went_back_to_pending_in_its_part_is_out_again(parted: dict[str, Path]) -> None:
    part = parts_of(parted)[0]
    crawl_part(part, parted["warc"] / "part-000")
    merge(MergeSettings(store=parted["store"], warc_dir=parted["warc"]))
    with LinkStore(part) as store:  # the resume logic returns a lost record's URL to pending
        warc_file = store.db.execute("SELECT warc_file FROM urls WHERE status='fetched'").fetchone()[0]
        assert store.unfetch_file(warc_file) > 0
    report = merge(MergeSettings(store=parted["store"], parts=[part], warc_dir=parted["warc"]))["parts"][0]
    assert report["fetched"] == 0 and report["out"] > 0 and report["changed"] == report["out"]


def test_a_url_the_store_requeued_is_its_own_again(parted: dict[str, Path]) -> None:
    for index, part in enumerate(parts_of(parted)):
        crawl_part(part, parted["warc"] / f"part-{index:03d}")
    merge(MergeSettings(store=parted["store"], warc_dir=parted["warc"]))
    with LinkStore(parted["store"]) as store:
        requeued = store.requeue(["http_404"])
    assert requeued > 0
    assert merge(MergeSettings(store=parted["store"], warc_dir=parted["warc"]))["changed"] == 0
    assert len(rows(parted["store"], f"status='{PENDING}'")) == requeued


def test_refused_parts_change_nothing(parted: dict[str, Path], tmp_path: Path) -> None:
    parts = parts_of(parted)
    for index, part in enumerate(parts):
        crawl_part(part, parted["warc"] / f"part-{index:03d}")
    before = rows(parted["store"])
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    plain = make_store(tmp_path / "plain.sqlite")
    other = make_store(tmp_path / "other" / "links.sqlite")
    partition(PartitionSettings(store=other, parts=3))
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(parts[0].read_bytes()[:4096])
    cases = [(tmp_path / "missing.sqlite", ConfigError, "part not found"),
             (garbage, BadFileError, "not a readable link store"),
             (cut, BadFileError, "not a readable link store .database disk image is malformed"),
             (plain, BadFileError, "not a part store"),
             (tmp_path / "other" / "parts" / "part-000.sqlite", ConfigError, "a part of another link store")]
    for bad, error, message in cases:
        with pytest.raises(error, match=message):
            merge(MergeSettings(store=parted["store"], parts=[parts[0], bad], warc_dir=parted["warc"]))
    warc_file = next(iter((parted["warc"] / "part-002").glob("*.warc.gz")))
    warc_file.rename(tmp_path / warc_file.name)
    with pytest.raises(BadFileError, match="is missing: copy the node's WARC files"):
        merge(MergeSettings(store=parted["store"], warc_dir=parted["warc"]))
    assert rows(parted["store"]) == before


def test_take_back_returns_the_urls_and_refuses_their_parts(parted: dict[str, Path]) -> None:
    summary = partition(PartitionSettings(store=parted["store"], take_back=True))
    assert summary["taken_back"] == len(URLS) and summary["store"]["urls"] == {PENDING: len(URLS)}
    with pytest.raises(ConfigError, match="was taken back"):
        merge(MergeSettings(store=parted["store"], parts=parts_of(parted)[:1], warc_dir=parted["warc"]))
    again = partition(PartitionSettings(store=parted["store"], parts=2, warc_dir=parted["warc"]))
    assert again["handed_out"] == len(URLS) and len(parts_of(parted)) == 2  # the old parts replaced


def test_a_part_of_an_unrecorded_partitioning_is_refused(parted: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy" / "links.sqlite"  # the same store (same id), partitioned apart
    copy.parent.mkdir()
    with sqlite3.connect(parted["store"]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    partition(PartitionSettings(store=copy, take_back=True))
    partition(PartitionSettings(store=copy, parts=3))
    with pytest.raises(ConfigError, match="comes from a partitioning .* does not know"):
        merge(MergeSettings(store=parted["store"], parts=[copy.parent / "parts" / "part-000.sqlite"]))


def test_partition_refuses_a_foreign_file_in_its_output(tmp_path: Path) -> None:
    store = make_store(tmp_path / "links.sqlite")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "part-000.sqlite").write_text("someone else's file")
    with pytest.raises(ConfigError, match="is not a part of"):
        partition(PartitionSettings(store=store, parts=2))
    assert rows(store, f"status='{PENDING}'").keys() == set(URLS)
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == ["part-000.sqlite"]


def test_summaries_show_the_parts_handed_out_and_merged(parted: dict[str, Path]) -> None:
    crawl_part(parts_of(parted)[0], parted["warc"] / "part-000")
    merge(MergeSettings(store=parted["store"], parts=parts_of(parted)[:1], warc_dir=parted["warc"]))
    totals = summarize(parted["store"], JobResult(), 0.0, {})["store"]
    parts = totals["parts"]
    assert [p["part"] for p in parts] == [0, 1, 2]
    assert parts[0]["merged_at"] is not None and parts[0]["out"] == 0
    assert parts[1]["merged_at"] is None and parts[1]["out"] == parts[1]["handed_out"] > 0
    assert sum(p["handed_out"] for p in parts) == len(URLS)
    assert totals["urls"][HANDED_OUT] == parts[1]["out"] + parts[2]["out"]
    assert set(totals["urls"]) <= {HANDED_OUT, FETCHED, FAILED, SKIPPED}
