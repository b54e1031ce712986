"""Reading a `.warc.gz` file in byte ranges, and resuming after damage at the next record."""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.core.document import DeadLetter, Page
from webtext.crawl.links.store import provenance_json
from webtext.crawl.warc.beam import ReadWarc
from webtext.crawl.warc.read import iter_warc, iter_warc_range
from webtext.crawl.warc.split import is_record_start, next_member, split_ranges
from webtext.crawl.warc.write import Fetched, RollingWarcWriter

PAGES = 40


def fetched(index: int) -> Fetched:
    noise = random.Random(index).randbytes(1500).hex()  # incompressible: about 3 kB a record
    return Fetched(link_url=f"http://site.test/{index}", url=f"http://site.test/{index}", status=200, reason="OK",
                   body=f"<html><p>page {index} {noise}</p></html>".encode(), fetched_at="2024-05-01T10:00:00Z",
                   headers=[("Content-Type", "text/html")], request_headers=[], reddit_json=provenance_json([]))


def write_file(directory: Path, count: int = PAGES) -> Path:
    writer = RollingWarcWriter(directory)
    for i in range(count):
        writer.write(fetched(i))
    return directory / writer.close()


def read_ranges(path: Path, split_bytes: int) -> list[Page | DeadLetter]:
    with path.open("rb") as stream:
        ranges = split_ranges(stream, path.stat().st_size, split_bytes)
        items: list[Page | DeadLetter] = []
        for start, end in ranges:
            items += iter_warc_range(stream, str(path), start, end)
    return items


def test_ranges_read_every_record_once(tmp_path: Path) -> None:
    path = write_file(tmp_path)
    with path.open("rb") as stream:
        whole = list(iter_warc(stream, str(path)))
        assert len(split_ranges(stream, path.stat().st_size, 10_000)) >= 9
    assert len(whole) == PAGES
    for split_bytes in (3_000, 10_000, 77_777, 1 << 30):
        assert read_ranges(path, split_bytes) == whole, split_bytes


def test_member_search_skips_gzip_that_is_not_a_warc_record(tmp_path: Path) -> None:
    assert is_record_start(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n"))
    assert not is_record_start(gzip.compress(b"<html>not a record</html>"))
    assert not is_record_start(b"\x1f\x8b\x08 but not deflate data")
    path = write_file(tmp_path, 3)
    data = path.read_bytes()
    decoy = gzip.compress(b"GET / HTTP/1.1\r\n")
    path.write_bytes(decoy + data)
    with path.open("rb") as stream:
        assert next_member(stream, 0) == len(decoy)
        assert next_member(stream, 1, len(decoy)) is None


def test_reading_resumes_after_garbage_at_the_next_record(tmp_path: Path) -> None:
    path = write_file(tmp_path, 10)
    data = path.read_bytes()
    with path.open("rb") as stream:
        middle = next_member(stream, len(data) // 2)
    assert middle is not None
    garbage = b"\x1f\x8b\x08 this is not a record " * 100
    path.write_bytes(data[:middle] + garbage + data[middle:])
    for split_bytes in (2_000, 1 << 30):
        items = read_ranges(path, split_bytes)
        dead = [i for i in items if isinstance(i, DeadLetter)]
        pages = [i.url for i in items if isinstance(i, Page)]
        assert [d.source for d in dead] == [f"{path}:{middle}"], split_bytes
        assert pages == [f"http://site.test/{i}" for i in range(10)], split_bytes


def test_a_file_compressed_as_one_stream_is_one_range_and_refused(tmp_path: Path) -> None:
    path = write_file(tmp_path)
    single = tmp_path / "single.warc.gz"
    single.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())))
    with single.open("rb") as stream:
        assert split_ranges(stream, single.stat().st_size, 1_000) == [(0, None)]
    (letter,) = read_ranges(single, 1_000)  # warcio reads only one gzip member per record
    assert isinstance(letter, DeadLetter) and letter.source == f"{single}:0" and "gzip" in letter.error


def test_read_warc_spreads_ranges_and_yields_each_page_once(
        tmp_path: Path, local_pipeline: Callable[..., BeamTestPipeline]) -> None:
    write_file(tmp_path)
    with local_pipeline() as p:
        read = p | ReadWarc(f"{tmp_path}/*.warc.gz", split_bytes=5_000)
        assert_that(read.pages | beam.Map(lambda page: page.url),
                    equal_to([f"http://site.test/{i}" for i in range(PAGES)]))
        assert_that(read.dead, equal_to([]), label="NoDeadLetters")


def test_member_search_finds_a_record_straddling_its_read_blocks(tmp_path: Path) -> None:
    record = write_file(tmp_path, 1).read_bytes()
    for shift in (1, 2, 3):  # the member's magic bytes cut by the 64 KiB block boundary, or not
        padded = tmp_path / f"padded-{shift}.warc.gz"
        padded.write_bytes(b"x" * ((1 << 16) - shift) + record)
        with padded.open("rb") as stream:
            assert next_member(stream, 0) == (1 << 16) - shift, shift


def test_an_uncompressed_file_stops_at_damage(tmp_path: Path) -> None:
    compressed = write_file(tmp_path, 2)
    plain = tmp_path / "plain.warc"
    # uncompressed records, garbage, then a gzip member holding a record: reading stops at the garbage
    plain.write_bytes(gzip.decompress(compressed.read_bytes()) + b"garbage\r\n\r\n" + compressed.read_bytes())
    with plain.open("rb") as stream:
        items = list(iter_warc(stream, str(plain)))
    assert [type(i) for i in items] == [Page, Page, DeadLetter]
