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
of the job, its workers and its partial output. `LocalRunner.live_counters` gives the job's user
counters while it runs (see there). `default_runner` gives every command that runs a
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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from apache_beam.metrics.metricbase import MetricName
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions, WorkerOptions
from apache_beam.portability import python_urns
from apache_beam.portability.api import beam_fn_api_pb2, beam_provision_api_pb2, beam_runner_api_pb2, metrics_pb2
from apache_beam.runners.portability import portable_metrics
from apache_beam.runners.portability.fn_api_runner import execution, fn_runner, translations
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


def local_runner(options: PipelineOptions, worker_log: str | None = None) -> LocalRunner:
    """The runner for `beam.Pipeline(runner=..., options=options)` on this machine (see above);
    its multi-processing workers write their stderr to the file `worker_log` when given."""
    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    info = beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)
    return LocalRunner(fn_runner.ExtendedProvisionInfo(info), worker_log)


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


class LocalRunner(fn_runner.FnApiRunner):
    """The FnApiRunner, with its multi-processing workers started by `worker_command`, and its user
    counters readable while it runs (`live_counters`)."""

    def __init__(self, provision_info: fn_runner.ExtendedProvisionInfo, worker_log: str | None) -> None:
        super().__init__(provision_info=provision_info)
        self._worker_log = worker_log
        self._counters = _LiveCounters()

    def run_via_runner_api(self, pipeline_proto: beam_runner_api_pb2.Pipeline,
                           options: PipelineOptions) -> fn_runner.RunnerResult:
        for environment in pipeline_proto.components.environments.values():
            command = environment.payload.decode("utf-8")
            if environment.urn == python_urns.SUBPROCESS_SDK and not command.startswith("trap "):
                environment.payload = worker_command(command, self._worker_log).encode("utf-8")
        self._counters = _LiveCounters()
        return super().run_via_runner_api(pipeline_proto, options)

    def _execute_bundle(self, runner_execution_context: execution.FnApiRunnerExecutionContext,
                        bundle_context_manager: execution.BundleContextManager,
                        bundle_input: translations.DataInput) -> beam_fn_api_pb2.InstructionResponse:
        """Run one bundle of a fused stage (split over the workers), noting which workers run it."""
        self._counters.stage_started(bundle_context_manager.worker_handlers)
        result = super()._execute_bundle(runner_execution_context, bundle_context_manager, bundle_input)
        self._counters.stage_finished(result.process_bundle.monitoring_infos)
        return result

    def live_counters(self) -> dict[MetricName, int]:
        """The job's user counters now, summed over its steps: those of the finished bundles, plus
        what the workers report for the bundles they are running (callable from any thread)."""
        return self._counters.now()


class _LiveCounters:
    """User counters of a job on the FnApiRunner, including the bundles that are still running.

    The runner runs a fused stage as one bundle per worker (`ParallelBundleManager`) and merges
    their counters only when all of them end: for the stage that reads and cleans every page, that
    is at the end of the whole stage. So, as Beam's own `ProgressRequester` does, each worker is
    sent a `ProcessBundleProgressRequest` for the bundles it is running (the `bundle_*` requests it
    has not answered yet), and answers with the counters of that bundle so far. A bundle keeps the
    highest values it reported until its stage ends and its final counters replace them.
    """

    PROGRESS_TIMEOUT = 2.0  # seconds a worker has to answer; a late answer is skipped until the next call

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finished: dict[MetricName, int] = {}
        self._running: dict[str, dict[MetricName, int]] = {}  # bundle id -> its highest reported counters
        self._handlers: list[Any] = []  # the workers of the stage running now
        self._stage = 0

    def stage_started(self, handlers: list[Any]) -> None:
        with self._lock:
            self._handlers = list(handlers)

    def stage_finished(self, infos: Iterable[metrics_pb2.MonitoringInfo]) -> None:
        with self._lock:
            _add(self._finished, _user_counters(infos))
            self._running.clear()
            self._handlers = []
            self._stage += 1

    def now(self) -> dict[MetricName, int]:
        with self._lock:
            handlers, stage = self._handlers, self._stage
        reported = {bundle: _user_counters(response.process_bundle_progress.monitoring_infos)
                    for bundle, response in _progress(handlers, self.PROGRESS_TIMEOUT)}
        with self._lock:
            if stage == self._stage:  # not answers about a stage whose final counters are in already
                for bundle, counters in reported.items():
                    highest = self._running.setdefault(bundle, {})
                    for name, value in counters.items():
                        highest[name] = max(highest.get(name, 0), value)
            totals = dict(self._finished)
            for counters in self._running.values():
                _add(totals, counters)
        return totals


def _progress(handlers: list[Any], timeout: float) -> Iterator[tuple[str, beam_fn_api_pb2.InstructionResponse]]:
    """(bundle id, progress response) for each bundle the worker `handlers` are running, asked all at once."""
    asked = []
    for handler in handlers:
        connection = handler.control_conn
        for bundle in [i for i in list(getattr(connection, "_futures_by_id", {})) if i.startswith("bundle_")]:
            request = beam_fn_api_pb2.ProcessBundleProgressRequest(instruction_id=bundle)
            with contextlib.suppress(Exception):  # a worker that is going away
                asked.append((bundle, connection.push(beam_fn_api_pb2.InstructionRequest(
                    process_bundle_progress=request))))
    deadline = time.monotonic() + timeout
    for bundle, future in asked:
        with contextlib.suppress(Exception):
            response = future.get(max(0.0, deadline - time.monotonic()))
            if response is not None and not response.error:
                yield bundle, response


def _user_counters(infos: Iterable[metrics_pb2.MonitoringInfo]) -> dict[MetricName, int]:
    """User counters of monitoring infos, summed over the steps that count them."""
    counters, *_ = portable_metrics.from_monitoring_infos(infos, user_metrics_only=True)
    totals: dict[MetricName, int] = {}
    for key, value in counters.items():
        _add(totals, {key.metric: value})
    return totals


def _add(totals: dict[MetricName, int], counters: dict[MetricName, int]) -> None:
    for name, value in counters.items():
        totals[name] = totals.get(name, 0) + value


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
