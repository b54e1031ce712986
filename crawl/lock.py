"""The store lock: one crawl job per link store at a time, across processes.

`STORE.lock` beside the store is locked with `flock(2)`, which the kernel releases when the
holder exits, even after SIGKILL, so a crashed run never leaves a stale lock. STORE is the
store's resolved path, so a symbolic link to the store, or a path through a linked directory,
finds the same lock as the store's own path. Inside one process the lock is re-entrant (the
`run` job holds it and the spiders it starts take it again), so spiders started by other tools
(scrapyd, `scrapy crawl`) are protected the same way.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

_HELD: dict[Path, tuple[IO[str], int]] = {}


class LockHeld(Exception):
    """Another process holds the store's lock (the message is the lock file)."""


class StoreLock:
    """`with StoreLock(store):` holds `STORE.lock`; `LockHeld` at once if another process has it."""

    def __init__(self, store: str | Path) -> None:
        store = Path(store).resolve()  # every name of one store locks one file
        self.path = store.with_name(store.name + ".lock")

    def acquire(self) -> None:
        if self.path in _HELD:
            handle, depth = _HELD[self.path]
            _HELD[self.path] = (handle, depth + 1)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise LockHeld(str(self.path)) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        _HELD[self.path] = (handle, 1)

    def release(self) -> None:
        handle, depth = _HELD[self.path]
        if depth > 1:
            _HELD[self.path] = (handle, depth - 1)
            return
        del _HELD[self.path]
        handle.close()  # closing the descriptor releases the flock

    def fileno(self) -> int:
        """The locked descriptor, for a child process that must hold the lock as long as it runs
        (`subprocess.Popen(pass_fds=...)`: the flock is released when every copy is closed)."""
        return _HELD[self.path][0].fileno()

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _trace: TracebackType | None) -> None:
        self.release()
