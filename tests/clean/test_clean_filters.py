"""Document filters: each keeps prose and names why it drops what is not."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from webtext.clean.filters import (
    BoilerplateFilter,
    LanguageFilter,
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
    article = doc()
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


def test_pages_of_notices_and_placeholders_are_boilerplate(doc: Doc, article: list[str]) -> None:
    unit = BoilerplateFilter(max_fraction=0.5)
    notices = "\n".join(["We use cookies to improve your experience.", "Please enable JavaScript.",
                         "Subscribe to our newsletter today.", article[0]])
    assert unit(doc(text=notices)) == reasons.CLEAN_BOILERPLATE
    assert unit(doc(text="\n".join([*article, "Lorem ipsum dolor sit amet."]))) == reasons.CLEAN_BOILERPLATE
    teasers = "\n".join(f"Story {i} begins with a promising opening line and then..." for i in range(4))
    assert unit(doc(text=teasers + "\n" + article[0])) == reasons.CLEAN_BOILERPLATE
    assert unit(doc()) is None


def test_boilerplate_counts_lines_already_removed_by_cleanup(doc: Doc, article: list[str]) -> None:
    unit = BoilerplateFilter(max_fraction=0.5)
    assert unit(doc(text=article[0], meta={"boilerplate_lines": 2})) == reasons.CLEAN_BOILERPLATE
    assert unit(doc(text="\n".join(article), meta={"boilerplate_lines": 2})) is None


def test_language_filter_uses_declared_language_then_stop_words(doc: Doc) -> None:
    english = LanguageFilter(frozenset({"en"}))
    assert english(doc(language="en")) is None
    assert english(doc(language="de")) == reasons.CLEAN_LANGUAGE
    assert english(doc()) is None  # undeclared, but English stop words
    german = "Der Stadtrat hat am Dienstag beschlossen, den Park am Fluss zu erweitern."
    assert english(doc(text=german)) == reasons.CLEAN_LANGUAGE
    assert LanguageFilter(frozenset({"de"}))(doc(text=german)) is None  # undeclared: kept


def test_language_filter_is_off_unless_languages_are_given(doc: Doc) -> None:
    assert "language" not in [f.name for f in default_filters()]
    names = [f.name for f in default_filters(FilterSettings(languages=["EN"]))]
    assert "language" in names
    assert default_filters(FilterSettings(languages=["EN"]))[names.index("language")](
        doc(language="en")) is None


def test_switches_remove_filters() -> None:
    names = [f.name for f in default_filters(FilterSettings(drop_wikipedia=False, quality=False))]
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
