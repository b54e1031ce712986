"""Damaged Reddit input, generated: dumps and listing pages never crash, hang or lose a record.

Every record read ends kept or dropped with a reason (`collect_dump` and the listing balance
check enforce read = kept + dropped); a file damaged beyond records is one `BadFileError`, a page
that is not a listing one `ValueError`.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webtext.core import reasons
from webtext.core.errors import BadFileError
from webtext.crawl.links.collect import KEPT, KNOWN, LinkCollector, collect_dump
from webtext.crawl.links.rules import LinkRules
from webtext.crawl.links.store import LinkStore
from webtext.crawl.spiders.listing import collect_page, read_listing_page

FIELDS = ("id", "name", "url", "score", "created_utc", "title", "subreddit", "permalink", "selftext",
          "removed_by_category", "is_self", "over_18", "stickied")
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=6)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def post(index: int) -> dict[str, Any]:
    return {"id": f"p{index}", "url": f"https://site{index % 5}.example/{index}", "score": index % 9,
            "subreddit": "news", "created_utc": 1497000000 + index, "title": f"post {index}",
            "permalink": f"/r/news/comments/p{index}/", "is_self": index % 7 == 0, "over_18": False,
            "stickied": False}


def damaged_post(index: int, damage: dict[str, Any]) -> Any:
    return {**post(index), **damage}


DAMAGE = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=3)
LINE = st.one_of(
    st.builds(lambda d: json.dumps(d).encode(), st.builds(damaged_post, st.integers(0, 10**6), DAMAGE)),
    st.builds(lambda v: json.dumps(v).encode(), JSON),
    st.binary(max_size=30).filter(lambda b: b"\n" not in b and b"\r" not in b),
)


def compress(lines: list[bytes]) -> bytes:
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27, write_checksum=True)
    return zstandard.ZstdCompressor(compression_params=params).compress(b"".join(line + b"\n" for line in lines))


@contextmanager
def collector() -> Iterator[tuple[LinkCollector, Path]]:
    with tempfile.TemporaryDirectory() as folder, LinkStore(Path(folder) / "links.sqlite") as store:
        yield LinkCollector(store, LinkRules()), Path(folder)


def stored(store: Path) -> tuple[int, int]:
    with sqlite3.connect(store) as db:
        return (int(db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]),
                int(db.execute("SELECT COUNT(*) FROM dropped_posts").fetchone()[0]))


def assert_stored_matches(gathered: LinkCollector, folder: Path) -> None:
    """What was counted is what the store holds: nothing kept or refused went unrecorded."""
    counts = dict(gathered.counts)
    posts, refused = stored(folder / "links.sqlite")
    assert counts.get(KEPT, 0) + counts.get(KNOWN, 0) >= posts
    rule_drops = sum(v for k, v in counts.items() if k not in (KEPT, KNOWN, reasons.LINK_BAD_RECORD))
    assert rule_drops >= refused


@FUZZ
@given(st.lists(LINE, min_size=1, max_size=25))
def test_damaged_lines_are_each_kept_or_dropped(lines: list[bytes]) -> None:
    with collector() as (gathered, folder):
        dump = folder / "RS_2017-01.zst"
        dump.write_bytes(compress(lines))
        entry = collect_dump(gathered, dump)
        assert entry["records"] == sum(1 for line in lines if line.strip())
        assert sum(entry["counts"].values()) == entry["records"]
        assert_stored_matches(gathered, folder)


GOOD_DUMP = compress([json.dumps(post(i)).encode() for i in range(300)])


def test_a_dump_cut_at_any_of_many_offsets_is_an_error() -> None:
    with collector() as (gathered, folder):
        dump = folder / "RS_2017-02.zst"
        for cut in range(0, len(GOOD_DUMP), max(1, len(GOOD_DUMP) // 40)):
            dump.write_bytes(GOOD_DUMP[:cut])
            with pytest.raises(BadFileError, match=r"RS_2017-02\.zst at line \d+: (truncated|the file is empty)"):
                collect_dump(gathered, dump)
        dump.write_bytes(GOOD_DUMP)
        assert collect_dump(gathered, dump)["records"] == 300


@FUZZ
@given(st.integers(0, len(GOOD_DUMP) - 1), st.integers(1, 255), st.booleans())
def test_flipped_or_cut_bytes_give_an_error_or_a_balanced_read(offset: int, flip: int, cut: bool) -> None:
    data = bytearray(GOOD_DUMP)
    data[offset] ^= flip
    with collector() as (gathered, folder):
        dump = folder / "RS_2017-03.zst"
        dump.write_bytes(bytes(data[: offset + 1] if cut else data))
        try:
            entry: dict[str, Any] | None = collect_dump(gathered, dump)
        except BadFileError as error:
            entry, message = None, str(error)
        if entry is None:
            assert message.startswith(f"{dump} at line ") and "\n" not in message
        else:
            assert sum(entry["counts"].values()) == entry["records"]
        assert_stored_matches(gathered, folder)


def page_text(children: list[Any], after: Any) -> str:
    return json.dumps({"kind": "Listing", "data": {"after": after, "children": children}})


CHILD = st.one_of(st.builds(lambda i, d: {"kind": "t3", "data": damaged_post(i, d)}, st.integers(0, 999), DAMAGE),
                  st.builds(lambda k, d: {"kind": k, "data": d}, JSON, JSON), JSON)


@FUZZ
@given(st.lists(CHILD, max_size=12), st.one_of(st.none(), st.text(max_size=8), JSON),
       st.one_of(st.none(), st.integers(0, 400)), st.integers(1, 255))
def test_damaged_listing_pages_are_refused_or_fully_accounted(children: list[Any], after: Any, cut: int | None,
                                                              flip: int) -> None:
    body = page_text(children, after).encode()
    if cut is not None and cut < len(body):
        body = body[:cut] + bytes([body[cut] ^ flip]) + body[cut + 1:]
    with collector() as (gathered, folder):
        try:
            read, next_page = read_listing_page(body)
        except ValueError as error:
            refused = str(error)
        else:
            refused = ""
        if refused:
            assert "\n" not in refused and ("not JSON" in refused or "not a Reddit listing" in refused)
            return
        assert next_page is None or isinstance(next_page, str)
        posts = collect_page(gathered, read, "r/news page 1")
        assert sum(gathered.counts.values()) == len(read)
        assert posts == len(read) - gathered.counts[reasons.LINK_BAD_RECORD]
        assert_stored_matches(gathered, folder)
