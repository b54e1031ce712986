"""The `webtext dedup` job: exact dedup, MinHash near dedup and decontamination of one document file.

`plan_dedup` checks everything before any work (the flags, the evaluation sets, every record of
the input, through `webtext.core.docfiles`); `run_dedup` then runs the Beam transforms of
`webtext.dedup.beam` on the local runner (`webtext.core.beamrun`: in this process with one worker,
as worker processes with more, as the main job runs), and writes the kept documents to OUTPUT, the
dropped ones (each with its reason and, for duplicates, the id of the kept copy) beside it, a JSON
report (counts by reason, cluster sizes, the LSH banding, per-evaluation-set figures) and the
resolved configuration (`DedupSettings` and `DedupRun`, keys = flag names, so `--config` takes it
back). Every document read must come out kept or dropped with a reason: when the counts do not
balance the job fails (`webtext.core.accounting`) and writes nothing. Outputs appear only when
complete: the pipeline writes into a scratch directory beside OUTPUT, and the finished files are
renamed into place.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam import coders
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.core.accounting import check_balance
from webtext.core.atomic import write_json
from webtext.core.beamrun import default_runner, local_runner
from webtext.core.config import save_config, to_jsonable
from webtext.core.docfiles import (
    check_documents,
    document_from_line,
    document_from_row,
    document_line,
    is_parquet,
    read_documents,
    read_rows,
    write_documents,
)
from webtext.core.document import Document
from webtext.core.errors import ConfigError
from webtext.core.reasons import key
from webtext.dedup.beam import ExactDedup, NearDedup
from webtext.dedup.decontaminate import Decontaminate
from webtext.dedup.evalsets import EvalSet, load_eval_sets
from webtext.dedup.lsh import Banding, optimal_bands
from webtext.dedup.settings import DedupRun, DedupSettings


@dataclass(frozen=True)
class DedupPlan:
    """A checked `webtext dedup` run: its settings, evaluation sets, banding and input size."""

    run: DedupRun
    settings: DedupSettings
    input: Path
    output: Path
    dropped: Path
    eval_sets: list[EvalSet]
    banding: Banding
    documents: int


def _sibling(path: Path, tag: str, suffix: str | None = None) -> Path:
    stem = path.name[:-len(".parquet")] if is_parquet(path) else path.stem
    return path.with_name(f"{stem}.{tag}{suffix if suffix is not None else path.suffix or '.jsonl'}")


def plan_dedup(run: DedupRun, settings: DedupSettings) -> DedupPlan:
    """Check the run before any work (`ConfigError`, `BadFileError`: one line, nothing written)."""
    if run.input is None:
        raise ConfigError("missing --input: give the documents to deduplicate (.jsonl or .parquet)")
    if run.output is None:
        raise ConfigError("missing --output: give the file for the kept documents (.jsonl or .parquet)")
    if not run.input.is_file():
        raise ConfigError(f"input file not found: {run.input}")
    if run.workers < 0:
        raise ConfigError(f"--workers must be 0 (every core) or more, not {run.workers}")
    eval_sets = load_eval_sets(run.eval)
    banding = optimal_bands(settings.threshold, settings.num_perm)
    return DedupPlan(run, settings, run.input, run.output, run.dropped or _sibling(run.output, "dropped"),
                     eval_sets, banding, check_documents(run.input))


def _read(pipeline: beam.Pipeline, path: Path) -> beam.PCollection:
    if is_parquet(path):
        return pipeline | "ReadParquet" >> beam.io.ReadFromParquet(str(path)) | "ToDocs" >> beam.Map(document_from_row)
    return (pipeline | "ReadJsonl" >> beam.io.ReadFromText(str(path), coder=coders.BytesCoder())
            | "NonBlank" >> beam.Filter(bytes.strip) | "ToDocs" >> beam.Map(document_from_line))


def _write(pcoll: beam.PCollection, name: str, directory: str, encode: Any) -> None:
    (pcoll | f"Encode{name}" >> beam.Map(encode)
     | f"Write{name}" >> beam.io.WriteToText(os.path.join(directory, name), shard_name_template=""))


def _run_pipeline(plan: DedupPlan, tmp: str) -> None:
    options = PipelineOptions(flags=[], direct_num_workers=plan.run.workers)
    if plan.run.workers != 1:  # one worker runs in this process; more run as processes, as in the main job
        options = default_runner(options)
    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        kept = _read(pipeline, plan.input)
        dropped, reports = [], []
        stages: list[tuple[str, beam.PTransform]] = []
        if plan.run.exact:
            stages.append(("exact_clusters", ExactDedup(os.path.join(tmp, "spill"))))
        if plan.run.near:
            stages.append(("near_clusters", NearDedup(os.path.join(tmp, "spill"), plan.settings)))
        if plan.eval_sets:
            stages.append(("decontamination", Decontaminate(plan.settings, plan.eval_sets)))
        for name, transform in stages:
            outputs = kept | name >> transform
            kept = outputs.kept
            dropped.append(outputs.dropped)
            reports.append(outputs.report | f"Tag{name}" >> beam.Map(lambda kv, n=name: [n, *kv]))
        _write(kept, "kept", tmp, document_line)
        empty = pipeline | "Empty" >> beam.Create([])
        all_dropped: beam.PCollection = [*dropped, empty] | "AllDropped" >> beam.Flatten()
        all_reports: beam.PCollection = [*reports, empty] | "AllReports" >> beam.Flatten()
        _write(all_dropped, "dropped", tmp, document_line)
        _write(all_reports, "report", tmp, json.dumps)  # rows [section, name, value], read back by read_rows


def _counted(docs: Iterator[Document], counts: collections.Counter[str]) -> Iterator[Document]:
    for doc in docs:
        counts[key("dedup", doc.drop_reason or "")] += 1
        yield doc


def balance(read: int, kept: int, dropped: Mapping[str, int]) -> None:
    """The accounting identity of one run: every document read is kept or dropped with a reason
    (`AccountingError`, one line, otherwise)."""
    check_balance("webtext dedup", read, kept, dropped)


def stage_outputs(tmp: str, read: int, kept_path: Path, dropped_path: Path) -> tuple[int, dict[str, int]]:
    """Convert the pipeline's outputs in `tmp` into `kept_path` and `dropped_path` (format by
    suffix), counting them, and check the counts against the `read` documents of the input.
    Returns the kept count and the dropped counts by reason."""
    counts: collections.Counter[str] = collections.Counter()
    kept = write_documents(kept_path, read_documents(os.path.join(tmp, "kept")))
    write_documents(dropped_path, _counted(read_documents(os.path.join(tmp, "dropped")), counts))
    dropped = dict(sorted(counts.items()))
    balance(read, kept, dropped)
    return kept, dropped


def _summarize(rows: list[list[Any]], eval_sets: list[EvalSet], mode: str) -> dict[str, Any]:
    clusters: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    figures: dict[str, dict[str, Any]] = {s.name: {"mode": mode} for s in eval_sets}
    for section, name, value in rows:
        if section == "decontamination":
            eval_name, metric = name.rsplit("/", 1)
            figures[eval_name][metric] = value
        else:
            clusters[section][value] += 1
    for values in figures.values():
        if "ngrams_total" in values:
            values["overlap_percent"] = round(100 * values["ngrams_found"] / max(values["ngrams_total"], 1), 4)
    return {"cluster_sizes": {section: dict(sorted(sizes.items())) for section, sizes in clusters.items()},
            "decontamination": figures}


def run_dedup(plan: DedupPlan) -> dict[str, Any]:
    """Run the checked job, write its outputs, report and configuration; returns the report."""
    output, dropped_path = plan.output, plan.dropped
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".dedup-", dir=output.parent) as tmp:
        _run_pipeline(plan, tmp)
        staged_kept, staged_dropped = Path(tmp, "final-" + output.name), Path(tmp, "final-" + dropped_path.name)
        kept, counts = stage_outputs(tmp, plan.documents, staged_kept, staged_dropped)
        rows = [row for _, row in read_rows(os.path.join(tmp, "report"))]
        dropped_path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged_kept, output)
        shutil.move(staged_dropped, dropped_path)  # a rename unless --dropped is on another file system
    report = {"input": str(plan.input), "documents": plan.documents, "kept": kept, "dropped": counts,
              "banding": to_jsonable(plan.banding) if plan.run.near else None,
              **_summarize(rows, plan.eval_sets, plan.settings.decontaminate)}
    write_json(_sibling(output, "report", ".json"), report)
    save_config(_sibling(output, "config", ".json"), dedup=plan.settings, run=plan.run)
    return report
