"""The sample web's web archive: a CDX index and capture replay on the host `web.archive.test`.

A capture is a resource of `ARCHIVE_HOST` at `/web/<timestamp>id_/<url>`, which is also where
the Wayback Machine replays a capture raw (`id_`), so the server replays captures as it serves any
page. `SampleArchive` indexes them and answers both index protocols the crawler speaks:

- the Wayback Machine's CDX server at `CDX_PATH` (internetarchive/wayback, wayback-cdx-server
  README): `url`, `output=json` (one JSON array, field names first; `[]` when nothing matches),
  `fl`, `filter=[!]field:regex`, `closest` with `sort=closest`, `limit`;
- pywb's CDXJ server as Common Crawl runs it, at `CC_INDEX_PATH` (pywb, "CDXJ Server API"): the
  same query with `filter=[!][=|~]field:value`, one JSON object a line, 404 when nothing matches;
  each capture points into one WARC file served at `CC_DATA_PREFIX` with HTTP range requests
  (RFC 9110 §14).

Three hosts stand for dead sites: `DEAD_HOST` is under `.invalid`, which resolvers fail at once
(RFC 6761 §6.4); `REFUSED_HOST` resolves (hosts file) to `REFUSED_ADDRESS`, where nothing
listens; `PARKING_HOST` plays a domain-sale page that an expired domain redirects to.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from webtext.sampleweb.resources import Resource

ARCHIVE_HOST = "web.archive.test"
CDX_PATH = "/cdx/search/cdx"
REPLAY_PREFIX = "/web/"
CC_INDEX_PATH = "/cc-index"
CC_DATA_PREFIX = "/cc-data/"
CC_FILE = "crawl-data/CC-SAMPLE-2018-01/warc/sample-00000.warc.gz"
DEAD_HOST = "www.closed-press.invalid"
REFUSED_HOST = "www.shut-shop.test"
REFUSED_ADDRESS = "127.0.0.2"  # loopback, but the server listens on 127.0.0.1 only
PARKING_HOST = "www.hugedomains.com"
_WAYBACK_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_CC_FIELDS = ("urlkey", "timestamp", "url", "mime", "status", "digest", "length", "offset", "filename")


@dataclass(frozen=True)
class SampleCapture:
    """One capture in the sample archive, with its place in the Common Crawl-style WARC file."""

    timestamp: str
    url: str
    resource: Resource
    offset: int = 0
    length: int = 0

    def fields(self) -> dict[str, str]:
        """Its index fields under both protocols' names."""
        host = urlsplit(self.url).hostname or ""
        path = urlsplit(self.url).path
        body = self.resource.payload()
        mime = self.resource.content_type.split(";")[0]
        digest = base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")
        return {"urlkey": ",".join(reversed(host.removeprefix("www.").split("."))) + ")" + path,
                "timestamp": self.timestamp, "original": self.url, "url": self.url, "mimetype": mime, "mime": mime,
                "statuscode": str(self.resource.status), "status": str(self.resource.status), "digest": digest,
                "length": str(self.length or len(body)), "offset": str(self.offset), "filename": CC_FILE}


def replay_path(timestamp: str, url: str) -> str:
    """Where the capture of `url` at `timestamp` is replayed raw (and kept among the resources)."""
    return f"{REPLAY_PREFIX}{timestamp}id_/{url}"


def archive_flags(port: int) -> list[str]:
    """`webtext crawl` flags that use the sample archive's Wayback-style index and replay."""
    base = f"http://{ARCHIVE_HOST}:{port}"
    return ["--archive", "fallback", "--archive-cdx", base + CDX_PATH, "--archive-replay", base + REPLAY_PREFIX,
            "--archive-delay", "0"]


def commoncrawl_flags(port: int) -> list[str]:
    """`webtext crawl` flags that use its Common Crawl-style index and WARC file."""
    base = f"http://{ARCHIVE_HOST}:{port}"
    return ["--archive-api", "commoncrawl", "--archive-cdx", base + CC_INDEX_PATH,
            "--archive-replay", base + CC_DATA_PREFIX, "--archive-delay", "0"]


class SampleArchive:
    """The index over the captures among a site's resources, and their WARC file."""

    def __init__(self, resources: dict[tuple[str, str], Resource]) -> None:
        found = []
        for (host, path), resource in sorted(resources.items()):
            if host == ARCHIVE_HOST and path.startswith(REPLAY_PREFIX):
                timestamp, _, url = path.removeprefix(REPLAY_PREFIX).partition("id_/")
                found.append(SampleCapture(timestamp, url, resource))
        self.warc, self.captures = _warc_file(found)

    def answer(self, path: str, query: str, range_header: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) for a request to the archive host's index or WARC file."""
        if path.startswith(CC_DATA_PREFIX) and path.removeprefix(CC_DATA_PREFIX) == CC_FILE:
            return _byte_range(self.warc, range_header)
        wayback = path == CDX_PATH
        rows = self._query(parse_qs(query), wayback)
        if wayback:
            fields = _fl(parse_qs(query), _WAYBACK_FIELDS)
            table = [list(fields), *([row[f] for f in fields] for row in rows)] if rows else []
            return 200, [("Content-Type", "application/json")], json.dumps(table).encode()
        if not rows:
            message = {"message": f"No Captures found for: {parse_qs(query).get('url', [''])[0]}"}
            return 404, [("Content-Type", "application/json")], json.dumps(message).encode()
        fields = _fl(parse_qs(query), _CC_FIELDS)
        lines = "".join(json.dumps({f: row[f] for f in fields}) + "\n" for row in rows)
        return 200, [("Content-Type", "text/x-ndjson")], lines.encode()

    def _query(self, params: dict[str, list[str]], wayback: bool) -> list[dict[str, str]]:
        url = params.get("url", [""])[0]
        rows = [c.fields() for c in self.captures if c.url == url]
        for spec in params.get("filter", []):
            rows = [row for row in rows if _matches(row, spec, wayback)]
        closest = params.get("closest", [""])[0]
        if params.get("sort", [""])[0] == "closest" and closest.isdigit():
            rows.sort(key=lambda row: (abs(int(row["timestamp"]) - int(closest.ljust(14, "0"))), row["timestamp"]))
        limit = params.get("limit", [""])[0]
        return rows[:int(limit)] if limit.isdigit() else rows


def _fl(params: dict[str, list[str]], default: tuple[str, ...]) -> tuple[str, ...]:
    asked = tuple(f for f in ",".join(params.get("fl", [])).split(",") if f in default)
    return asked or default


def _matches(row: dict[str, str], spec: str, wayback: bool) -> bool:
    """A CDX filter: `[!]field:regex` (Wayback, a full match) or `[!][=|~]field:value` (pywb)."""
    negate = spec.startswith("!")
    spec = spec.removeprefix("!")
    mode = spec[0] if spec[:1] in ("=", "~") and not wayback else ""
    name, _, value = spec[len(mode):].partition(":")
    field = row.get(name, "")
    if wayback:
        hit = re.fullmatch(value, field) is not None
    else:
        hit = field == value if mode == "=" else re.match(value, field) is not None if mode == "~" else value in field
    return hit != negate


def _warc_file(captures: list[SampleCapture]) -> tuple[bytes, list[SampleCapture]]:
    """One gzipped WARC file holding every capture as a response record, and the captures with their places."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    placed = []
    for capture in captures:
        start = out.tell()
        head = StatusAndHeaders(f"{capture.resource.status} Archived", capture.resource.headers(), protocol="HTTP/1.1")
        stamp = capture.timestamp
        date = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:14]}Z"
        record = writer.create_warc_record(capture.url, "response", payload=io.BytesIO(capture.resource.payload()),
                                           http_headers=head, warc_headers_dict={"WARC-Date": date})
        writer.write_record(record)
        placed.append(SampleCapture(capture.timestamp, capture.url, capture.resource, start, out.tell() - start))
    return out.getvalue(), placed


def _byte_range(data: bytes, header: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """A `Range: bytes=FIRST-LAST` answer (206), the whole file without one, 416 when it cannot be met."""
    kind = [("Content-Type", "application/warc")]
    if not header:
        return 200, kind, data
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", header.strip())
    if not match or int(match.group(1)) >= len(data):
        return 416, [("Content-Range", f"bytes */{len(data)}")], b""
    first = int(match.group(1))
    last = min(int(match.group(2) or len(data) - 1), len(data) - 1)
    return 206, [*kind, ("Content-Range", f"bytes {first}-{last}/{len(data)}")], data[first:last + 1]

