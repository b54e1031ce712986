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


@dataclass(frozen=True)
class ExtractSettings:
    """How one fetched page becomes text (see `webtext.clean.extract`)."""

    max_bytes: int = setting(MAX_PAGE_BYTES, "pages with a larger body are dropped as too_large")
    timeout_s: float = setting(10.0, "hard time limit for extracting one page, in seconds")
    favor_precision: bool = setting(
        True, "trafilatura favor_precision: leave out doubtful blocks (best F1 on real pages)")
    include_comments: bool = setting(False, "keep the comment section of a page")
    include_tables: bool = setting(True, "keep the text of tables inside the article")
    with_metadata: bool = setting(True, "extract title, date and language")
    line_cleanup: bool = setting(
        True, "normalize whitespace and Unicode (NFC) and strip residual boilerplate lines")


@dataclass(frozen=True)
class FilterSettings:
    """Thresholds of the document filters (see `webtext.clean.filters`)."""

    min_words: int = setting(50, "fewer words than this is too_short (Gopher: 50)")
    max_words: int = setting(100_000, "more words than this is too_long (Gopher: 100,000)")
    drop_wikipedia: bool = setting(True, "drop Wikipedia and its mirrors (GPT-2 removed Wikipedia)")
    languages: list[str] = setting(
        [], "keep only these ISO 639-1 languages, e.g. en (empty: keep every language)")
    quality: bool = setting(
        True, "apply the repetition, symbol-ratio and boilerplate heuristics (Gopher, C4)")
    max_boilerplate_fraction: float = setting(
        0.5, "drop a page whose lines are more than this fraction boilerplate notices")


@dataclass(frozen=True)
class CleanSettings:
    """Everything the clean stage needs: extraction options and filter thresholds."""

    extract: ExtractSettings = field(default_factory=ExtractSettings)
    filters: FilterSettings = field(default_factory=FilterSettings)
