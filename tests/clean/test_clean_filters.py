"""Document filters: each keeps prose and names why it drops what is not."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from webtext.clean.filters import (
    BoilerplateFilter,
    LengthFilter,
    RepetitionFilter,
    SymbolFilter,
    WikipediaFilter,
    apply_filters,
    default_filters,
)
from webtext.clean.settings import FilterSettings
from webtext.core import reasons
from webtext.core.document import Document

Doc = Callable[..., Document]


@pytest.fixture
def doc(article: list[str]) -> Doc:
    """`doc(text=the article, domain="news.example.com", **fields)`: an extracted document."""
    def make(text: str = "\n".join(article), domain: str = "news.example.com", **fields: Any) -> Document:
        return Document(id="d1", url=f"http://{domain}/a.html", domain=domain, text=text, **fields)
    return make


def test_ordinary_article_passes_every_default_filter(doc: Doc) -> None:
    article = doc(language="en", language_score=0.97)  # as the clean stage detects it
    assert [f.name for f in default_filters() if f(article)] == []
    assert apply_filters(article, default_filters()) is article


@pytest.mark.parametrize("domain", ["en.wikipedia.org", "de.m.wikipedia.org", "wikipedia.org",
                                    "www.wikiwand.com", "wikiwand.com"])
def test_wikipedia_and_mirror_domains_are_dropped(domain: str, doc: Doc) -> None:
    assert WikipediaFilter()(doc(domain=domain)) == reasons.CLEAN_WIKIPEDIA


def test_wikipedia_attribution_marks_a_mirror_on_any_domain(doc: Doc, article: list[str]) -> None:
    assert WikipediaFilter()(doc(meta={"wikipedia": True})) == reasons.CLEAN_WIKIPEDIA
    tagline = "\n".join(["From Wikipedia, the free encyclopedia", *article])
    assert WikipediaFilter()(doc(text=tagline)) == reasons.CLEAN_WIKIPEDIA


def test_a_page_citing_wikipedia_is_kept(doc: Doc, article: list[str]) -> None:
    text = "\n".join([*article, "According to Wikipedia, the park was first laid out in 1902."])
    assert WikipediaFilter()(doc(text=text, domain="notwikipedia.org")) is None


def test_length_limits_in_words(doc: Doc) -> None:
    unit = LengthFilter(min_words=10, max_words=20)
    assert unit(doc(text="word " * 9)) == reasons.CLEAN_TOO_SHORT
    assert unit(doc(text="word " * 10)) is None
    assert unit(doc(text="word " * 20)) is None
    assert unit(doc(text="word " * 21)) == reasons.CLEAN_TOO_LONG


def test_a_short_text_of_sentences_is_prose_and_a_short_list_is_not(doc: Doc) -> None:
    unit = LengthFilter()  # 50 words; 25 in two sentences of five words or more
    post = ("The new album comes out on the fourth of February next year. The singer founded her own label "
            "and wrote every song on it with a new band.")  # 27 words, two sentences
    assert unit(doc(text=post)) is None
    assert unit(doc(text=post.replace(". ", ", "))) == reasons.CLEAN_TOO_SHORT  # one sentence
    labels = "\n".join(["Product", "Label", "Leaflet", "No leaflet provided by the maker"] * 4)  # 36 words
    assert unit(doc(text=labels)) == reasons.CLEAN_TOO_SHORT
    notice = "Your browser is out of date. Download a newer browser for a better experience. Click the icon!"
    assert unit(doc(text=notice)) == reasons.CLEAN_TOO_SHORT  # 17 words: under 25 in any form
    assert LengthFilter(short_prose_words=50)(doc(text=post)) == reasons.CLEAN_TOO_SHORT  # the rule off


def test_repeated_lines_and_ngrams_are_repetition(doc: Doc, article: list[str]) -> None:
    assert RepetitionFilter()(doc()) is None
    spam_lines = "\n".join([article[0]] + ["Buy cheap watches online today"] * 5)
    assert RepetitionFilter()(doc(text=spam_lines)) == reasons.CLEAN_REPETITION
    stuffing = " ".join(["best cheap flights"] * 40 + article)
    assert RepetitionFilter()(doc(text=stuffing)) == reasons.CLEAN_REPETITION


def test_one_repeated_pull_quote_is_not_repetition(doc: Doc, article: list[str]) -> None:
    quote = "We have waited twenty years for this park, said one resident."
    text = "\n".join([article[0], quote, article[1], article[2], quote.upper()])
    assert RepetitionFilter()(doc(text=text)) is None


def test_symbols_instead_of_words(doc: Doc) -> None:
    assert SymbolFilter()(doc()) is None
    hashtags = " ".join(f"#tag{i} word" for i in range(60))
    assert SymbolFilter()(doc(text=hashtags)) == reasons.CLEAN_SYMBOL_RATIO
    numbers = " ".join(f"{i} | {i * 3} | {i * 7}" for i in range(30))
    assert SymbolFilter()(doc(text=numbers)) == reasons.CLEAN_SYMBOL_RATIO


def test_a_table_written_with_pipes_is_judged_by_its_cells(doc: Doc, article: list[str]) -> None:
    rates = ["| Amount | Term | Rate | Monthly |", "|---|---|---|---|",
             *(f"| {n},000 EUR | {m} months | {r}.{n} % | {n * 31}.17 EUR |" for n, m, r in
               [(5, 36, 2), (7, 48, 3), (9, 60, 4), (12, 72, 5), (15, 84, 6)])]
    assert SymbolFilter()(doc(text="\n".join([article[0], *rates, article[1]]))) is None
    standings = ["| Pos. | Driver | Points | Wins |", "|---|---|---|---|",
                 *(f"| {i} | Driver Name{i} | {5000 - i * 40} | {i % 4} |" for i in range(1, 41))]
    assert SymbolFilter()(doc(text="\n".join([article[0], *standings]))) is None  # each row names someone
    calendar = ["| February 2020 | | | | | | |", "| Su | Mo | Tu | We | Th | Fr | Sa |",
                *("| " + " | ".join(str(day) for day in range(week * 7 + 1, week * 7 + 8)) + " |" for week in range(4))]
    assert SymbolFilter()(doc(text="\n".join(["Availability", *calendar * 3]))) == reasons.CLEAN_SYMBOL_RATIO


def test_short_repeated_lines_weigh_by_their_characters(doc: Doc, article: list[str]) -> None:
    questions = ["What changes for the eastern districts?", "Who pays for the work?", "When does it start?"]
    interview = [line for question, answer in zip(questions, article, strict=True)
                 for line in ("Sunshine:", question, "Anne:", answer)]
    assert RepetitionFilter()(doc(text="\n".join(interview))) is None  # 4 of 12 lines repeat a speaker label
    spaced = [line for paragraph in article for line in (paragraph, ".")]
    assert RepetitionFilter()(doc(text="\n".join(spaced))) is None


def test_a_paragraph_printed_twice_is_not_repetition(doc: Doc, article: list[str]) -> None:
    standfirst = [article[0], article[0], article[1], article[2]]
    assert RepetitionFilter()(doc(text="\n".join(standfirst))) is None
    quoted_then_printed = " ".join(article) + "\nThe statement in full:\n" + "\n".join(article)
    assert RepetitionFilter()(doc(text=quoted_then_printed)) is None


def test_a_line_repeated_many_times_is_repetition(doc: Doc, article: list[str]) -> None:
    warning = "Strict Standards: Non-static method nggGallery::i18n() should not be called statically on line 736"
    assert RepetitionFilter()(doc(text="\n".join([*article, *[warning] * 6]))) == reasons.CLEAN_REPETITION


def test_pages_of_notices_and_placeholders_are_boilerplate(doc: Doc, article: list[str]) -> None:
    unit = BoilerplateFilter(max_fraction=0.5)
    notices = "\n".join(["We use cookies to improve your experience.", "Please enable JavaScript.",
                         "Subscribe to our newsletter today.", article[0]])
    assert unit(doc(text=notices)) == reasons.CLEAN_BOILERPLATE
    assert unit(doc(text="\n".join([*article, "Lorem ipsum dolor sit amet."]))) == reasons.CLEAN_BOILERPLATE
    teasers = "\n".join(f"Story {i} begins with a promising opening line and then..." for i in range(10))
    assert unit(doc(text=teasers + "\n" + article[0])) == reasons.CLEAN_BOILERPLATE
    assert unit(doc()) is None


def test_a_short_teaser_ending_in_an_ellipsis_is_not_a_teaser_list(doc: Doc, article: list[str]) -> None:
    unit = BoilerplateFilter(max_fraction=0.5)
    paywalled = "\n".join([article[0], article[1], article[2][:90] + " \u2026"])  # 1 line in 3 ends in "…"
    assert unit(doc(text=paywalled)) is None
    teasers = [f"Story {i} begins with a promising opening line and then..." for i in range(9)]
    assert unit(doc(text="\n".join([*teasers, article[0]]))) is None  # 9 of 10 lines, but not a page of them
    assert unit(doc(text="\n".join([*teasers, teasers[0], article[0]]))) == reasons.CLEAN_BOILERPLATE


def test_boilerplate_counts_lines_already_removed_by_cleanup(doc: Doc, article: list[str]) -> None:
    unit = BoilerplateFilter(max_fraction=0.5)
    assert unit(doc(text=article[0], meta={"boilerplate_lines": 2})) == reasons.CLEAN_BOILERPLATE
    assert unit(doc(text="\n".join(article), meta={"boilerplate_lines": 2})) is None


def test_switches_remove_filters() -> None:
    names = [f.name for f in default_filters(FilterSettings(drop_wikipedia=False, quality=False, languages=[]))]
    assert names == ["length"]


def test_apply_filters_records_the_first_reason_and_the_filter_version(doc: Doc) -> None:
    short_wiki = doc(text="tiny", domain="en.wikipedia.org")
    dropped = apply_filters(short_wiki, default_filters())
    assert dropped.drop_reason == reasons.CLEAN_WIKIPEDIA
    assert dropped.meta["dropped_by"] == "wikipedia@1"
    assert short_wiki.drop_reason is None and "dropped_by" not in short_wiki.meta


def test_already_dropped_documents_pass_through_unchanged(doc: Doc) -> None:
    already = dataclasses.replace(doc(text="tiny"), drop_reason=reasons.CLEAN_TIMEOUT)
    assert apply_filters(already, default_filters()) is already


def test_every_filter_is_named_and_versioned() -> None:
    for unit in default_filters(FilterSettings(languages=["en"])):
        assert unit.name and isinstance(unit.version, int)


def test_filters_whose_rules_changed_carry_a_new_version() -> None:
    versions = {unit.name: unit.version for unit in default_filters(FilterSettings(languages=[]))}
    assert versions == {"wikipedia": 1, "boilerplate": 2, "length": 3, "symbols": 2, "repetition": 2}
