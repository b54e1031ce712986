"""Read monthly Reddit submission dumps (`RS_YYYY-MM.zst`, the Pushshift / Arctic Shift format).

Each file is zstandard-compressed newline-delimited JSON, one submission per line, compressed
with a long window (up to 2 GiB), so the decoder must be opened with `max_window_size=2**31`
(the Pushshift README says so). Files are streamed frame by frame: memory stays bounded however
large the dump, and a file may hold several frames one after another.

A line that is not a JSON object is skipped and reported with its file and line number (blank
lines hold no record and are not counted). A damaged file raises `BadFileError` naming the file,
the line reached and the compressed byte offset: a corrupt frame, trailing bytes that are not a
frame, an empty file, or a file that ends inside a frame (a truncated download, which the
decoder alone would take for a shorter complete file).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import zstandard
from webtext.core.errors import BadFileError

log = logging.getLogger(__name__)

MAX_WINDOW = 2**31
MAX_SHOWN = 20  # bad lines listed (and logged) per file; all of them are counted
_READ_SIZE = 1 << 16  # compressed bytes fed to the decoder at a time

BadLine = Callable[[str, str], object]  # (where: "file:line", problem); the result is ignored


@dataclass
class DumpReport:
    """What reading one dump file found."""

    path: str
    lines: int = 0  # lines read, blank ones included
    records: int = 0  # JSON objects handed on
    malformed: list[str] = field(default_factory=list)  # "file:line: problem", the first few
    malformed_count: int = 0  # lines that are not a JSON object
    offset: int = 0  # compressed bytes read


def iter_dump(path: str | Path, report: DumpReport | None = None,
              on_bad: BadLine | None = None) -> Iterator[dict[str, Any]]:
    """Yield the submission dicts of one `RS_*.zst` file, skipping (and counting) bad lines.

    A bad line is recorded in `report` and passed to `on_bad` (logged when there is none).
    """
    report = report if report is not None else DumpReport(str(path))
    name = str(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below, the generator may stop early
    except OSError as exc:
        raise BadFileError(name, f"cannot open dump: {exc.strerror}") from exc
    with raw:
        for line in _lines(raw, report):
            report.lines += 1
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8", errors="replace"))
            except (json.JSONDecodeError, RecursionError) as exc:
                _malformed(report, f"not JSON ({getattr(exc, 'msg', 'nested too deeply')})", on_bad)
                continue
            if not isinstance(record, dict):
                _malformed(report, "not a JSON object", on_bad)
                continue
            report.records += 1
            yield record


def _lines(raw: IO[bytes], report: DumpReport) -> Iterator[bytes]:
    """The complete lines of the decompressed stream (a last line may lack its newline)."""
    pending: list[bytes] = []
    for block in _decompressed(raw, report):
        pieces = block.split(b"\n")
        if len(pieces) == 1:
            pending.append(block)
            continue
        yield b"".join((*pending, pieces[0]))
        yield from pieces[1:-1]
        pending = [pieces[-1]] if pieces[-1] else []
    if pending:
        yield b"".join(pending)


def _decompressed(raw: IO[bytes], report: DumpReport) -> Iterator[bytes]:
    """The decompressed bytes of every frame; `BadFileError` for a damaged or incomplete stream."""
    decompressor = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
    frame = decompressor.decompressobj()
    in_frame = False  # bytes of the current frame were fed but its end was not reached
    while chunk := raw.read(_READ_SIZE):
        report.offset += len(chunk)
        while chunk:
            try:
                block = frame.decompress(chunk)
            except zstandard.ZstdError as exc:
                raise _damaged(report, f"damaged zstandard stream ({exc}) in the compressed bytes up to "
                                       f"byte {report.offset}") from exc
            in_frame = not frame.eof
            if block:
                yield block
            chunk = frame.unused_data if frame.eof else b""
            if frame.eof:
                frame = decompressor.decompressobj()
    if report.offset == 0:
        raise _damaged(report, "the file is empty, not a zstandard stream")
    if in_frame:
        raise _damaged(report, f"truncated: the file ends inside a zstandard frame at byte {report.offset}; "
                               "the file is not marked read: read it again from a complete copy")


def _damaged(report: DumpReport, problem: str) -> BadFileError:
    return BadFileError(report.path, problem, f"line {report.lines + 1}")


def _malformed(report: DumpReport, problem: str, on_bad: BadLine | None) -> None:
    report.malformed_count += 1
    where = f"{report.path}:{report.lines}"
    if len(report.malformed) < MAX_SHOWN:
        report.malformed.append(f"{where}: {problem}")
    if on_bad is not None:
        on_bad(where, problem)
    elif report.malformed_count <= MAX_SHOWN:
        log.warning("skipping malformed line %s: %s", where, problem)
