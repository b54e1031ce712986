"""WARC writing, reading (ours and Common Crawl's), damage, and recovery after a kill."""

from __future__ import annotations

import dataclasses
import gzip
import io
import random
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from webtext.core.document import DeadLetter, Page, RedditPost
from webtext.crawl.links.store import provenance_json
from webtext.crawl.warc.read import iter_warc, iter_warc_path
from webtext.crawl.warc.write import Fetched, RollingWarcWriter, leftover_files, recover

POST = RedditPost("abc", "news", 42, 1497000000, "A story", "/r/news/comments/abc/")


def fetched(index: int, size: int = 2000) -> Fetched:
    noise = random.Random(index).randbytes(size // 2).hex()  # incompressible, so sizes are predictable
    body = f"<html><p>page {index} {noise}</p></html>".encode()
    return Fetched(link_url=f"http://site.test/{index}", url=f"http://www.site.test/{index}?final",
                   status=200, reason="OK", body=body, fetched_at="2024-05-01T10:00:00Z",
                   headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", "99")],
                   request_headers=[("User-Agent", "webtext-test")], reddit_json=provenance_json([POST]),
                   ip_address="192.0.2.1")


def pages_of(path: Path) -> list[Page | DeadLetter]:
    return list(iter_warc_path(str(path)))


def test_pages_round_trip_with_provenance_and_decoded_headers(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path)
    where = [writer.write(fetched(i)) for i in range(3)]
    assert not list(tmp_path.glob("*.warc.gz"))  # invisible until closed
    name = writer.close()
    pages = pages_of(tmp_path / name)
    assert [p.url for p in pages if isinstance(p, Page)] == [f"http://www.site.test/{i}?final" for i in range(3)]
    page = pages[1]
    assert isinstance(page, Page)
    assert page.body == fetched(1).body
    assert page.reddit == (POST,)
    assert page.fetched_at == "2024-05-01T10:00:00Z"
    assert page.source == f"{tmp_path / name}:{where[1].offset}"
    assert page.header("content-length") == str(len(page.body))
    assert page.header("Content-Encoding") == "" and page.header("X-Crawler-Content-Encoding") == "gzip"


def test_every_record_passes_warcio_digest_and_format_checks(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path)
    for i in range(3):
        writer.write(fetched(i))
    writer.write(dataclasses.replace(fetched(3), reddit_json='{"t": "a\r\nWARC-Type: injected"}'))
    name = writer.close()
    kinds = []
    with open(tmp_path / name, "rb") as handle:
        for record in ArchiveIterator(handle, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is True, record.digest_checker.problems
            assert record.rec_headers.protocol == "WARC/1.1"
            kinds.append(record.rec_type)
            if record.rec_type == "response":
                assert record.http_headers.get_statuscode() == "200"
    assert kinds == ["warcinfo", *["request", "response"] * 4]  # the CRLF in a field value broke nothing


def test_files_roll_over_by_size(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path, max_bytes=3000)
    for i in range(6):
        if writer.full:
            writer.close()
        writer.write(fetched(i, size=4000))
    writer.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == 6
    assert sum(len(pages_of(f)) for f in files) == 6


def test_truncated_file_gives_a_dead_letter_after_the_good_pages(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path)
    for i in range(3):
        writer.write(fetched(i))
    path = tmp_path / writer.close()
    path.write_bytes(path.read_bytes()[:-40])
    records = pages_of(path)
    assert [type(r) for r in records] == [Page, Page, DeadLetter]
    assert isinstance(records[2], DeadLetter) and "truncated" in records[2].error
    assert records[2].source.startswith(f"{path}:")


def test_garbage_gives_one_dead_letter_and_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "junk.warc.gz"
    path.write_bytes(b"this is not a WARC file\n" * 20)
    (letter,) = pages_of(path)
    assert isinstance(letter, DeadLetter) and letter.source == f"{path}:0"
    assert "not a WARC record" in letter.error
    missing = pages_of(tmp_path / "missing.warc.gz")
    assert len(missing) == 1 and isinstance(missing[0], DeadLetter)


def test_common_crawl_style_record_is_decoded(tmp_path: Path) -> None:
    html = b"<html><body>" + b"common crawl " * 200 + b"</body></html>"
    compressed = gzip.compress(html)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(compressed), compressed)
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                       ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://example.org/", "warcinfo", payload=io.BytesIO(b"x: y\r\n")))
    writer.write_record(writer.create_warc_record("https://example.org/page", "response", payload=io.BytesIO(chunked),
                                                  http_headers=http,
                                                  warc_headers_dict={"WARC-Date": "2017-06-01T00:00:00Z"}))
    (page,) = list(iter_warc(io.BytesIO(buffer.getvalue()), "CC-MAIN-x.warc.gz"))
    assert isinstance(page, Page)
    assert (page.url, page.status, page.body, page.reddit) == ("https://example.org/page", 200, html, ())
    assert page.fetched_at == "2017-06-01T00:00:00Z" and page.source.startswith("CC-MAIN-x.warc.gz:")


def test_recover_cuts_a_killed_file_after_its_last_complete_record(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path)
    for i in range(4):
        writer.write(fetched(i))
    writer.flush()
    (partial,) = leftover_files(tmp_path)
    partial.write_bytes(partial.read_bytes()[:-25])  # the kill came in the middle of the last record
    final, found = recover(partial)
    assert [f.link_url for f in found] == [f"http://site.test/{i}" for i in range(3)]
    assert not leftover_files(tmp_path)
    pages = pages_of(tmp_path / final)
    assert len(pages) == 3 and all(isinstance(p, Page) for p in pages)
    assert [p.source.rsplit(":", 1)[1] for p in pages if isinstance(p, Page)] == [str(f.offset) for f in found]


def test_an_archived_page_keeps_its_original_url_capture_time_and_source(tmp_path: Path) -> None:
    source = "https://web.archive.org/web/20170610141500id_/http://site.test/1"
    archived = dataclasses.replace(fetched(1), url="http://site.test/1", source_uri=source,
                                   archive_time="2017-06-10T14:15:00Z")
    writer = RollingWarcWriter(tmp_path)
    writer.write(fetched(0))
    writer.write(archived)
    writer.flush()
    (partial,) = leftover_files(tmp_path)
    final, found = recover(partial)  # a killed crawl's file: the store learns where each page came from
    assert [(f.fetched_at, f.archive_time) for f in found] == [
        ("2024-05-01T10:00:00Z", ""), ("2024-05-01T10:00:00Z", "2017-06-10T14:15:00Z")]
    live, page = pages_of(tmp_path / final)
    assert isinstance(page, Page) and isinstance(live, Page)
    assert (page.url, page.fetched_at, page.archive_source) == ("http://site.test/1", "2017-06-10T14:15:00Z", source)
    assert live.archive_source == ""
    with open(tmp_path / final, "rb") as handle:
        records = [r for r in ArchiveIterator(handle, check_digests=True) if r.content_stream().read() is not None]
    request, response = records[-2:]
    assert request.rec_headers.get_header("WARC-Target-URI") == source  # the request really sent
    assert response.rec_headers.get_header("WARC-Creation-Date") == "2024-05-01T10:00:00Z"
    assert response.digest_checker.passed is True
