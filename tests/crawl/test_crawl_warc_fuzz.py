"""Generated damage to WARC files (cuts, flipped bytes, inserted garbage, an empty file, a header
line far too long): the reader and `webtext clean` never raise, always end, and account for every
record: each one whole before the damage is read as it was, and in a `.warc.gz` file each one
after it too, while what is lost is covered by a dead letter at or before it."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webtext.cli.main import main
from webtext.core.document import DeadLetter, Page
from webtext.crawl.warc import record as warcrecord
from webtext.crawl.warc.read import Dropped, iter_warc

DATE = "2024-05-01T10:00:00Z"
PARAGRAPH = b"<p>The council met on Tuesday to talk about the park.</p>"
HTML = b"<html><body><article>%s</article></body></html>" % (PARAGRAPH * 12)


def _record(kind: str, url: str, block: bytes, compress: bool) -> bytes:
    return warcrecord.record(kind, warcrecord.new_record_id(), DATE, "application/http; msgtype=response", block,
                             [("WARC-Target-URI", url)], compress=compress)


def _file(compress: bool) -> tuple[bytes, list[tuple[int, int, str, bytes]]]:
    """A small WARC file and its records: (offset, end, URL of a page or "", page body)."""
    encoded = gzip.compress(HTML)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(encoded), encoded)
    records = [
        (_record("warcinfo", "", b"software: webtext-test\r\n", compress), "", b""),
        (_record("request", "http://site.test/a", b"GET /a HTTP/1.1\r\n\r\n", compress), "", b""),
        (_record("response", "http://site.test/a", warcrecord.http_block(
            "HTTP/1.1 200 OK", [("Content-Type", "text/html")]) + HTML, compress), "http://site.test/a", HTML),
        (_record("response", "http://site.test/b", warcrecord.http_block(
            "HTTP/1.1 200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                ("Transfer-Encoding", "chunked")]) + chunked, compress), "http://site.test/b", HTML),
        (_record("response", "http://site.test/c", warcrecord.http_block(
            "HTTP/1.1 200 OK", [("Content-Type", "text/html")]) + HTML[:200], compress), "http://site.test/c",
         HTML[:200]),
    ]
    spans, offset = [], 0
    for data, url, body in records:
        spans.append((offset, offset + len(data), url, body))
        offset += len(data)
    return b"".join(data for data, _, _ in records), spans


FILES = {compress: _file(compress) for compress in (True, False)}
HUGE_LINE = b"X-Huge: " + b"x" * 200_000 + b"\r\n"


def damage(kind: str, data: bytes, at: int, garbage: bytes) -> tuple[bytes, int, int]:
    """(damaged bytes, first damaged offset, shift of what follows the damage)."""
    at = min(at, len(data))
    if kind == "cut":
        return data[:at], at, 0
    if kind == "flip" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ (garbage[0] | 1)]) + data[at + 1:], at, 0
    if kind in ("insert", "flip"):  # flipping a byte of nothing inserts one
        return data[:at] + garbage + data[at:], at, len(garbage)
    if kind == "huge_line":
        return data[:at] + HUGE_LINE + data[at:], at, len(HUGE_LINE)
    return b"", 0, 0  # "empty"


def offset_of(item: Page | Dropped | DeadLetter) -> int:
    return int(item.source.rsplit(":", 1)[1])


def check_accounted(items: Sequence[object], spans: list[tuple[int, int, str, bytes]], compress: bool,
                    kind: str, at: int, shift: int) -> None:
    """Every page record is accounted for: read as it was where its bytes are untouched (before the
    damage; after it too in a .warc.gz file), else covered by a dead letter at or before it."""
    assert all(isinstance(i, Page | Dropped | DeadLetter) for i in items), items
    offsets = [offset_of(i) for i in items]  # type: ignore[arg-type]
    assert offsets == sorted(set(offsets)), offsets
    found = {offset_of(i): i for i in items}  # type: ignore[arg-type]
    dead = [offset_of(d) for d in items if isinstance(d, DeadLetter)]
    if kind == "empty":
        assert items == []
        return
    for start, end, url, body in spans:
        if kind == "cut" and end > at:
            continue  # gone with the rest of the file: checked below
        if end <= at:
            where, intact = start, True
        elif start > at or (start == at and kind != "flip"):
            where, intact = start + shift, True
        else:
            where, intact = start, False  # the damaged record itself
        item = found.get(where)
        if not url:
            continue
        if item is None:
            assert any(d <= where for d in dead), (where, items)
            assert not (compress and intact and dead and max(dead) < where), (where, items)  # .warc.gz: resumed
        elif intact or (compress and isinstance(item, Page)):  # untouched bytes, or a member whose CRC passed
            assert isinstance(item, Page) and (item.url, item.body) == (url, body), (where, items)
    if kind == "cut":
        cut_record = [start for start, end, _, _ in spans if start < at < end]
        assert dead == cut_record, (at, items)
        assert all(offset_of(i) <= at for i in items)  # type: ignore[arg-type]


KINDS = st.sampled_from(["cut", "flip", "insert", "huge_line", "empty"])


@settings(max_examples=150, deadline=None)
@given(compress=st.booleans(), kind=KINDS, at=st.integers(0, 6000),
       garbage=st.binary(min_size=1, max_size=64))
def test_the_reader_accounts_for_every_record_of_a_damaged_file(compress: bool, kind: str, at: int,
                                                               garbage: bytes) -> None:
    data, spans = FILES[compress]
    damaged, at, shift = damage(kind, data, at, garbage)
    items = list(iter_warc(io.BytesIO(damaged), "f.warc"))
    check_accounted(items, spans, compress, kind, at, shift)


@settings(max_examples=60, deadline=None)
@given(compress=st.booleans(), damages=st.lists(st.tuples(KINDS, st.integers(0, 6000),
                                                          st.binary(min_size=1, max_size=64)), min_size=2, max_size=4))
def test_the_reader_survives_several_damages(compress: bool, damages: list[tuple[str, int, bytes]]) -> None:
    data, spans = FILES[compress]
    for kind, at, garbage in damages:
        data = damage(kind, data, at, garbage)[0]
    items = list(iter_warc(io.BytesIO(data), "f.warc"))
    assert all(isinstance(i, Page | Dropped | DeadLetter) for i in items)
    offsets = [offset_of(i) for i in items]  # type: ignore[arg-type]
    assert offsets == sorted(set(offsets))
    if compress:  # every gzip member is checked whole (CRC): a page read is a page written
        assert all((p.url, p.body) in {(url, body) for _, _, url, body in spans} for p in items if isinstance(p, Page))


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_a_header_line_far_too_long_is_a_dead_letter(compress: bool) -> None:
    data, spans = FILES[compress]
    text = _record("metadata", "http://site.test/a", b"x: y\r\n", False)
    huge = text.replace(b"\r\n", b"\r\n" + HUGE_LINE, 1)
    head = data[:spans[2][0]]
    items = list(iter_warc(io.BytesIO(head + (gzip.compress(huge) if compress else huge) + data[spans[2][0]:]), "f"))
    assert isinstance(items[0], DeadLetter) and "longer than" in items[0].error
    assert items[0].source == f"f:{spans[2][0]}"
    assert [p.url for p in items if isinstance(p, Page)] == (["http://site.test/a", "http://site.test/b",
                                                              "http://site.test/c"] if compress else [])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(compress=st.booleans(), kind=KINDS, at=st.integers(0, 6000), garbage=st.binary(min_size=1, max_size=64))
def test_webtext_clean_accounts_for_every_record_of_a_damaged_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], compress: bool, kind: str, at: int,
        garbage: bytes) -> None:
    data, _ = FILES[compress]
    path = tmp_path / ("f.warc.gz" if compress else "f.warc")
    path.write_bytes(damage(kind, data, at, garbage)[0])
    items = list(iter_warc(io.BytesIO(path.read_bytes()), str(path)))
    status = main(["clean", str(path), "--jsonl"])
    out, err = capsys.readouterr()
    summary = re.search(r"^pages: (\d+) \((.*)\)$", err, re.MULTILINE)
    assert summary, err
    outcomes = {name: int(n) for name, n in (p.rsplit(" ", 1) for p in summary.group(2).split(", ") if p != "none")}
    assert int(summary.group(1)) == sum(outcomes.values()) == len(items)
    assert len([json.loads(line) for line in out.splitlines()]) == len(items) - outcomes.get("unreadable", 0)
    last = err.strip().splitlines()[-1]
    if outcomes.get("unreadable"):
        assert status == 2 and last.startswith(f"error: {path}"), err
    else:
        assert status == 0 and last.startswith("pages: "), err
