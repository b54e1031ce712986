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
from webtext.clean.boilerplate import has_placeholder_text
from webtext.clean.language import language_filter
from webtext.clean.settings import FilterSettings
from webtext.clean.textstats import stats_of
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
    "lorem ipsum" placeholder text (C4), or they are a list of teasers: more than 30% of their
    lines end in an ellipsis (Gopher, Rae et al. 2021, Table A1), and at least 10 do
    (`webtext.clean.quality.MIN_TEASER_LINES`: a 3-line teaser whose last line ends in "..." is one
    line in three, but not a list)."""

    max_fraction: float = 0.5
    name: ClassVar[str] = "boilerplate"
    version: ClassVar[int] = 2

    def __call__(self, doc: Document) -> str | None:
        stats = stats_of(doc.text)
        # Line cleanup counted the notice lines it stripped; none of the lines it kept is one.
        removed = doc.meta.get("boilerplate_lines")
        notices = stats.notice_lines if removed is None else removed
        total = (removed or 0) + len(stats.lines)
        if total and notices / total > self.max_fraction:
            return reasons.CLEAN_BOILERPLATE
        if has_placeholder_text(doc.text) or stats.is_teaser_list:
            return reasons.CLEAN_BOILERPLATE
        return None


@dataclass(frozen=True)
class LengthFilter:
    """Too few or too many words: Gopher keeps 50 to 100,000 (Rae et al. 2021, A.1.1); under 50
    words is a stub, a teaser or an error page rather than an article. Words are counted in every
    script: Chinese and Japanese by characters (`webtext.clean.words`).

    A short text is still prose when it is made of sentences: one of at least `short_prose_words`
    words (25, half Gopher's minimum) with at least two sentences of five or more words ending in
    terminal punctuation (C4's sentence, Raffel et al. 2020, §2.2) is kept. Measured on the 883
    real pages of `../shared/data/trafilatura-eval` (`bench/clean.py`): of the 14 pages Gopher's
    minimum dropped, the rule keeps 9 short news items, posts and a self-introduction (25 of the
    set's wanted snippets), and still drops a one-line post, a page of labels, a drug-database
    entry and a 21-word "your browser is outdated" notice."""

    min_words: int = 50
    max_words: int = 100_000
    short_prose_words: int = 25
    name: ClassVar[str] = "length"
    version: ClassVar[int] = 3

    def __call__(self, doc: Document) -> str | None:
        stats = stats_of(doc.text)
        words = stats.word_count
        if words < self.min_words and not (self.short_prose_words <= words and stats.sentences >= 2):
            return reasons.CLEAN_TOO_SHORT
        if words > self.max_words:
            return reasons.CLEAN_TOO_LONG
        return None


@dataclass(frozen=True)
class SymbolFilter:
    """Text that is symbols rather than words: more than 0.1 hash signs or ellipses per word, or
    fewer than 70% of words with a letter (Gopher, Rae et al. 2021, Table A1, which uses 80%), where
    a row of a table written with "|" cells counts as one word and CJK words are counted by
    characters (`webtext.clean.quality` says why)."""

    name: ClassVar[str] = "symbols"
    version: ClassVar[int] = 2

    def __call__(self, doc: Document) -> str | None:
        stats = stats_of(doc.text)
        if (stats.symbols_per_word > quality.SYMBOLS_PER_WORD_LIMIT
                or stats.letter_fraction < quality.ALPHABETIC_WORDS_MIN):
            return reasons.CLEAN_SYMBOL_RATIO
        return None


@dataclass(frozen=True)
class RepetitionFilter:
    """Repeated lines and n-grams beyond Gopher's limits (Rae et al. 2021, Table A1): spam,
    keyword stuffing and templated pages. A passage counts as repeated from its third occurrence,
    and short repeated lines (speaker labels, separators) by their characters only (see
    `webtext.clean.quality`)."""

    name: ClassVar[str] = "repetition"
    version: ClassVar[int] = 2

    def __call__(self, doc: Document) -> str | None:
        return reasons.CLEAN_REPETITION if stats_of(doc.text).is_repetitive else None


def default_filters(settings: FilterSettings | None = None) -> list[Filter]:
    """The filters `settings` asks for, cheapest and most certain first."""
    settings = settings or FilterSettings()
    filters: list[Filter] = []
    if settings.drop_wikipedia:
        filters.append(WikipediaFilter())
    if settings.quality:
        filters.append(BoilerplateFilter(settings.max_boilerplate_fraction))
    filters.append(LengthFilter(settings.min_words, settings.max_words, settings.short_prose_words))
    if language := language_filter(settings):
        filters.append(language)
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
