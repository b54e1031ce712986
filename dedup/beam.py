"""Beam transforms of the dedup stage: exact dedup and MinHash near dedup (decontamination, the
third, is in `webtext.dedup.decontaminate`).

Each transform takes a PCollection of `Document` and returns a `DedupOutputs` named tuple whose
`kept` and `dropped` PCollections hold every input exactly once (a dropped document carries
`drop_reason` and, for duplicates, `duplicate_of` = the kept document's id), plus a reporting
PCollection. Results depend neither on input order nor on how the runner splits the work: every
choice is made by the keep rule (`webtext.dedup.keep`) or by sorted order.

Scale: no step gathers all documents or all signatures in one worker or in the driver. Every
grouping goes through run files in the `spill` directory (`webtext.core.spill`), so a worker holds
one task of groups and the runner only the files' names. Exact dedup groups by text digest. Near
dedup groups (band key -> keep key, signature) pairs, turns each bucket into at most one edge per
member, and joins decisions back to documents by id. The one global step is connected components: the
candidate-duplicate edges are folded by a combiner into union-find forests (partial forests are
built where the edges are and merged), so one worker holds a forest over the documents that have
a near duplicate: about 220 bytes per such document (measured with tracemalloc; see
docs/dedup.md), so about 2 GB for 10 million near-duplicate documents.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.pvalue import PCollection, TaggedOutput
from webtext.core.document import Document
from webtext.core.reasons import DEDUP_EXACT, DEDUP_NEAR
from webtext.core.spill import DEFAULT_SPILL, SpillGroupByKey, SpillSettings
from webtext.dedup.clusters import UnionFind
from webtext.dedup.keep import KeepKey, choose_kept, exact_key, keep_key
from webtext.dedup.lsh import Banding, band_keys, optimal_bands
from webtext.dedup.minhash import MinHasher, jaccard
from webtext.dedup.settings import DedupSettings

log = logging.getLogger(__name__)


class DedupOutputs(NamedTuple):
    """What a dedup transform returns: kept and dropped documents, and a report PCollection.

    `report` holds (name, value) pairs: for ExactDedup and NearDedup, (kept id, cluster size)
    for every cluster of two or more; for Decontaminate, ("eval_set/metric", count).
    """

    kept: PCollection
    dropped: PCollection
    report: PCollection


class _KeepBestOfGroup(beam.DoFn):
    """(key, documents) -> the kept one on the main output, the rest on "dropped"."""

    def process(self, element: tuple[str, Iterable[Document]]) -> Iterator[Any]:
        _, docs = element
        best = choose_kept(docs)
        size = 0
        for doc in docs:
            size += 1
            yield doc if doc is best else TaggedOutput("dropped", doc.dropped(DEDUP_EXACT, best.id))
        if size > 1:
            yield TaggedOutput("report", (best.id, size))


class ExactDedup(beam.PTransform):
    """Keep one document per normalized text (NFKC, case-folded, whitespace collapsed); groups go
    through run files in the directory `spill`."""

    def __init__(self, spill: str, spill_settings: SpillSettings = DEFAULT_SPILL) -> None:
        super().__init__()
        self.spill, self.spill_settings = spill, spill_settings

    def expand(self, docs: PCollection) -> DedupOutputs:
        results = (docs
                   | "KeyByText" >> beam.Map(lambda doc: (exact_key(doc.text), doc))
                   | "GroupByText" >> SpillGroupByKey(self.spill, self.spill_settings)
                   | "KeepBest" >> beam.ParDo(_KeepBestOfGroup()).with_outputs("dropped", "report", main="kept"))
        return DedupOutputs(results.kept, results.dropped, results.report)


class _Sign(beam.DoFn):
    """Batches of documents -> (band key, (keep key, signature bytes)) for each band."""

    def __init__(self, settings: DedupSettings, banding: Banding) -> None:
        self.settings, self.banding = settings, banding

    def setup(self) -> None:
        self.hasher = MinHasher(self.settings.shingle_size, self.settings.num_perm, self.settings.seed)

    def process(self, batch: Sequence[Document]) -> Iterator[tuple[bytes, tuple[KeepKey, bytes]]]:
        signatures = self.hasher.signatures([doc.text for doc in batch])
        empty = np.iinfo(np.uint32).max
        for doc, signature in zip(batch, signatures, strict=True):
            if signature[0] == empty and np.all(signature == empty):
                continue  # no words: nothing to compare (exact dedup handles empty texts)
            value = (keep_key(doc), signature.tobytes())
            for key in band_keys(signature, self.banding):
                yield key, value


class _BucketEdges(beam.DoFn):
    """One LSH bucket -> edges (member, representative) between verified near duplicates.

    Members are visited in keep order; each is compared with the bucket's representatives (the
    members that matched none before it, at most `max_bucket_representatives`) and linked to the
    first one it matches, so a bucket of m near-identical documents costs m comparisons, not m^2.
    """

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings

    def process(self, element: tuple[bytes, Iterable[tuple[KeepKey, bytes]]]) -> Iterator[tuple[KeepKey, KeepKey]]:
        members = sorted(element[1])
        if len(members) < 2:
            return
        representatives: list[tuple[KeepKey, np.ndarray]] = []
        for key, raw in members:
            signature = np.frombuffer(raw, dtype=np.uint32)
            for rep_key, rep_signature in representatives:
                if key == rep_key:
                    break
                if not self.settings.verify or jaccard(signature, rep_signature) >= self.settings.threshold:
                    yield key, rep_key
                    break
            else:
                if len(representatives) < self.settings.max_bucket_representatives:
                    representatives.append((key, signature))


class _Components(beam.CombineFn):
    """Edges -> union-find forest -> (document id, kept id) for every non-kept node."""

    def create_accumulator(self) -> UnionFind:
        return UnionFind()

    def add_input(self, forest: UnionFind, edge: tuple[KeepKey, KeepKey]) -> UnionFind:
        forest.union(*edge)
        return forest

    def merge_accumulators(self, forests: Iterable[UnionFind]) -> UnionFind:
        merged = UnionFind()
        for forest in forests:
            merged.absorb(forest)
        return merged

    def extract_output(self, forest: UnionFind) -> list[tuple[str, str]]:
        return sorted((node[-1], root[-1]) for node, root in forest.roots().items() if node != root)


def _apply_decision(element: tuple[str, list[Document | str]]) -> Iterator[Any]:
    """(id, its documents and at most one kept id) -> each document, dropped when a kept id came."""
    _, joined = element
    kept_ids = [item for item in joined if isinstance(item, str)]
    for doc in joined:
        if isinstance(doc, Document):
            yield TaggedOutput("dropped", doc.dropped(DEDUP_NEAR, kept_ids[0])) if kept_ids else doc


class NearDedup(beam.PTransform):
    """Remove MinHash near duplicates: signatures -> band keys -> GroupByKey -> candidate edges
    (verified by estimated Jaccard) -> connected components -> keep rule per component; groups go
    through run files in the directory `spill`."""

    def __init__(self, spill: str, settings: DedupSettings | None = None,
                 spill_settings: SpillSettings = DEFAULT_SPILL) -> None:
        super().__init__()
        self.spill, self.spill_settings = spill, spill_settings
        self.settings = settings or DedupSettings()
        self.banding = optimal_bands(self.settings.threshold, self.settings.num_perm)
        log.info("%s", self.banding.describe())

    def expand(self, docs: PCollection) -> DedupOutputs:
        edges = (docs
                 | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self.settings.batch_size)
                 | "Sign" >> beam.ParDo(_Sign(self.settings, self.banding))
                 | "GroupByBand" >> SpillGroupByKey(self.spill, self.spill_settings)
                 | "BucketEdges" >> beam.ParDo(_BucketEdges(self.settings)))
        decisions = (edges
                     | "Components" >> beam.CombineGlobally(_Components())
                     | "Decisions" >> beam.FlatMap(lambda pairs: pairs))
        results = ((docs | "KeyById" >> beam.Map(lambda doc: (doc.id, doc)), decisions)
                   | "JoinDecisions" >> SpillGroupByKey(self.spill, self.spill_settings)
                   | "Apply" >> beam.FlatMap(_apply_decision).with_outputs("dropped", main="kept"))
        sizes = (decisions
                 | "PerCluster" >> beam.Map(lambda pair: (pair[1], 1))
                 | "CountCluster" >> beam.CombinePerKey(sum)
                 | "AddKept" >> beam.MapTuple(lambda kept, dropped: (kept, dropped + 1)))
        return DedupOutputs(results.kept, results.dropped, sizes)
