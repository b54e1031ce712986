"""Settings of the clean stage, in one place: extraction options and document-filter thresholds.

Each field is a `webtext.core.config.setting`, so it is also a command-line flag (`max_bytes`
becomes `--max-bytes`; `CleanSettings` gives the flags of both its parts), a key of a `--config`
file, and lands in the resolved configuration written beside every output.
The defaults aim at WebText (Radford et al. 2019, §2.2): keep what a person would call an article
or a post, drop what is not text. Where a threshold comes from a published pipeline the field's
help says which; the modules that use them cite the source in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from webtext.core.config import setting
from webtext.core.document import MAX_PAGE_BYTES
from webtext.core.errors import ConfigError


@dataclass(frozen=True)
class ExtractSettings:
    """How one fetched page becomes text (see `webtext.clean.extract`)."""

    max_bytes: int = setting(MAX_PAGE_BYTES, "pages with a larger body are dropped as too_large")
    timeout_s: float = setting(10.0, "hard time limit for extracting one page, in seconds")
    favor_precision: bool = setting(
        True, "trafilatura favor_precision: leave out doubtful blocks (best F1 on real pages)")
    recall_fallback_chars: int = setting(
        500, "when precision mode keeps fewer characters than this, extract the page in recall mode too "
             "(0: never)")
    recall_fallback_ratio: float = setting(
        3.0, "take the recall-mode text instead when it has at least this many times the characters")
    include_comments: bool = setting(False, "keep the comment section of a page")
    include_tables: bool = setting(True, "keep the text of tables inside the article")
    with_metadata: bool = setting(True, "extract the title, the date and the language the page declares")
    line_cleanup: bool = setting(
        True, "normalize whitespace and Unicode (NFC) and strip residual boilerplate lines")

    def __post_init__(self) -> None:
        if self.recall_fallback_chars < 0:
            raise ConfigError(f"--recall-fallback-chars must be 0 or more (got {self.recall_fallback_chars})")
        if self.recall_fallback_ratio < 1:
            raise ConfigError(f"--recall-fallback-ratio must be at least 1 (got {self.recall_fallback_ratio})")


@dataclass(frozen=True)
class FilterSettings:
    """Thresholds of the document filters (see `webtext.clean.filters`)."""

    min_words: int = setting(50, "fewer words than this is too_short (Gopher: 50)")
    short_prose_words: int = setting(
        25, "a text under --min-words is kept when it has at least this many words in at least two "
            "sentences of five or more words (C4's sentence); a value of --min-words or more turns "
            "the rule off")
    max_words: int = setting(100_000, "more words than this is too_long (Gopher: 100,000)")
    drop_wikipedia: bool = setting(True, "drop Wikipedia and its mirrors (GPT-2 removed Wikipedia)")
    languages: list[str] = setting(
        ["en"], "keep only documents detected in these languages (ISO 639-1 codes, e.g. en de); WebText kept "
                "English only. An empty value (--languages=) keeps every language")
    min_language_score: float = setting(
        0.5, "with --languages, keep a document only when the language model gives its language at least this "
             "probability (CCNet: 0.5)")
    quality: bool = setting(
        True, "apply the repetition, symbol-ratio and boilerplate heuristics (Gopher, C4)")
    max_boilerplate_fraction: float = setting(
        0.5, "drop a page whose lines are more than this fraction boilerplate notices")

    def __post_init__(self) -> None:
        if self.short_prose_words < 0:
            raise ConfigError(f"--short-prose-words must be 0 or more (got {self.short_prose_words})")


@dataclass(frozen=True)
class CleanSettings:
    """Everything the clean stage needs: extraction options and filter thresholds."""

    extract: ExtractSettings = field(default_factory=ExtractSettings)
    filters: FilterSettings = field(default_factory=FilterSettings)
