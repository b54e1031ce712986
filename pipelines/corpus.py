"""`BuildCorpus`: WARC files to split, de-duplicated, decontaminated documents, with the summary.

It composes the stages' transforms (read → clean → exact dedup → near dedup → decontaminate →
split) and gathers, as data, what the manifest and the report need: the accounting of every
record, documents and words after each stage, top domains, duplicate cluster sizes,
decontamination figures and the dead letters. It holds no stage logic of its own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.pvalue import PCollection
from webtext.clean.beam import CleanPages
from webtext.core import reasons
from webtext.core.document import DeadLetter, Document, Page
from webtext.core.splits import SplitRule
from webtext.crawl.warc.beam import ReadWarc
from webtext.dedup.beam import Decontaminate, ExactDedup, NearDedup
from webtext.pipelines import accounting
from webtext.pipelines.options import JobConfig

TOP_DOMAINS = 25


class Corpus(NamedTuple):
    """(split, Document) pairs of every kept document, and the summary (a singleton dict)."""

    documents: PCollection
    summary: PCollection


def _doc_size(doc: Document) -> tuple[int, int, int]:
    return 1, len(doc.text.split()), len(doc.text.encode("utf-8"))


def _page_size(page: Page) -> tuple[int, int, int]:
    return 1, 0, len(page.body)


def _stage_size(items: PCollection, stage: str, label: str, measure: Any = _doc_size) -> PCollection:
    """(stage, (documents, words, bytes)) per element: text bytes for documents, body bytes for pages."""
    return items | label >> beam.Map(lambda item, s=stage: (s, measure(item)))


def _sum_triples(values: Any) -> tuple[int, int, int]:
    docs = words = size = 0
    for d, w, b in values:
        docs, words, size = docs + d, words + w, size + b
    return docs, words, size


def _assemble(_: Any, counts: dict[str, int], sizes: dict[str, tuple[int, int, int]], domains: list[tuple[int, str]],
              clusters: dict[str, int], decontamination: dict[str, int], dead: list[dict[str, str]]) -> dict[str, Any]:
    order = ["read", "clean", "exact_dedup", "near_dedup", "decontaminate"]
    return {"accounting": dict(sorted(counts.items())),
            "stages": [{"stage": s, "documents": sizes[s][0], "words": sizes[s][1], "bytes": sizes[s][2]}
                       for s in order if s in sizes],
            "top_domains": [{"domain": d, "documents": n} for n, d in domains],
            "cluster_sizes": dict(sorted(clusters.items())),
            "decontamination": dict(sorted(decontamination.items())),
            "dead_letters": sorted(dead, key=lambda d: d["source"])}


class BuildCorpus(beam.PTransform):
    """Pipeline root -> `Corpus` (see the module docstring)."""

    def __init__(self, config: JobConfig) -> None:
        super().__init__()
        self.config = config

    def expand(self, root: beam.pvalue.PBegin) -> Corpus:
        config, rule = self.config, self.config.split
        read = root | "ReadWarc" >> ReadWarc(config.input, max_body=config.clean.extract.max_bytes)
        cleaned = read.pages | "Clean" >> CleanPages(config.clean)
        exact = cleaned.kept | "ExactDedup" >> ExactDedup()
        near = exact.kept | "NearDedup" >> NearDedup(config.dedup)
        final, drops = near.kept, [("dedup", exact.dropped), ("dedup", near.dropped), ("clean", cleaned.dropped)]
        decontamination: PCollection = root | "NoEvalSets" >> beam.Create([])
        if config.eval_sets:
            decon = near.kept | "Decontaminate" >> Decontaminate(config.dedup, config.eval_sets)
            final, decontamination = decon.kept, decon.report
            drops.append(("decontaminate", decon.dropped))
        documents = final | "Split" >> beam.Map(lambda d, r=rule: (SplitRule.split_of(r, d.id), d))
        counts = [accounting.constant(read.pages, accounting.INPUT, "CountPages"),
                  accounting.constant(read.not_ok, accounting.INPUT, "CountNotOk"),
                  accounting.constant(read.dead, accounting.INPUT, "CountDead"),
                  accounting.reason_pairs(read.not_ok, "read", "NotOkReasons"),
                  accounting.constant(read.dead, reasons.key("read", "unreadable"), "DeadReasons"),
                  accounting.kept_by_split(documents, "KeptBySplit")]
        counts += [accounting.dropped_reasons(stage, docs, f"Drops{i}") for i, (stage, docs) in enumerate(drops)]
        sizes = ((_stage_size(read.pages, "read", "SizeRead", _page_size),
                  _stage_size(cleaned.kept, "clean", "SizeClean"), _stage_size(exact.kept, "exact_dedup", "SizeExact"),
                  _stage_size(near.kept, "near_dedup", "SizeNear"), _stage_size(final, "decontaminate", "SizeFinal"))
                 | "FlattenSizes" >> beam.Flatten() | "SumSizes" >> beam.CombinePerKey(_sum_triples)
                 | "SizesDict" >> beam.combiners.ToDict())
        domains = (final | "Domains" >> beam.Map(lambda d: (d.domain, 1)) | "PerDomain" >> beam.CombinePerKey(sum)
                   | "Swap" >> beam.Map(lambda kv: (kv[1], kv[0]))
                   | "TopDomains" >> beam.combiners.Top.Largest(TOP_DOMAINS))
        clusters = ((exact.report | "ExactSizes" >> beam.Map(lambda kv: (f"exact:{kv[1]}", 1)),
                     near.report | "NearSizes" >> beam.Map(lambda kv: (f"near:{kv[1]}", 1)))
                    | "FlattenClusters" >> beam.Flatten() | "ClusterHistogram" >> beam.CombinePerKey(sum)
                    | "ClustersDict" >> beam.combiners.ToDict())
        decon_dict = (decontamination | "SumDecon" >> beam.CombinePerKey(sum)
                      | "DeconDict" >> beam.combiners.ToDict())
        dead = read.dead | "DeadDicts" >> beam.Map(DeadLetter.to_dict) | "DeadList" >> beam.combiners.ToList()
        summary = (root | "One" >> beam.Create([None])
                   | "Summary" >> beam.Map(_assemble, *(beam.pvalue.AsSingleton(p) for p in (
                       counts | "FlattenCounts" >> beam.Flatten() | "SumCounts" >> beam.CombinePerKey(sum)
                       | "CountsDict" >> beam.combiners.ToDict(), sizes, domains, clusters, decon_dict, dead))))
        return Corpus(documents, summary)

