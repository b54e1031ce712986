"""The WARC writer process: fetched pages into WARC files and every outcome into the link store.

The page spider's event loop parses responses; building a page's WARC records (gzip, two SHA-1
digests) and updating its row in SQLite would cost that loop about a third of its time per page
(`bench/crawl.py`), so they run in a process of their own, beside the crawler. The spider's
item pipeline (`webtext.crawl.spiders.items_to_warc`) starts it with `WriterProcess.start` and sends it each
outcome as one length-prefixed pickle on its standard input: `("page", Fetched, attempts)` or
`("drop", link_url, status, reason, attempts, http_status)`. An empty frame means "close".

Ordering is what makes a killed crawl resumable without losing or refetching pages:

1. a page's records are written to the open WARC file (under its temporary name) and its row
   is updated in the store's open transaction;
2. about once a second the WARC file is flushed to the operating system, then the store commits,
   so a committed row never points at bytes that a kill of this process could lose;
3. when the file reaches its size, the store commits before the file is renamed, so a file under
   its final name never holds a page that the store still calls pending.

Lifetime: the writer inherits the descriptor of the store lock (`webtext.crawl.lock`), so the
lock stays held until both processes have exited. If its input ends without "close" (the
crawler was killed), it writes every frame it received whole, commits and closes the file under
its final name; a frame cut short was in flight and its URL stays pending. It ignores SIGINT:
Ctrl-C reaches the whole process group, and the crawler decides how to stop. If both processes
are killed, the next run's `recover_leftovers` finishes the file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from webtext.crawl.links.store import LinkStore
from webtext.crawl.warc.write import RollingWarcWriter

COMMIT_SECONDS = 1.0
_LENGTH = struct.Struct(">I")
_PIPE_BYTES = 1 << 20  # room for a few pages, so the crawler rarely waits on the writer


class WriterFailed(Exception):
    """The writer process stopped before it was told to close (the message says how)."""


@dataclass(frozen=True)
class WriterReport:
    """What the writer tells the crawler when it closes."""

    last_page: float  # time.monotonic() when it wrote its last page (0: none); the clock is system-wide
    peak_rss_mib: float  # its peak resident memory


class WarcStoreSink:
    """Write pages to rolling WARC files and outcomes to the store, in the ordering above."""

    def __init__(self, store: str | Path, warc_dir: str | Path, warc_size: int) -> None:
        self.store = LinkStore(store)
        self.writer = RollingWarcWriter(warc_dir, max_bytes=warc_size)
        self.store.transaction()
        self._last_commit = time.monotonic()
        self.last_page = 0.0  # time.monotonic() of the latest page written

    def record(self, message: tuple[Any, ...]) -> None:
        if message[0] == "page":
            _, page, attempts = message
            if self.writer.full:
                self._commit()
                self.writer.close()
            where = self.writer.write(page)
            self.store.mark_fetched(page.link_url, http_status=page.status, final_url=page.url,
                                    warc_file=where.file, warc_offset=where.offset,
                                    fetched_at=page.fetched_at, attempts=attempts, archive_time=page.archive_time)
            self.last_page = time.monotonic()
        else:
            _, link_url, status, reason, attempts, http_status = message
            self.store.mark_dropped(link_url, status=status, reason=reason, attempts=attempts,
                                    http_status=http_status)
        if time.monotonic() - self._last_commit >= COMMIT_SECONDS:
            self._commit()

    def close(self) -> None:
        self._commit(reopen=False)
        self.writer.close()
        self.store.close()

    def _commit(self, reopen: bool = True) -> None:
        self.writer.flush()
        self.store.commit()
        if reopen:
            self.store.transaction()
        self._last_commit = time.monotonic()


def read_frames(stream: BinaryIO) -> Iterator[tuple[Any, ...]]:
    """The messages on `stream`, until "close", the end of input, or a frame cut short."""
    while len(head := stream.read(_LENGTH.size)) == _LENGTH.size:
        (size,) = _LENGTH.unpack(head)
        if size == 0:
            return
        data = stream.read(size)
        if len(data) < size:
            return
        yield pickle.loads(data)


def serve(stream: BinaryIO, store: str, warc_dir: str, warc_size: int) -> float:
    """The writer's loop: every message of `stream` into `WarcStoreSink`, then close it.

    Returns when the last page was written (`time.monotonic()`, 0 if none), for the page rate.
    """
    sink = WarcStoreSink(store, warc_dir, warc_size)
    try:
        for message in read_frames(stream):
            sink.record(message)
    finally:
        sink.close()
    return sink.last_page


class WriterProcess:
    """The crawler's handle on a running writer process."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        assert process.stdin is not None
        self._pipe: IO[bytes] = process.stdin
        self._fd = self._pipe.fileno()

    @classmethod
    def start(cls, store: str | Path, warc_dir: str | Path, warc_size: int, lock_fd: int) -> WriterProcess:
        """Start a writer for `store` and `warc_dir` that also holds the lock open as `lock_fd`."""
        command = [sys.executable, "-m", "webtext.crawl.spiders.writer", os.fspath(store), os.fspath(warc_dir),
                   str(warc_size)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                                   pass_fds=(lock_fd,))
        assert process.stdin is not None
        # Linux only; elsewhere, or above /proc/sys/fs/pipe-max-size, a smaller pipe means more waiting
        with contextlib.suppress(AttributeError, OSError):
            fcntl.fcntl(process.stdin.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        return cls(process)

    def send(self, message: tuple[Any, ...]) -> None:
        """Hand one message to the writer; `WriterFailed` if it has stopped."""
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self._write(_LENGTH.pack(len(data)) + data)

    def close(self) -> WriterReport:
        """Tell the writer to finish and wait for it; `WriterFailed` unless it closed cleanly."""
        try:
            self._write(_LENGTH.pack(0))
        finally:
            self._pipe.close()
        assert self.process.stdout is not None
        reply = self.process.stdout.read().split()
        if self.process.wait() != 0 or len(reply) != 2:
            raise WriterFailed(f"the WARC writer process exited with status {self.process.returncode}")
        return WriterReport(last_page=float(reply[0]), peak_rss_mib=int(reply[1]) / 1024)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view):]
        except BrokenPipeError as exc:
            status = self.process.wait()
            raise WriterFailed(f"the WARC writer process stopped (exit status {status})") from exc


def main(argv: list[str]) -> int:
    """`python -m webtext.crawl.spiders.writer STORE WARC_DIR WARC_SIZE`, started by `WriterProcess`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store, warc_dir, warc_size = argv
    try:
        last_page = serve(sys.stdin.buffer, store, warc_dir, int(warc_size))
    except Exception as error:  # one line for the user; the crawler stops on the broken pipe
        print(f"error: the WARC writer stopped: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(last_page, _peak_rss_kib())
    return 0


def _peak_rss_kib() -> int:
    """This process's peak resident memory (`VmHWM`: unlike `getrusage`, it does not count the
    crawler's memory, which a child inherits as its high-water mark across fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
