"""The Beam transforms on DirectRunner: planted duplicates found, keep rule applied, results
independent of input order and of the number of workers."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.core.document import Document, RedditPost
from webtext.core.reasons import DEDUP_EXACT, DEDUP_NEAR
from webtext.dedup.beam import NearDedup

RunDedup = Callable[..., dict[str, list[Any]]]


def _decisions(doc: Document) -> tuple[str, str | None, str | None]:
    return doc.id, doc.drop_reason, doc.duplicate_of


def test_planted_duplicates_are_dropped_naming_the_kept_document(corpus, run_dedup: RunDedup) -> None:
    result = run_dedup(corpus.docs)
    exact = {d.id: d.duplicate_of for d in result["exact"]}
    near = {d.id: d.duplicate_of for d in result["near"]}
    assert exact == corpus.exact_of
    assert {d.drop_reason for d in result["exact"]} == {DEDUP_EXACT}
    # The equal-score near copy fetched later loses to the original; the originals are kept.
    assert near == corpus.near_of
    assert {d.drop_reason for d in result["near"]} == {DEDUP_NEAR}
    assert len(result["kept"]) + len(exact) + len(near) == len(corpus.docs)
    assert sorted(result["near_clusters"]) == sorted((kept, 3) for kept in set(corpus.near_of.values()))
    assert sorted(result["exact_clusters"]) == sorted((kept, 2) for kept in corpus.exact_of.values())


@pytest.mark.slow
def test_same_result_whatever_the_input_order_and_worker_count(corpus, run_dedup: RunDedup) -> None:
    expected = run_dedup(corpus.docs)
    shuffled = list(corpus.docs)
    random.Random(7).shuffle(shuffled)
    for docs, workers in ((shuffled, 1), (shuffled, 2), (list(reversed(corpus.docs)), 2)):
        got = run_dedup(docs, workers)
        for name in ("kept", "exact", "near"):
            assert sorted(map(_decisions, got[name])) == sorted(map(_decisions, expected[name]))


def test_keep_rule_score_then_fetch_time_then_id(run_dedup: RunDedup) -> None:
    def doc(doc_id: str, score: int, fetched_at: str) -> Document:
        return Document(id=doc_id, url=f"http://x.test/{doc_id}", domain="x.test", text="Same text here.",
                        fetched_at=fetched_at, reddit=(RedditPost(doc_id, "news", score, 0),))

    cases = [
        ([doc("b", 5, "2017-02-01"), doc("a", 3, "2017-01-01")], "b"),  # score first
        ([doc("b", 5, "2017-01-01"), doc("a", 5, "2017-02-01")], "b"),  # then earliest fetch
        ([doc("b", 5, "2017-01-01"), doc("a", 5, "2017-01-01")], "a"),  # then smallest id
        ([doc("b", 5, ""), doc("a", 5, "2017-03-01")], "a"),  # unknown fetch time ranks last
    ]
    for docs, kept_id in cases:
        result = run_dedup(docs)
        assert [d.id for d in result["kept"]] == [kept_id]
        assert [d.duplicate_of for d in result["exact"]] == [kept_id]


def test_near_dedup_with_test_pipeline_assert_that(corpus, local_pipeline: Callable[..., TestPipeline],
                                                   tmp_path: Path) -> None:
    with local_pipeline() as pipeline:
        near = pipeline | beam.Create(corpus.docs) | NearDedup(str(tmp_path))
        assert_that(near.dropped | beam.Map(lambda d: (d.id, d.duplicate_of)),
                    equal_to(sorted({**corpus.near_of, **corpus.exact_of}.items())))
