"""`CleanPages`: the clean stage as an Apache Beam transform.

Input: a PCollection of `Page`. Output: a tagged result whose `.kept` holds the kept `Document`s
and `.dropped` the dropped ones, each with its `drop_reason` (Beam's `TaggedOutput`; tags "kept"
and "dropped"). Each outcome is counted with `Metrics.counter("clean", reason)`, and kept
documents with `Metrics.counter("clean", "kept")`, so a pipeline's metrics account for every page.

The per-page time limit (`webtext.clean.deadline`) works in whichever thread the runner calls
`process` from, which on the DirectRunner's multi_processing mode and the portable runners is a
worker thread of an SDK-harness process.
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput
from webtext.clean.filters import Filter, default_filters
from webtext.clean.settings import CleanSettings
from webtext.clean.stage import clean_page
from webtext.core.document import Document, Page

KEPT = "kept"
DROPPED = "dropped"
NAMESPACE = "clean"


class _CleanPageFn(beam.DoFn):
    """Extracts and filters one page; kept documents on the main output, dropped on DROPPED."""

    def __init__(self, settings: CleanSettings) -> None:
        self._settings = settings
        self._filters: list[Filter] = []
        self._counters: dict[str, Metrics.DelegatingCounter] = {}

    def setup(self) -> None:
        self._filters = default_filters(self._settings.filters)

    def _count(self, outcome: str) -> None:
        if outcome not in self._counters:
            self._counters[outcome] = Metrics.counter(NAMESPACE, outcome)
        self._counters[outcome].inc()

    def process(self, page: Page) -> Iterator[Document | TaggedOutput]:
        doc = clean_page(page, self._settings, self._filters)
        if doc.drop_reason is None:
            self._count(KEPT)
            yield doc
        else:
            self._count(doc.drop_reason)
            yield TaggedOutput(DROPPED, doc)


class CleanPages(beam.PTransform):
    """Pages -> `.kept` and `.dropped` Documents, every drop reason counted (namespace "clean")."""

    def __init__(self, settings: CleanSettings | None = None, label: str | None = None) -> None:
        super().__init__(label)
        self._settings = settings or CleanSettings()

    def expand(self, pages: PCollection) -> DoOutputsTuple:
        return pages | "ExtractAndFilter" >> beam.ParDo(
            _CleanPageFn(self._settings)).with_outputs(DROPPED, main=KEPT)
