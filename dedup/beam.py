"""Beam transforms of the dedup stage: exact dedup, MinHash near dedup, decontamination.

Each transform takes a PCollection of `Document` and returns a `DedupOutputs` named tuple whose
`kept` and `dropped` PCollections hold every input exactly once (a dropped document carries
`drop_reason` and, for duplicates, `duplicate_of` = the kept document's id), plus a reporting
PCollection. Results depend neither on input order nor on how the runner splits the work: every
choice is made by the keep rule (`webtext.dedup.keep`) or by sorted order.

Scale: no step gathers all documents or all signatures in one worker. Exact dedup groups by
text digest (a group's documents are iterated twice, never listed). Near dedup shuffles
(band key -> keep key, signature) pairs, turns each bucket into at most one edge per member, and
joins decisions back to documents by id. The one global step is connected components: the
candidate-duplicate edges are folded by a combiner into union-find forests (partial forests are
built where the edges are and merged), so one worker holds a forest over the documents that have
a near duplicate: about 220 bytes per such document (measured with tracemalloc; see
README.md, "Dedup"), so about 2 GB for 10 million near-duplicate documents.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.pvalue import AsSingleton, PCollection, TaggedOutput
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue
from webtext.core.document import Document
from webtext.core.reasons import DEDUP_CONTAMINATED, DEDUP_EXACT, DEDUP_NEAR
from webtext.dedup.bloom import NgramBloom
from webtext.dedup.clusters import UnionFind
from webtext.dedup.contamination import NearIndex, NgramIndex, cut_ngrams
from webtext.dedup.evalsets import EvalSet
from webtext.dedup.keep import KeepKey, choose_kept, exact_key, keep_key
from webtext.dedup.lsh import Banding, band_keys, optimal_bands
from webtext.dedup.minhash import MinHasher, jaccard
from webtext.dedup.ngrams import gpt2_words, ngrams
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
    """Keep one document per normalized text (NFKC, case-folded, whitespace collapsed)."""

    def expand(self, docs: PCollection) -> DedupOutputs:
        results = (docs
                   | "KeyByText" >> beam.Map(lambda doc: (exact_key(doc.text), doc))
                   | "GroupByText" >> beam.GroupByKey()
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


def _apply_decision(element: tuple[str, dict[str, list[Any]]]) -> Iterator[Any]:
    _, joined = element
    kept_ids = joined["kept_id"]
    for doc in joined["doc"]:
        yield TaggedOutput("dropped", doc.dropped(DEDUP_NEAR, kept_ids[0])) if kept_ids else doc


class NearDedup(beam.PTransform):
    """Remove MinHash near duplicates: signatures -> band keys -> GroupByKey -> candidate edges
    (verified by estimated Jaccard) -> connected components -> keep rule per component."""

    def __init__(self, settings: DedupSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or DedupSettings()
        self.banding = optimal_bands(self.settings.threshold, self.settings.num_perm)
        log.info("%s", self.banding.describe())

    def expand(self, docs: PCollection) -> DedupOutputs:
        edges = (docs
                 | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self.settings.batch_size)
                 | "Sign" >> beam.ParDo(_Sign(self.settings, self.banding))
                 | "GroupByBand" >> beam.GroupByKey()
                 | "BucketEdges" >> beam.ParDo(_BucketEdges(self.settings)))
        decisions = (edges
                     | "Components" >> beam.CombineGlobally(_Components())
                     | "Decisions" >> beam.FlatMap(lambda pairs: pairs))
        results = ({"doc": docs | "KeyById" >> beam.Map(lambda doc: (doc.id, doc)), "kept_id": decisions}
                   | "JoinDecisions" >> beam.CoGroupByKey()
                   | "Apply" >> beam.FlatMap(_apply_decision).with_outputs("dropped", main="kept"))
        sizes = (decisions
                 | "PerCluster" >> beam.Map(lambda pair: (pair[1], 1))
                 | "CountCluster" >> beam.CombinePerKey(sum)
                 | "AddKept" >> beam.MapTuple(lambda kept, dropped: (kept, dropped + 1)))
        return DedupOutputs(results.kept, results.dropped, sizes)


def _contaminated(doc: Document, details: dict[str, Any]) -> Document:
    return dataclasses.replace(doc, drop_reason=DEDUP_CONTAMINATED, duplicate_of=None,
                               meta={**doc.meta, "contamination": details})


class _NearContamination(beam.DoFn):
    """Drop documents that are MinHash near duplicates of an evaluation document."""

    def __init__(self, settings: DedupSettings, eval_sets: Sequence[EvalSet]) -> None:
        self.settings, self.eval_sets = settings, eval_sets

    def setup(self) -> None:
        self.index = NearIndex(self.eval_sets, self.settings)

    def process(self, batch: Sequence[Document]) -> Iterator[Any]:
        for doc, signature in zip(batch, self.index.hasher.signatures([doc.text for doc in batch]), strict=True):
            found = self.index.matches(signature)
            if not found:
                yield doc
                continue
            for name in found:
                yield TaggedOutput("report", (f"{name}/documents_dropped", 1))
            yield TaggedOutput("dropped", _contaminated(doc, {"mode": "near", "jaccard": found}))


class _NgramContamination(beam.DoFn):
    """Cut evaluation n-grams out of documents (the GPT-3 rule), dropping what is left too small."""

    def __init__(self, settings: DedupSettings, eval_sets: Sequence[EvalSet]) -> None:
        self.settings, self.eval_sets = settings, eval_sets

    def setup(self) -> None:
        self.index = NgramIndex(self.eval_sets, self.settings.contamination_ngram)

    def process(self, doc: Document) -> Iterator[Any]:
        result = cut_ngrams(doc.text, self.index, self.settings)
        if not result.matches:
            yield doc
            return
        outcome = "documents_dropped" if result.contaminated else "documents_cut"
        for name in result.eval_sets:
            yield TaggedOutput("report", (f"{name}/{outcome}", 1))
            yield TaggedOutput("report", (f"{name}/ngram_matches", result.matches))
        details = {"mode": "ngram", "eval_sets": result.eval_sets, "matches": result.matches,
                   "pieces": result.pieces}
        if result.contaminated:
            yield TaggedOutput("dropped", _contaminated(doc, details))
        else:
            yield dataclasses.replace(doc, text=result.text, meta={**doc.meta, "decontaminated": details})


class _PartialBloom(beam.DoFn):
    """Adds each document's n-grams to one Bloom filter per bundle; emits it at bundle end."""

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings

    def start_bundle(self) -> None:
        self.bloom: NgramBloom | None = None

    def process(self, doc: Document, expected: int) -> None:
        if self.bloom is None:
            self.bloom = NgramBloom.create(expected, self.settings.bloom_fp_rate, self.settings.overlap_ngram)
        self.bloom.add_text(doc.text)

    def finish_bundle(self) -> Iterator[WindowedValue]:
        if self.bloom is not None:
            yield GlobalWindows.windowed_value(self.bloom.to_bytes())


class _OrBlooms(beam.CombineFn):
    """Merges serialized Bloom filters with bitwise OR (None when there are none)."""

    def create_accumulator(self) -> NgramBloom | None:
        return None

    def add_input(self, bloom: NgramBloom | None, data: bytes) -> NgramBloom:
        part = NgramBloom.from_bytes(data)
        return part if bloom is None else bloom.merge(part)

    def merge_accumulators(self, blooms: Iterable[NgramBloom | None]) -> NgramBloom | None:
        merged: NgramBloom | None = None
        for bloom in blooms:
            if bloom is not None:
                merged = bloom if merged is None else merged.merge(bloom)
        return merged

    def extract_output(self, bloom: NgramBloom | None) -> bytes:
        return b"" if bloom is None else bloom.to_bytes()


def _ngram_count(doc: Document, n: int) -> int:
    return max(len(gpt2_words(doc.text)) - n + 1, 0)


def _measure(_: int, data: bytes, eval_sets: Sequence[EvalSet], n: int) -> Iterator[tuple[str, int]]:
    bloom = NgramBloom.from_bytes(data) if data else None
    for eval_set in eval_sets:
        found = total = 0
        for text in eval_set.texts:
            hits, count = bloom.overlap(text) if bloom else (0, len(list(ngrams(text, n))))
            found, total = found + hits, total + count
        yield f"{eval_set.name}/ngrams_found", found
        yield f"{eval_set.name}/ngrams_total", total


class Decontaminate(beam.PTransform):
    """Deal with evaluation-set overlap in one of three modes (settings.decontaminate):

    - "near": drop documents that are MinHash near duplicates of an evaluation document;
    - "ngram": the GPT-3 rule, cutting shared 13-grams out and dropping what is left too small;
    - "measure": keep every document and report, per evaluation set, how many of its 8-grams
      occur in the documents (GPT-2's Bloom-filter measurement).

    `report` holds ("eval_set/metric", count) pairs, one per evaluation set and metric, zeros
    included: documents_dropped (near, ngram), documents_cut and ngram_matches (ngram),
    ngrams_found and ngrams_total (measure).
    """

    _METRICS = {"near": ("documents_dropped",),
                "ngram": ("documents_dropped", "documents_cut", "ngram_matches"),
                "measure": ("ngrams_found", "ngrams_total")}

    def __init__(self, settings: DedupSettings, eval_sets: Sequence[EvalSet]) -> None:
        super().__init__()
        if settings.decontaminate not in self._METRICS:
            raise ValueError(f"unknown decontamination mode {settings.decontaminate!r}")
        self.settings, self.eval_sets = settings, list(eval_sets)

    def expand(self, docs: PCollection) -> DedupOutputs:
        mode, settings = self.settings.decontaminate, self.settings
        zeros = docs.pipeline | "ZeroCounts" >> beam.Create(
            [(f"{s.name}/{metric}", 0) for s in self.eval_sets for metric in self._METRICS[mode]])
        if mode == "measure":
            expected = (docs
                        | "CountNgrams" >> beam.Map(_ngram_count, settings.overlap_ngram)
                        | "TotalNgrams" >> beam.CombineGlobally(sum))
            bloom = (docs
                     | "PartialBlooms" >> beam.ParDo(_PartialBloom(settings), AsSingleton(expected))
                     | "OrBlooms" >> beam.CombineGlobally(_OrBlooms()))
            counts = (docs.pipeline
                      | "Once" >> beam.Create([0])
                      | "Measure" >> beam.FlatMap(_measure, AsSingleton(bloom), self.eval_sets, settings.overlap_ngram))
            kept, dropped = docs, docs.pipeline | "NoneDropped" >> beam.Create([])
        else:
            if mode == "near":
                results = (docs
                           | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=settings.batch_size)
                           | "NearMatch" >> beam.ParDo(_NearContamination(settings, self.eval_sets))
                           .with_outputs("dropped", "report", main="kept"))
            else:
                results = docs | "NgramCut" >> beam.ParDo(_NgramContamination(settings, self.eval_sets)) \
                    .with_outputs("dropped", "report", main="kept")
            kept, dropped, counts = results.kept, results.dropped, results.report
        report = (counts, zeros) | "AllCounts" >> beam.Flatten() | "SumCounts" >> beam.CombinePerKey(sum)
        return DedupOutputs(kept, dropped, report)
