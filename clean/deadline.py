"""A hard time limit on a call, in any thread: `call_with_deadline(fn, seconds)`.

Pathological HTML (huge or deeply nested pages, pages that defeat a heuristic) can make text
extraction run for minutes, so every extraction runs under a deadline. The usual tool,
`signal.setitimer` + SIGALRM, only works on the main thread, and Beam runs DoFns elsewhere: the
DirectRunner in multi_processing mode processes bundles in worker *threads* of its SDK-harness
subprocesses, as do the portable runners' workers. SIGALRM also belongs to whoever set it first
(pytest-timeout, a scheduler), so a library must not take it.

This module therefore uses one mechanism everywhere. A single watchdog thread keeps the pending
deadlines; when one passes, it raises `DeadlineExceeded` inside the thread that is still running
the call, through CPython's `PyThreadState_SetAsyncExc`. `DeadlineExceeded` derives from
`BaseException`, so the `except Exception` blocks inside the extractor do not catch it
(trafilatura, htmldate and courlan have no bare `except:`).

The interrupt is sent once, under the watchdog's lock and only while the call is still marked
running; finishing the call marks it done and clears an interrupt sent but not yet delivered,
under the same lock. So an interrupt is either raised before `call_with_deadline` exits or never,
and cannot surface later in unrelated code. Because an interrupt can land between any two
bytecodes of the guarded thread, that thread uses only C-level primitives here (a plain `Lock`
and a `SimpleQueue`): an interrupt inside `threading.Condition.__enter__`, which is Python
code, can leave its lock taken and hang every later call.

The granularity is the same as a signal's: a Python-level signal
handler also runs only between bytecodes, so neither interrupts one long C call. Callers bound
those separately by bounding the input (`ExtractSettings.max_bytes`). A call that returns after
its deadline raises `DeadlineExceeded` as it returns: the interrupt may have come too late, or
have been swallowed where it landed (Python code that C calls back and whose exceptions are only
reported, such as a `__del__`, or lxml's element class lookup), and the call ran on to its end.
Whether a call ran too long so depends on its time alone.

Measured (`tests/clean/test_clean_deadline.py`, and inside a multi-process Beam pipeline in
`tests/clean/test_clean_beam.py`): a pure-Python loop with a 0.05 s limit stops within a few
milliseconds of it, on the main thread and on worker threads alike; arming and disarming costs a
few microseconds per call, and wakes the watchdog thread only for a deadline earlier than all
pending ones.
"""

from __future__ import annotations

import contextlib
import ctypes
import heapq
import itertools
import math
import queue
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

class DeadlineExceeded(BaseException):
    """Raised inside a call that ran past its deadline."""


class _Watch:
    """One guarded call: its thread, deadline, whether it has finished and whether it was sent
    the interrupt."""

    __slots__ = ("deadline", "done", "interrupted", "thread_id")

    def __init__(self, thread_id: int, deadline: float) -> None:
        self.thread_id = thread_id
        self.deadline = deadline
        self.done = False
        self.interrupted = False


class _Watchdog:
    """The daemon thread that interrupts calls past their deadline (one per process).

    Arming a call wakes the thread only when its deadline is earlier than the one the thread
    sleeps until: with one limit for every call, as in extraction, that is never the case, so a
    call costs no thread switch. (Waking it on every call cost 0.2 ms a page inside a busy
    2-worker pipeline: the woken thread had to get a CPU and the GIL before the call went on.)

    A guarded thread only ever touches C-level primitives (`SimpleQueue.put`, `heapq`, a plain
    `Lock` in a `with` block), never Python-level ones such as `Condition`: an interrupt landing
    inside a Python-level `__enter__` could leave a lock held for good.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the heap and `_wake_at`; orders interrupt vs. done
        self._pending: list[tuple[float, int, _Watch]] = []  # a heap by deadline; finished ones linger
        self._order = itertools.count()  # ties on the deadline never compare two `_Watch`es
        self._wake_at = math.inf  # when the thread looks at the heap next
        self._wakeup: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.wakeups = 0  # times the thread looked at the heap

    def arm(self, seconds: float) -> _Watch:
        if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._wake_at = math.inf
                    self._thread = threading.Thread(target=self._run, name="webtext-deadline", daemon=True)
                    self._thread.start()
        watch = _Watch(threading.get_ident(), time.monotonic() + seconds)
        with self._lock:
            heapq.heappush(self._pending, (watch.deadline, next(self._order), watch))
            earlier = watch.deadline < self._wake_at
            if earlier:
                self._wake_at = watch.deadline
        if earlier:
            self._wakeup.put(None)
        return watch

    def disarm(self, watch: _Watch) -> None:
        with self._lock:
            watch.done = True
            # Clear an interrupt that was sent but not yet delivered to this thread. Only then:
            # clearing leaves CPython 3.11's pending-exception signal set for good, after which
            # the next Python function called under a profiler (cProfile) spins on its first line.
            if watch.interrupted:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(watch.thread_id), None)

    def _run(self) -> None:
        while True:
            with self._lock:
                self.wakeups += 1
                now = time.monotonic()
                while self._pending and (self._pending[0][2].done or self._pending[0][0] <= now):
                    _, _, watch = heapq.heappop(self._pending)
                    if not watch.done:
                        watch.interrupted = True
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(watch.thread_id), ctypes.py_object(DeadlineExceeded))
                self._wake_at = self._pending[0][0] if self._pending else math.inf
                wait = self._wake_at - now if self._pending else None
            with contextlib.suppress(queue.Empty):
                self._wakeup.get(timeout=wait)


_WATCHDOG = _Watchdog()


def call_with_deadline(fn: Callable[[], T], seconds: float) -> T:
    """Return `fn()`, or raise `DeadlineExceeded` once it has run for `seconds`."""
    if seconds <= 0:
        raise ValueError(f"a deadline must be positive, not {seconds}")
    watch = _WATCHDOG.arm(seconds)
    try:
        result = fn()
    finally:
        _WATCHDOG.disarm(watch)
    # The interrupt may have come too late, or been swallowed by code that C calls back (see the
    # module docstring), and the call ran on: it has still run too long.
    if watch.interrupted or time.monotonic() > watch.deadline:
        raise DeadlineExceeded
    return result
