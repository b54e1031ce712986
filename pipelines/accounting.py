"""Accounting of the main job: every input record ends kept or dropped with a named reason.

The counts are computed as data inside the pipeline (not read back from Beam metrics, which some
runners do not report): each stage's dropped output becomes `("{stage}:{reason}", 1)` pairs, the
kept documents `("kept:{split}", 1)`, and `SumPerKey` folds them into one dict. `check` then
verifies the identity input = kept + Σ dropped, where input counts every response record read
and every unreadable record or file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import PCollection
from webtext.core.accounting import check_balance
from webtext.core.combine import CombineParts
from webtext.core.reasons import key

INPUT = "input"
READ_AND_KEPT = ("pages", "not_ok", "dead", "kept")


class SumPerKey(beam.PTransform):
    """(key, value) pairs, in one PCollection or a tuple of them -> one dict {key: combined values}.

    The values of a key are combined with `combine` (default: `sum`; see `CombineParts`, which
    combines each part where it is made); the dict's keys are sorted,
    and no pairs at all give `{}`. The result is a singleton PCollection.
    """

    def __init__(self, combine: Callable[[Iterable[Any]], Any] = sum) -> None:
        super().__init__()
        self.combine = combine

    def expand(self, parts: Any) -> PCollection:
        return (((parts,) if isinstance(parts, PCollection) else tuple(parts))
                | "Combine" >> CombineParts(self.combine)
                | "AsDict" >> beam.combiners.ToDict()
                | "SortKeys" >> beam.Map(lambda found: dict(sorted(found.items()))))


def _each(parts: PCollection | tuple[PCollection, ...]) -> tuple[PCollection, ...]:
    return parts if isinstance(parts, tuple) else (parts,)


def _drop_pair(doc: Any, stage: str) -> tuple[str, int]:
    return key(stage, doc.drop_reason or "unknown"), 1


class CountRecords(beam.PTransform):
    """The read stage's outputs, the kept documents and each stage's drops -> the accounting dict.

    Applied to a dict of PCollections: "pages", "not_ok" ((reason, url) pairs) and "dead"
    (`DeadLetter`s) of the read stage, "kept" ((split, Document) pairs), and one more entry per
    stage that drops documents, its key the stage's name, holding its dropped `Document`s (one
    PCollection or a tuple of them, counted where each is made). Each page, not-OK response and
    dead letter counts once as input. Returns a singleton dict.
    """

    def expand(self, parts: Mapping[str, Any]) -> PCollection:
        pairs = [parts[name] | f"Input{name}" >> beam.Map(lambda _: (INPUT, 1)) for name in ("pages", "not_ok", "dead")]
        pairs += [parts["not_ok"] | "NotOkReasons" >> beam.Map(lambda pair: (key("read", pair[0]), 1)),
                  parts["dead"] | "DeadReasons" >> beam.Map(lambda _: (key("read", "unreadable"), 1)),
                  parts["kept"] | "KeptBySplit" >> beam.Map(lambda item: (key("kept", item[0]), 1))]
        pairs += [part | f"{stage}Drops{index}" >> beam.Map(_drop_pair, stage)
                  for stage, docs in parts.items() if stage not in READ_AND_KEPT
                  for index, part in enumerate(_each(docs))]
        return tuple(pairs) | "Sum" >> SumPerKey()


def check(counts: Mapping[str, int]) -> tuple[int, int, int]:
    """(input, kept, dropped); raises `AccountingError` if input != kept + dropped."""
    total = counts.get(INPUT, 0)
    kept = sum(v for k, v in counts.items() if k.startswith("kept:"))
    dropped = {k: v for k, v in counts.items() if k != INPUT and not k.startswith("kept:")}
    check_balance("main job", total, kept, dropped)
    return total, kept, sum(dropped.values())
