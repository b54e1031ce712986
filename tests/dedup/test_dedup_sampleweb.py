"""Dedup on the sample web's extracted pages against its ground truth (duplicate_of, dedup_drop)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from webtext.clean.extract import extract_page
from webtext.core.reasons import DEDUP_EXACT, DEDUP_NEAR
from webtext.sampleweb.site import build_site


def _documents_and_expected(use_truth_text: bool) -> tuple[list, dict[str, tuple[str, str]]]:
    site = build_site(seed=0)
    docs = [doc for doc in map(extract_page, site.fetched_pages()) if doc.drop_reason is None]
    by_url = {doc.url: doc for doc in docs}
    truth_by_id = {}
    for truth in site.truth.values():
        doc = by_url.get(truth.final_url or truth.url)
        if doc is not None:
            truth_by_id[doc.id] = truth
            if use_truth_text and truth.article_text:
                doc.text = truth.article_text
    expected = {doc_id: (t.dedup_drop, by_url[site.truth[t.duplicate_of].final_url or t.duplicate_of].id)
                for doc_id, t in truth_by_id.items() if t.dedup_drop}
    assert {reason for reason, _ in expected.values()} == {DEDUP_EXACT, DEDUP_NEAR}
    random.Random(3).shuffle(docs)
    return docs, expected


def _by_reason(pairs: dict[str, tuple[str, str]], reason: str) -> dict[str, tuple[str, str]]:
    return {k: v for k, v in pairs.items() if v[0] == reason}


@pytest.mark.slow
@pytest.mark.parametrize("use_truth_text", [False, True], ids=["extracted", "ground-truth-text"])
def test_sample_web_exact_and_near_duplicates_match_the_ground_truth(
        run_dedup: Callable[..., dict[str, list[Any]]], use_truth_text: bool) -> None:
    """Input shuffled; every exact copy found as such, near-duplicate precision >= 0.95 and
    recall >= 0.90, each counted only when it names the original the keep rule keeps."""
    docs, expected = _documents_and_expected(use_truth_text)
    result = run_dedup(docs)
    dropped = {d.id: (d.drop_reason, d.duplicate_of) for d in result["exact"] + result["near"]}
    assert _by_reason(dropped, DEDUP_EXACT) == _by_reason(expected, DEDUP_EXACT)
    near_found, near_truth = _by_reason(dropped, DEDUP_NEAR), _by_reason(expected, DEDUP_NEAR)
    correct = set(near_found.items()) & set(near_truth.items())
    assert len(correct) / max(len(near_found), 1) >= 0.95
    assert len(correct) / len(near_truth) >= 0.90
