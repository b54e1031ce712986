"""Byte ranges of a `.warc.gz` file that workers can read independently.

A WARC file written as the standard recommends holds one gzip member per record (ISO 28500:2017,
annex D.2; Common Crawl's files and ours are written so). A reader can therefore start anywhere:
the next record begins at the next gzip member header (RFC 1952: bytes 1f 8b, method 08) whose
data inflates to a WARC header line ("WARC/"). The check on the inflated text is what makes the
search safe: compressed bytes of a record can contain 1f 8b 08 by chance, but not a valid
deflate stream that begins with a WARC version line.

`split_ranges` cuts a file into ranges of about `split_bytes`; the reader of a range reads the
records that *begin* in it (`webtext.crawl.warc.read.iter_warc` with `start`/`end`), so every
record is read exactly once whatever the ranges. A file compressed as one gzip stream (some tools
write that) cannot be cut: it is one range.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b\x08"
_SCAN_BYTES = 1 << 16  # read this much at a time while looking for a member
PROBE_BYTES = 4096  # compressed bytes inflated to check a candidate's first line


def is_record_start(head: bytes) -> bool:
    """Whether `head`, the compressed bytes at some offset, begin a gzip member holding a WARC record."""
    if not head.startswith(GZIP_MAGIC):
        return False
    try:
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 8).startswith(b"WARC/")
    except zlib.error:
        return False


def is_member_file(stream: BinaryIO) -> bool:
    """Whether reading a seekable `stream` can resume at a later gzip member after damage: it
    begins with one, or with damage (no WARC version line either: a .warc.gz file cut or
    overwritten at its start). An uncompressed file has no member to resume at.

    Leaves the stream's position as it was.
    """
    if not stream.seekable():
        return False
    here = stream.tell()
    stream.seek(0)
    head = stream.read(len(GZIP_MAGIC))
    stream.seek(here)
    return head == GZIP_MAGIC or not b"WARC/".startswith(head)


def next_member(stream: BinaryIO, start: int, end: int | None = None) -> int | None:
    """The offset of the first record member at or after `start` and before `end`, or None.

    Leaves `stream` positioned at that offset.
    """
    position = start
    while end is None or position < end:
        stream.seek(position)
        block = stream.read(_SCAN_BYTES + PROBE_BYTES)
        if len(block) < len(GZIP_MAGIC):
            return None
        starts_before = _SCAN_BYTES + len(GZIP_MAGIC) - 1  # a match may start up to the block's end
        at = block.find(GZIP_MAGIC, 0, starts_before)
        while at >= 0 and (end is None or position + at < end):
            if is_record_start(block[at:at + PROBE_BYTES]):
                stream.seek(position + at)
                return position + at
            at = block.find(GZIP_MAGIC, at + 1, starts_before)
        if len(block) <= _SCAN_BYTES:
            return None
        position += _SCAN_BYTES
    return None


def _first_member_end(stream: BinaryIO, limit: int) -> int | None:
    """Where the first gzip member of `stream` ends, if within `limit` bytes (inflated in steps)."""
    stream.seek(0)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    read = 0
    try:
        while read < limit and not inflater.eof:
            chunk = stream.read(min(_SCAN_BYTES, limit - read))
            if not chunk:
                return None
            read += len(chunk)
            inflater.decompress(chunk, _SCAN_BYTES)
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, _SCAN_BYTES)
    except zlib.error:
        return None
    return read - len(inflater.unused_data) if inflater.eof else None


def split_ranges(stream: BinaryIO, size: int, split_bytes: int) -> list[tuple[int, int | None]]:
    """[(start, end)] ranges covering a file of `size` bytes; the last one's end is None (to EOF)."""
    if size <= split_bytes:
        return [(0, None)]
    first_end = _first_member_end(stream, split_bytes)
    stream.seek(first_end or 0)
    if first_end is None or stream.read(len(GZIP_MAGIC)) != GZIP_MAGIC:  # one gzip stream, or not gzip
        return [(0, None)]
    starts = range(0, size, split_bytes)
    return [(s, s + split_bytes if s + split_bytes < size else None) for s in starts]
