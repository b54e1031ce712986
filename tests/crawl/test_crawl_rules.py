"""Link rules, the karma threshold and the dump reader, without a network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import zstandard
from webtext.core import reasons
from webtext.core.errors import BadFileError, ConfigError
from webtext.crawl.links.collect import KEPT, KNOWN, LinkCollector
from webtext.crawl.links.dumps import DumpReport, iter_dump
from webtext.crawl.links.rules import LinkRules, read_blocklist
from webtext.crawl.links.store import BELOW_THRESHOLD, PENDING, KeptPost, LinkStore

JUNE_2017 = 1497000000
JAN_2018 = 1515000000


def post(post_id: str, url: str, score: int = 10, **fields: Any) -> dict[str, Any]:
    return {"id": post_id, "url": url, "score": score, "subreddit": "news", "created_utc": JUNE_2017,
            "title": f"post {post_id}", "permalink": f"/r/news/comments/{post_id}/", "is_self": False,
            "over_18": False, "stickied": False, **fields}


@pytest.mark.parametrize(("fields", "reason"), [
    ({"created_utc": JAN_2018}, reasons.LINK_OUT_OF_RANGE),
    ({"removed_by_category": "moderator"}, reasons.LINK_REMOVED),
    ({"selftext": "[deleted]"}, reasons.LINK_REMOVED),
    ({"is_self": True}, reasons.LINK_SELF_POST),
    ({"stickied": True}, reasons.LINK_STICKIED),
    ({"over_18": True}, reasons.LINK_NSFW),
    ({"url": "ftp://files.example.com/a.txt"}, reasons.LINK_INVALID_URL),
    ({"url": "https://old.reddit.com/r/python/"}, reasons.LINK_REDDIT),
    ({"url": "https://v.redd.it/abc"}, reasons.LINK_REDDIT),
    ({"url": "https://en.m.wikipedia.org/wiki/Python"}, reasons.LINK_WIKIPEDIA),
    ({"url": "https://i.imgur.com/cat.png"}, reasons.LINK_MEDIA),
    ({"url": "https://example.com/talk.MP4?x=1"}, reasons.LINK_MEDIA),
    ({"url": "https://ads.spam.example/page"}, reasons.LINK_BLOCKLIST),
])
def test_each_filter_names_its_reason(fields: dict[str, Any], reason: str) -> None:
    rules = LinkRules(blocklist=frozenset({"spam.example"}), until="2017-12-31")
    assert rules.check({**post("a1", "https://example.com/story"), **fields}) == reason


def test_kept_post_has_normalized_url_and_provenance() -> None:
    kept = LinkRules(keep_stickied=True).check(
        post("a1", "HTTP://WWW.Example.COM:80/a/../story?utm_source=x&b=2&a=1#top", stickied=True))
    assert isinstance(kept, KeptPost)
    assert kept.url == "http://www.example.com/story?a=1&b=2"
    assert kept.domain == "example.com"
    assert (kept.post.post_id, kept.post.score, kept.post.subreddit) == ("a1", 10, "news")


def test_bad_date_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        LinkRules(since="June 2017")


def test_blocklist_file_ignores_comments_and_www(tmp_path: Path) -> None:
    path = tmp_path / "block.txt"
    path.write_text("# spam\nwww.Spam.example\n\nads.test  # trackers\n")
    assert read_blocklist(str(path)) == {"spam.example", "ads.test"}
    with pytest.raises(ConfigError, match="cannot read blocklist"):
        read_blocklist(str(tmp_path / "missing.txt"))


def statuses(store: LinkStore) -> dict[str, tuple[str, int, int]]:
    return {r["url"]: (r["status"], r["best_score"], r["total_score"]) for r in store.url_rows(None)}


def test_threshold_per_post_or_summed_and_rows_merge_variants(tmp_path: Path) -> None:
    with LinkStore(tmp_path / "links.sqlite") as store:
        collector = LinkCollector(store, LinkRules())
        outcomes = [collector.add(p) for p in (
            post("a", "https://example.com/one", 2), post("b", "https://example.com/one?fbclid=zz", 2),
            post("c", "https://example.com/two", 3), post("d", "https://example.com/three", 1),
            post("e", "https://example.com/media.jpg", 50))]
        assert outcomes == [KEPT, KEPT, KEPT, KEPT, reasons.LINK_MEDIA]
        collector.finish(min_score=3, sum_scores=False)
        assert statuses(store) == {"https://example.com/one": (BELOW_THRESHOLD, 2, 4),
                                   "https://example.com/two": (PENDING, 3, 3),
                                   "https://example.com/three": (BELOW_THRESHOLD, 1, 1)}
        assert [p.post_id for p in store.provenance("https://example.com/one")] == ["a", "b"]
        LinkCollector(store, LinkRules()).finish(min_score=3, sum_scores=True)
        assert statuses(store)["https://example.com/one"][0] == PENDING
        assert store.counts()["link_drops"] == {reasons.LINK_MEDIA: 1}


def test_known_posts_are_not_counted_again_but_scores_update(tmp_path: Path) -> None:
    with LinkStore(tmp_path / "links.sqlite") as store:
        LinkCollector(store, LinkRules()).add(post("a", "https://example.com/one", 1))
        again = LinkCollector(store, LinkRules())
        assert again.add(post("a", "https://example.com/one", 7)) == KNOWN
        again.finish(min_score=3, sum_scores=False)
        assert statuses(store)["https://example.com/one"] == (PENDING, 7, 7)


def write_dump(path: Path, lines: list[bytes]) -> Path:
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27)
    path.write_bytes(zstandard.ZstdCompressor(compression_params=params).compress(b"".join(lines)))
    return path


def test_dump_reader_streams_records_and_reports_bad_lines(tmp_path: Path) -> None:
    good = [json.dumps(post(f"p{i}", f"https://example.com/{i}")).encode() + b"\n" for i in range(3)]
    path = write_dump(tmp_path / "RS_2017-06.zst", [good[0], b"{not json\n", good[1], b"[1, 2]\n", b"\n", good[2]])
    report = DumpReport(str(path))
    records = list(iter_dump(path, report))
    assert [r["id"] for r in records] == ["p0", "p1", "p2"]
    assert report.malformed_count == 2
    assert report.malformed[0].startswith(f"{path}:2: not JSON")
    assert report.malformed[1] == f"{path}:4: not a JSON object"


def test_damaged_dump_fails_with_file_and_line(tmp_path: Path) -> None:
    lines = [json.dumps(post(f"p{i}", f"https://example.com/{i}")).encode() + b"\n" for i in range(2000)]
    path = write_dump(tmp_path / "RS_2017-07.zst", lines)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + bytes(64) + data[len(data) // 2 + 64:])
    with pytest.raises(BadFileError, match=r"RS_2017-07\.zst at line \d+: damaged zstandard stream"):
        list(iter_dump(path))


def test_pending_batches_mix_hosts_and_cover_every_url_once(tmp_path: Path) -> None:
    with LinkStore(tmp_path / "links.sqlite") as store:
        collector = LinkCollector(store, LinkRules())
        for host in ("a.example", "b.example"):  # submissions arrive grouped by site
            for index in range(50):
                collector.add(post(f"{host}{index}", f"https://{host}/{index}"))
        collector.finish(min_score=3, sum_scores=False)
        batches, after = [], (-1, 0)
        while rows := store.pending_batch(after, 10):
            batches.append([row.url for row in rows])
            after = rows[-1].position
    assert sorted(url for batch in batches for url in batch) == sorted(
        f"https://{h}/{i}" for h in ("a.example", "b.example") for i in range(50))
    assert all(len({url.split("/")[2] for url in batch}) == 2 for batch in batches)
