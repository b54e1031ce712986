"""The spill: a GroupByKey through run files gives what Beam's GroupByKey gives, partitions read
back exactly (every record in one part), tasks cut by size, and a cut run file is one clear error."""

from __future__ import annotations

import pickle
import random
from collections.abc import Callable
from pathlib import Path

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.core.errors import BadFileError
from webtext.core.spill import (
    BUCKETS,
    RunFile,
    Spill,
    SpillGroupByKey,
    SpillSettings,
    group_tasks,
    read_buckets,
    read_index,
)
from webtext.core.splits import index_of

SMALL = SpillSettings(spill_run_bytes=2048, spill_task_bytes=4096)  # many run files and tasks, as at scale


def _pairs(n: int, keys: int) -> list[tuple[str, int]]:
    rng = random.Random(3)
    return [(f"key-{rng.randrange(keys)}", i) for i in range(n)]


def _sorted_groups(pairs: list[tuple[str, int]]) -> list[tuple[str, list[int]]]:
    groups: dict[str, list[int]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return sorted((key, sorted(values)) for key, values in groups.items())


@pytest.mark.parametrize("workers", [1, 2])
def test_spill_group_by_key_groups_like_group_by_key(tmp_path: Path, workers: int,
                                                     local_pipeline: Callable[..., TestPipeline]) -> None:
    pairs = _pairs(3000, 200)
    options = {"direct_running_mode": "multi_processing", "direct_num_workers": workers}
    with local_pipeline(**options) as pipeline:
        grouped = (pipeline | beam.Create(pairs)
                   | SpillGroupByKey(str(tmp_path / "spill"), SMALL))
        assert_that(grouped | beam.MapTuple(lambda key, values: (key, sorted(values))),
                    equal_to(_sorted_groups(pairs)))
    assert len(list((tmp_path / "spill").iterdir())) > 10


def test_spill_of_nothing_groups_nothing(tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    with local_pipeline() as pipeline:
        grouped = pipeline | beam.Create([]) | SpillGroupByKey(str(tmp_path / "spill"))
        assert_that(grouped, equal_to([]))


def test_every_record_is_read_back_in_exactly_one_part(tmp_path: Path,
                                                       local_pipeline: Callable[..., TestPipeline]) -> None:
    rng = random.Random(5)
    edges = [0.0, 1 / 3, 2 / 3, 0.5, 1 - 2**-53, 255 / 1024, 256 / 1024]
    points = edges + [rng.random() for _ in range(2000)]
    records = [("train" if i % 3 else "val", point, i) for i, point in enumerate(points)]
    runs = _write_runs(tmp_path, records, local_pipeline)
    for group in ("train", "val"):
        expected = sorted(i for g, _, i in records if g == group)
        for count in (1, 3, 7, 1000, 1024, 3000):
            parts = [sorted(read_index(runs, group, index, count)) for index in range(count)]
            assert sorted(v for part in parts for v in part) == expected
            for index, part in enumerate(parts):
                assert all(index_of(points[i], count) == index for i in part)
    assert list(read_index(runs, "test", 0, 1)) == []


def _write_runs(tmp_path: Path, records: list[tuple[str, float, object]],
               local_pipeline: Callable[..., TestPipeline]) -> list[RunFile]:
    """Run files of `records`, written by `Spill` in a real pipeline, and the list it made of them."""
    saved = tmp_path / "runs.pickle"
    with local_pipeline() as pipeline:
        runs = pipeline | beam.Create(records) | Spill(str(tmp_path / "spill"), SpillSettings(spill_run_bytes=4096))
        _ = runs | beam.Map(lambda found: saved.write_bytes(pickle.dumps(found)))
    found: list[RunFile] = pickle.loads(saved.read_bytes())
    assert len(found) > 1
    return found


def test_group_tasks_cut_buckets_by_size_and_skip_empty_ones(tmp_path: Path) -> None:
    offsets = np.zeros(BUCKETS + 1, dtype=np.int64)
    offsets[11:] = 100  # bucket 10: 100 bytes
    offsets[21:] = 250  # bucket 20: 150 bytes
    offsets[31:] = 300  # bucket 30: 50 bytes
    runs = [RunFile("a.run", {"": offsets}), RunFile("b.run", {"": offsets})]  # twice the bytes
    assert list(group_tasks(runs, "", 400)) == [(10, 20), (20, BUCKETS)]  # 200 | 300 + 100
    assert list(group_tasks(runs, "", 399)) == [(10, 20), (20, 30), (30, BUCKETS)]
    assert list(group_tasks(runs, "", 10**9)) == [(10, BUCKETS)]
    assert list(group_tasks(runs, "", 1)) == [(10, 20), (20, 30), (30, BUCKETS)]
    assert list(group_tasks([], "", 1)) == []


def test_a_cut_run_file_is_one_error_naming_it(tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    runs = _write_runs(tmp_path, [("", i / 100, "x" * 50) for i in range(100)], local_pipeline)
    damaged = max(runs, key=lambda run: Path(run.path).stat().st_size)
    data = Path(damaged.path).read_bytes()
    Path(damaged.path).write_bytes(data[: len(data) // 2])
    with pytest.raises(BadFileError, match="run file ends at byte .* before its index"):
        list(read_buckets([damaged], "", 0, BUCKETS))


def test_spill_group_by_key_groups_several_pcollections_together(
        tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    left, right = _pairs(500, 40), [(f"key-{i}", -i) for i in range(0, 60, 3)]
    with local_pipeline() as pipeline:
        parts = (pipeline | "Left" >> beam.Create(left), pipeline | "Right" >> beam.Create(right))
        grouped = parts | SpillGroupByKey(str(tmp_path / "spill"), SMALL)
        assert_that(grouped | beam.MapTuple(lambda key, values: (key, sorted(values))),
                    equal_to(_sorted_groups(left + right)))
