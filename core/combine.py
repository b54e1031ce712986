"""`CombineParts`: combine (key, value) pairs from several PCollections without moving every pair.

A `Flatten` of PCollections made in different stages of a pipeline is a stage boundary: Beam's
local runner (the FnApiRunner) keeps the flattened elements in the driver until the stage that
consumes them runs, so a `Flatten` then `CombinePerKey` over one pair per document holds one
pair per document in the driver, and its combiner lifting starts only after the boundary.
`CombineParts` combines each part first, where it is made (the runner lifts each
`CombinePerKey` into its producing stage, so only one partial result per key and bundle leaves
it), then flattens the partial results and combines them again. `combine` must take an iterable
of values and return a value of the same kind (`sum`, or a sum of tuples), so that combining
partial results is the same as combining everything at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import PCollection


class CombineParts(beam.PTransform):
    """(key, value) pairs, in one PCollection or a tuple of them -> (key, combined value) pairs."""

    def __init__(self, combine: Callable[[Iterable[Any]], Any] = sum) -> None:
        super().__init__()
        self.combine = combine

    def expand(self, parts: PCollection | tuple[PCollection, ...]) -> PCollection:
        partial = tuple(part | f"Part{index}" >> beam.CombinePerKey(self.combine)
                        for index, part in enumerate((parts,) if isinstance(parts, PCollection) else parts))
        return partial | "Flatten" >> beam.Flatten() | "Combine" >> beam.CombinePerKey(self.combine)
