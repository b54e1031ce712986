"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
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
def repo_root() -> Path:
    return REPO_ROOT
