"""The entity body of an HTTP response stored in a WARC record: de-chunked, decoded, and capped.

Common Crawl stores responses as they came over the wire, `Transfer-Encoding: chunked` and
`Content-Encoding: gzip`, `deflate` or `br` included. A compressed body can inflate a thousandfold
or more (a decompression bomb), so `read_body` streams: it de-chunks and decodes `READ_BYTES` at a
time and stops as soon as the body passes its cap (the clean stage's `max_bytes`, which would drop
a larger page anyway), raising `BodyDropped(too_large)`. Memory stays within the cap plus a few
buffers, whatever the body would have inflated to.

Leniency follows warcio and browsers: a body whose chunk framing breaks is taken as it is from
there on, and a body that does not decode from its first bytes is taken undecoded (servers label
plain bodies `gzip`). A body that stops decoding partway is `bad_http`. A gzip or deflate body cut
short (Common Crawl truncates large ones) gives what decoded.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Protocol

from warcio.statusandheaders import StatusAndHeaders
from webtext.core.reasons import READ_BAD_HTTP, READ_TOO_LARGE
from webtext.crawl.warc.stream import READ_BYTES

try:
    import brotli
except ImportError:  # pragma: no cover - brotli bodies then stay undecoded
    brotli = None

_MAX_CHUNK = 1 << 31  # a chunk-size line above this is not one (warcio's limit too)


class BodyDropped(Exception):
    """The response gives no page; `reason` (a `webtext.core.reasons` name) says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Reader(Protocol):
    def read(self, size: int) -> bytes: ...

    def readline(self, size: int | None = None) -> bytes: ...


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    @property
    def done(self) -> bool: ...


class _Zlib:
    """gzip or zlib (`wbits` 47: either, by its header) or raw deflate (-15) data, inflated in steps."""

    def __init__(self, wbits: int) -> None:
        self._inflater = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while not self._inflater.eof:
            out = self._inflater.decompress(data, READ_BYTES)
            data = self._inflater.unconsumed_tail
            if out:
                yield out
            elif not data:
                return

    @property
    def done(self) -> bool:
        return self._inflater.eof


class _Brotli:
    """Brotli data (RFC 7932), decompressed `READ_BYTES` of output at a time."""

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = self._decompressor.process(data, output_buffer_limit=READ_BYTES)
        while True:
            if out:
                yield out
            if self._decompressor.is_finished() or self._decompressor.can_accept_more_data():
                return
            out = self._decompressor.process(b"", output_buffer_limit=READ_BYTES)
            if not out:  # it holds output back, yet gives none: never spin on it
                return

    @property
    def done(self) -> bool:
        return bool(self._decompressor.is_finished())


# Content-Encoding -> the decoders to try in turn; "deflate" is meant as zlib data but often sent raw.
_DECODERS: dict[str, tuple[Callable[[], _Decoder], ...]] = {
    "gzip": (lambda: _Zlib(47),), "x-gzip": (lambda: _Zlib(47),),
    "deflate": (lambda: _Zlib(47), lambda: _Zlib(-15)),
}
if brotli is not None:
    _DECODERS["br"] = (_Brotli,)
_DECODE_ERRORS: tuple[type[Exception], ...] = (zlib.error,) + ((brotli.error,) if brotli is not None else ())


def read_body(block: Reader, http: StatusAndHeaders, cap: int) -> bytes:
    """The entity body that follows the HTTP head `http` in `block`, de-chunked and decoded.

    `BodyDropped(too_large)` as soon as it passes `cap` bytes, `BodyDropped(bad_http)` when its
    encoding breaks partway.
    """
    chunked = (http.get_header("Transfer-Encoding") or "").strip().lower() == "chunked"
    pieces = _dechunked(block) if chunked else _pieces(block)
    decoders = _DECODERS.get((http.get_header("Content-Encoding") or "").strip().lower())
    if decoders:
        pieces = _decoded(pieces, decoders)
    body = bytearray()
    for piece in pieces:
        body += piece
        if len(body) > cap:
            raise BodyDropped(READ_TOO_LARGE)
    return bytes(body)


def _pieces(block: Reader) -> Iterator[bytes]:
    while data := block.read(READ_BYTES):
        yield data


def _chunk_size(line: bytes) -> int | None:
    """The size a chunk-size line gives (RFC 9112 §7.1), or None when it is not one."""
    if not line.endswith(b"\n"):
        return None
    try:
        size = int(line.split(b";", 1)[0].strip(), 16)
    except ValueError:
        return None
    return size if 0 <= size <= _MAX_CHUNK else None


def _dechunked(block: Reader) -> Iterator[bytes]:
    """`block` without its chunked transfer coding; from a line that is no chunk-size on, as it is."""
    while True:
        line = block.readline(64)
        size = _chunk_size(line)
        if size is None:
            yield line
            yield from _pieces(block)
            return
        if size == 0:
            return
        while size:
            data = block.read(min(size, READ_BYTES))
            if not data:  # the block ends inside the chunk
                return
            size -= len(data)
            yield data
        end = block.read(2)
        if end != b"\r\n":
            yield end
            yield from _pieces(block)
            return


def _decoded(pieces: Iterator[bytes], decoders: tuple[Callable[[], _Decoder], ...]) -> Iterator[bytes]:
    """`pieces` decoded by the first of `decoders` that accepts their first bytes (none: as they are)."""
    first = next(pieces, b"")
    for make in decoders:
        decoder = make()
        started = False
        try:
            for out in decoder.feed(first):
                started = True
                yield out
            started = True
            for piece in pieces:
                if decoder.done:
                    return
                yield from decoder.feed(piece)
            if not decoder.done:
                yield from decoder.feed(b"")  # output the decoder still holds
            return
        except _DECODE_ERRORS:
            if started:
                raise BodyDropped(READ_BAD_HTTP) from None
    yield first
    yield from pieces
