"""The corpus's profile as data: its kept documents per registered domain, and their lengths in words.

- `DomainCounts`: kept documents -> one list of (registered domain, documents) pairs, every domain
  of the corpus, most documents first and ties by name. A document's registered domain is its
  host's eTLD+1 by the Public Suffix List (`webtext.core.urls.registered_domain`, cached per host,
  so the per-document cost is a dictionary look-up): `www.bbc.co.uk` and `news.bbc.co.uk` both
  count for `bbc.co.uk`. The list is gathered on one worker: it holds one pair per distinct domain.
- `domains_summary`: that list -> the report's `domains`: kept documents, distinct domains and the
  `TOP_DOMAINS` with the most documents.
- `WriteDomains`: that list -> `domains.csv` (`domain,documents,share`, share of the kept
  documents), written by the worker through `webtext.core.filesys` (the output may be remote).
- `WordLengths`: kept documents -> `[[low, high, documents], ...]`, the documents per power-of-two
  bucket of their words (`text.split()`), the buckets `webtext shards inspect` uses for tokens
  (`webtext.tokenize.beam.LengthHistogram`): document lengths of web text spread over several
  orders of magnitude.
- `ArchivedDocuments`: kept documents -> how many of them a web archive served: captures the crawl
  fetched in place of a dead link (`webtext crawl --archive`), marked `archive_source` in their meta.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import PCollection
from webtext.core import filesys
from webtext.core.document import Document
from webtext.core.tables import Column, Table
from webtext.core.urls import registered_domain
from webtext.tokenize.beam import LengthHistogram

TOP_DOMAINS = 100
DOMAINS_CSV = "domains.csv"
_CSV_COLUMNS = (Column("domain", "domain"), Column("documents", "documents"), Column("share", "share"))


def _ranked(counts: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(counts, key=lambda pair: (-pair[1], pair[0]))


class DomainCounts(beam.PTransform):
    """Documents -> one list of (registered domain, documents), most documents first, ties by name."""

    def expand(self, docs: PCollection) -> PCollection:
        return (docs
                | "RegisteredDomain" >> beam.Map(lambda doc: (registered_domain(doc.domain), 1))
                | "PerDomain" >> beam.CombinePerKey(sum)
                | "List" >> beam.combiners.ToList()
                | "Rank" >> beam.Map(_ranked))


def domains_summary(ranked: list[tuple[str, int]]) -> dict[str, Any]:
    """{"documents": kept documents, "distinct": registered domains, "top": the `TOP_DOMAINS` first
    [{"domain", "documents"}]} of a `DomainCounts` list."""
    return {"documents": sum(n for _, n in ranked), "distinct": len(ranked),
            "top": [{"domain": domain, "documents": n} for domain, n in ranked[:TOP_DOMAINS]]}


def _write_csv(ranked: list[tuple[str, int]], path: str) -> tuple[()]:
    total = sum(n for _, n in ranked) or 1
    table = Table("domains", "Kept documents per registered domain", _CSV_COLUMNS,
                  [{"domain": domain, "documents": n, "share": n / total} for domain, n in ranked])
    with filesys.open_write(path, "w") as handle:
        handle.write(table.to_csv())
    return ()


class WriteDomains(beam.PTransform):
    """A `DomainCounts` list -> nothing: `domains.csv` written as the file `path`."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def expand(self, ranked: PCollection) -> PCollection:
        return ranked | "Write" >> beam.FlatMap(_write_csv, self.path)


def _words(doc: Document) -> int:
    return len(doc.text.split())


class WordLengths(beam.PTransform):
    """Documents -> [[low, high, documents], ...] per power-of-two bucket of their words."""

    def expand(self, docs: PCollection) -> PCollection:
        return docs | "Words" >> beam.Map(_words) | "Histogram" >> beam.CombineGlobally(LengthHistogram())


def _archived(doc: Document) -> int:
    return 1 if doc.meta.get("archive_source") else 0


class ArchivedDocuments(beam.PTransform):
    """Documents -> the number of them whose page came from a web archive (a singleton int)."""

    def expand(self, docs: PCollection) -> PCollection:
        return docs | "FromArchive" >> beam.Map(_archived) | "Sum" >> beam.CombineGlobally(sum)
