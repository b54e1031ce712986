"""The main job's progress: while a pipeline runs, one line on stderr every `--progress-seconds`
(30 by default, 0 for none), from Beam's counters:

    progress: phase 1/2 12m30s: 45,210 pages read (60.3/s), 21,877 documents kept; in near_dedup

`pages read` is `ReadWarc`'s counter; `documents kept` is what the furthest stage that has kept any
document has kept so far (`webtext.pipelines.corpus.STAGE_COUNTERS`), and that stage is the one the
line says the job is in; tokenizing adds the documents tokenized and their tokens (the `tokenize`
counters of `webtext.tokenize.beam`). The rate is that of the line's first count, over the time
until that count last grew, so once every page is read it stays the rate they were read at.

Where the counters come from while the job runs:

- on the local runner, `LocalRunner.live_counters` (`webtext.core.beamrun`) asks the workers for
  the counters of the bundles they are running, so the counts grow during the one long stage that
  reads and cleans every page instead of appearing when it ends;
- on any other runner, the `PipelineResult`'s `metrics()` are queried every period from a thread.
  Dataflow reports counters while a job runs; Beam's local job service (the portable runner's,
  in the tests) reports them only when it ends, and until then the line says no counts are in yet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial
from types import TracebackType
from typing import Any

import apache_beam as beam
from apache_beam.metrics.metricbase import MetricName
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult, PipelineRunner
from webtext.core.beamrun import LocalRunner
from webtext.pipelines.corpus import STAGE_COUNTERS, STAGES

log = logging.getLogger("webtext.pipeline")

READ = STAGE_COUNTERS["read"]
KEPT_BY = STAGES[1:]  # the stages whose counter is of documents kept
TOKENIZED = MetricName("tokenize", "documents")  # counted by webtext.tokenize.beam
TOKENS = MetricName("tokenize", "tokens")
Counts = Mapping[MetricName, int]


def clock(seconds: float) -> str:
    """`12m30s`, `2h05m00s`: whole seconds as a duration."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def rated(counts: Counts) -> int:
    """The count the line gives a rate for: pages read, or documents tokenized where no page is read."""
    return counts.get(READ) or counts.get(TOKENIZED, 0)


def progress_line(phase: str, elapsed: float, counts: Counts | None, rate_seconds: float) -> str:
    """The line for the `counts` (None: the runner gives none) after `elapsed` seconds; the rate is
    `rated(counts)` per `rate_seconds`."""
    head = f"progress: {phase} {clock(elapsed)}:" if phase else f"progress: {clock(elapsed)}:"
    counts = counts or {}
    stages = [stage for stage, name in STAGE_COUNTERS.items() if counts.get(name)]
    stages += ["tokenize"] if counts.get(TOKENIZED) else []
    if not stages:
        return f"{head} no counts yet"
    rate = f" ({rated(counts) / rate_seconds:,.1f}/s)" if rate_seconds > 0 else ""
    pages, tokenized, kept = counts.get(READ, 0), counts.get(TOKENIZED, 0), [s for s in stages if s in KEPT_BY]
    parts = [f"{pages:,} pages read{rate}"] if pages else []
    parts += [f"{counts[STAGE_COUNTERS[kept[-1]]]:,} documents kept"] if kept else []
    parts += [f"{tokenized:,} documents tokenized{'' if pages else rate}, {counts.get(TOKENS, 0):,} tokens"] \
        if tokenized else []
    return f"{head} {', '.join(parts)}; in {stages[-1]}"


class _Reporter:
    """A thread that logs `progress_line` every `every` seconds from what `source()` returns, until `stop`."""

    def __init__(self, phase: str, every: float, source: Callable[[], Counts] | None) -> None:
        self.phase, self.every, self.source = phase, every, source
        self._started = time.monotonic()
        self._rated, self._rated_at = 0, self._started
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
        self._thread.start()

    def _counts(self) -> Counts | None:
        source = self.source
        if source is None:
            return None
        try:
            return source()
        except Exception as error:  # a runner that cannot answer now; the next period asks again
            log.debug("no counters: %s", error)
            return None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            counts = self._counts()
            now = time.monotonic()
            if counts and rated(counts) > self._rated:
                self._rated, self._rated_at = rated(counts), now
            if not self._stop.is_set():
                log.info("%s", progress_line(self.phase, now - self._started, counts, self._rated_at - self._started))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def result_counters(result: Any) -> dict[MetricName, int]:
    """A running job's user counters, summed over its steps, as its `PipelineResult` reports them now."""
    totals: dict[MetricName, int] = {}
    for counter in result.metrics().query()["counters"]:
        value = counter.attempted if counter.attempted is not None else counter.committed
        totals[counter.key.metric] = totals.get(counter.key.metric, 0) + (value or 0)
    if "_metrics" in vars(result):  # the portable runner's result keeps its first answer: ask again next time
        vars(result)["_metrics"] = None
    return totals


class ProgressPipeline(beam.Pipeline):
    """A Beam pipeline that logs a progress line every `every` seconds while it runs (none when 0)."""

    def __init__(self, runner: PipelineRunner | None, options: PipelineOptions, every: float,
                 phase: str = "") -> None:
        super().__init__(runner=runner, options=options)
        self._every, self._phase = every, phase
        self._reporter: _Reporter | None = None

    def run(self, test_runner_api: bool | str = "AUTO") -> PipelineResult:
        if self._every <= 0:
            return super().run(test_runner_api)
        local = self.runner if isinstance(self.runner, LocalRunner) else None
        self._reporter = _Reporter(self._phase, self._every, local.live_counters if local else None)
        try:
            result = super().run(test_runner_api)
        except BaseException:
            self._reporter.stop()
            raise
        if local:  # it ran to the end inside `run`
            self._reporter.stop()
        else:  # it runs until `wait_until_finish` returns
            self._reporter.source = partial(result_counters, result)
        return result

    def __exit__(self, exc_type: type[BaseException] | None, exc_val: BaseException | None,
                 exc_tb: TracebackType | None) -> None:
        try:
            super().__exit__(exc_type, exc_val, exc_tb)
        finally:
            if self._reporter is not None:
                self._reporter.stop()
