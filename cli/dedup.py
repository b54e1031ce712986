"""`webtext dedup`: exact dedup, MinHash near dedup and decontamination of a document file.

Reads `Document` records (JSON Lines, or Parquet by suffix), runs the Beam transforms of
`webtext.dedup.beam` on the local runner (`webtext.core.beamrun`: in this process with one
worker, as worker processes with more, as the main job runs), and writes the kept documents to
OUTPUT, the dropped ones (each with its reason and, for duplicates, the id of the kept copy) beside
it, a JSON report (counts by reason, cluster sizes, the LSH banding, per-evaluation-set figures)
and the resolved configuration. A damaged input record fails before any work with one line naming
the file and line or row (`webtext.dedup.docfiles`); an empty input gives empty, balanced outputs.
Every document read must come out kept or dropped with a reason: when the counts do not balance,
the command fails (`webtext.core.accounting`) and writes nothing. Outputs appear only when complete.

    webtext dedup --input docs.jsonl --output deduped.jsonl
    webtext dedup --input docs.parquet --output clean.parquet --eval lambada=lambada.jsonl \\
        --decontaminate ngram --threshold 0.7
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.core.accounting import check_balance
from webtext.core.atomic import write_json
from webtext.core.beamrun import default_runner, local_runner
from webtext.core.config import add_arguments, from_namespace, save_config, to_jsonable
from webtext.core.document import Document
from webtext.core.errors import ConfigError
from webtext.core.reasons import key
from webtext.dedup.beam import Decontaminate, ExactDedup, NearDedup
from webtext.dedup.docfiles import check_documents, document_from_row, is_parquet, write_documents
from webtext.dedup.evalsets import EvalSet, load_eval_sets
from webtext.dedup.lsh import optimal_bands
from webtext.dedup.settings import DedupSettings


def _sibling(path: Path, tag: str, suffix: str | None = None) -> Path:
    stem = path.name[:-len(".parquet")] if is_parquet(path) else path.stem
    return path.with_name(f"{stem}.{tag}{suffix if suffix is not None else path.suffix or '.jsonl'}")


def _read(pipeline: beam.Pipeline, path: Path) -> beam.PCollection:
    if is_parquet(path):
        return pipeline | "ReadParquet" >> beam.io.ReadFromParquet(str(path)) | "ToDocs" >> beam.Map(document_from_row)
    return (pipeline | "ReadJsonl" >> beam.io.ReadFromText(str(path))
            | "NonBlank" >> beam.Filter(str.strip)
            | "ToDocs" >> beam.Map(lambda line: document_from_row(json.loads(line))))


def _write(pcoll: beam.PCollection, name: str, directory: str, encode: Any) -> None:
    (pcoll | f"Encode{name}" >> beam.Map(encode)
     | f"Write{name}" >> beam.io.WriteToText(os.path.join(directory, name), shard_name_template=""))


def _run_pipeline(args: argparse.Namespace, settings: DedupSettings, eval_sets: list[EvalSet], tmp: str) -> None:
    options = PipelineOptions(flags=[], direct_num_workers=args.workers)
    if args.workers != 1:  # one worker runs in this process; more run as processes, as in the main job
        options = default_runner(options)
    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        kept = _read(pipeline, args.input)
        dropped, reports = [], []
        stages: list[tuple[str, beam.PTransform]] = []
        if args.exact:
            stages.append(("exact_clusters", ExactDedup()))
        if args.near:
            stages.append(("near_clusters", NearDedup(settings)))
        if eval_sets:
            stages.append(("decontamination", Decontaminate(settings, eval_sets)))
        for name, transform in stages:
            outputs = kept | name >> transform
            kept = outputs.kept
            dropped.append(outputs.dropped)
            reports.append(outputs.report | f"Tag{name}" >> beam.Map(lambda kv, n=name: [n, *kv]))
        encode = lambda doc: json.dumps(doc.to_dict(), ensure_ascii=False)  # noqa: E731
        _write(kept, "kept", tmp, encode)
        empty = pipeline | "Empty" >> beam.Create([])
        all_dropped: beam.PCollection = [*dropped, empty] | "AllDropped" >> beam.Flatten()
        all_reports: beam.PCollection = [*reports, empty] | "AllReports" >> beam.Flatten()
        _write(all_dropped, "dropped", tmp, encode)
        _write(all_reports, "report", tmp, json.dumps)


def _docs(path: str, counts: collections.Counter[str] | None = None) -> Iterator[Document]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            doc = Document.from_dict(json.loads(line))
            if counts is not None:
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
    kept = write_documents(kept_path, _docs(os.path.join(tmp, "kept")))
    write_documents(dropped_path, _docs(os.path.join(tmp, "dropped"), counts))
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


def _run(args: argparse.Namespace) -> int:
    settings: DedupSettings = from_namespace(DedupSettings, args)
    if not args.input.is_file():
        raise ConfigError(f"input file not found: {args.input}")
    if args.workers < 0:
        raise ConfigError(f"--workers must be 0 (every core) or more, not {args.workers}")
    eval_sets = load_eval_sets(args.eval)
    banding = optimal_bands(settings.threshold, settings.num_perm)
    if args.near:
        print(banding.describe())
    total = check_documents(args.input)
    output: Path = args.output
    dropped_path = args.dropped or _sibling(output, "dropped")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".dedup-", dir=output.parent) as tmp:
        _run_pipeline(args, settings, eval_sets, tmp)
        staged_kept, staged_dropped = Path(tmp, "final-" + output.name), Path(tmp, "final-" + dropped_path.name)
        kept, counts = stage_outputs(tmp, total, staged_kept, staged_dropped)
        with open(os.path.join(tmp, "report"), encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
        dropped_path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged_kept, output)
        shutil.move(staged_dropped, dropped_path)  # a rename unless --dropped is on another file system
    report = {"input": str(args.input), "documents": total, "kept": kept, "dropped": counts,
              "banding": to_jsonable(banding) if args.near else None,
              **_summarize(rows, eval_sets, settings.decontaminate)}
    write_json(_sibling(output, "report", ".json"), report)
    save_config(_sibling(output, "config", ".json"), dedup=settings,
                run={"exact": args.exact, "near": args.near, "eval": args.eval, "workers": args.workers})
    print(f"documents: {total}, kept {kept}, dropped: "
          + (", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "none"))
    for name, figures in report["decontamination"].items():
        print(f"eval {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext dedup`."""
    parser = subparsers.add_parser(
        "dedup", help="remove exact and near duplicates and evaluation-set overlap from documents",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, required=True, help="documents, .jsonl or .parquet")
    parser.add_argument("--output", type=Path, required=True, help="kept documents, .jsonl or .parquet")
    parser.add_argument("--dropped", type=Path, help="dropped documents (default: OUTPUT stem + .dropped)")
    parser.add_argument("--exact", action=argparse.BooleanOptionalAction, default=True,
                        help="remove exact duplicates (default: on)")
    parser.add_argument("--near", action=argparse.BooleanOptionalAction, default=True,
                        help="remove MinHash near duplicates (default: on)")
    parser.add_argument("--eval", action="append", default=[], metavar="NAME=PATH",
                        help="evaluation set (.txt blank-line-separated, .jsonl 'text', .parquet 'text'); repeatable")
    parser.add_argument("--workers", type=int, default=1,
                        help="local runner workers: 1 runs in this process, more (0: one per core) as processes "
                             "(default: 1)")
    add_arguments(parser, DedupSettings)
    parser.set_defaults(func=_run)
