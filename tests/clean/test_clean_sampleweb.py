"""The clean stage on the sample web, held to its ground truth.

Acceptance: mean token-level F1 of the extracted text against the true article text >= 0.90,
boilerplate (navigation, cookie banner, comments, footer) absent from >= 95% of pages, and every
awkward page dropped with the reason its ground truth names.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from webtext.clean.extract import extract_page
from webtext.clean.filters import default_filters
from webtext.clean.scoring import token_f1
from webtext.clean.settings import CleanSettings, ExtractSettings
from webtext.clean.stage import clean_page
from webtext.core.document import Document, Page
from webtext.sampleweb.truth import UrlTruth


@pytest.fixture(scope="module")
def outcomes(sample_web: Any) -> list[tuple[Page, UrlTruth, Document]]:
    """Every fetched page of the sample web, its ground truth, and what the stage made of it."""
    truth_by_final: dict[str, UrlTruth] = {}
    for truth in sample_web.truth.values():
        if truth.fetched and truth.final_url:
            truth_by_final.setdefault(truth.final_url, truth)
    settings = CleanSettings()
    filters = default_filters(settings.filters)
    return [(page, truth_by_final[page.url], clean_page(page, settings, filters))
            for page in sample_web.site.fetched_pages()]


def _articles(outcomes: list[tuple[Page, UrlTruth, Document]]) -> list[tuple[Page, UrlTruth, Document]]:
    return [o for o in outcomes if o[1].clean_drop is None and o[1].article_text]


def test_mean_token_f1_is_at_least_090(outcomes: list[tuple[Page, UrlTruth, Document]]) -> None:
    articles = _articles(outcomes)
    assert len(articles) >= 100
    scores = [token_f1(doc.text, truth.article_text) for _, truth, doc in articles]
    assert statistics.mean(scores) >= 0.90, sorted(scores)[:5]


def test_boilerplate_is_absent_from_95_percent_of_pages(
        outcomes: list[tuple[Page, UrlTruth, Document]]) -> None:
    articles = _articles(outcomes)
    leaking = [(doc.url, [s for s in truth.boilerplate if s in doc.text]) for _, truth, doc in articles
               if any(s in doc.text for s in truth.boilerplate)]
    assert all(truth.boilerplate for _, truth, _ in articles)
    assert len(leaking) <= 0.05 * len(articles), leaking


def test_every_page_gets_the_reason_its_truth_names(
        outcomes: list[tuple[Page, UrlTruth, Document]]) -> None:
    wrong = [(truth.kind, truth.clean_drop, doc.drop_reason) for _, truth, doc in outcomes
             if doc.drop_reason != truth.clean_drop]
    assert wrong == []
    awkward = {truth.kind for _, truth, _ in outcomes if truth.clean_drop}
    assert {"empty", "not_html", "no_main_text", "too_short", "wiki_mirror"} <= awkward


def test_declared_encodings_and_undeclared_ones_are_read(
        outcomes: list[tuple[Page, UrlTruth, Document]]) -> None:
    cases = {truth.kind: (truth, doc) for _, truth, doc in outcomes if truth.kind.startswith("charset_")}
    assert set(cases) == {"charset_header", "charset_meta", "charset_none"}
    for truth, doc in cases.values():
        assert token_f1(doc.text, truth.article_text) >= 0.95
        assert "\ufffd" not in doc.text
    assert "Студенты" in cases["charset_meta"][1].text
    assert "élèves" in cases["charset_none"][1].text


def test_documents_keep_title_and_provenance(outcomes: list[tuple[Page, UrlTruth, Document]]) -> None:
    for page, truth, doc in _articles(outcomes):
        assert doc.title == truth.title
        assert doc.reddit == page.reddit
        assert doc.date.startswith("2017-")


def test_comments_appear_only_when_asked_for(outcomes: list[tuple[Page, UrlTruth, Document]]) -> None:
    page, truth, doc = next(o for o in _articles(outcomes) if b'id="comments"' in o[0].body)
    comment = truth.boilerplate[3]
    assert "reader comment" in comment and comment not in doc.text
    with_comments = extract_page(page, ExtractSettings(include_comments=True, favor_precision=False))
    assert comment in with_comments.text
