"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pytest.nodeid import NodeId
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from PIL import Image
from webtext.core.beamrun import local_runner
from webtext.sampleweb.server import RunningSampleWeb, start_sample_web

from tests.browser import Chromium

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep each `xdist_group` on one worker under `make test`'s `--dist loadgroup`.

    pytest-xdist groups tests by a `@group` suffix on their node ids, which it writes to
    `item._nodeid`; pytest 9 keeps a node's id in `item._id` and no longer reads `_nodeid`, so the
    suffix was lost and every group split over the workers: the README tests ran the demo on both
    workers at once, and the evaluator's tests trained their model twice. The suffix is written
    where pytest 9 reads it (a no-op where xdist's own suffix took effect).
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = "_".join(sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                                 for mark in item.iter_markers("xdist_group")}))
        if names and not item.nodeid.endswith(f"@{names}"):
            item._id = NodeId.parse(f"{item.nodeid}@{names}")


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


def _shared(name: str) -> Path:
    """`../shared/data/<name>` beside the repository; the test asking for it is skipped where it
    is absent (the one place the suite looks for the shared data)."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="session")
def extraction_benchmark() -> Path:
    """`../shared/data/extraction-benchmark`: 92 real pages with their main text by hand."""
    return _shared("extraction-benchmark")


@pytest.fixture(scope="session")
def snippet_set() -> Path:
    """`../shared/data/trafilatura-eval`: real pages with text that must and must not be kept."""
    return _shared("trafilatura-eval")


@pytest.fixture(scope="session")
def webtext_domains() -> Path:
    """`../shared/data/webtext-domains`: WebText's 1,000 most frequent domains (`domains.txt`)."""
    return _shared("webtext-domains")


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    """Debian's headless Chromium (`tests.browser`); the test asking for it is skipped, saying why,
    where it is not installed (`make test` installs it where it can: as root, with apt-get)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root with apt-get): "
                    "the reports are not rendered in a browser here")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60, check=False)
    if version.returncode != 0:
        pytest.skip(f"{binary} does not start ({version.stderr.strip()[-200:]}): the reports are not rendered")
    return Chromium(binary)


def assert_png_drawn(path: Path) -> None:
    """`path` is a PNG image with something drawn on it: more than 0.2% of its pixels coloured
    (a channel spread above 40), which white or grey axes alone do not reach."""
    with Image.open(path) as image:
        assert image.format == "PNG", f"{path} is a {image.format} image"
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    coloured = int(np.count_nonzero(pixels.max(axis=1) - pixels.min(axis=1) > 40))
    assert coloured > 0.002 * len(pixels), f"{path}: {coloured} of {len(pixels)} pixels coloured, nothing drawn"
