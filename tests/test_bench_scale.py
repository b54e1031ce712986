"""The scale benchmark's page generator: distinct pages, with exactly the near duplicates planted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from webtext.clean.settings import CleanSettings, ExtractSettings
from webtext.clean.stage import clean_page
from webtext.dedup.keep import exact_key
from webtext.dedup.minhash import MinHasher
from webtext.dedup.settings import DedupSettings

BENCH = Path(__file__).resolve().parents[1] / "bench"
# as bench/_paths.py; the generator falls back to the sample web where it is absent
EXTRACTION_BENCHMARK = BENCH.parents[1] / "shared" / "data" / "extraction-benchmark"


@pytest.fixture(scope="module")
def scale_pages() -> ModuleType:
    """bench/scale_pages.py, loaded by path (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("scale_pages", BENCH / "scale_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["scale_pages"] = module
    spec.loader.exec_module(module)
    return module


def test_generated_pages_are_distinct_with_the_planted_near_duplicates(scale_pages: ModuleType) -> None:
    sources = sorted(scale_pages.source_pages(EXTRACTION_BENCHMARK), key=lambda page: len(page.body))[:20]
    generator = scale_pages.ScaledPages(sources, near_share=0.1)
    pages = list(generator.generate(120))
    plan = generator.plan(120)
    planted = {(copy, source) for copy, source in enumerate(plan) if source is not None}
    assert len(planted) == 12
    assert len({page.url for page in pages}) == 120

    patient = CleanSettings(extract=ExtractSettings(timeout_s=300))  # a loaded machine is no timeout
    docs = [clean_page(page, patient) for page in pages]
    assert [doc.drop_reason for doc in docs] == [None] * 120
    assert len({exact_key(doc.text) for doc in docs}) == 120

    settings = DedupSettings()
    signatures = MinHasher(settings.shingle_size, settings.num_perm, settings.seed).signatures(
        [doc.text for doc in docs])
    similar = (signatures[:, None, :] == signatures[None, :, :]).mean(axis=-1) >= settings.threshold
    pairs = {(int(i), int(j)) for i, j in zip(*np.nonzero(np.tril(similar, k=-1)), strict=True)}
    assert pairs == {(max(pair), min(pair)) for pair in planted}
    # LSH misses a copy of Jaccard s with probability (1 - s^r)^b; every copy here has s >= 0.9
    missed = generator.expected_misses(120, 9, 13, settings.shingle_size)
    assert 0 < missed <= len(planted) * (1 - 0.9 ** 13) ** 9
    assert generator.expected_misses(120, 128, 1, settings.shingle_size) < 1e-9  # any equal value: a candidate
