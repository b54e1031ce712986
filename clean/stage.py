"""The clean stage on one page, without Beam: extraction, language identification, then the filters.

`clean_page` is what `webtext.clean.beam.CleanPages` runs per element, what `webtext clean`
prints, and what `bench/clean.py` times, so all three show the same behaviour. Every document
with text, including those the filters then drop, gets its detected `language` and
`language_score` (`webtext.clean.language`); the language the page declares stays in
`meta["declared_language"]`.
"""

from __future__ import annotations

from webtext.clean.extract import extract_page
from webtext.clean.filters import Filter, apply_filters, default_filters
from webtext.clean.language import identify
from webtext.clean.settings import CleanSettings
from webtext.core.document import Document, Page


def clean_page(page: Page, settings: CleanSettings | None = None,
               filters: list[Filter] | None = None) -> Document:
    """The `Document` of `page`: kept, or with the reason extraction or a filter gave."""
    settings = settings or CleanSettings()
    if filters is None:
        filters = default_filters(settings.filters)
    doc = extract_page(page, settings.extract)
    doc.language, doc.language_score = identify(doc.text)
    return apply_filters(doc, filters)
