"""Spill: group or partition a PCollection through files instead of through the runner.

Beam's local runner (the FnApiRunner, `webtext.core.beamrun`) keeps every PCollection that crosses
a `GroupByKey` in the driver's memory until the next stage has read it: about 6 MB of driver memory
per MB shuffled (`bench/runner_memory.py`), so a corpus-sized shuffle cannot run on one machine.
A spill takes the data out of the runner's hands, as a MapReduce worker spills its map output
to local disk (Dean & Ghemawat, *MapReduce*, OSDI 2004, §3.1):

1. `Spill`: each worker appends its `(group, point, value)` records to an in-memory buffer, sorted
   into `BUCKETS` buckets per group by `point` (a number in [0, 1), e.g. a hash of the document id),
   and writes the buffer as one *run file* whenever it reaches `spill_run_bytes` and when its bundle
   ends. A run file holds its records bucket after bucket; `RunFile` (its path and the byte offset
   where each of its buckets starts, a few KB) is all that passes through the runner, gathered
   into one list (a singleton PCollection, used as a side input).
2. Readers read the byte ranges of the buckets they need from every run file (`read_buckets`,
   `read_index`), so each holds one bucket range, never the whole PCollection.

`SpillGroupByKey` is a `GroupByKey` built on it: the point is a hash of the key, and the buckets
are cut into tasks of about `spill_task_bytes` each, each grouped in the memory of one worker. Run
files go to `directory` on any Beam filesystem the workers can reach (local disk for the local
runner, `gs://`/`s3://` on a cluster); the caller removes the directory when the job is done. A
record is read only from the run files named by completed bundles, so a retried bundle's
orphan file is never read twice.
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
import struct
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue
from webtext.core.config import byte_size, setting
from webtext.core.errors import BadFileError
from webtext.core.splits import index_of

BUCKETS = 1024
RUN_BYTES = 16 << 20
TASK_BYTES = 32 << 20
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True)
class SpillSettings:
    """A worker's memory for groupings against the number of run files and reads (`webtext.core.spill`).

    A task reads one byte range from every run file of its spill, so a corpus of T bytes costs about
    T² / (run bytes × task bytes) reads: raise both on a cluster whose run files are on an object
    store; lower them to hold less in each worker."""

    spill_run_bytes: int = setting(RUN_BYTES, "bytes of records a worker buffers before it writes them as a run "
                                              "file, per grouping; units allowed, e.g. 16MiB", converter=byte_size)
    spill_task_bytes: int = setting(TASK_BYTES, "bytes of run-file records one grouping task reads and holds in a "
                                                "worker (a single key's values are never split); units allowed",
                                    converter=byte_size)


DEFAULT_SPILL = SpillSettings()


class RunFile(NamedTuple):
    """One run file: its path, and for each group the `BUCKETS + 1` offsets where its buckets start."""

    path: str
    offsets: dict[str, np.ndarray]

    def span(self, group: str, first: int, end: int) -> tuple[int, int]:
        """Byte range of buckets `first` to `end - 1` of `group` in this file (empty when it has none)."""
        starts = self.offsets.get(group)
        return (0, 0) if starts is None else (int(starts[first]), int(starts[end]))


def bucket_range(index: int, count: int) -> tuple[int, int]:
    """The buckets (first, end) that may hold points of part `index` of `count` (one bucket of slack on
    each side absorbs floating-point rounding; readers keep the exact part with `index_of`)."""
    return max(0, index * BUCKETS // count - 1), min(BUCKETS, (index + 1) * BUCKETS // count + 2)


def key_point(key: Any) -> float:
    """A stable point in [0, 1) for a `GroupByKey` key (its pickle's BLAKE2b: the same in every process)."""
    digest = hashlib.blake2b(pickle.dumps(key, protocol=5), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class _WriteRuns(beam.DoFn):
    """(group, point, value) records -> `RunFile`s in `directory` (see the module docstring)."""

    def __init__(self, directory: str, run_bytes: int) -> None:
        self._directory, self._run_bytes = directory, run_bytes

    def start_bundle(self) -> None:
        self._buffer: dict[str, list[list[bytes]]] = {}
        self._size = 0

    def process(self, record: tuple[str, float, Any]) -> Iterator[RunFile]:
        group, point, value = record
        buckets = self._buffer.get(group)
        if buckets is None:
            buckets = self._buffer[group] = [[] for _ in range(BUCKETS)]
        data = pickle.dumps((point, value), protocol=5)
        buckets[index_of(point, BUCKETS)].append(data)
        self._size += len(data) + _LENGTH.size
        if self._size >= self._run_bytes:
            yield self._flush()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        if self._size:
            yield WindowedValue(self._flush(), MIN_TIMESTAMP, (GlobalWindow(),))

    def _flush(self) -> RunFile:
        path = FileSystems.join(self._directory, f"{uuid.uuid4().hex}.run")
        offsets: dict[str, np.ndarray] = {}
        position = 0
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            for group in sorted(self._buffer):
                starts = offsets[group] = np.empty(BUCKETS + 1, dtype=np.int64)
                for bucket, records in enumerate(self._buffer[group]):
                    starts[bucket] = position
                    if records:
                        chunk = b"".join(_LENGTH.pack(len(data)) + data for data in records)
                        handle.write(chunk)
                        position += len(chunk)
                starts[BUCKETS] = position
        self._buffer, self._size = {}, 0
        return RunFile(path, offsets)


def _sorted_runs(lists: Iterable[list[RunFile]]) -> list[RunFile]:
    return sorted(itertools.chain.from_iterable(lists), key=lambda run: run.path)


def _parts(records: beam.PCollection | tuple[beam.PCollection, ...]) -> tuple[beam.PCollection, ...]:
    return (records,) if isinstance(records, beam.PCollection) else tuple(records)


class Spill(beam.PTransform):
    """(group, point, value) records, in one PCollection or a tuple of them -> a singleton PCollection:
    the list of their `RunFile`s.

    Each PCollection is written where it is made: a `Flatten` of PCollections made in different
    stages would be a stage boundary, which the local runner holds in its driver."""

    def __init__(self, directory: str, settings: SpillSettings = DEFAULT_SPILL) -> None:
        super().__init__()
        self._directory, self._run_bytes = directory, settings.spill_run_bytes

    def expand(self, records: beam.PCollection | tuple[beam.PCollection, ...]) -> beam.PCollection:
        lists = tuple(part
                      | f"WriteRuns{index}" >> beam.ParDo(_WriteRuns(self._directory, self._run_bytes))
                      | f"Runs{index}" >> beam.combiners.ToList()
                      for index, part in enumerate(_parts(records)))
        return lists | "AllRuns" >> beam.Flatten() | "Sorted" >> beam.CombineGlobally(_sorted_runs)


def read_buckets(runs: Iterable[RunFile], group: str, first: int, end: int) -> Iterator[tuple[float, Any]]:
    """Every (point, value) of `group` in buckets `first` to `end - 1`, run file by run file."""
    for run in runs:
        start, stop = run.span(group, first, end)
        if stop <= start:
            continue
        with FileSystems.open(run.path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            handle.seek(start)
            data = memoryview(handle.read(stop - start))
        if len(data) != stop - start:
            raise BadFileError(run.path, f"run file ends at byte {start + len(data)}, before its index's {stop}: "
                                         "it was cut while the job ran; run the job again")
        position = 0
        while position < len(data):
            (length,) = _LENGTH.unpack_from(data, position)
            position += _LENGTH.size
            yield pickle.loads(data[position:position + length])
            position += length


def read_index(runs: Iterable[RunFile], group: str, index: int, count: int) -> Iterator[Any]:
    """The values of `group` whose point is in part `index` of `count` (`index_of`)."""
    first, end = bucket_range(index, count)
    for point, value in read_buckets(runs, group, first, end):
        if index_of(point, count) == index:
            yield value


def group_tasks(runs: list[RunFile], group: str, task_bytes: int) -> Iterator[tuple[int, int]]:
    """Cut `group`'s buckets into (first, end) ranges of about `task_bytes` in all run files (at least
    one bucket each; empty buckets are skipped)."""
    sizes = np.zeros(BUCKETS, dtype=np.int64)
    for run in runs:
        if group in run.offsets:
            sizes += np.diff(run.offsets[group])
    first, total = 0, 0
    for bucket, size in enumerate(sizes.tolist()):
        if size and total and total + size > task_bytes:
            yield first, bucket
            first, total = bucket, 0
        total += size
        if not total:
            first = bucket + 1
    if total:
        yield first, BUCKETS


def _keyed(item: tuple[Any, Any]) -> tuple[str, float, tuple[Any, Any]]:
    return "", key_point(item[0]), item


def _plan(_: None, runs: list[RunFile], task_bytes: int) -> Iterator[tuple[int, int]]:
    return group_tasks(runs, "", task_bytes)


def _group(task: tuple[int, int], runs: list[RunFile]) -> Iterator[tuple[Any, list[Any]]]:
    grouped: dict[Any, list[Any]] = {}
    for _, (key, value) in read_buckets(runs, "", *task):
        grouped.setdefault(key, []).append(value)
    yield from grouped.items()


class SpillGroupByKey(beam.PTransform):
    """`GroupByKey` through run files in `directory`: (key, value) pairs, in one PCollection or a tuple
    of them (grouped together, as after a `Flatten`) -> (key, [values]); a worker holds one task of
    about `task_bytes` of records, the runner only the run files' names and offsets."""

    def __init__(self, directory: str, settings: SpillSettings = DEFAULT_SPILL) -> None:
        super().__init__()
        self._directory, self._settings = directory, settings

    def expand(self, pairs: beam.PCollection | tuple[beam.PCollection, ...]) -> beam.PCollection:
        parts = _parts(pairs)
        runs = (tuple(part | f"Point{index}" >> beam.Map(_keyed) for index, part in enumerate(parts))
                | "Spill" >> Spill(self._directory, self._settings))
        tasks = (parts[0].pipeline
                 | "Once" >> beam.Create([None])
                 | "Plan" >> beam.FlatMap(_plan, beam.pvalue.AsSingleton(runs), self._settings.spill_task_bytes)
                 | "Spread" >> beam.Reshuffle())
        return tasks | "Group" >> beam.FlatMap(_group, beam.pvalue.AsSingleton(runs))
