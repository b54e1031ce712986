"""Damaged monthly dumps: a truncated file fails without being marked read, a bad record is one counted drop."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zstandard
from webtext.core import reasons
from webtext.core.errors import BadFileError
from webtext.crawl.links.collect import KEPT, LinkCollector, collect_dump
from webtext.crawl.links.dumps import iter_dump
from webtext.crawl.links.rules import LinkRules
from webtext.crawl.links.store import LinkStore

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]
JUNE_2017 = 1497000000


def post(index: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"p{index}", "url": f"https://site{index % 7}.example/{index}", "score": 10,
            "subreddit": "news", "created_utc": JUNE_2017, "title": f"post {index}",
            "permalink": f"/r/news/comments/p{index}/", "is_self": False, "over_18": False,
            "stickied": False, **fields}


def lines_of(count: int) -> list[bytes]:
    return [json.dumps(post(i)).encode() + b"\n" for i in range(count)]


def write_dump(path: Path, lines: list[bytes], frames: int = 1) -> Path:
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27, write_checksum=True)
    compressor = zstandard.ZstdCompressor(compression_params=params)
    step = math.ceil(len(lines) / frames)
    path.write_bytes(b"".join(compressor.compress(b"".join(lines[i:i + step])) for i in range(0, len(lines), step)))
    return path


def sources(store: Path) -> list[str]:
    with sqlite3.connect(store) as db:
        return [row[0] for row in db.execute("SELECT name FROM sources")]


def post_count(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM dropped_posts)")
                   .fetchone()[0])


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_a_truncated_dump_is_an_error_naming_file_and_offset(tmp_path: Path, keep: float) -> None:
    path = write_dump(tmp_path / "RS_2017-05.zst", lines_of(3000))
    data = path.read_bytes()
    cut = int(len(data) * keep)
    path.write_bytes(data[:cut])
    with pytest.raises(BadFileError, match=rf"RS_2017-05\.zst at line \d+: truncated.* byte {cut}\b"):
        list(iter_dump(path))


def test_every_frame_of_a_multi_frame_dump_is_read(tmp_path: Path) -> None:
    path = write_dump(tmp_path / "RS_2017-04.zst", lines_of(500), frames=4)
    assert [r["id"] for r in iter_dump(path)] == [f"p{i}" for i in range(500)]


def test_an_empty_file_is_not_a_dump(tmp_path: Path) -> None:
    (tmp_path / "RS_2017-03.zst").write_bytes(b"")
    with pytest.raises(BadFileError, match="RS_2017-03.zst.*empty"):
        list(iter_dump(tmp_path / "RS_2017-03.zst"))


def test_truncated_dump_is_not_marked_read_and_a_good_copy_is_read_without_double_counting(
        crawl_cli: CrawlCli, tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    good = write_dump(tmp_path / "good" / "RS_2017-06.zst", lines_of(3000))
    bad = tmp_path / "RS_2017-06.zst"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    store = tmp_path / "links.sqlite"
    done = crawl_cli("links", "--store", str(store), "--dump", str(bad), check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {bad} at line ") and "truncated" in last and "Traceback" not in done.stderr
    assert sources(store) == []
    partial = post_count(store)
    assert 0 < partial < 3000  # the posts before the damage are kept
    bad.write_bytes(good.read_bytes())
    crawl_cli("links", "--store", str(store), "--dump", str(bad))
    assert sources(store) == ["RS_2017-06.zst"]
    assert post_count(store) == 3000
    summary = json.loads((tmp_path / "links-summary.json").read_text())
    assert summary["links"].get("already_known", 0) == partial
    assert summary["links"]["kept"] == 3000 - partial


BAD_RECORDS = [
    post(1, created_utc="yesterday"),
    post(2, score="lots"),
    post(3, score=float("nan")),
    post(4, created_utc=float("inf")),
    post(5, title={"text": "a dict"}),
    post(6, url=["https://a.example/"]),
    post(7, id=7),
    post(8, score=10 ** 30),
    post(9, over_18={"yes": 1}),
]


def test_wrongly_typed_records_are_counted_drops_and_valid_posts_are_kept(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    body = [json.dumps(post(100)).encode() + b"\n"]
    body += [json.dumps(r).encode() + b"\n" for r in BAD_RECORDS]
    body += [b"{not json\n", b"[1, 2]\n", b'"a string"\n', b"\n", json.dumps(post(101)).encode() + b"\n"]
    dump = write_dump(tmp_path / "RS_2017-08.zst", body)
    store = tmp_path / "links.sqlite"
    done = crawl_cli("links", "--store", str(store), "--dump", str(dump))
    summary = json.loads((tmp_path / "links-summary.json").read_text())
    assert summary["links"][KEPT] == 2
    assert summary["links"][reasons.LINK_BAD_RECORD] == len(BAD_RECORDS) + 3
    (report,) = summary["dumps"]
    assert report["records"] == 2 + len(BAD_RECORDS) + 3
    assert f"{dump}:2: created_utc" in " ".join(report["bad_records"])
    assert any(item.startswith(f"{dump}:11: not JSON") for item in report["bad_records"])
    assert f"{dump}:3: " in done.stderr  # the line of a bad record is logged
    assert "Traceback" not in done.stderr
    assert sources(store) == ["RS_2017-08.zst"]


def test_collect_dump_balances_and_reports_lines(tmp_path: Path) -> None:
    body = [json.dumps(r).encode() + b"\n" for r in (post(0), *BAD_RECORDS, post(1, is_self=True))]
    dump = write_dump(tmp_path / "RS_2017-09.zst", body)
    with LinkStore(tmp_path / "links.sqlite") as store:
        collector = LinkCollector(store, LinkRules())
        report = collect_dump(collector, dump)
    assert report["counts"] == {KEPT: 1, reasons.LINK_SELF_POST: 1, reasons.LINK_BAD_RECORD: len(BAD_RECORDS)}
    assert [item.split(": ")[0] for item in report["bad_records"]] == [f"{dump}:{n}" for n in range(2, 11)]
