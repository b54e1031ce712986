"""`Decontaminate`: the Beam transform that removes or measures evaluation-set overlap.

Three modes (`DedupSettings.decontaminate`), each over a PCollection of `Document`, returning a
`DedupOutputs` like the other dedup transforms (every input document kept or dropped once, and a
report of ("eval_set/metric", count) pairs, zeros included):

- `near`: drop documents that are MinHash near duplicates of an evaluation document, at the near
  dedup threshold (`webtext.dedup.contamination.NearIndex`);
- `ngram`: GPT-3's rule (Brown et al. 2020, appendix C): cut every 13-gram shared with an
  evaluation set out of the document with a 200-character margin, drop pieces under 200
  characters and documents cut into more than 10 pieces (`cut_ngrams`);
- `measure`: GPT-2's 8-gram overlap (Radford et al. 2019, section 4), measured with a Bloom filter
  built from per-bundle filters OR-ed together; nothing is dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import AsSingleton, PCollection, TaggedOutput
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue
from webtext.core.combine import CombineParts
from webtext.core.document import Document
from webtext.core.reasons import DEDUP_CONTAMINATED
from webtext.dedup.beam import DedupOutputs
from webtext.dedup.bloom import NgramBloom
from webtext.dedup.contamination import NearIndex, NgramIndex, cut_ngrams
from webtext.dedup.evalsets import EvalSet
from webtext.dedup.ngrams import gpt2_words, ngrams
from webtext.dedup.settings import DedupSettings


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
        report = (counts, zeros) | "SumCounts" >> CombineParts()
        return DedupOutputs(kept, dropped, report)
