"""The corpus's profile on Beam's local runner: documents per registered domain, `domains.csv`, and the
histogram of words per document; and in the main job's report, with the token histogram and the
comparison with WebText's domains."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import apache_beam as beam
import numpy as np
import pandas as pd
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.core.document import Document
from webtext.core.urls import registered_domain, url_domain
from webtext.pipelines.fidelity import compare, read_domains
from webtext.pipelines.profile import (
    TOP_DOMAINS,
    ArchivedDocuments,
    DomainCounts,
    WordLengths,
    WriteDomains,
    domains_summary,
)
from webtext.tokenize.shard_reader import ShardSet
from webtext.tokenize.shard_summary import length_histogram

from tests.conftest import assert_png_drawn


def _doc(index: int, url: str, words: int = 3) -> Document:
    return Document(id=f"d{index:04d}", url=url, domain=url_domain(url), text=" ".join(["word"] * words))


DOCS = [_doc(0, "https://www.bbc.co.uk/news/1"), _doc(1, "https://news.bbc.co.uk/2"),
        _doc(2, "https://www.nytimes.com/a"), _doc(3, "https://blog.example.blogspot.com/p"),
        _doc(4, "http://www.daily-chronicle.test/x"), _doc(5, "http://10.0.0.7/page"),
        _doc(6, "https://bbc.com/x"), _doc(7, "https://nytimes.com/b"), _doc(8, "https://www.bbc.co.uk/3")]


def test_documents_count_for_their_registered_domain_most_first_ties_by_name(
        tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    path = tmp_path / "domains.csv"
    with local_pipeline() as pipeline:
        ranked = pipeline | beam.Create(DOCS) | DomainCounts()
        _ = ranked | WriteDomains(str(path))
        assert_that(ranked, equal_to([[("bbc.co.uk", 3), ("nytimes.com", 2), ("10.0.0.7", 1), ("bbc.com", 1),
                                       ("blogspot.com", 1), ("daily-chronicle.test", 1)]]))
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["domain", "documents", "share"]
    assert [row[:2] for row in rows[1:3]] == [["bbc.co.uk", "3"], ["nytimes.com", "2"]]
    assert float(rows[1][2]) == 3 / 9 and sum(float(row[2]) for row in rows[1:]) == pytest.approx(1.0)
    assert len(rows) == 7


def test_the_summary_keeps_the_first_domains_and_counts_them_all() -> None:
    ranked = [(f"site{index:03d}.test", 1000 - index) for index in range(TOP_DOMAINS + 20)]
    summary = domains_summary(ranked)
    assert summary["distinct"] == TOP_DOMAINS + 20
    assert summary["documents"] == sum(n for _, n in ranked)
    assert summary["top"][0] == {"domain": "site000.test", "documents": 1000}
    assert len(summary["top"]) == TOP_DOMAINS
    assert domains_summary([]) == {"documents": 0, "distinct": 0, "top": []}


def test_no_document_writes_a_header_only_domains_table(tmp_path: Path,
                                                        local_pipeline: Callable[..., TestPipeline]) -> None:
    path = tmp_path / "domains.csv"
    with local_pipeline() as pipeline:
        _ = pipeline | beam.Create([]) | DomainCounts() | WriteDomains(str(path))
    assert path.read_text() == "domain,documents,share\n"


def test_words_per_document_fall_in_power_of_two_buckets(local_pipeline: Callable[..., TestPipeline]) -> None:
    docs = [_doc(i, f"http://site.test/{i}", words) for i, words in enumerate((1, 2, 3, 4, 7, 8, 300, 0))]
    with local_pipeline() as pipeline:
        histogram = pipeline | beam.Create(docs) | WordLengths()
        assert_that(histogram, equal_to([[[1, 2, 2], [2, 4, 2], [4, 8, 2], [8, 16, 1], [256, 512, 1]]]))


@pytest.mark.slow
@pytest.mark.xdist_group("reported_job")
def test_the_job_profiles_its_kept_documents(reported_job: Path) -> None:
    report = json.loads((reported_job / "report.json").read_text())
    documents = pd.read_parquet(reported_job / "documents")  # every kept document
    kept = len(documents)
    assert kept == sum(n for reason, n in report["accounting"].items() if reason.startswith("kept:")) > 0
    expected = Counter(registered_domain(url_domain(url)) for url in documents["url"])
    assert read_domains(str(reported_job / "domains.csv")) == expected
    assert report["domains"]["documents"] == kept and report["domains"]["distinct"] == len(expected)
    top = report["domains"]["top"]
    assert [d["documents"] for d in top] == sorted((d["documents"] for d in top), reverse=True)
    assert {d["domain"]: d["documents"] for d in top} == dict(expected.most_common(TOP_DOMAINS))
    assert report["webtext"] == compare(expected)
    # the sample web's hosts are all under .test; its blogs on blogspot, github, wordpress and medium
    # share their labels with WebText's list, and no other host does
    platforms = {"blogspot.test", "github.test", "wordpress.test", "medium.test"}
    assert report["webtext"]["in_reference"] == sum(expected[domain] for domain in platforms) > 0
    assert report["webtext"]["common"] == sum(1 for domain in platforms if expected[domain])
    words = documents["text"].str.split().str.len().to_numpy()
    assert report["lengths"]["words"] == [list(row) for row in length_histogram(words)]
    tokens = np.concatenate([np.diff(ShardSet.open(reported_job, split).doc_offsets) - 1
                             for split in ("train", "val", "test")])  # without the end-of-text token
    assert report["lengths"]["tokens"] == [list(row) for row in length_histogram(tokens)]
    assert sum(n for _, _, n in report["lengths"]["tokens"]) == kept
    for name in ("report.png", "funnel.png", "domains.png", "lengths.png"):
        assert_png_drawn(reported_job / name)


def test_documents_a_web_archive_served_are_counted(local_pipeline: Callable[..., TestPipeline]) -> None:
    archived = [dataclasses.replace(doc, meta={"archive_source": f"http://archive.test/web/2017id_/{doc.url}"})
                for doc in DOCS[:3]]
    with local_pipeline() as p:
        counted = p | beam.Create(archived + DOCS[3:]) | ArchivedDocuments()
        none = p | "NoDocs" >> beam.Create([]) | "CountNone" >> ArchivedDocuments()
        assert_that(counted, equal_to([3]))
        assert_that(none, equal_to([0]), label="none")
