"""Document filters: small named, versioned units that keep a document or name why not.

A filter is called with a `Document` and returns None to keep it or a drop reason from
`webtext.core.reasons`. Its `name` and `version` are recorded on the documents it drops
(`meta["dropped_by"]`, e.g. `"length@1"`), so a change of rule shows in the accounting; bump
`version` whenever a filter's behaviour changes. `apply_filters` runs them in order and stops at
the first reason, so every document ends kept or with exactly one reason.

The defaults aim at WebText (Radford et al. 2019, §2.2): keep what a person would call an article
or a post, drop what is not prose. The order puts cheap, certain rules first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from webtext.clean import quality
from webtext.clean.boilerplate import has_placeholder_text, is_boilerplate_line
from webtext.clean.settings import FilterSettings
from webtext.clean.wikipedia import has_wikipedia_attribution, is_wikipedia_domain
from webtext.core import reasons
from webtext.core.document import Document


class Filter(Protocol):
    """A document filter: `filter(doc)` is None to keep `doc`, else its drop reason."""

    name: ClassVar[str]
    version: ClassVar[int]

    def __call__(self, doc: Document) -> str | None: ...


@dataclass(frozen=True)
class WikipediaFilter:
    """Wikipedia and its mirrors, which WebText removed (Radford et al. 2019, §2.2; see
    `webtext.clean.wikipedia` for how mirrors are recognized)."""

    name: ClassVar[str] = "wikipedia"
    version: ClassVar[int] = 1

    def __call__(self, doc: Document) -> str | None:
        if (is_wikipedia_domain(doc.domain) or doc.meta.get("wikipedia")
                or has_wikipedia_attribution(doc.text)):
            return reasons.CLEAN_WIKIPEDIA
        return None


@dataclass(frozen=True)
class BoilerplateFilter:
    """Pages that are mostly notices: more than `max_fraction` of their lines are cookie,
    JavaScript or newsletter notices (C4's line rules, Raffel et al. 2020, §2.2), they contain
    "lorem ipsum" placeholder text (C4), or more than 30% of their lines end in an ellipsis, the
    mark of teaser lists (Gopher, Rae et al. 2021, Table A1)."""

    max_fraction: float = 0.5
    name: ClassVar[str] = "boilerplate"
    version: ClassVar[int] = 1

    def __call__(self, doc: Document) -> str | None:
        lines = doc.text.splitlines()
        removed = doc.meta.get("boilerplate_lines", 0)  # already stripped by line cleanup
        notices = removed + sum(map(is_boilerplate_line, lines))
        total = removed + len(lines)
        if total and notices / total > self.max_fraction:
            return reasons.CLEAN_BOILERPLATE
        if has_placeholder_text(doc.text):
            return reasons.CLEAN_BOILERPLATE
        teasers = sum(line.rstrip().endswith(("...", "\u2026")) for line in lines)
        if lines and teasers / len(lines) > 0.3:
            return reasons.CLEAN_BOILERPLATE
        return None


@dataclass(frozen=True)
class LengthFilter:
    """Too few or too many words: Gopher keeps 50 to 100,000 (Rae et al. 2021, A.1.1); under 50
    words is a stub, a teaser or an error page rather than an article."""

    min_words: int = 50
    max_words: int = 100_000
    name: ClassVar[str] = "length"
    version: ClassVar[int] = 1

    def __call__(self, doc: Document) -> str | None:
        words = len(quality.words_of(doc.text))
        if words < self.min_words:
            return reasons.CLEAN_TOO_SHORT
        if words > self.max_words:
            return reasons.CLEAN_TOO_LONG
        return None


@dataclass(frozen=True)
class SymbolFilter:
    """Text that is symbols rather than words: more than 0.1 hash signs or ellipses per word, or
    fewer than 70% of words with a letter (Gopher, Rae et al. 2021, Table A1, which uses 80%;
    `webtext.clean.quality` says why we do not)."""

    name: ClassVar[str] = "symbols"
    version: ClassVar[int] = 1

    def __call__(self, doc: Document) -> str | None:
        words = quality.words_of(doc.text)
        if (quality.symbol_to_word_ratio(doc.text, words) > quality.SYMBOLS_PER_WORD_LIMIT
                or quality.alphabetic_word_fraction(words) < quality.ALPHABETIC_WORDS_MIN):
            return reasons.CLEAN_SYMBOL_RATIO
        return None


@dataclass(frozen=True)
class RepetitionFilter:
    """Repeated lines and n-grams beyond Gopher's limits (Rae et al. 2021, Table A1): spam,
    keyword stuffing and templated pages (see `webtext.clean.quality`)."""

    name: ClassVar[str] = "repetition"
    version: ClassVar[int] = 1

    def __call__(self, doc: Document) -> str | None:
        return reasons.CLEAN_REPETITION if quality.repetition_exceeds_limits(doc.text) else None


@dataclass(frozen=True)
class LanguageFilter:
    """Only the given languages (ISO 639-1). The language is the one the page declares; a page
    that declares none counts as English when it has at least two of Gopher's English stop words
    (Rae et al. 2021, A.1.1), and is kept when English is not among the languages asked for,
    since nothing offline can tell its language reliably."""

    languages: frozenset[str]
    name: ClassVar[str] = "language"
    version: ClassVar[int] = 1

    def __call__(self, doc: Document) -> str | None:
        if doc.language:
            return None if doc.language in self.languages else reasons.CLEAN_LANGUAGE
        if "en" not in self.languages or quality.has_english_stop_words(quality.words_of(doc.text)):
            return None
        return reasons.CLEAN_LANGUAGE


def default_filters(settings: FilterSettings | None = None) -> list[Filter]:
    """The filters `settings` asks for, cheapest and most certain first."""
    settings = settings or FilterSettings()
    filters: list[Filter] = []
    if settings.drop_wikipedia:
        filters.append(WikipediaFilter())
    if settings.quality:
        filters.append(BoilerplateFilter(settings.max_boilerplate_fraction))
    filters.append(LengthFilter(settings.min_words, settings.max_words))
    if settings.languages:
        filters.append(LanguageFilter(frozenset(lang.lower() for lang in settings.languages)))
    if settings.quality:
        filters += [SymbolFilter(), RepetitionFilter()]
    return filters


def apply_filters(doc: Document, filters: list[Filter]) -> Document:
    """`doc` unchanged if every filter keeps it (or it is already dropped), else dropped with the
    first filter's reason and `meta["dropped_by"]` naming that filter and its version."""
    if doc.drop_reason is not None:
        return doc
    for unit in filters:
        reason = unit(doc)
        if reason is not None:
            dropped = doc.dropped(reason)
            dropped.meta = {**doc.meta, "dropped_by": f"{unit.name}@{unit.version}"}
            return dropped
    return doc
