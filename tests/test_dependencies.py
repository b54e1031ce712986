"""The installed Apache Beam is the tested one, and has the internals `webtext.core.beamrun` builds on.

`core/beamrun.py` runs jobs on the FnApiRunner directly (not through the DirectRunner), which
takes Beam internals that may change in any release: `fn_runner.FnApiRunner` (subclassed, built
with `provision_info=`, `run_via_runner_api` overridden), `fn_runner.ExtendedProvisionInfo`,
`fn_runner.RunnerResult`, `JobServiceHandle.encode_pipeline_options`, `python_urns.SUBPROCESS_SDK`
and the environments of the pipeline proto. setup.cfg allows only the tested Beam release; these
tests name what is missing when another one is installed, instead of a job failing far from it.
"""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import version
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, WorkerOptions
from apache_beam.portability.api import beam_provision_api_pb2, beam_runner_api_pb2
from apache_beam.testing.util import assert_that, equal_to
from packaging.requirements import Requirement
from setuptools.config.setupcfg import read_configuration
from webtext.core.beamrun import local_runner

BEAM_INTERNALS = [
    "apache_beam.runners.portability.fn_api_runner.fn_runner.FnApiRunner.run_via_runner_api",
    "apache_beam.runners.portability.fn_api_runner.fn_runner.ExtendedProvisionInfo",
    "apache_beam.runners.portability.fn_api_runner.fn_runner.RunnerResult",
    "apache_beam.runners.portability.portable_runner.JobServiceHandle.encode_pipeline_options",
    "apache_beam.portability.python_urns.SUBPROCESS_SDK",
    # the live counters of the progress line (`LocalRunner.live_counters`)
    "apache_beam.runners.portability.fn_api_runner.fn_runner.FnApiRunner._execute_bundle",
    "apache_beam.runners.portability.fn_api_runner.execution.BundleContextManager.worker_handlers",
    "apache_beam.runners.portability.portable_metrics.from_monitoring_infos",
    "apache_beam.portability.api.beam_fn_api_pb2.ProcessBundleProgressRequest",
]


def beam_requirements(repo_root: Path) -> list[Requirement]:
    """Every apache-beam requirement of setup.cfg: install_requires and the extras."""
    options = read_configuration(repo_root / "setup.cfg")["options"]
    lines = [*options["install_requires"], *(r for extra in options["extras_require"].values() for r in extra)]
    return [req for req in map(Requirement, lines) if req.name == "apache-beam"]


def dotted(path: str) -> Any:
    """The object at `path`: the longest importable module prefix, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(path)


def test_installed_beam_is_inside_the_range_setup_cfg_declares(repo_root: Path) -> None:
    requirements = beam_requirements(repo_root)
    assert len(requirements) == 3  # install_requires, [gcp], [aws]
    assert len({str(req.specifier) for req in requirements}) == 1, [str(r) for r in requirements]
    declared = requirements[0].specifier
    assert any(s.operator == "<" for s in declared), f"apache-beam {declared} has no upper bound"
    assert version("apache-beam") in declared, f"apache-beam {version('apache-beam')} installed, {declared} tested"
    pinned = [line.split("==")[1] for line in (repo_root / "requirements-dev.txt").read_text().split()
              if line.lower().startswith("apache-beam==")]
    assert len(pinned) == 1 and pinned[0] in declared, f"requirements-dev.txt pins {pinned}, setup.cfg {declared}"


@pytest.mark.parametrize("path", BEAM_INTERNALS)
def test_beam_internal_used_by_the_local_runner_exists(path: str) -> None:
    assert dotted(path) is not None


def test_beam_internals_take_the_arguments_the_local_runner_passes() -> None:
    runner_class = dotted("apache_beam.runners.portability.fn_api_runner.fn_runner.FnApiRunner")
    extended = dotted("apache_beam.runners.portability.fn_api_runner.fn_runner.ExtendedProvisionInfo")
    encode = dotted("apache_beam.runners.portability.portable_runner.JobServiceHandle.encode_pipeline_options")
    assert "provision_info" in inspect.signature(runner_class.__init__).parameters
    assert list(inspect.signature(runner_class.run_via_runner_api).parameters)[1:3] == ["pipeline_proto", "options"]
    encoded = encode(PipelineOptions(["--direct_num_workers=3"]).get_all_options())
    runner_class(provision_info=extended(beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)))
    assert {"urn", "payload"} <= set(beam_runner_api_pb2.Environment.DESCRIPTOR.fields_by_name)
    assert "environments" in beam_runner_api_pb2.Components.DESCRIPTOR.fields_by_name


def test_local_runner_options_exist_with_the_values_it_sets() -> None:
    options = PipelineOptions(["--direct_running_mode=multi_processing", "--direct_num_workers=2",
                               "--default_sdk_harness_log_level=WARNING",
                               '--sdk_harness_log_level_overrides={"trafilatura": "ERROR"}'])
    direct, worker = options.view_as(DirectOptions), options.view_as(WorkerOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("multi_processing", 2)
    assert (worker.default_sdk_harness_log_level, worker.sdk_harness_log_level_overrides) == (
        "WARNING", {"trafilatura": "ERROR"})


def test_local_runner_runs_a_pipeline() -> None:
    options = PipelineOptions(flags=[])
    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        assert_that(pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda x: x * 2), equal_to([2, 4, 6]))


def test_the_control_connection_keeps_its_pending_requests_by_id() -> None:
    """The progress line finds the bundles a worker is running in its control connection's pending requests."""
    worker_handlers = dotted("apache_beam.runners.portability.fn_api_runner.worker_handlers")
    assert isinstance(worker_handlers.ControlConnection()._futures_by_id, dict)
