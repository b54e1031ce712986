"""The statistics of one document's text that the filters read, each computed once for all of them.

The boilerplate, length, symbol and repetition filters (`webtext.clean.filters`) all read the lines
and words of the same text, one after another. `stats_of(text)` gives one `TextStats` for the last
text asked about, and each statistic is computed the first time a filter reads it: the text is split
into lines and words once, and a statistic that no filter reaches (the document was dropped before)
is never computed. The statistics themselves are defined in `webtext.clean.quality` (Gopher's, with
this project's deviations), `webtext.clean.words` (word counts in every script) and
`webtext.clean.boilerplate` (notice lines).
"""

from __future__ import annotations

import functools
from functools import cached_property

from webtext.clean import quality
from webtext.clean.boilerplate import notice_lines
from webtext.clean.words import sentence_count, word_count


class TextStats:
    """The statistics of `text`, each computed on first use."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The whitespace-separated words (`webtext.clean.quality.words_of`)."""
        return quality.words_of(self.text)

    @cached_property
    def word_count(self) -> float:
        """Words in every script (`webtext.clean.words.word_count`)."""
        return word_count(self.text, self.words)

    @cached_property
    def sentences(self) -> int:
        """Sentences of at least five words (`webtext.clean.words.sentence_count`)."""
        return sentence_count(self.text)

    @cached_property
    def notice_lines(self) -> int:
        """Lines that are boilerplate notices (`webtext.clean.boilerplate.notice_lines`)."""
        return len(notice_lines(self.lines))

    @cached_property
    def is_teaser_list(self) -> bool:
        return quality.is_teaser_list(self.text, self.lines)

    @cached_property
    def symbols_per_word(self) -> float:
        return quality.symbol_to_word_ratio(self.text, self.word_count)

    @cached_property
    def letter_fraction(self) -> float:
        return quality.letter_fraction(self.text, self.words, self.word_count)

    @cached_property
    def is_repetitive(self) -> bool:
        return quality.repetition_exceeds_limits(self.text, self.lines, self.words)


@functools.lru_cache(maxsize=1)
def stats_of(text: str) -> TextStats:
    """The `TextStats` of `text`, the same object for the same text asked again."""
    return TextStats(text)
