"""Write fetched pages as WARC 1.1 files (ISO 28500:2017), and recover after a kill.

Each page is a `request` record and a `response` record, each its own gzip member (so any record
can be read from its offset). The response carries two extension headers: `WebText-Link-URL`,
the link store key it answers (the final URL may differ after redirects), and `WebText-Reddit`,
the provenance of the posts that linked it.

A page fetched from a web archive is written as pywb's recorder writes one (webrecorder/pywb,
`warcserver`): its response's `WARC-Target-URI` is the original URL, `WARC-Date` the capture's
time, `WARC-Source-URI` where the copy was fetched from (a replay URL, or a WARC file of the
archive) and `WARC-Creation-Date` when; its request record is the request really sent, to the
source URI.

The body is stored as the crawler received it after transfer and content decoding, so the
`Content-Encoding`/`Transfer-Encoding` headers are renamed to `X-Crawler-Content-Encoding` /
`X-Crawler-Transfer-Encoding` and `Content-Length` set to the stored length (the convention of
StormCrawler and Common Crawl), which keeps the record valid for every WARC reader.

Files roll over at `max_bytes` (the caller closes a `full` file; the next write opens a new
one). A file is written under its temporary name (`core.atomic.temporary_name`) and renamed to
its final name only once closed, so a reader of `*.warc.gz` never sees a file being written.
After a kill, `recover` truncates a leftover temporary file after its last complete record
and renames it, so no WARC file is left corrupt.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from webtext.core.atomic import temporary_name
from webtext.crawl.warc import record as warcrecord
from webtext.crawl.warc.read import LINK_HEADER, REDDIT_HEADER, SOURCE_HEADER, iter_records

_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_HTTP_REQUEST = "application/http; msgtype=request"


@dataclass(frozen=True)
class Fetched:
    """One fetched page, as the crawler hands it to the writer."""

    link_url: str  # the link store key
    url: str  # the final URL
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    request_headers: list[tuple[str, str]]
    fetched_at: str  # ISO 8601 UTC, second precision
    reddit_json: str
    ip_address: str = ""
    source_uri: str = ""  # a web archive's copy: where it was fetched from ("" for a live page)
    archive_time: str = ""  # and when the archive captured it (ISO 8601 UTC)


@dataclass(frozen=True)
class Written:
    """Where a response record landed."""

    file: str  # final file name (basename)
    offset: int


class RollingWarcWriter:
    """Append pages to WARC files in `directory`, opening a new file every `max_bytes`."""

    def __init__(self, directory: str | Path, prefix: str = "webtext", max_bytes: int = 1 << 30) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._handle: BinaryIO | None = None
        self._name = ""
        self._serial = 0
        self._run = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + f"-{os.getpid()}"

    @property
    def current(self) -> str:
        """Final name of the file being written ("" when none is open)."""
        return self._name

    def write(self, page: Fetched) -> Written:
        """Write the request and response records of `page`; returns the response's position."""
        if self._handle is None:
            self._open()
        assert self._handle is not None
        request_id = warcrecord.new_record_id()
        requested = page.source_uri or page.url
        request = warcrecord.http_block(f"GET {_path_of(requested)} HTTP/1.1", page.request_headers)
        self._handle.write(warcrecord.record("request", request_id, page.fetched_at, _HTTP_REQUEST, request,
                                             [("WARC-Target-URI", requested)], payload=b""))
        offset = self._handle.tell()
        headers = [(k, v) for k, v in page.headers if k.lower() not in _DROPPED_HEADERS]
        headers += [(f"X-Crawler-{k}", v) for k, v in page.headers
                    if k.lower() in ("content-encoding", "transfer-encoding")]
        headers.append(("Content-Length", str(len(page.body))))
        fields = [("WARC-Target-URI", page.url), ("WARC-Concurrent-To", request_id), (LINK_HEADER, page.link_url),
                  (REDDIT_HEADER, page.reddit_json)]
        if page.source_uri:
            fields += [(SOURCE_HEADER, page.source_uri), ("WARC-Creation-Date", page.fetched_at)]
        if page.ip_address:
            fields.append(("WARC-IP-Address", page.ip_address))
        head = warcrecord.http_block(f"HTTP/1.1 {page.status} {page.reason}".strip(), headers)
        self._handle.write(warcrecord.response(page.archive_time or page.fetched_at, head, page.body, fields))
        return Written(self._name, offset)

    @property
    def full(self) -> bool:
        """True once the open file reached `max_bytes`: `close` it to roll over to a new one."""
        return self._handle is not None and self._handle.tell() >= self.max_bytes

    def flush(self) -> None:
        """Hand written records to the operating system (they then survive a kill of this process)."""
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> str:
        """Close the current file and give it its final name; returns that name ("" if none)."""
        if self._handle is None:
            return ""
        name = self._name
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(temporary_name(self.directory / name), self.directory / name)
        self._handle, self._name = None, ""
        return name

    def _open(self) -> None:
        self._serial += 1
        self._name = f"{self.prefix}-{self._run}-{self._serial:05d}.warc.gz"
        self._handle = open(temporary_name(self.directory / self._name), "wb")  # noqa: SIM115
        info = "".join(f"{k}: {v}\r\n" for k, v in (("software", "webtext crawl"), ("format", "WARC File Format 1.1"),
                                                   ("conformsTo", "https://iipc.github.io/warc-specifications/")))
        self._handle.write(warcrecord.record("warcinfo", warcrecord.new_record_id(),
                                             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                             "application/warc-fields", info.encode("utf-8"),
                                             [("WARC-Filename", self._name)]))


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class Recovered:
    """A response record found in a recovered file."""

    link_url: str
    url: str
    status: int
    offset: int
    fetched_at: str
    archive_time: str = ""  # the capture's time, for a page from a web archive


def leftover_files(directory: str | Path) -> list[Path]:
    """Temporary WARC files a killed crawl left behind."""
    return sorted(Path(directory).glob(".*.warc.gz.partial"))


def recover(partial: Path) -> tuple[str, list[Recovered]]:
    """Cut `partial` after its last complete record, rename it to its final name.

    Returns the final name and the responses it holds, so the link store can be brought in
    line with the file (a record written but not yet committed counts as fetched).
    """
    found: list[Recovered] = []
    good_end = 0
    with open(partial, "rb") as handle:
        for read in _complete(handle):
            good_end = read[0]
            if read[1] is not None:
                found.append(read[1])
    final = partial.name.removeprefix(".").removesuffix(".partial")
    with open(partial, "r+b") as handle:
        handle.truncate(good_end)
        os.fsync(handle.fileno())
    if good_end == 0:
        partial.unlink()
        return "", []
    os.replace(partial, partial.with_name(final))
    return final, found


def _complete(handle: BinaryIO) -> Iterator[tuple[int, Recovered | None]]:
    for read in iter_records(handle):
        if read.record is None:
            return
        headers = read.record.rec_headers
        link = headers.get_header(LINK_HEADER)
        if read.record.rec_type == "response" and link:
            date = headers.get_header("WARC-Date", "")
            archived = bool(headers.get_header(SOURCE_HEADER))
            yield read.end, Recovered(link, headers.get_header("WARC-Target-URI", ""),
                                      int(read.record.http_headers.get_statuscode() or 0), read.offset,
                                      headers.get_header("WARC-Creation-Date", date) if archived else date,
                                      date if archived else "")
        elif read.record.rec_type != "request":
            yield read.end, None
