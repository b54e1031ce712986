"""The extraction metrics (bag-of-tokens F1, the benchmark's word 4-gram scores, snippet rates),
the snippet-set reader, and the extractors run over pages."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from webtext.clean.scoring import (
    BARE,
    BARE_NO_COMMENTS,
    EXTRACTION,
    STAGE,
    Scores,
    SnippetPage,
    benchmark_scores,
    drop_report,
    dropped,
    load_snippet_set,
    run_extractors,
    snippet_rates,
    token_f1,
)
from webtext.clean.stage import clean_page
from webtext.core import reasons
from webtext.core.document import Page

GERMAN = [
    "Der Stadtrat hat am Dienstag beschlossen, den Park am Fluss um zwei weitere Kilometer zu "
    "verlängern, nachdem die Anwohner ein Jahr lang über Bäume, Bänke und Parkplätze gestritten hatten.",
    "Die Befürworter sagen, die östlichen Viertel bekämen so ihre erste große Grünfläche, während "
    "Ladenbesitzer fürchten, dass ohne Parkplätze weniger Kunden auf den Markt kommen werden.",
    "Die Arbeiten sollen im nächsten Frühjahr beginnen und innerhalb von achtzehn Monaten fertig sein, "
    "sagte die Bürgermeisterin; die Kosten teilen sich die Stadt und ein regionaler Förderfonds.",
]


def test_token_f1() -> None:
    assert token_f1("the park grows", "The park grows") == pytest.approx(2 / 3)  # case matters
    assert token_f1("a b c d", "a b c d") == 1.0
    assert token_f1("a b", "a b c d") == pytest.approx(2 * 2 / (2 * 2 + 0 + 2))
    assert token_f1("a a a", "a") == pytest.approx(2 * 1 / (2 * 1 + 2 + 0))  # multisets
    assert token_f1("", "") == 1.0
    assert token_f1("", "words") == 0.0


def test_benchmark_scores_follow_the_benchmark_definition() -> None:
    assert benchmark_scores([("a b c d e", "a b c d e")]) == Scores(1.0, 1.0, 1.0)
    partial = benchmark_scores([("a b c d", "a b c d e f g h")])  # 1 of the 5 true 4-grams
    assert (partial.precision, partial.recall) == (1.0, 0.2)
    averaged = benchmark_scores([("a b c d", "a b c d e f g h"), ("x y z w", "x y z w")])
    assert (averaged.precision, averaged.recall) == (1.0, 0.6)
    assert averaged.f1 == pytest.approx(2 * 0.6 / 1.6)


def test_no_pages_is_an_error() -> None:
    with pytest.raises(ValueError, match="no pages"):
        benchmark_scores([])


def _item(url: str, with_snippets: tuple[str, ...] = (), without_snippets: tuple[str, ...] = ()) -> SnippetPage:
    return SnippetPage(Page(url=url, status=200, headers=(), body=b"", fetched_at=""), with_snippets,
                       without_snippets)


def test_snippet_rates_count_snippets_over_all_pages() -> None:
    first = _item("http://a.example/1", ("the park grows", "two kilometres"), ("Contact us",))
    second = _item("http://a.example/2", ("work starts in spring",), ("Home", "Share this"))
    rates = snippet_rates([("The council said the park grows by two kilometres.\nContact us", first),
                           ("Work starts in spring. Share this", second)])
    assert (rates.found, rates.wanted, rates.leaked, rates.unwanted) == (2, 3, 2, 3)
    assert (rates.found_rate, rates.leak_rate) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert rates.pages == []


def test_snippets_match_in_nfc_with_whitespace_runs_as_one_space() -> None:
    decomposed = "Cafe\u0301 am  Markt\n\töffnet"  # "é" as e + combining acute, spaces, a line break, a tab
    item = _item("http://a.example/1", ("Café am Markt öffnet",), ("am Markt öffnet heute",))
    rates = snippet_rates([(decomposed, item)])
    assert (rates.found, rates.leaked) == (1, 0)
    wrapped = _item("http://a.example/2", ("the park\n  grows",))
    assert snippet_rates([("so the park grows", wrapped)]).found == 1


def test_empty_text_finds_no_snippet_and_is_listed() -> None:
    item = _item("http://a.example/empty", ("",), ("",))  # an empty snippet is "in" any string, but not here
    rates = snippet_rates([(" \n ", item), ("words", _item("http://a.example/full"))])
    assert (rates.found, rates.wanted, rates.leaked, rates.unwanted) == (0, 1, 0, 1)
    assert rates.pages == ["http://a.example/empty"]


def test_rates_without_snippets_are_perfect() -> None:
    rates = snippet_rates([("text", _item("http://a.example/1"))])
    assert (rates.found_rate, rates.leak_rate) == (1.0, 0.0)


def test_snippet_set_is_read_in_url_order_without_missing_pages(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    for name in ("b", "a"):
        (tmp_path / "html" / f"{name}.html.gz").write_bytes(gzip.compress(f"<p>{name}</p>".encode()))
    (tmp_path / "evaldata.json").write_text(json.dumps({
        "http://b.example/": {"file": "b.html", "with": ["b"], "without": ["menu"]},
        "http://a.example/": {"file": "a.html", "with": ["a"]},
        "http://gone.example/": {"file": "gone.html", "with": ["x"]}}), encoding="utf-8")
    items = load_snippet_set(tmp_path)
    assert [(i.page.url, i.page.body, i.with_snippets, i.without_snippets) for i in items] == [
        ("http://a.example/", b"<p>a</p>", ("a",), ()), ("http://b.example/", b"<p>b</p>", ("b",), ("menu",))]


def test_extractors_run_on_several_processes_as_on_one(make_page: Callable[..., Page],
                                                       article_html: Callable[..., str]) -> None:
    pages = [make_page(article_html()), make_page("<html><body><p>Hello.</p></body></html>",
                                                  url="http://news.example.com/tiny.html")]
    results = run_extractors(pages, processes=2)
    assert results == run_extractors(pages)
    assert list(results) == [STAGE, EXTRACTION, BARE, BARE_NO_COMMENTS]
    assert all("riverside park" in outcomes[0].text for outcomes in results.values())
    [tiny] = dropped(results[STAGE])
    assert (tiny.url, tiny.text) == ("http://news.example.com/tiny.html", "")
    assert tiny.drop_reason and tiny.dropped_by  # the reason and the filter (or "extraction")
    assert drop_report(results[STAGE]) == [f"{tiny.dropped_by} {tiny.drop_reason} http://news.example.com/tiny.html",
                                           f"1 dropped; per filter: {tiny.dropped_by} 1"]
    assert drop_report(results[BARE]) == ["0 dropped; per filter: none"]


def test_the_stage_is_measured_with_every_language_kept(make_page: Callable[..., Page]) -> None:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in GERMAN)
    page = make_page(f"<!DOCTYPE html><html lang='de'><head><title>Park</title></head><body><article>"
                     f"<h1>Der Park wächst</h1>{body}</article></body></html>")
    assert clean_page(page).drop_reason == reasons.CLEAN_LANGUAGE  # by default, English only
    [outcome] = run_extractors([page], (STAGE,))[STAGE]
    assert outcome.drop_reason is None
    assert "Förderfonds" in outcome.text
