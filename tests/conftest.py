"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from webtext.core.beamrun import local_runner
from webtext.sampleweb.server import RunningSampleWeb, start_sample_web

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSampleWeb]:
    """The sample web, served on a free port of 127.0.0.1 for the whole test session.

    Its timeout page waits 6 s: crawls in tests use a download timeout of at most 2 s.
    """
    web = start_sample_web(tmp_path_factory.mktemp("sampleweb"), seed=0, port=None, timeout_delay=6.0)
    yield web
    web.stop()


@pytest.fixture(scope="session")
def local_pipeline() -> Callable[..., TestPipeline]:
    """`local_pipeline(**options)`: a Beam `TestPipeline` on the local runner (`webtext.core.beamrun`)."""

    def make(**options: Any) -> TestPipeline:
        resolved = PipelineOptions(flags=[], **options)
        return TestPipeline(runner=local_runner(resolved), options=resolved)

    return make


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
