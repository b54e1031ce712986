"""Read pages back from WARC files: ours, and Common Crawl's.

Every HTTP `response` record becomes a `Page` (final URL, status, headers, the entity body after
chunked and content decoding, the WARC-Date, `source="name:offset"`) with the Reddit provenance
our crawler stores in the `WebText-Reddit` header (empty for other crawlers' files). Request,
metadata, warcinfo and non-HTTP records are skipped.

A damaged file never raises: a record whose block is shorter than its `Content-Length`
(truncation) or that cannot be parsed (garbage, a broken gzip member) yields one `DeadLetter`
naming the file and offset. ISO 28500 has no resynchronisation marker, but a `.warc.gz` file
holds one gzip member per record (annex D.2), so reading resumes at the next member that
inflates to a WARC record (`webtext.crawl.warcsplit`); in an uncompressed file it stops at the
damage. The same member search lets a large file be read in byte ranges, one per worker.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Generator, Iterator
from typing import Any, BinaryIO, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from webtext.core.document import DeadLetter, Page, RedditPost
from webtext.crawl.warcsplit import PROBE_BYTES, is_member_file, is_record_start, next_member

LINK_HEADER = "WebText-Link-URL"  # the link store's key of the URL this response answers
REDDIT_HEADER = "WebText-Reddit"  # JSON list of the posts that linked it
_READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError, UnicodeDecodeError)


def iter_warc(stream: BinaryIO, name: str, start: int = 0, end: int | None = None) -> Iterator[Page | DeadLetter]:
    """Yield a `Page` per HTTP response record of `stream`, or a `DeadLetter` at damage.

    Only records that begin in [`start`, `end`) are read (`end=None`: to the end of the file);
    `stream` must be positioned at `start`, a record boundary (`next_member` finds one). In a
    seekable file of one gzip member per record, as WARC files are written (ISO 28500, annex
    D.2), reading resumes after damage at the next member that holds a WARC record.
    """
    position: int | None = start
    while position is not None:
        damaged = yield from _pages(stream, name, position, end)
        position = None if damaged is None or not is_member_file(stream) else next_member(stream, damaged + 1, end)


def iter_warc_range(stream: BinaryIO, name: str, start: int, end: int | None) -> Iterator[Page | DeadLetter]:
    """`iter_warc` over the records that begin in [`start`, `end`) of a seekable file."""
    first = next_member(stream, start, end) if start else stream.seek(0)
    if first is not None:
        yield from iter_warc(stream, name, first, end)


def _pages(stream: BinaryIO, name: str, start: int, end: int | None) -> Generator[Page | DeadLetter, None, int | None]:
    """The pages of the records from `start` on; returns the offset of the damage that ended them."""
    for read in iter_records(stream, start, end):
        if read.record is None:
            yield DeadLetter(source=f"{name}:{read.offset}", error=read.problem)
            return read.offset
        if read.record.rec_type != "response" or read.record.http_headers is None:
            continue
        try:
            yield _page(read, f"{name}:{read.offset}")
        except _READ_ERRORS as exc:
            yield DeadLetter(source=f"{name}:{read.offset}", error=f"unreadable response record: {_short(exc)}")
            return read.offset
    return None


def iter_warc_path(path: str) -> Iterator[Page | DeadLetter]:
    """`iter_warc` over a local file."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed when the generator finishes
    except OSError as exc:
        yield DeadLetter(source=path, error=f"cannot open: {exc.strerror}")
        return
    with handle:
        yield from iter_warc(handle, path)


class RecordRead(NamedTuple):
    """One record read in full (`record` and its decoded `body`), or the damage found instead."""

    offset: int
    end: int  # offset just past this record: where the next one starts
    record: ArcWarcRecord | None
    body: bytes = b""
    problem: str = ""


def iter_records(stream: BinaryIO, start: int = 0, end: int | None = None) -> Iterator[RecordRead]:
    """Every complete record of `stream` (positioned at `start`) that begins before `end`, then
    one `RecordRead` without record at damage. Offsets are from the start of the file.

    Each record's block is read in full before it is yielded, which is how truncation is
    detected (the block ends before its `Content-Length`).
    """
    archive = ArchiveIterator(stream)
    records = iter(archive)
    offset = start
    size = _size(stream)
    while end is None or offset < end:
        try:
            record = next(records)
        except StopIteration:
            if size is not None and offset < size:  # warcio stops quietly inside a cut-off member
                yield RecordRead(offset, offset, None, problem="truncated record (the file ends inside it)")
            return
        except _READ_ERRORS as exc:
            yield RecordRead(offset, offset, None, problem=f"not a WARC record ({_short(exc)})")
            return
        if record.format != "warc":  # warcio also accepts ARC; anything else here is damage
            yield RecordRead(offset, offset, None, problem=f"not a WARC record (parsed as {record.format})")
            return
        if not record.rec_type:  # the file ends inside the record's headers
            yield RecordRead(offset, offset, None, problem="truncated record (its headers are cut off)")
            return
        try:
            body = record.content_stream().read()
        except _READ_ERRORS as exc:
            yield RecordRead(offset, offset, None, problem=f"damaged record ({_short(exc)})")
            return
        if getattr(record.raw_stream, "limit", 0) > 0:
            yield RecordRead(offset, offset, None, problem="truncated record (block shorter than its Content-Length)")
            return
        archive.read_to_end(record)
        offset = archive.get_record_offset()  # from the start of the file: warcio begins at tell()
        yield RecordRead(offset, offset + archive.get_record_length(), record, body)
        offset = max(offset + archive.get_record_length(), start)  # warcio gives a negative one for a one-stream gzip
    # The range ends here; what follows must be the next range's first record. Damage right at
    # the boundary is reported by this range, since the next one skips to its first record.
    stream.seek(offset)
    head = stream.read(PROBE_BYTES)
    if head and not is_record_start(head):
        yield RecordRead(offset, offset, None, problem="not a WARC record (no gzip member holding one starts here)")


def _size(stream: BinaryIO) -> int | None:
    """The stream's length when it can seek (files, Beam's readable files), else None."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        size = stream.seek(0, 2)
        stream.seek(here)
        return size
    except (OSError, AttributeError, ValueError):
        return None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] + ("..." if len(text) > 120 else "")


def _page(read: RecordRead, source: str) -> Page:
    assert read.record is not None
    http = read.record.http_headers
    headers = read.record.rec_headers
    return Page(url=headers.get_header("WARC-Target-URI", ""), status=int(http.get_statuscode() or 0),
                headers=tuple((k, v) for k, v in http.headers), body=read.body,
                fetched_at=headers.get_header("WARC-Date", ""), source=source,
                reddit=reddit_of(headers.get_header(REDDIT_HEADER)))


def reddit_of(value: str | None) -> tuple[RedditPost, ...]:
    """Provenance from a `WebText-Reddit` header value (empty when absent or unreadable)."""
    if not value:
        return ()
    try:
        raw: Any = json.loads(value)
    except json.JSONDecodeError:
        return ()
    return tuple(RedditPost.from_dict(p) for p in raw if isinstance(p, dict))
