"""The main job's output directory: refused when it is someone else's, replaced whole when it is not.

The job writes into a hidden sibling of the output (`StagedOutput`) and puts it in place only when
everything, the report included, is complete: a reader keyed on the manifest sees the previous
corpus or the new one, never a half, and no file of an older run is left beside the new manifest.
A failed or interrupted job removes its sibling.

- A local directory: the sibling is `.{name}.partial-{pid}`, and the swap is two renames (the old
  directory to `.{name}.old-{pid}`, the new one into place), then the old one is deleted; a crash
  between the two leaves both as hidden siblings, which the next run of the job removes.
- A URL (`s3://bucket/corpus`, through `webtext.core.filesys`): object stores have no directory to
  rename, so the sibling is the prefix `.{name}.partial-{pid}-{random}/` and the commit moves its
  files one by one under the output, `manifest.json` and `report.json` last (so the new manifest
  appears only once every file it lists is in place), then deletes the files of the previous
  output that the new one did not write, then the sibling. A job killed before it could clean up
  (not one that failed or was interrupted) leaves its sibling prefix, which can be deleted by hand.

An output that is not empty is replaced only when it holds this job's own previous output (a
shard manifest and the job's `report.json`) or when `--overwrite` is given.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import threading
from pathlib import Path

from webtext.core import filesys
from webtext.core.errors import ConfigError, WebtextError
from webtext.tokenize.shard_format import MANIFEST_NAME

REPORT_NAME = "report.json"
_FULL = {errno.ENOSPC: "the disk is full", errno.EFBIG: "a file grew past the size limit",
         errno.EDQUOT: "the disk quota is exhausted"}


def is_job_output(directory: str) -> bool:
    """Whether `directory` holds a previous output of the main job (its manifest and its report)."""
    return all(filesys.is_file(filesys.join(directory, name)) for name in (MANIFEST_NAME, REPORT_NAME))


def check_output(path: str, overwrite: bool) -> None:
    """Refuse an output that is a file (or a whole bucket), or a non-empty directory that is not this
    job's, unless `overwrite`."""
    filesys.split(path)  # `ConfigError` for a bucket: it has no sibling to stage the output in
    if filesys.is_file(path):
        raise ConfigError(f"output {path} is a file, not a directory: pass --output DIR")
    if overwrite or filesys.holds_nothing(path) or is_job_output(path):
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
    """A hidden sibling of `final` to write into (`path`); `commit` puts it in place, `discard` removes it."""

    def __init__(self, final: str) -> None:
        self.final = final
        self._remote = filesys.is_remote(final)
        self._parent, self._name = filesys.split(final)
        if self._remote:
            self.path = filesys.join(self._parent, f".{self._name}.partial-{os.getpid()}-{secrets.token_hex(4)}")
        else:
            Path(self._parent).mkdir(parents=True, exist_ok=True)
            self._remove_stale()
            self.path = os.path.join(self._parent, f".{self._name}.partial-{os.getpid()}")
            shutil.rmtree(self.path, ignore_errors=True)
            os.mkdir(self.path)
        self._lock = threading.Lock()
        self._done = False

    def _remove_stale(self) -> None:
        """Local siblings that a crashed run of the job left (their process is gone)."""
        for sibling in Path(self._parent).glob(f".{self._name}.*-*"):
            kind, _, pid = sibling.name.rpartition("-")
            if kind.endswith((".partial", ".old")) and pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(sibling, ignore_errors=True)

    def commit(self) -> None:
        """Put the complete output in place of `final` (and delete what was there)."""
        with self._lock:
            try:
                if self._remote:
                    self._move_files()
                else:
                    self._swap_directories()
            except OSError as error:
                raise WebtextError(f"cannot put the new corpus in place of {self.final}: "
                                   f"{error.strerror or error}") from None
            self._done = True

    def _swap_directories(self) -> None:
        old = os.path.join(self._parent, f".{self._name}.old-{os.getpid()}")
        if os.path.exists(self.final):
            os.replace(self.final, old)
        os.replace(self.path, self.final)
        shutil.rmtree(old, ignore_errors=True)

    def _move_files(self) -> None:
        staged = filesys.listing(self.path)
        last = [name for name in (MANIFEST_NAME, REPORT_NAME) if name in staged]
        for names in ([name for name in sorted(staged) if name not in last], last):
            filesys.rename((filesys.join(self.path, name), filesys.join(self.final, name)) for name in names)
        filesys.delete(filesys.join(self.final, name) for name in filesys.listing(self.final) if name not in staged)
        filesys.delete_tree(self.path)

    def discard(self) -> None:
        """Remove the unfinished output (nothing, once committed); safe to call from another thread."""
        with self._lock:
            if not self._done:
                self._done = True
                with contextlib.suppress(OSError):  # the error that led here is the one to report
                    filesys.delete_tree(self.path)
