"""`BuildCorpus`: WARC files to split, de-duplicated, decontaminated documents, with the summary.

It composes the stages' transforms (read → clean → exact dedup → near dedup → decontaminate →
split) and gathers, as data, what the manifest and the report need: the accounting of every
record, documents and words after each stage, the detected languages before and after the
clean filters, the kept documents per registered domain, their lengths in words and how many a
web archive served (`webtext.pipelines.profile`), duplicate cluster sizes, decontamination figures and the dead
letters. It holds no stage logic of its own. Each part of the summary is a singleton
PCollection; `GatherSummary` joins them into the one summary dict. The kept documents per
registered domain, every domain, are also a PCollection of their own (`Corpus.domains`), which
the job writes as `domains.csv`.

What each stage has kept so far is a Beam counter (`STAGE_COUNTERS`), which the job's progress
line (`webtext.pipelines.progress`) reads while it runs: `ReadWarc` counts the pages it reads,
`CleanPages` the documents it keeps, and `CountStages` those the later stages keep, in a counter
`kept` named after the stage (`decontaminate` only when evaluation sets are given: it passes every
document on otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.metrics.metricbase import MetricName
from apache_beam.pvalue import PBegin, PCollection
from webtext.clean.beam import KEPT, CleanPages
from webtext.clean.beam import NAMESPACE as CLEAN_COUNTERS
from webtext.core.document import DeadLetter, Document, Page
from webtext.crawl.warc.beam import PAGES_READ, ReadWarc
from webtext.dedup.beam import DedupOutputs, ExactDedup, NearDedup
from webtext.dedup.decontaminate import Decontaminate
from webtext.pipelines.accounting import CountRecords, SumPerKey
from webtext.pipelines.options import JobConfig
from webtext.pipelines.profile import ArchivedDocuments, DomainCounts, WordLengths, domains_summary

STAGES = ("read", "clean", "exact_dedup", "near_dedup", "decontaminate")
STAGE_COUNTERS: dict[str, MetricName] = {"read": PAGES_READ.metric_name, "clean": MetricName(CLEAN_COUNTERS, KEPT),
                                         **{stage: MetricName(stage, KEPT) for stage in STAGES[2:]}}


class Corpus(NamedTuple):
    """(split, Document) pairs of every kept document, the summary (a singleton dict), and the kept
    documents per registered domain (a singleton list, `DomainCounts`)."""

    documents: PCollection
    summary: PCollection
    domains: PCollection


def _size(item: Page | Document) -> tuple[int, int, int]:
    """(1, words, bytes): a document's text, or a page's body (words are not counted before extraction)."""
    if isinstance(item, Page):
        return 1, 0, len(item.body)
    return 1, len(item.text.split()), len(item.text.encode("utf-8"))


def _sum_sizes(sizes: Iterable[tuple[int, int, int]]) -> tuple[int, int, int]:
    docs = words = size = 0
    for d, w, b in sizes:
        docs, words, size = docs + d, words + w, size + b
    return docs, words, size


def _stage_rows(sizes: dict[str, tuple[int, int, int]]) -> list[dict[str, Any]]:
    return [{"stage": s, "documents": sizes[s][0], "words": sizes[s][1], "bytes": sizes[s][2]}
            for s in STAGES if s in sizes]


class StageSizes(beam.PTransform):
    """{stage: its kept pages or documents} -> [{stage, documents, words, bytes}] in pipeline order."""

    def expand(self, stages: dict[str, PCollection]) -> PCollection:
        sized = tuple(items | f"Size{stage}" >> beam.Map(lambda item, s=stage: (s, _size(item)))
                      for stage, items in stages.items())
        return (sized
                | "Sum" >> SumPerKey(_sum_sizes)
                | "Rows" >> beam.Map(_stage_rows))


def _count(_: Any, counter: Any) -> tuple[()]:
    counter.inc()
    return ()


class CountStages(beam.PTransform):
    """{stage: its kept documents} -> nothing: each stage's documents counted in its `STAGE_COUNTERS` counter."""

    def expand(self, stages: dict[str, PCollection]) -> PCollection:
        counted = [items | f"Count{stage}" >> beam.FlatMap(_count, Metrics.counter(stage, KEPT))
                   for stage, items in stages.items()]
        return counted | "Nothing" >> beam.Flatten()


def _language_pairs(doc: Document, kept: bool) -> list[tuple[str, int]]:
    if not doc.language:  # no text: extraction found none
        return []
    return [(f"extracted:{doc.language}", 1), *([(f"kept:{doc.language}", 1)] if kept else [])]


def _by_language(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    nested: dict[str, dict[str, int]] = {"extracted": {}, "kept": {}}
    for name, count in counts.items():
        where, language = name.split(":", 1)
        nested[where][language] = count
    return nested


class LanguageCounts(beam.PTransform):
    """{"kept", "dropped": the clean stage's documents} -> {"extracted": {language: documents}, "kept": {...}}:
    the detected languages of the documents with text before the clean filters (kept and dropped
    ones) and of those the stage kept."""

    def expand(self, cleaned: dict[str, PCollection]) -> PCollection:
        pairs = (cleaned["kept"] | "Kept" >> beam.FlatMap(_language_pairs, True),
                 cleaned["dropped"] | "Dropped" >> beam.FlatMap(_language_pairs, False))
        return pairs | "Sum" >> SumPerKey() | "Nest" >> beam.Map(_by_language)


class ClusterSizes(beam.PTransform):
    """{kind: (kept id, cluster size) pairs} -> {"kind:size": number of clusters of that size}."""

    def expand(self, reports: dict[str, PCollection]) -> PCollection:
        sizes = tuple(report | f"{kind}Sizes" >> beam.Map(lambda kv, k=kind: (f"{k}:{kv[1]}", 1))
                      for kind, report in reports.items())
        return sizes | "Histogram" >> SumPerKey()


class DeadLetters(beam.PTransform):
    """`DeadLetter`s -> one list of their dicts, sorted by source."""

    def expand(self, dead: PCollection) -> PCollection:
        return (dead
                | "AsDicts" >> beam.Map(DeadLetter.to_dict)
                | "List" >> beam.combiners.ToList()
                | "Sort" >> beam.Map(lambda found: sorted(found, key=lambda d: d["source"])))


class GatherSummary(beam.PTransform):
    """{name: singleton PCollection} -> one dict {name: its value}, keys in the given order."""

    def expand(self, parts: dict[str, PCollection]) -> PCollection:
        names = list(parts)
        keyed = tuple(part | f"Key{name}" >> beam.Map(lambda value, n=name: (n, value)) for name, part in parts.items())
        return (keyed
                | "Flatten" >> beam.Flatten()
                | "AsDict" >> beam.combiners.ToDict()
                | "Order" >> beam.Map(lambda found: {name: found[name] for name in names}))


class BuildCorpus(beam.PTransform):
    """Pipeline root -> `Corpus` (see the module docstring)."""

    def __init__(self, config: JobConfig) -> None:
        super().__init__()
        self.config = config

    def _decontaminate(self, root: PBegin, docs: PCollection) -> DedupOutputs:
        """`Decontaminate` when evaluation sets are given, else every document kept and nothing reported."""
        if self.config.eval_sets:
            return docs | "Decontaminate" >> Decontaminate(self.config.dedup, self.config.eval_sets)
        nothing = root | "NoEvalSets" >> beam.Create([])
        return DedupOutputs(docs, nothing, nothing)

    def expand(self, root: PBegin) -> Corpus:
        config = self.config
        read = root | "ReadWarc" >> ReadWarc(config.input, max_body=config.clean.extract.max_bytes)
        cleaned = read.pages | "Clean" >> CleanPages(config.clean)
        exact = cleaned.kept | "ExactDedup" >> ExactDedup(config.spill, config.spill_settings)
        near = exact.kept | "NearDedup" >> NearDedup(config.spill, config.dedup, config.spill_settings)
        final = self._decontaminate(root, near.kept)
        documents = final.kept | "Split" >> beam.Map(lambda doc, rule=config.split: (rule.split_of(doc.id), doc))
        accounting = {"pages": read.pages, "not_ok": read.not_ok, "dead": read.dead, "kept": documents,
                      "clean": cleaned.dropped, "dedup": (exact.dropped, near.dropped), "decontaminate": final.dropped}
        stages = {"read": read.pages, "clean": cleaned.kept, "exact_dedup": exact.kept,
                  "near_dedup": near.kept, "decontaminate": final.kept}
        _ = {stage: stages[stage] for stage in STAGES[2:] if stage != "decontaminate" or config.eval_sets} \
            | "CountStages" >> CountStages()
        domains = final.kept | "Domains" >> DomainCounts()
        words = final.kept | "WordLengths" >> WordLengths()
        summary = {"accounting": accounting | "Accounting" >> CountRecords(),
                   "stages": stages | "StageSizes" >> StageSizes(),
                   "languages": {"kept": cleaned.kept, "dropped": cleaned.dropped} | "Languages" >> LanguageCounts(),
                   "domains": domains | "DomainsSummary" >> beam.Map(domains_summary),
                   "lengths": words | "Lengths" >> beam.Map(lambda rows: {"words": rows}),
                   "archived": final.kept | "Archived" >> ArchivedDocuments(),
                   "cluster_sizes": {"exact": exact.report, "near": near.report} | "ClusterSizes" >> ClusterSizes(),
                   "decontamination": final.report | "Decontamination" >> SumPerKey(),
                   "dead_letters": read.dead | "DeadLetters" >> DeadLetters()}
        return Corpus(documents, summary | "Summary" >> GatherSummary(), domains)
