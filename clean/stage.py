"""The clean stage on one page, without Beam: extraction, then the document filters.

`clean_page` is what `webtext.clean.beam.CleanPages` runs per element, what `webtext clean`
prints, and what `bench/clean.py` times, so all three show the same behaviour.
"""

from __future__ import annotations

from webtext.clean.extract import extract_page
from webtext.clean.filters import Filter, apply_filters, default_filters
from webtext.clean.settings import CleanSettings
from webtext.core.document import Document, Page


def clean_page(page: Page, settings: CleanSettings | None = None,
               filters: list[Filter] | None = None) -> Document:
    """The `Document` of `page`: kept, or with the reason extraction or a filter gave."""
    settings = settings or CleanSettings()
    if filters is None:
        filters = default_filters(settings.filters)
    return apply_filters(extract_page(page, settings.extract), filters)
