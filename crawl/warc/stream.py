"""The bytes of a WARC file one record at a time, with the record's exact end checked.

A record is its header lines, an empty line, `Content-Length` bytes of block and CRLF CRLF
(ISO 28500:2017, section 4); a `.warc.gz` file holds each record in its own gzip member (annex
D.2). warcio's reader is lenient where a damaged file needs a strict one: it cannot tell a header
section ended by its empty line from one cut off by the end of the file, does not notice a gzip
member cut inside its trailer, and counts an uncompressed record's closing CRLF CRLF outside it.
`RecordStream` is the file-like object the record parser reads instead: it inflates one member at
a time, knows where each record's bytes end, and `finish` raises `Damage` unless the record ended
exactly as the format says (its member complete, its CRC right, or its CRLF CRLF all there).

Memory stays bounded whatever the file holds: the file is read and inflated `READ_BYTES` at a
time (a member of 50 MB of zeros never exists whole), and a line longer than `MAX_LINE` is
refused (`LineTooLong`) instead of being gathered.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

READ_BYTES = 1 << 16  # read and inflate this much at a time
MAX_LINE = 1 << 16  # a header line longer than this is not a header line
_GZIP = b"\x1f\x8b"
_END = b"\r\n\r\n"  # closes every record


class Damage(Exception):
    """The bytes at a record are not a whole WARC record (cut off, corrupt gzip, wrong length)."""


class LineTooLong(ValueError):
    """A line longer than `MAX_LINE` bytes where a header line should be."""


class RecordStream:
    """Read a WARC file (`raw`, positioned at `offset`) one record at a time: `begin`, read, `finish`.

    Between `begin` and `finish`, `read` and `readline` return the record's bytes (inflated in a
    `.warc.gz` file) and nothing past its member; `hit_end` tells whether a read ran into the
    end of them. `position` is the file offset where the next record begins.
    """

    def __init__(self, raw: BinaryIO, offset: int) -> None:
        self._raw = raw
        self._input = b""  # file bytes read and not yet used (compressed ones, in a .warc.gz)
        self._input_at = offset  # the file offset of _input[0]
        self._buf = b""  # record bytes ready to read, from _pos on
        self._pos = 0
        self._inflater: zlib._Decompress | None = None
        self.compressed = self._peek(len(_GZIP)) == _GZIP
        if not self.compressed:  # the bytes are the record bytes: _input_at is then the offset of _buf[0]
            self._buf, self._input = self._input, b""
        self.hit_end = False

    @property
    def position(self) -> int:
        return self._input_at if self.compressed else self._input_at + self._pos

    def peek_raw(self, size: int) -> bytes:
        """The next `size` file bytes after the current member (to look at what follows a range)."""
        return self._peek(size) if self.compressed else b""

    def begin(self) -> int | None:
        """Start the next record and return its offset, or None at the end of the file."""
        self.hit_end = False
        if self.compressed:
            if not self._peek(1):
                return None
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._buf, self._pos = b"", 0
            return self._input_at
        while True:  # extra empty lines between uncompressed records are tolerated
            rest = self._buf[self._pos:]
            stripped = rest.lstrip(b"\r\n")
            self._pos += len(rest) - len(stripped)
            if stripped:
                return self.position
            if not self._more():
                return None

    def read(self, size: int) -> bytes:
        """Up to `size` bytes of the record; fewer only at its end."""
        while len(self._buf) - self._pos < size and self._more():
            pass
        return self._take(min(size, len(self._buf) - self._pos))

    def readline(self, size: int | None = None) -> bytes:
        """One line of the record (up to `size` bytes); `LineTooLong` past `MAX_LINE` bytes."""
        limit = MAX_LINE if size is None else min(size, MAX_LINE)
        scanned = 0
        while True:
            newline = self._buf.find(b"\n", self._pos + scanned, self._pos + limit)
            if newline >= 0:
                return self._take(newline + 1 - self._pos)
            scanned = len(self._buf) - self._pos
            if scanned >= limit:
                if size is not None and size <= MAX_LINE:
                    return self._take(limit)
                raise LineTooLong(f"a line longer than {MAX_LINE} bytes")
            if not self._more():
                self.hit_end = True
                return self._take(scanned)

    def finish(self) -> None:
        """End the record whose block was read in full; `Damage` unless it ends as it should."""
        if not self.compressed:
            end = self.read(len(_END))
            if end != _END:
                raise Damage("truncated record (the file ends inside it)" if _END.startswith(end)
                             else "record not followed by CRLF CRLF (wrong Content-Length?)")
            return
        while True:
            rest = self._take(len(self._buf) - self._pos)
            if rest.strip(b"\r\n"):
                raise Damage("the gzip member goes on after the record (not one gzip member per record)")
            if not self._more():
                break
        if self._inflater is None or not self._inflater.eof:
            raise Damage("truncated record (the file ends inside its gzip member)")
        self._inflater = None

    def _take(self, size: int) -> bytes:
        data = self._buf[self._pos:self._pos + size]
        self._pos += len(data)
        return data

    def _peek(self, size: int) -> bytes:
        while len(self._input) < size:
            data = self._raw.read(READ_BYTES)
            if not data:
                break
            self._input += data
        return self._input[:size]

    def _more(self) -> bool:
        """Add record bytes to the buffer; False at the end of the record's bytes (or the file's)."""
        if not self.compressed:
            self._input_at += self._pos
        self._buf, self._pos = self._buf[self._pos:], 0
        if not self.compressed:
            data = self._raw.read(READ_BYTES)
            self._buf += data
            return bool(data)
        inflater = self._inflater
        while inflater is not None and not inflater.eof:
            data = self._input or self._raw.read(READ_BYTES)
            try:
                out = inflater.decompress(data, READ_BYTES)
            except zlib.error as error:
                raise Damage(f"damaged gzip member ({error})") from None
            rest = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
            self._input_at += len(data) - len(rest)
            self._input = rest
            if out:
                self._buf += out
                return True
            if not data:  # the file ends inside the member
                return False
        return False
