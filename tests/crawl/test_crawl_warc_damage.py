"""Damaged WARC files: every cut point, damage mid-file, records that give no page, and bodies
that decode to far more than the clean stage accepts (a gzip bomb), in bounded memory."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import apache_beam as beam
import brotli
import pytest
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.core import reasons
from webtext.core.document import DeadLetter, Page
from webtext.crawl.warc import read as warcread
from webtext.crawl.warc import record as warcrecord
from webtext.crawl.warc.beam import ReadWarc

DATE = "2024-05-01T10:00:00Z"


def response(url: str, body: bytes, headers: Sequence[tuple[str, str]] = (("Content-Type", "text/html"),),
             compress: bool = True) -> bytes:
    """One response record of `url` answering 200 with `body` (sent as it is, whatever `headers` say)."""
    return warcrecord.response(DATE, warcrecord.http_block("HTTP/1.1 200 OK", headers), body,
                               [("WARC-Target-URI", url)], compress=compress)


def other(kind: str, compress: bool = True) -> bytes:
    return warcrecord.record(kind, warcrecord.new_record_id(), DATE, "application/warc-fields",
                             b"software: webtext-test\r\n", compress=compress)


def small_warc(compress: bool) -> tuple[bytes, list[int], list[str]]:
    """(file, offset of each record and of the end, URL of each record or "" for one that is no page)."""
    records = [(other("warcinfo", compress), "")]
    for i in range(3):
        records.append((other("request", compress), ""))
        records.append((response(f"http://site.test/{i}", b"<p>page %d</p>" % i * 10, compress=compress),
                        f"http://site.test/{i}"))
    offsets = [0]
    for data, _ in records:
        offsets.append(offsets[-1] + len(data))
    return b"".join(data for data, _ in records), offsets, [url for _, url in records]


def read(data: bytes, name: str = "f.warc", **options: int) -> list[object]:
    return list(warcread.iter_warc(io.BytesIO(data), name, **options))


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_every_cut_point_ends_in_one_dead_letter_after_every_whole_record(compress: bool) -> None:
    data, offsets, urls = small_warc(compress)
    assert [p.url for p in read(data) if isinstance(p, Page)] == [u for u in urls if u]  # whole: no dead letter
    assert not [d for d in read(data) if isinstance(d, DeadLetter)]
    for cut in range(1, len(data)):
        items = read(data[:cut])
        whole = [i for i, end in enumerate(offsets[1:]) if end <= cut]
        assert [p.url for p in items if isinstance(p, Page)] == [urls[i] for i in whole if urls[i]], cut
        dead = [d for d in items if isinstance(d, DeadLetter)]
        if cut in offsets:
            assert not dead, cut
        else:
            assert [d.source for d in dead] == [f"f.warc:{offsets[len(whole)]}"], cut
            assert items[-1] == dead[0] and "truncated" in dead[0].error, (cut, dead[0].error)


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_a_record_cut_inside_the_file_loses_only_itself_in_a_gzip_file(compress: bool) -> None:
    data, offsets, urls = small_warc(compress)
    victim = 4  # the second response: records 0-3 before it, 5-6 after it
    start, end = offsets[victim], offsets[victim + 1]
    for keep in range(1, end - start):
        damaged = data[:start + keep] + data[end:]
        items = read(damaged)
        dead = [d for d in items if isinstance(d, DeadLetter)]
        assert [d.source for d in dead] == [f"f.warc:{start}"], keep
        pages = [p.url for p in items if isinstance(p, Page)]
        if compress:  # reading resumes at the next gzip member
            assert pages == [urls[2], urls[6]], keep
        else:  # an uncompressed file has no marker to resume at
            assert pages == [urls[2]], keep


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_a_record_cut_right_after_its_target_uri_is_a_dead_letter(compress: bool) -> None:
    whole = response("http://site.test/0", b"<p>0</p>", compress=compress)
    text = response("http://site.test/1", b"<p>1</p>", compress=False)
    cut = text[:text.index(b"WARC-Target-URI: ") + len(b"WARC-Target-URI: ")]
    items = read(whole + (gzip.compress(cut) if compress else cut))  # a whole gzip member, or the file's end
    assert [type(i) for i in items] == [Page, DeadLetter]
    assert isinstance(items[1], DeadLetter) and items[1].source == f"f.warc:{len(whole)}"
    assert "truncated" in items[1].error


def test_a_valid_uncompressed_file_has_no_dead_letter(tmp_path: Path) -> None:
    data, _, urls = small_warc(compress=False)
    path = tmp_path / "plain.warc"
    path.write_bytes(data)
    items = list(warcread.iter_warc_path(str(path)))
    assert [p.url for p in items if isinstance(p, Page)] == [u for u in urls if u]
    assert all(isinstance(i, Page) for i in items), items


def test_extra_blank_lines_between_uncompressed_records_are_no_damage() -> None:
    first, second = (response(f"http://site.test/{i}", b"<p>x</p>", compress=False) for i in range(2))
    items = read(first + b"\r\n\r\n" + second)
    assert [p.url for p in items if isinstance(p, Page)] == ["http://site.test/0", "http://site.test/1"]
    assert len(items) == 2


def test_responses_that_give_no_page_are_counted_with_a_reason() -> None:
    data = (response("dns:site.test", b"192.0.2.1\r\n") + response("", b"<p>x</p>")
            + response("http://[site.test/", b"<p>x</p>")
            + response("http://site.test/ok", b"<p>ok</p>")
            + warcrecord.record("response", warcrecord.new_record_id(), DATE, "application/http", b"",
                                [("WARC-Target-URI", "http://site.test/empty")]))
    items = read(data)
    assert [(i.url, i.reason) for i in items if isinstance(i, warcread.Dropped)] == [
        ("dns:site.test", reasons.READ_NOT_HTTP), ("", reasons.READ_NOT_HTTP),
        ("http://[site.test/", reasons.READ_NOT_HTTP), ("http://site.test/empty", reasons.READ_BAD_HTTP)]
    assert [p.url for p in items if isinstance(p, Page)] == ["http://site.test/ok"]
    assert len(items) == 5


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "raw-deflate", "br"])
def test_encoded_and_chunked_bodies_are_decoded(encoding: str) -> None:
    html = b"<html><p>" + b"encoded body " * 5000 + b"</p></html>"
    encoded = {"gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
               "raw-deflate": lambda b: zlib.compress(b, wbits=-15)}[encoding](html)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(encoded[i:i + 1000]), encoded[i:i + 1000])
                       for i in range(0, len(encoded), 1000)) + b"0\r\n\r\n"
    label = "deflate" if encoding == "raw-deflate" else encoding
    for body, extra in ((encoded, []), (chunked, [("Transfer-Encoding", "chunked")])):
        headers = [("Content-Type", "text/html"), ("Content-Encoding", label), *extra]
        (page,) = read(response("http://site.test/", body, headers))
        assert isinstance(page, Page) and page.body == html, (encoding, extra)


def test_a_body_labelled_gzip_that_is_not_is_taken_as_it_is() -> None:
    (page,) = read(response("http://site.test/", b"<p>plain</p>", [("Content-Encoding", "gzip")]))
    assert isinstance(page, Page) and page.body == b"<p>plain</p>"


def test_a_body_corrupt_partway_through_its_encoding_is_bad_http() -> None:
    encoded = bytearray(gzip.compress(bytes(range(256)) * 2000))
    encoded[len(encoded) // 2] ^= 0xFF
    (dropped,) = read(response("http://site.test/", bytes(encoded), [("Content-Encoding", "gzip")]))
    assert isinstance(dropped, warcread.Dropped) and dropped.reason == reasons.READ_BAD_HTTP


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br"])
def test_a_body_over_the_cap_is_too_large_and_reading_goes_on(encoding: str) -> None:
    big = b"<p>" + b"a" * 3000 + b"</p>"
    encoded = {"identity": bytes, "gzip": gzip.compress, "br": brotli.compress}[encoding](big)
    data = response("http://site.test/big", encoded, [("Content-Encoding", encoding)]) + response(
        "http://site.test/small", b"<p>small</p>")
    items = read(data, max_body=len(big) - 1)
    assert isinstance(items[0], warcread.Dropped) and items[0].reason == reasons.READ_TOO_LARGE
    assert isinstance(items[1], Page) and items[1].url == "http://site.test/small"
    (page, _) = read(data, max_body=len(big))  # a body of exactly the cap is kept
    assert isinstance(page, Page) and page.body == big


_PEAK = """
import sys, tracemalloc
from webtext.crawl.warc.read import iter_warc_path
tracemalloc.start()
items = list(iter_warc_path(sys.argv[1], max_body=int(sys.argv[2])))
print(tracemalloc.get_traced_memory()[1])
print(*[type(i).__name__ + ":" + getattr(i, "reason", "") for i in items])
"""


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_decompression_bomb_is_too_large_in_bounded_memory(tmp_path: Path, encoding: str) -> None:
    zeros = 50_000_000
    bomb = gzip.compress(bytes(zeros), 9) if encoding == "gzip" else brotli.compress(bytes(zeros), quality=5)
    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(response("http://site.test/bomb", bomb, [("Content-Encoding", encoding)])
                     + response("http://site.test/after", b"<p>after</p>"))
    cap = 1_000_000
    result = subprocess.run([sys.executable, "-c", _PEAK, str(path), str(cap)], capture_output=True, text=True,
                            timeout=300, check=True)
    peak, outcome = result.stdout.splitlines()
    assert outcome == "Dropped:too_large Page:"
    # The body grows to the cap and is dropped: at most the cap, its growth slack (1/8 of a
    # bytearray), and a few 64 KiB read and decode buffers; 50 MB decoded would be 50 times the cap.
    assert int(peak) < cap * 9 // 8 + 1_000_000, peak


def test_a_bomb_in_the_warc_gzip_layer_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.warc.gz"
    block = bytes(50_000_000)
    path.write_bytes(warcrecord.record("resource", warcrecord.new_record_id(), DATE, "application/octet-stream",
                                       block, [("WARC-Target-URI", "http://site.test/zeros")])
                     + response("http://site.test/after", b"<p>after</p>"))
    result = subprocess.run([sys.executable, "-c", _PEAK, str(path), "1000000"], capture_output=True, text=True,
                            timeout=300, check=True)
    peak, outcome = result.stdout.splitlines()
    assert outcome == "Page:"
    assert int(peak) < 2_000_000, peak  # the 50 MB block is inflated and dropped 64 KiB at a time


def test_read_warc_counts_responses_that_give_no_page(tmp_path: Path,
                                                      local_pipeline: Callable[..., BeamTestPipeline]) -> None:
    (tmp_path / "a.warc.gz").write_bytes(
        response("dns:site.test", b"192.0.2.1\r\n") + response("http://site.test/big", b"x" * 500)
        + response("http://site.test/ok", b"<p>ok</p>") + response("http://site.test/cut", b"<p>cut</p>")[:-30])
    with local_pipeline() as p:
        read_warc = p | ReadWarc(f"{tmp_path}/*.warc.gz", max_body=100)
        assert_that(read_warc.pages | beam.Map(lambda page: page.url), equal_to(["http://site.test/ok"]))
        assert_that(read_warc.not_ok, equal_to([(reasons.READ_NOT_HTTP, "dns:site.test"),
                                                (reasons.READ_TOO_LARGE, "http://site.test/big")]), label="NotOk")
        assert_that(read_warc.dead | beam.Map(lambda d: d.source.rsplit("/", 1)[-1].split(":")[0]),
                    equal_to(["a.warc.gz"]), label="Dead")
