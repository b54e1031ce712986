"""Read monthly Reddit submission dumps (`RS_YYYY-MM.zst`, the Pushshift / Arctic Shift format).

Each file is zstandard-compressed newline-delimited JSON, one submission per line, compressed
with a long window (up to 2 GiB), so the decoder must be opened with `max_window_size=2**31`
(the Pushshift README says so). Files are streamed: memory stays constant however large the
dump. A line that is not a JSON object is skipped and reported with its file and line number;
a damaged compressed stream raises `BadFileError` naming the file and the line reached.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard
from webtext.core.errors import BadFileError

log = logging.getLogger(__name__)

MAX_WINDOW = 2**31
_READ_SIZE = 1 << 20


@dataclass
class DumpReport:
    """What reading one dump file found."""

    path: str
    lines: int = 0
    records: int = 0
    malformed: list[str] = field(default_factory=list)  # "file:line: problem", the first few
    malformed_count: int = 0


def iter_dump(path: str | Path, report: DumpReport | None = None) -> Iterator[dict[str, Any]]:
    """Yield the submission dicts of one `RS_*.zst` file, skipping (and counting) bad lines."""
    report = report if report is not None else DumpReport(str(path))
    name = str(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below, the generator may stop early
    except OSError as exc:
        raise BadFileError(name, f"cannot open dump: {exc.strerror}") from exc
    with raw:
        decoder = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
        text = io.TextIOWrapper(decoder.stream_reader(raw, read_size=_READ_SIZE), encoding="utf-8",
                                errors="replace", newline="\n")
        lines = iter(text)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except zstandard.ZstdError as exc:
                raise BadFileError(name, f"damaged zstandard stream ({exc})",
                                   f"line {report.lines + 1}") from exc
            report.lines += 1
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                _malformed(report, f"not JSON ({exc.msg})")
                continue
            if not isinstance(record, dict):
                _malformed(report, "not a JSON object")
                continue
            report.records += 1
            yield record


def _malformed(report: DumpReport, problem: str) -> None:
    report.malformed_count += 1
    where = f"{report.path}:{report.lines}: {problem}"
    if len(report.malformed) < 20:
        report.malformed.append(where)
    log.warning("skipping malformed line %s", where)
