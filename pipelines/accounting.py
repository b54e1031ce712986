"""Accounting of the main job: every input record ends kept or dropped with a named reason.

The counts are computed as data inside the pipeline (not read back from Beam metrics, which some
runners do not report): each stage's dropped output becomes `("{stage}:{reason}", 1)` pairs, the
kept documents `("kept:{split}", 1)`, and one `CombinePerKey(sum)` folds them. `check` then
verifies the identity input = kept + Σ dropped, where input counts every response record read
and every unreadable record or file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import apache_beam as beam
from apache_beam.pvalue import PCollection
from webtext.core.accounting import check_balance
from webtext.core.reasons import key

INPUT = "input"


def dropped_reasons(stage: str, docs: PCollection, label: str) -> PCollection:
    """("stage:reason", 1) for every dropped `Document` of `stage`."""
    return docs | label >> beam.Map(lambda doc, s=stage: (key(s, doc.drop_reason or "unknown"), 1))


def reason_pairs(pairs: PCollection, stage: str, label: str) -> PCollection:
    """("stage:reason", 1) for every (reason, anything) pair."""
    return pairs | label >> beam.Map(lambda pair, s=stage: (key(s, pair[0]), 1))


def constant(items: PCollection, name: str, label: str) -> PCollection:
    """(name, 1) for every element."""
    return items | label >> beam.Map(lambda _, n=name: (n, 1))


def kept_by_split(split_docs: PCollection, label: str) -> PCollection:
    """("kept:{split}", 1) for every (split, Document)."""
    return split_docs | label >> beam.Map(lambda item: (key("kept", item[0]), 1))


class CountAll(beam.PTransform):
    """Flatten (name, 1) PCollections and sum per name into one dict (a singleton PCollection)."""

    def expand(self, parts: Iterable[PCollection]) -> PCollection:
        return (tuple(parts)
                | "Flatten" >> beam.Flatten()
                | "Sum" >> beam.CombinePerKey(sum)
                | "AsDict" >> beam.combiners.ToDict())


def check(counts: Mapping[str, int]) -> tuple[int, int, int]:
    """(input, kept, dropped); raises `AccountingError` if input != kept + dropped."""
    total = counts.get(INPUT, 0)
    kept = sum(v for k, v in counts.items() if k.startswith("kept:"))
    dropped = {k: v for k, v in counts.items() if k != INPUT and not k.startswith("kept:")}
    check_balance("main job", total, kept, dropped)
    return total, kept, sum(dropped.values())
