"""The per-call time limit: it stops runaway calls on any thread and leaves no stray interrupt."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time

import pytest
from webtext.clean.deadline import _WATCHDOG, DeadlineExceeded, call_with_deadline


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _spin() -> None:
    while True:
        pass


def test_runaway_call_is_stopped_on_main_thread() -> None:
    with pytest.raises(DeadlineExceeded):
        call_with_deadline(_spin, 0.05)


def test_runaway_call_is_stopped_on_a_worker_thread() -> None:
    outcome: list[str] = []

    def worker() -> None:
        try:
            call_with_deadline(_spin, 0.05)
            outcome.append("returned")
        except DeadlineExceeded:
            outcome.append("stopped")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=30)
    assert outcome == ["stopped"]


def test_interrupt_is_not_caught_by_except_exception() -> None:
    def swallowing() -> None:
        while True:
            with contextlib.suppress(Exception):  # what a careless dependency does
                time.sleep(0.001)

    with pytest.raises(DeadlineExceeded):
        call_with_deadline(swallowing, 0.05)


def test_fast_calls_return_their_result() -> None:
    results = [call_with_deadline(lambda i=i: i * 2, 5.0) for i in range(2000)]
    assert results == [i * 2 for i in range(2000)]


def test_calls_ending_near_their_deadline_leave_no_stray_interrupt() -> None:
    def busy() -> int:
        end = time.perf_counter() + 0.001
        while time.perf_counter() < end:
            pass
        return 1

    outcomes = []
    for _ in range(300):  # deadlines expire just before, during and just after the return
        try:
            outcomes.append(call_with_deadline(busy, 0.001))
        except DeadlineExceeded:
            outcomes.append(0)
    assert set(outcomes) <= {0, 1}
    for _ in range(100):  # an interrupt left pending would be raised in this loop
        time.sleep(0.001)


def test_a_call_that_swallows_its_interrupt_still_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # Code that C calls back (lxml's element class lookup, a __del__) may swallow the interrupt,
    # and the call then runs on to its end: it has still run past its deadline.
    swallowed: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: swallowed.append(unraisable.exc_type))

    class Slow:
        def __del__(self) -> None:  # an exception raised in __del__ is reported, not raised
            _busy(0.3)

    def call() -> str:
        Slow()
        return "done"

    with pytest.raises(DeadlineExceeded):
        call_with_deadline(call, 0.05)
    assert swallowed == [DeadlineExceeded]  # delivered where it could not stop the call


def test_errors_of_the_call_propagate() -> None:
    def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        call_with_deadline(fail, 5)


def test_concurrent_threads_get_their_own_deadlines() -> None:
    outcomes: dict[str, str] = {}

    def run(name: str, fn: object, seconds: float) -> None:
        try:
            call_with_deadline(fn, seconds)  # type: ignore[arg-type]
            outcomes[name] = "returned"
        except DeadlineExceeded:
            outcomes[name] = "stopped"

    threads = [threading.Thread(target=run, args=("spin", _spin, 0.1)),
               threading.Thread(target=run, args=("quick", lambda: time.sleep(0.02), 5.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {"spin": "stopped", "quick": "returned"}


def test_an_earlier_deadline_is_kept_while_a_later_one_is_pending() -> None:
    """The watchdog sleeps until the earliest deadline: a shorter one armed after a longer one
    must wake it (else the spin below would run until the long call's 60 s deadline)."""
    started = threading.Event()
    release = threading.Event()
    slow = threading.Thread(target=call_with_deadline, args=(lambda: started.set() or release.wait(30), 60.0))
    slow.start()
    assert started.wait(timeout=30)
    outcome: list[str] = []

    def spin() -> None:
        try:
            call_with_deadline(_spin, 0.05)
        except DeadlineExceeded:
            outcome.append("stopped")

    spinner = threading.Thread(target=spin)
    spinner.start()
    spinner.join(timeout=30)
    release.set()
    slow.join(timeout=30)
    assert outcome == ["stopped"]


def test_calls_under_one_limit_do_not_wake_the_watchdog_each_time() -> None:
    call_with_deadline(lambda: None, 30.0)
    before = _WATCHDOG.wakeups
    for _ in range(2000):
        call_with_deadline(lambda: None, 30.0)
    assert _WATCHDOG.wakeups - before < 20


def test_non_positive_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        call_with_deadline(lambda: None, 0)


def test_calls_that_finish_in_time_leave_a_profiler_working() -> None:
    script = ("import cProfile\n"
              "from webtext.clean.deadline import call_with_deadline\n"
              "call_with_deadline(lambda: 1, 5)\n"
              "profile = cProfile.Profile()\n"
              "profile.enable()\n"
              "assert call_with_deadline(lambda: 2, 5) == 2\n"
              "profile.disable()\n")
    assert subprocess.run([sys.executable, "-c", script], timeout=30).returncode == 0
