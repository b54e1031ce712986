"""Web archive indexes: ask a CDX server for the captures of a URL, and where to fetch each one.

Two flavours of one protocol, both answering `GET CDX?url=URL&...` with one row per capture:

- the Wayback Machine's CDX server (`wayback`; internetarchive/wayback, wayback-cdx-server
  README): `output=json` is one JSON array whose first row names the fields
  (`["urlkey","timestamp","original","mimetype","statuscode","digest","length"]`; `fl=` picks
  them), `filter=statuscode:200` keeps the captures that answered 200, and a capture is replayed
  raw, as it was captured, at `REPLAY/<timestamp>id_/<original URL>` (the `id_` modifier);
- pywb's CDXJ server, which Common Crawl runs at index.commoncrawl.org (`commoncrawl`; pywb's
  "CDXJ Server API"): `output=json` is one JSON object a line, the filter is `filter==status:200`,
  and each capture names its WARC file, offset and length: the record is fetched from `REPLAY/<filename>`
  with an HTTP `Range: bytes=<offset>-<offset+length-1>` request and read with the project's WARC
  reader. A URL it has no capture of is answered 404.

Both take `closest=<timestamp>` with `sort=closest` (captures nearest to that time first) and
`limit=N`. `nearest` orders the answer again by distance to the time asked for, so a server that
ignores `sort=closest` still gives the nearest capture first. A timestamp is `yyyyMMddhhmmss`, UTC.

`parse_index` raises `BadIndex` (one line) for an answer that is not a capture list: not JSON, cut
off, rows of the wrong shape or type, a timestamp that is not 14 digits.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

WAYBACK = "wayback"
COMMONCRAWL = "commoncrawl"
APIS = (WAYBACK, COMMONCRAWL)
WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
WAYBACK_REPLAY = "https://web.archive.org/web/"
_TIMESTAMP = re.compile(r"[0-9]{14}")
_FORMAT = "%Y%m%d%H%M%S"
_WAYBACK_FIELDS = ("timestamp", "original", "statuscode")
_CC_FIELDS = ("timestamp", "url", "status", "filename", "offset", "length")


class BadIndex(ValueError):
    """A CDX answer that is not a list of captures (the message says what is wrong)."""


@dataclass(frozen=True)
class Capture:
    """One capture of a URL in an archive's index."""

    timestamp: str  # yyyyMMddhhmmss, UTC
    url: str  # the URL as captured
    status: str  # its HTTP status when captured
    filename: str = ""  # Common Crawl: the WARC file holding it,
    offset: int = 0  # where its record starts,
    length: int = 0  # and the record's length in bytes

    @property
    def time(self) -> str:
        """The capture time in ISO 8601 (`2017-05-25T08:00:00Z`)."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.strptime(self.timestamp, _FORMAT))

    @property
    def epoch(self) -> int:
        return calendar.timegm(time.strptime(self.timestamp, _FORMAT))


def timestamp_of(epoch: int) -> str:
    """The CDX timestamp (`yyyyMMddhhmmss`, UTC) of a Unix time."""
    return time.strftime(_FORMAT, time.gmtime(epoch))


def index_query(api: str, cdx: str, url: str, when: int, limit: int) -> str:
    """The CDX query for the captures of `url` that answered 200, nearest to `when` (Unix time) first."""
    params: list[tuple[str, str | int]] = [("url", url), ("output", "json"), ("closest", timestamp_of(when)),
                                           ("sort", "closest"), ("limit", limit)]
    if api == WAYBACK:
        params += [("filter", "statuscode:200"), ("fl", ",".join(_WAYBACK_FIELDS))]
    else:
        params += [("filter", "=status:200"), ("fl", ",".join(_CC_FIELDS))]
    return cdx + ("&" if "?" in cdx else "?") + urlencode(params)


def parse_index(api: str, body: bytes) -> list[Capture]:
    """The captures of a CDX answer (`BadIndex` when it is not a capture list)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadIndex("the index answer is not UTF-8 text") from None
    if api == WAYBACK:
        return _wayback_rows(_json(text))
    return [_cc_row(_json(line)) for line in text.splitlines() if line.strip()]


def nearest(captures: list[Capture], when: int, count: int) -> list[Capture]:
    """Up to `count` captures that answered 200, the nearest to `when` first (the earlier of two as near)."""
    unique = {(c.timestamp, c.url): c for c in captures if c.status == "200"}
    return sorted(unique.values(), key=lambda c: (abs(c.epoch - when), c.timestamp))[:count]


def capture_request(api: str, replay: str, capture: Capture) -> tuple[str, dict[str, str]]:
    """(URL, request headers) that fetch `capture`: a raw replay, or a byte range of a WARC file."""
    if api == WAYBACK:
        return f"{replay.rstrip('/')}/{capture.timestamp}id_/{capture.url}", {}
    end = capture.offset + capture.length - 1
    return f"{replay.rstrip('/')}/{capture.filename.lstrip('/')}", {"Range": f"bytes={capture.offset}-{end}"}


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:  # not JSON, or cut off
        raise BadIndex(f"the index answer is not JSON ({exc.msg} at character {exc.pos})") from None
    except RecursionError:
        raise BadIndex("the index answer is JSON nested too deeply to read") from None


def _wayback_rows(data: Any) -> list[Capture]:
    if not isinstance(data, list):
        raise BadIndex(f"the index answer is a JSON {type(data).__name__}, not a list of rows")
    if not data:
        return []
    header = data[0]
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise BadIndex("the index answer's first row is not a list of field names")
    missing = [name for name in _WAYBACK_FIELDS if name not in header]
    if missing:
        raise BadIndex(f"the index answer has no {', '.join(missing)} field")
    found = []
    for number, row in enumerate(data[1:], 2):
        if row == []:  # the blank row before a resumption key ends the captures
            break
        if not isinstance(row, list) or len(row) != len(header) or not all(isinstance(v, str) for v in row):
            raise BadIndex(f"row {number} of the index answer is not {len(header)} strings")
        fields = dict(zip(header, row, strict=True))
        found.append(Capture(_timestamp(fields["timestamp"], number), fields["original"], fields["statuscode"]))
    return found


def _cc_row(data: Any) -> Capture:
    if not isinstance(data, dict):
        raise BadIndex(f"an index line is a JSON {type(data).__name__}, not an object")
    texts = [data.get(name) for name in ("timestamp", "url", "status", "filename")]
    if not all(isinstance(value, str) for value in texts):
        raise BadIndex("an index line lacks a text timestamp, url, status or filename")
    timestamp, url, status, filename = (str(value) for value in texts)
    offset, length = (_count(data.get(name), name) for name in ("offset", "length"))
    if length < 1:
        raise BadIndex("an index line gives a record length under 1 byte")
    return Capture(_timestamp(timestamp, 0), url, status, filename, offset, length)


def _timestamp(value: str, row: int) -> str:
    try:
        if _TIMESTAMP.fullmatch(value):
            time.strptime(value, _FORMAT)
            return value
    except ValueError:
        pass
    where = f"row {row}" if row else "a line"
    raise BadIndex(f"{where} of the index answer has the timestamp {value[:20]!r}, not a date of 14 digits")


def _count(value: Any, name: str) -> int:
    """A non-negative integer given as a number or a string of digits (pywb writes strings)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise BadIndex(f"an index line's {name} is {value!r}, not a whole number")
