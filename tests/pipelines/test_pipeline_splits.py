"""The val and test splits hold the fractions of documents the split rule gives them, and the
manifest records that rule and splits consistent with it.

A document's split is a hash of its id read as a point in [0, 1) (`webtext.core.splits`), so over
n ids the documents of a split whose interval has width p number Binomial(n, p): within five
standard deviations, sqrt(n p (1 - p)), of n p for a hash without bias, exactly 0 when p is 0.
"""

from __future__ import annotations

import json
import math
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that
from webtext.clean.settings import CleanSettings
from webtext.core.document import Document
from webtext.core.spill import SpillSettings
from webtext.core.splits import SPLITS, SplitRule
from webtext.core.urls import doc_id
from webtext.dedup.settings import DedupSettings
from webtext.pipelines.corpus import BuildCorpus
from webtext.sampleweb.server import RunningSampleWeb

RULES = [SplitRule(), SplitRule(0.1, 0.2), SplitRule(0.0, 0.05), SplitRule(0.3, 0.0)]
SAMPLE_RULE = SplitRule(0.1, 0.1)  # the sample web keeps about 130 documents: every split gets some


@pytest.fixture(scope="module")
def ids() -> list[str]:
    """The ids of 40,000 distinct URLs."""
    return [doc_id(f"http://site{i % 101}.example/page/{i}") for i in range(40_000)]


def expected_splits(web: RunningSampleWeb, rule: SplitRule) -> dict[str, str]:
    """id -> split of every document the sample web's ground truth says the pipeline keeps."""
    return {i: rule.split_of(i) for i in (doc_id(t.final_url or t.url) for t in web.truth.values() if t.kept)}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"val {r.val_fraction} test {r.test_fraction}")
def test_each_split_holds_the_fraction_the_manifest_rule_gives_it(rule: SplitRule, ids: list[str]) -> None:
    recorded = rule.describe()  # what the manifest writes under "split_rule"
    widths = {split: recorded[split][1] - recorded[split][0] for split in SPLITS}
    assert widths == pytest.approx({"val": rule.val_fraction, "test": rule.test_fraction,
                                    "train": 1 - rule.val_fraction - rule.test_fraction})
    assert recorded["val"][0] == 0 and recorded["val"][1] == recorded["test"][0]
    assert recorded["test"][1] == recorded["train"][0] and recorded["train"][1] == 1
    counts = Counter(rule.split_of(i) for i in ids)
    n = len(ids)
    for split, p in widths.items():
        assert abs(counts[split] - n * p) <= 5 * math.sqrt(n * p * (1 - p)), (split, p, dict(counts))


def test_the_corpus_puts_each_kept_document_in_the_split_of_its_id(
        sample_warc: Path, sample_web: RunningSampleWeb, local_pipeline: Callable[..., TestPipeline],
        tmp_path: Path) -> None:
    expected = expected_splits(sample_web, SAMPLE_RULE)
    assert set(expected.values()) == set(SPLITS)
    # BuildCorpus reads these fields of the job's configuration
    config = SimpleNamespace(input=f"{sample_warc}/*.warc.gz", clean=CleanSettings(), dedup=DedupSettings(),
                             split=SAMPLE_RULE, eval_sets=[], spill=str(tmp_path),
                             spill_settings=SpillSettings())

    def same_documents(found: list[tuple[str, Document]]) -> None:
        assert {doc.id: split for split, doc in found} == expected

    def same_counts(found: list[dict[str, dict[str, int]]]) -> None:
        kept = {k: v for k, v in found[0]["accounting"].items() if k.startswith("kept:")}
        assert kept == {f"kept:{split}": n for split, n in Counter(expected.values()).items()}

    with local_pipeline() as pipeline:
        corpus = pipeline | "BuildCorpus" >> BuildCorpus(config)
        assert_that(corpus.documents, same_documents, label="Documents")
        assert_that(corpus.summary, same_counts, label="Summary")


@pytest.mark.slow
def test_the_manifest_records_the_rule_and_the_documents_of_each_split(
        sample_warc: Path, sample_web: RunningSampleWeb, small_tokenizer: Path, tmp_path: Path, repo_root: Path,
        job_command: Callable[..., list[str]]) -> None:
    command = job_command(f"{sample_warc}/*.warc.gz", tmp_path / "corpus", f"--tokenizer={small_tokenizer}",
                          f"--val-fraction={SAMPLE_RULE.val_fraction}", f"--test-fraction={SAMPLE_RULE.test_fraction}",
                          "--direct_num_workers=1")
    result = subprocess.run(command, capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "corpus" / "manifest.json").read_text())
    assert manifest["split_rule"] == SAMPLE_RULE.describe()
    counts = Counter(expected_splits(sample_web, SAMPLE_RULE).values())
    assert set(counts) == set(SPLITS)
    assert {split: entry["n_docs"] for split, entry in manifest["splits"].items()} == counts
