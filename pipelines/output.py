"""The main job's output directory: refused when it is someone else's, replaced whole when it is not.

The job writes into a hidden sibling of the output directory (`.{name}.partial-{pid}`) and swaps it
in only when everything, the report included, is complete: a reader sees the previous corpus or
the new one, never a mix (no shard of an older run beside the new manifest) and never a half. A
failed or interrupted job removes its sibling. The swap is two renames (the old directory to
`.{name}.old-{pid}`, the new one into place), then the old one is deleted; a crash between the
two leaves both as hidden siblings, which the next run of the job removes.

An output directory that is not empty is replaced only when it holds this job's own previous
output (a shard manifest and the job's `report.json`) or when `--overwrite` is given.
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from pathlib import Path

from webtext.core.errors import ConfigError, WebtextError
from webtext.tokenize.shard_format import MANIFEST_NAME

REPORT_NAME = "report.json"
_FULL = {errno.ENOSPC: "the disk is full", errno.EFBIG: "a file grew past the size limit",
         errno.EDQUOT: "the disk quota is exhausted"}


def is_job_output(directory: Path) -> bool:
    """Whether `directory` holds a previous output of the main job (its manifest and its report)."""
    return (directory / MANIFEST_NAME).is_file() and (directory / REPORT_NAME).is_file()


def check_output(path: str, overwrite: bool) -> None:
    """Refuse an output that is a file, or a non-empty directory that is not this job's, unless `overwrite`."""
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"output {path} is a file, not a directory: pass --output DIR")
    if overwrite or not directory.is_dir() or is_job_output(directory) or not any(directory.iterdir()):
        return
    raise ConfigError(f"output directory {path} is not empty and holds no corpus of this job: "
                      "pass --overwrite to replace it, or --output DIR to write elsewhere")


def disk_full(error: BaseException) -> str | None:
    """What ran out, when `error` (or what it wraps, as Beam's worker errors do) is a full disk."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _FULL:
            return _FULL[seen.errno]
        text = str(seen)
        for number, what in _FULL.items():
            if f"[Errno {number}]" in text or os.strerror(number) in text:
                return what
        seen = seen.__cause__ or seen.__context__
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StagedOutput:
    """A hidden sibling of `final` to write into; `commit` swaps it in, `discard` removes it."""

    def __init__(self, final: str) -> None:
        self.final = Path(final)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale()
        self.path = self.final.with_name(f".{self.final.name}.partial-{os.getpid()}")
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir()
        self._lock = threading.Lock()
        self._done = False

    def _remove_stale(self) -> None:
        """Siblings that a crashed run of the job left (their process is gone)."""
        for sibling in self.final.parent.glob(f".{self.final.name}.*-*"):
            kind, _, pid = sibling.name.rpartition("-")
            if kind.endswith((".partial", ".old")) and pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(sibling, ignore_errors=True)

    def commit(self) -> None:
        """Put the complete output in place of `final` (and delete what was there)."""
        with self._lock:
            old = self.final.with_name(f".{self.final.name}.old-{os.getpid()}")
            try:
                if self.final.exists():
                    os.replace(self.final, old)
                os.replace(self.path, self.final)
            except OSError as error:
                raise WebtextError(f"cannot put the new corpus in place of {self.final}: {error.strerror}") from None
            self._done = True
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Remove the unfinished output (nothing, once committed); safe to call from another thread."""
        with self._lock:
            if not self._done:
                shutil.rmtree(self.path, ignore_errors=True)
                self._done = True
