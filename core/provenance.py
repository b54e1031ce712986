"""What a report describes: the command that made it, when, and its inputs with their digests.

Every report the project writes (the corpus report, the data card, the eval report) opens with
this record, so a reader holding only the page can tell which corpus or checkpoints it is about
and check that the files beside it are the ones it describes. An input is named with a digest a
reader can recompute: `sha256` of a file's bytes where the file is small enough to hash
(`file_sha256`), or of a listing (`listing_sha256`: names and sizes) where re-reading the inputs
would cost as much as the job itself (the WARC files of a corpus).
"""

from __future__ import annotations

import datetime
import hashlib
import shlex
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from webtext.core import filesys
from webtext.core.render import Block, Bullets, Heading

_CHUNK = 1 << 20


def command_line(argv: Iterable[str] | None = None) -> str:
    """The command as a user would type it: the program's name, then its arguments, shell-quoted."""
    args = list(sys.argv if argv is None else argv)
    return shlex.join([Path(args[0]).name if args else "python", *args[1:]])


def utc_now() -> str:
    """The current time, UTC, to the second (ISO 8601)."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def file_sha256(path: str | Path) -> str:
    """`sha256:<hex>` of a file's bytes (a local path or a URL)."""
    digest = hashlib.sha256()
    with filesys.open_read(str(path)) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def listing_sha256(sizes: Mapping[str, int]) -> str:
    """`sha256:<hex>` of a listing: each name and size, in name order."""
    digest = hashlib.sha256()
    for name in sorted(sizes):
        digest.update(f"{name}\0{sizes[name]}\n".encode())
    return f"sha256:{digest.hexdigest()}"


def provenance(inputs: Mapping[str, str], argv: Iterable[str] | None = None) -> dict[str, Any]:
    """The record a report opens with: {"command", "created", "inputs": {what: description}}."""
    return {"command": command_line(argv), "created": utc_now(), "inputs": dict(inputs)}


def about_blocks(record: Mapping[str, Any]) -> list[Block]:
    """The "About this report" section of a provenance record."""
    lines = [f"Command: {record['command']}", f"Made: {record['created']}",
             *(f"{what}: {description}" for what, description in record.get("inputs", {}).items())]
    return [Heading("About this report"), Bullets(tuple(lines))]
