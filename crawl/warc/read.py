"""Read pages back from WARC files: ours, and Common Crawl's.

Every HTTP `response` record becomes a `Page` (final URL, status, headers, the entity body after
chunked and content decoding, the WARC-Date, `source="name:offset"`) with the Reddit provenance
our crawler stores in the `WebText-Reddit` header (empty for other crawlers' files) and, for a
copy fetched from a web archive, its `WARC-Source-URI` (its WARC-Date is then the capture's time). Request,
metadata, warcinfo and revisit records hold no page and are skipped. A response record that
gives no page is a `Dropped` with a reason (`webtext.core.reasons`): `not_http` (its target is
no http(s) URL with a host: `dns:`, `whois:`, none), `bad_http` (no HTTP message, or one that
does not parse or decode) or `too_large` (its body decodes to more than `max_body` bytes, the
clean stage's `max_bytes`; decoding stops there, so a decompression bomb costs no memory:
`webtext.crawl.warc.body`).

A damaged file never raises: a record that is not whole (cut off, a corrupt gzip member, a block
longer or shorter than its `Content-Length`: `webtext.crawl.warc.stream` checks each record's
end), whose header section is malformed (a line that is no named field, a mandatory field
twice, a line over 64 KiB) or whose type is not one of ISO 28500's yields one `DeadLetter`
naming the file and offset. ISO 28500 has no resynchronisation marker, but a `.warc.gz` file
holds one gzip member per record (annex D.2), so reading resumes at the next member that
inflates to a WARC record (`webtext.crawl.warc.split`); in an uncompressed file it stops at the
damage (after a record of unknown type, whose end is known, it goes on). The same member search
lets a large file be read in byte ranges, one per worker.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import urlsplit

from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from webtext.core.document import MAX_PAGE_BYTES, DeadLetter, Page, RedditPost
from webtext.core.reasons import READ_BAD_HTTP, READ_NOT_HTTP
from webtext.crawl.warc.body import BodyDropped, read_body
from webtext.crawl.warc.split import PROBE_BYTES, is_member_file, is_record_start, next_member
from webtext.crawl.warc.stream import READ_BYTES, Damage, LineTooLong, RecordStream

LINK_HEADER = "WebText-Link-URL"  # the link store's key of the URL this response answers
REDDIT_HEADER = "WebText-Reddit"  # JSON list of the posts that linked it
SOURCE_HEADER = "WARC-Source-URI"  # where a web archive's copy came from (pywb's recorder writes it)
MAX_BODY = MAX_PAGE_BYTES  # a larger body is dropped as too_large by the clean stage anyway
_HTTP_HEAD = StatusAndHeadersParser(ArcWarcRecordLoader.HTTP_TYPES, verify=False)
_TYPES = ("warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation")
_ONCE = ("warc-record-id", "warc-type", "warc-date", "content-length")  # mandatory, once (ISO 28500, 5)
_HEADERS_CUT = "truncated record (its headers are cut off)"


class Dropped(NamedTuple):
    """A response record read in full that gives no page, and why (a `webtext.core.reasons` name)."""

    source: str  # "file:offset"
    url: str
    reason: str


def iter_warc(stream: BinaryIO, name: str, start: int = 0, end: int | None = None,
              max_body: int = MAX_BODY) -> Iterator[Page | Dropped | DeadLetter]:
    """Yield a `Page` or `Dropped` per HTTP response record of `stream`, or a `DeadLetter` at damage.

    Only records that begin in [`start`, `end`) are read (`end=None`: to the end of the file);
    `stream` must be positioned at `start`, a record boundary (`next_member` finds one). In a
    seekable file of one gzip member per record, as WARC files are written (ISO 28500, annex
    D.2), reading resumes after damage at the next member that holds a WARC record.
    """
    position: int | None = start
    while position is not None:
        damaged = yield from _pages(stream, name, position, end, max_body)
        position = None if damaged is None or not is_member_file(stream) else next_member(stream, damaged + 1, end)


def iter_warc_range(stream: BinaryIO, name: str, start: int, end: int | None,
                    max_body: int = MAX_BODY) -> Iterator[Page | Dropped | DeadLetter]:
    """`iter_warc` over the records that begin in [`start`, `end`) of a seekable file."""
    first = next_member(stream, start, end) if start else stream.seek(0)
    if first is not None:
        yield from iter_warc(stream, name, first, end, max_body)


def iter_warc_path(path: str, max_body: int = MAX_BODY) -> Iterator[Page | Dropped | DeadLetter]:
    """`iter_warc` over a local file."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed when the generator finishes
    except OSError as exc:
        yield DeadLetter(source=path, error=f"cannot open: {exc.strerror}")
        return
    with handle:
        yield from iter_warc(handle, path, max_body=max_body)


def _pages(stream: BinaryIO, name: str, start: int, end: int | None,
           max_body: int) -> Generator[Page | Dropped | DeadLetter, None, int | None]:
    """The pages of the records from `start` on; returns the offset of the damage that ended them."""
    for read in iter_records(stream, start, end, max_body):
        source = f"{name}:{read.offset}"
        if read.record is None:
            yield DeadLetter(source=source, error=read.problem)
            if read.end > read.offset:  # a bad record, but where the next one starts is known
                continue
            return read.offset
        if read.record.rec_type != "response":
            continue
        if read.drop:
            yield Dropped(source, target_uri(read.record.rec_headers), read.drop)
        else:
            yield _page(read, source)
    return None


class RecordRead(NamedTuple):
    """One record read in full (`record`, and the decoded `body` of an HTTP response, or why the
    response gives no page in `drop`), or the damage found instead (`record` None, `problem`)."""

    offset: int
    end: int  # offset just past this record: where the next one starts (== offset when unknown)
    record: ArcWarcRecord | None
    body: bytes = b""
    problem: str = ""
    drop: str = ""


def iter_records(stream: BinaryIO, start: int = 0, end: int | None = None,
                 max_body: int = MAX_BODY) -> Iterator[RecordRead]:
    """Every record of `stream` (positioned at `start`) that begins before `end`, then one
    `RecordRead` without record at damage. Offsets are from the start of the file.

    Each record is read to its end before it is yielded, which is how damage is detected (see
    `webtext.crawl.warc.stream`); an HTTP response's body is decoded up to `max_body` bytes.
    """
    try:
        records = RecordStream(stream, start)
        while end is None or records.position < end:
            offset = records.begin()
            if offset is None:
                return
            try:
                read = _record(records, offset, max_body)
            except Damage as exc:
                yield RecordRead(offset, offset, None, problem=str(exc))
                return
            yield read
        # The range ends here; what follows must be the next range's first record. Damage right at
        # the boundary is reported by this range, since the next one skips to its first record.
        head = records.peek_raw(PROBE_BYTES)
        if head and not is_record_start(head):
            yield RecordRead(records.position, records.position, None,
                             problem="not a WARC record (no gzip member holding one starts here)")
    except OSError as exc:
        yield RecordRead(start, start, None, problem=f"cannot read: {_short(exc)}")


def _record(records: RecordStream, offset: int, max_body: int) -> RecordRead:
    """The record that begins at `offset`; `Damage` when it is not whole."""
    headers = _warc_head(records)
    length = _content_length(headers.get_header("Content-Length"))
    if length is None:
        raise Damage("not a WARC record (no valid Content-Length)")
    kind = headers.get_header("WARC-Type") or ""
    block = LimitReader(records, length)
    http, body, drop = _response(block, headers, max_body) if kind == "response" else (None, b"", "")
    while block.read(READ_BYTES):  # the rest of the block, read and let go of
        pass
    if block.limit:
        raise Damage("truncated record (block shorter than its Content-Length)")
    records.finish()
    if kind not in _TYPES:  # a damaged type is damage: a response would be lost without a trace
        return RecordRead(offset, records.position, None, problem=f"record of unknown type {kind[:40]!r}")
    record = ArcWarcRecord("warc", kind, headers, block, http, headers.get_header("Content-Type"), length)
    return RecordRead(offset, records.position, record, body, drop=drop)


def _warc_head(records: RecordStream) -> StatusAndHeaders:
    """The version line and named fields of a record, up to their empty line (ISO 28500, 4)."""
    try:
        version = records.readline().strip().decode("ascii", "replace")
        if not records.hit_end and version not in ArcWarcRecordLoader.WARC_TYPES:
            raise Damage(f"not a WARC record (first line {version[:60]!r})")
        fields: list[tuple[str, str]] = []
        while not records.hit_end:
            line = records.readline().rstrip(b"\r\n")
            if not line or records.hit_end:
                break
            if line[:1] in (b" ", b"\t") and fields:  # a continuation line
                fields[-1] = (fields[-1][0], f"{fields[-1][1]} {_text(line.strip())}")
                continue
            name, colon, value = line.partition(b":")
            if not colon or not name.strip():
                raise Damage(f"not a WARC record (no named field: {_text(line[:60])!r})")
            fields.append((_text(name.strip()), _text(value.strip())))
    except LineTooLong as exc:
        raise Damage(f"not a WARC record ({exc})") from None
    if records.hit_end:
        raise Damage(_HEADERS_CUT)
    names = [field.lower() for field, _ in fields]
    for once in _ONCE:  # twice: the fields of a record that follows a cut-off one (uncompressed files)
        if names.count(once) > 1:
            raise Damage(f"not a WARC record (two {once} fields)")
    return StatusAndHeaders("", fields, protocol=version)


def _text(data: bytes) -> str:
    """Header bytes as text: UTF-8, else Latin-1 (as warcio decodes them)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _response(block: LimitReader, headers: StatusAndHeaders,
              max_body: int) -> tuple[StatusAndHeaders | None, bytes, str]:
    """(HTTP head, decoded body, drop reason) of a response record's block."""
    if not _is_http(target_uri(headers)):
        return None, b"", READ_NOT_HTTP
    try:
        http = _HTTP_HEAD.parse(block)
    except Damage:
        raise
    except Exception:  # empty, a line too long, undecodable: warcio's parser fails in assorted ways
        return None, b"", READ_BAD_HTTP
    if not http.get_statuscode().isdigit():
        return http, b"", READ_BAD_HTTP
    try:
        return http, read_body(block, http, max_body), ""
    except BodyDropped as dropped:
        return http, b"", dropped.reason


def _is_http(url: str) -> bool:
    """Whether `url` is an http(s) URL with a host (the stages after reading parse it)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket, say
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _content_length(value: str | None) -> int | None:
    try:
        length = int(value or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def target_uri(headers: StatusAndHeaders) -> str:
    """A record's `WARC-Target-URI`, without the angle brackets Wget 1.19 wrote around it."""
    uri = (headers.get_header("WARC-Target-URI") or "").strip()
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1]
    return uri.replace(" ", "%20")


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:120] + ("..." if len(text) > 120 else "")


def _page(read: RecordRead, source: str) -> Page:
    assert read.record is not None and read.record.http_headers is not None
    http = read.record.http_headers
    headers = read.record.rec_headers
    return Page(url=target_uri(headers), status=int(http.get_statuscode()),
                headers=tuple((k, v) for k, v in http.headers), body=read.body,
                fetched_at=headers.get_header("WARC-Date", ""), source=source,
                reddit=reddit_of(headers.get_header(REDDIT_HEADER)),
                archive_source=headers.get_header(SOURCE_HEADER, ""))


def reddit_of(value: str | None) -> tuple[RedditPost, ...]:
    """Provenance from a `WebText-Reddit` header value (empty when absent or unreadable)."""
    if not value:
        return ()
    try:
        raw: Any = json.loads(value)
    except json.JSONDecodeError:
        return ()
    return tuple(RedditPost.from_dict(p) for p in raw if isinstance(p, dict))
