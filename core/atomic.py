"""Atomic file output: write under a temporary name, rename into place only when complete.

A reader (or a resumed job) therefore sees either no file or a whole file, never a half-written
one (ARCHITECTURE §5, rule 2). `os.replace` is atomic within one filesystem on POSIX and Windows.

The file gets the mode a plain `open()` would give it (0666 less the process's umask), not the
owner-only mode `tempfile.mkstemp` creates it with, which the rename would keep.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_UMASK_READ = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system shows it (Linux's
    /proc/self/status); elsewhere set and restored under a lock (the umask is process-wide),
    briefly as owner-only so a file another thread creates meanwhile is never more open."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_READ:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def plain_mode() -> int:
    """The mode `open()` gives a new file under the umask (0666 & ~umask)."""
    return 0o666 & ~current_umask()


def temporary_name(path: Path) -> Path:
    """The in-progress name used for `path` (hidden, in the same directory, so rename is atomic)."""
    return path.with_name(f".{path.name}.partial")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open `path` for writing; on success fsync and rename into place, on error remove it."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write supports modes 'w' and 'wb', not {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        encoding = "utf-8" if mode == "w" else None
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            os.fchmod(handle.fileno(), plain_mode())
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def json_text(data: Any) -> str:
    """`data` as the project writes JSON files: pretty, key-sorted, UTF-8 text, one final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write `data` as pretty, key-sorted JSON (`json_text`), atomically."""
    with atomic_write(path, "w") as handle:
        handle.write(json_text(data))
