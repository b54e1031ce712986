"""`webtext dedup`: exact dedup, MinHash near dedup and decontamination of a document file.

Reads `Document` records (JSON Lines, or Parquet by suffix) and writes the kept documents to
OUTPUT, the dropped ones beside it (OUTPUT stem + `.dropped`, or `--dropped`), a report
(`.report.json`) and the resolved configuration (`.config.json`, accepted back by `--config`).
The job is `webtext.pipelines.dedup_files`; this module declares the flags (from the dataclasses
of `webtext.dedup.settings`) and prints the LSH banding and the counts. A damaged input record
fails before any work with one line naming the file and line or row; an empty input gives empty,
balanced outputs; a run whose counts do not balance writes nothing.

    webtext dedup --input docs.jsonl --output deduped.jsonl
    webtext dedup --input docs.parquet --output clean.parquet --eval lambada=lambada.jsonl \\
        --decontaminate ngram --threshold 0.7
"""

from __future__ import annotations

import argparse

from webtext.cli._parsers import add_command
from webtext.core.config import from_namespace
from webtext.dedup.settings import DedupRun, DedupSettings


def _run(args: argparse.Namespace) -> int:
    from webtext.pipelines.dedup_files import plan_dedup, run_dedup

    plan = plan_dedup(from_namespace(DedupRun, args), from_namespace(DedupSettings, args))
    if plan.run.near:
        print(plan.banding.describe())
    report = run_dedup(plan)
    counts = report["dropped"]
    print(f"documents: {report['documents']}, kept {report['kept']}, dropped: "
          + (", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "none"))
    for name, figures in report["decontamination"].items():
        print(f"eval {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext dedup`."""
    add_command(subparsers, "dedup", "remove exact and near duplicates and evaluation-set overlap from documents",
                _run, DedupRun, DedupSettings, description=__doc__)
