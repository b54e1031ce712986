"""The local Beam runner: the engine of Beam's DirectRunner for batch pipelines, chosen directly.

Beam 2.77's `DirectRunner` first tries Prism, a runner written in Go that it downloads from
GitHub (`apache_beam-v2.77.0-prism-linux-amd64.zip`) on first use, and only when that fails
falls back to the `FnApiRunner`, the engine behind `direct_running_mode` and
`direct_num_workers`. Offline, every job paid for the failed download (0.4 s, measured on a
20-page job) and a request to the network; online, the job would run on another engine than the
one tested and measured here. `local_runner` builds the `FnApiRunner` exactly as the DirectRunner
does after its fallback: with the pipeline options in its provision info, which is how the SDK
workers it starts receive them (their log levels, for instance). Its multi-processing workers
ignore SIGINT (`worker_command`); `stop_on_interrupt` turns one Ctrl-C into a prompt, quiet stop
of the job, its workers and its partial output. `default_runner` gives every command that runs a
Beam job on this machine the same mode: `multi_processing` workers (never `multi_threading`, in
which Beam 2.77's local runner was seen to lose elements of a `GroupByKey`: 3 of 40 runs).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions, WorkerOptions
from apache_beam.portability import python_urns
from apache_beam.portability.api import beam_provision_api_pb2, beam_runner_api_pb2
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.portable_runner import JobServiceHandle

LOCAL_RUNNER = "FnApiRunner"


def default_runner(options: PipelineOptions) -> PipelineOptions:
    """Multi-processing mode on every core for the local runner, unless a runner was chosen."""
    if options.view_as(StandardOptions).runner is None:
        direct = options.view_as(DirectOptions)
        direct.direct_running_mode = "multi_processing"
        direct.direct_num_workers = direct.direct_num_workers or (os.cpu_count() or 1)
    worker = options.view_as(WorkerOptions)
    worker.default_sdk_harness_log_level = worker.default_sdk_harness_log_level or "WARNING"
    # trafilatura warns once per page it finds no text in; those pages are counted as drops already
    worker.sdk_harness_log_level_overrides = worker.sdk_harness_log_level_overrides or {
        "trafilatura": "ERROR", "apache_beam.options.pipeline_options": "ERROR"}
    return options


def local_runner(options: PipelineOptions, worker_log: str | None = None) -> fn_runner.FnApiRunner:
    """The runner for `beam.Pipeline(runner=..., options=options)` on this machine (see above);
    its multi-processing workers write their stderr to the file `worker_log` when given."""
    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    info = beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)
    return _LocalRunner(fn_runner.ExtendedProvisionInfo(info), worker_log)


def worker_command(command: str, log: str | None = None) -> str:
    """`command` (a shell line starting an SDK worker) run with SIGINT ignored, its stderr appended
    to the file `log` when given (what it logs at WARNING and above also reaches the runner's log).

    Ctrl-C in a terminal signals the whole process group, workers included; the job, not each
    worker, decides what an interrupt does (`stop_on_interrupt`), so a worker neither prints its
    own traceback nor dies under the runner. An ignored signal stays ignored across `exec`, and
    Python then installs no KeyboardInterrupt handler.
    """
    redirect = f" 2>>{shlex.quote(log)}" if log else ""
    return f"trap '' INT; exec {command}{redirect}"


class _LocalRunner(fn_runner.FnApiRunner):
    """The FnApiRunner, with its multi-processing workers started by `worker_command`."""

    def __init__(self, provision_info: fn_runner.ExtendedProvisionInfo, worker_log: str | None) -> None:
        super().__init__(provision_info=provision_info)
        self._worker_log = worker_log

    def run_via_runner_api(self, pipeline_proto: beam_runner_api_pb2.Pipeline,
                           options: PipelineOptions) -> fn_runner.RunnerResult:
        for environment in pipeline_proto.components.environments.values():
            command = environment.payload.decode("utf-8")
            if environment.urn == python_urns.SUBPROCESS_SDK and not command.startswith("trap "):
                environment.payload = worker_command(command, self._worker_log).encode("utf-8")
        return super().run_via_runner_api(pipeline_proto, options)


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (from /proc; `pgrep -P` where there is none)."""
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        below = children.get(parent) if children else _pgrep_children(parent)
        found += below or []
        todo += below or []
    return found


def _pgrep_children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(p) for p in out.split()]


def stop_processes(pids: list[int], wait: float = 10.0) -> None:
    """SIGKILL `pids` and wait (at most `wait` seconds) until none of them runs any more."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _running(pids):
        time.sleep(0.05)


def stop_descendants(pid: int, wait: float = 10.0) -> None:
    """SIGKILL every descendant of `pid`, sweeping again until a sweep finds none (at most `wait`
    seconds): the runner's threads go on while the first workers die and may start another one,
    which a single sweep would leave holding the job's stdout and stderr."""
    deadline = time.monotonic() + wait
    while (found := descendants(pid)) and time.monotonic() < deadline:
        stop_processes(found, wait=max(0.0, deadline - time.monotonic()))


def _running(pids: list[int]) -> list[int]:
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            running.append(pid)
    return running


@contextlib.contextmanager
def stop_on_interrupt(cleanup: Callable[[], None]) -> Iterator[None]:
    """While inside, one SIGINT stops the job: its worker processes are killed, `cleanup` runs,
    `interrupted` is printed on stderr and the process exits with status 130.

    The work is done by a thread woken through `signal.set_wakeup_fd`, so it happens even while
    the main thread waits inside the runner's C code, and no KeyboardInterrupt unwinds through the
    runner (whose worker threads would print tracebacks and could keep the process alive). Outside
    the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    previous = signal.signal(signal.SIGINT, lambda *_: None)

    def watch() -> None:
        while (byte := os.read(read_end, 1)) and byte[0] != _STOP:
            if byte[0] == signal.SIGINT:
                # the runner's threads complain on stderr as their workers die: they are silenced
                stderr = os.dup(2)
                os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
                with contextlib.suppress(Exception):
                    stop_descendants(os.getpid())
                with contextlib.suppress(Exception):
                    cleanup()
                with contextlib.suppress(Exception):
                    stop_descendants(os.getpid())
                os.write(stderr, b"interrupted\n")
                os._exit(130)

    watcher = threading.Thread(target=watch, name="stop-on-interrupt", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.set_wakeup_fd(previous_fd)
        os.write(write_end, bytes([_STOP]))
        watcher.join()
        os.close(read_end)
        os.close(write_end)


_STOP = 0  # no signal has number 0: the byte that ends the watcher
