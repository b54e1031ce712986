"""The main job: WARC files → extracted, filtered, de-duplicated, decontaminated, split and
tokenized documents in Arrow shards, with `manifest.json`, dead letters and a report.

    beam run pipelines/webtext.py [--input GLOB] [--output DIR] [--tokenizer FILE|train] [--config FILE] ...
    beam run pipelines/webtext.py --runner=PortableRunner --job_endpoint=HOST:PORT ...
    webtext corpus ...  (the same job, the same flags)

It composes the stages' Beam transforms (`BuildCorpus`, `TokenizeAndWrite`) and adds no stage logic.
The kept documents are also written as Parquet files in `documents/` (`webtext.pipelines.documents`;
`--no-documents` skips them), and the kept documents per registered domain as `domains.csv`
(`webtext.pipelines.profile`), from which the driver compares the corpus with WebText's domains
(`webtext.pipelines.fidelity`). With `--tokenizer train` (the default) it runs in two phases: phase 1
builds the corpus, writes the documents files (into the staging directory, removed at the end, under
`--no-documents`) and a bounded sample of the train split chosen by a hash of the id
(`--tokenizer-sample-bytes`); the driver streams that sample, in id order, into a byte-level BPE; and
phase 2 reads the documents files back and tokenizes them. With a tokenizer file it is one pipeline.
Without `--runner` it runs on the engine of Beam's DirectRunner (the FnApiRunner,
`webtext.core.beamrun`) in multi-processing mode on every core. The same input
and options give byte-identical shards and manifest on any runner and number of workers: documents
are sorted by id before writing, and the manifest records nothing that depends on how the job ran
(the report does: times, runner). The resolved settings are written beside the shards as
`config.json`, which `--config` reads back to run the job again.

`--output` is a local directory or a URL of a Beam filesystem (`s3://bucket/corpus`, `gs://...`):
every file of the job is written through `webtext.core.filesys` by the worker that makes it, into
a hidden sibling of the output that is put in place only when complete (`webtext.pipelines.output`);
the tokenizer trained in phase 1 is trained on the driver and copied up beside the staged files.
Beam's `--s3_*` options (or boto3's standard environment) configure the S3 client.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from webtext.core import filesys
from webtext.core.beamrun import LOCAL_RUNNER, default_runner, local_runner, stop_on_interrupt
from webtext.core.config import save_config
from webtext.core.config_file import parse_known_args
from webtext.core.errors import BadFileError, WebtextError
from webtext.pipelines.accounting import INPUT, check
from webtext.pipelines.corpus import BuildCorpus, Corpus
from webtext.pipelines.documents import (
    SampleTrainText,
    SpillDocuments,
    SplitSizes,
    WriteDocuments,
    document_of_row,
    sample_record,
    sample_texts,
)
from webtext.pipelines.job_summary import complete_summary
from webtext.pipelines.options import JobConfig, check_beam_options, job_parser, resolve
from webtext.pipelines.output import StagedOutput, disk_full
from webtext.pipelines.profile import DOMAINS_CSV, WriteDomains
from webtext.pipelines.progress import ProgressPipeline
from webtext.pipelines.report import stage_seconds, write_report
from webtext.tokenize.beam import TokenizeAndWrite
from webtext.tokenize.bpe import TOKENIZER_JSON, train_tokenizer
from webtext.tokenize.manifest import ShardInfo, write_manifest

log = logging.getLogger("webtext.pipeline")
STAGING = ".staging"
CONFIG_NAME = "config.json"
DOCUMENTS = "documents"


def _documents_dir(config: JobConfig) -> str:
    """Where the documents files go: the output's `documents/`, or the staging directory under `--no-documents`."""
    out = config.output
    return filesys.join(out, DOCUMENTS) if config.documents.documents else filesys.join(out, STAGING, DOCUMENTS)


def _write_documents(documents: beam.PCollection, config: JobConfig) -> tuple[beam.PCollection, beam.PCollection]:
    """Write the documents files; returns the text bytes per split (`SplitSizes`) and the documents'
    run files (`SpillDocuments`)."""
    sizes = documents | "SplitSizes" >> SplitSizes()
    runs = documents | "SpillDocuments" >> SpillDocuments(config.spill, config.spill_settings)
    _ = sizes | "WriteDocuments" >> WriteDocuments(_documents_dir(config), config.documents.documents_bytes, runs)
    return sizes, runs


def _corpus(p: beam.Pipeline, config: JobConfig) -> Corpus:
    """`BuildCorpus`, with its documents per registered domain written as `domains.csv`."""
    corpus = p | "BuildCorpus" >> BuildCorpus(config)
    _ = corpus.domains | "WriteDomains" >> WriteDomains(filesys.join(config.output, DOMAINS_CSV))
    return corpus


def _finish(_: Any, infos: list[ShardInfo], tokens: list[list[int]], summary: dict[str, Any], config: JobConfig,
            tokenizer_file: str) -> None:
    """Write manifest.json, dead-letters.jsonl and summary.json, with the documents' lengths in tokens
    (runs once, inside the pipeline)."""
    out = config.output
    drops = {k: v for k, v in summary["accounting"].items() if k != "input" and not k.startswith("kept:")}
    write_manifest(out, infos, tokenizer_file=tokenizer_file, split_rule=config.split.describe(),
                   options=config.recorded(), drops=drops)
    with filesys.open_write(filesys.join(out, "dead-letters.jsonl"), "w") as handle:
        handle.writelines(json.dumps(d, sort_keys=True) + "\n" for d in summary["dead_letters"])
    lengths = {**summary["lengths"], "tokens": tokens}
    filesys.write_json(filesys.join(out, STAGING, "summary.json"), {**summary, "lengths": lengths})


def _write_outputs(p: beam.Pipeline, documents: beam.PCollection, summary: beam.PCollection,
                   config: JobConfig, tokenizer: str) -> None:
    shards = config.shards
    tokenize = TokenizeAndWrite(tokenizer, config.output, config.spill,
                                shard_bytes=shards.shard_bytes, batch_size=shards.tokenize_batch,
                                shards_per_split=shards.shards_per_split, spill_settings=config.spill_settings)
    tokenized = documents | "Tokenize" >> tokenize
    infos = tokenized.shards | "ShardInfos" >> beam.combiners.ToList()
    _ = (p | "Once" >> beam.Create([None])
         | "Finish" >> beam.Map(_finish, beam.pvalue.AsSingleton(infos), beam.pvalue.AsSingleton(tokenized.lengths),
                                beam.pvalue.AsSingleton(summary), config, filesys.join(config.output, TOKENIZER_JSON)))


def _train_tokenizer(config: JobConfig, staging: str) -> str:
    """Train the BPE on the staged sample of the train split, streamed in id order (so the result is stable)."""
    record = sample_record(staging)
    log.info("training a %d-token byte-level BPE on %d train documents (%d bytes, %.3g of the split)",
             config.vocab_size, record["documents"], record["bytes"], record["fraction"])
    tokenizer = train_tokenizer(sample_texts(staging), vocab_size=config.vocab_size,
                                min_frequency=config.min_frequency)
    return tokenizer.save(filesys.join(staging, "tokenizer"))


def _checked(summary: dict[str, Any], config: JobConfig) -> dict[str, Any]:
    """`summary` after the accounting identity holds and at least one document was kept."""
    total, kept, _ = check(summary["accounting"])
    if total == 0:
        raise BadFileError(config.input, "no WARC response record in the input (an empty file, WET text, or "
                                         "request records only): nothing to build a corpus from")
    if kept == 0:
        drops = sorted(summary["accounting"].items(), key=lambda kv: -kv[1])
        reasons = ", ".join(f"{k} {v}" for k, v in drops if k != INPUT)
        raise BadFileError(config.input, f"none of its {total} records was kept ({reasons}): nothing to write")
    return summary


def _run_phases(config: JobConfig, pipeline: Any, final: str) -> tuple[dict[str, Any], dict[str, float]]:
    """Run the job's pipelines, writing everything into `config.output`; (summary, seconds per stage)."""
    staging = filesys.join(config.output, STAGING)
    corpus_json = filesys.join(staging, "corpus.json")
    seconds: dict[str, float] = {}
    if config.trains_tokenizer:
        log.info("phase 1 of 2: %s -> cleaned, de-duplicated documents (the tokenizer is trained after it)",
                 config.input)
        with pipeline("phase 1/2") as p:
            corpus = _corpus(p, config)
            sizes, runs = _write_documents(corpus.documents, config)
            _ = sizes | "Sample" >> SampleTrainText(staging, config.tokenizer_sample_bytes, runs)
            _ = corpus.summary | "StageSummary" >> beam.Map(lambda s: filesys.write_json(corpus_json, s))
        seconds.update(stage_seconds(p.result if hasattr(p, "result") else None))
        phase1 = _checked(filesys.read_json(corpus_json), config)
        tokenizer = _train_tokenizer(config, staging)
        log.info("phase 2 of 2: tokenize the documents files into shards in %s", final)
        with pipeline("phase 2/2") as p:
            parquet = filesys.join(_documents_dir(config), "*.parquet")
            documents = (p | "ReadDocuments" >> beam.io.ReadFromParquet(parquet)
                         | "Parse" >> beam.Map(document_of_row))
            _write_outputs(p, documents, p | "Summary" >> beam.Create([phase1]), config, tokenizer)
    else:
        log.info("one phase: %s -> shards in %s", config.input, final)
        with pipeline() as p:
            corpus = _corpus(p, config)
            if config.documents.documents:
                _write_documents(corpus.documents, config)
            _write_outputs(p, corpus.documents, corpus.summary, config, config.tokenizer)
    seconds.update(stage_seconds(p.result if hasattr(p, "result") else None))
    summary = _checked(filesys.read_json(filesys.join(staging, "summary.json")), config)
    _, kept, _ = check(summary["accounting"])
    summary = complete_summary(summary, config, _documents_dir(config), staging, kept)
    for warning in summary["warnings"]:
        log.warning("%s", warning)
    return summary, seconds


def build_and_run(args: argparse.Namespace, beam_argv: Sequence[str]) -> dict[str, Any]:
    """Run the job with settings `args` and Beam options `beam_argv`; returns the summary the report was
    written from.

    Everything is written into a hidden sibling of the output directory, swapped in when complete
    (`webtext.pipelines.output`); a failure or one Ctrl-C leaves the previous output as it was.
    """
    check_beam_options(beam_argv)
    options = default_runner(PipelineOptions(list(beam_argv)))
    filesys.use_options(options)  # the output's checks already use the job's --s3_* options
    chosen = options.view_as(StandardOptions).runner
    config = resolve(args, options)
    started = time.monotonic()
    staged = StagedOutput(config.output)
    # Run files of the groupings (`webtext.core.spill`): beside the output, where the workers of any
    # runner can reach them; on a local disk when the local runner writes to a remote output.
    spill_here = not chosen and filesys.is_remote(config.output)
    spill = tempfile.mkdtemp(prefix="webtext-spill-") if spill_here else filesys.join(staged.path, STAGING, "spill")
    work = replace(config, output=staged.path, spill=spill)
    handle, worker_log = tempfile.mkstemp(prefix="webtext-workers-", suffix=".log")
    os.close(handle)

    def pipeline(phase: str = "") -> beam.Pipeline:
        """A pipeline of the job, which logs progress lines headed `phase` while it runs (`ProgressPipeline`)."""
        return ProgressPipeline(None if chosen else local_runner(options, worker_log), options,
                                every=config.progress_seconds, phase=phase)

    def abandon() -> None:  # on Ctrl-C
        staged.discard()
        with contextlib.suppress(OSError):
            os.unlink(worker_log)

    try:
        with stop_on_interrupt(abandon), _quiet_worker_errors():
            summary, seconds = _run_phases(work, pipeline, config.output)
            save_config(filesys.join(staged.path, CONFIG_NAME), **config.sections())
            write_report(staged.path, summary, config, seconds, time.monotonic() - started, str(chosen or LOCAL_RUNNER))
            filesys.delete_tree(filesys.join(staged.path, STAGING))
            staged.commit()
    except Exception as error:
        staged.discard()
        what = disk_full(error)
        if what is None and not isinstance(error, WebtextError) and os.path.getsize(worker_log):
            log.error("the job failed; what its workers printed is in %s", worker_log)
        else:
            os.unlink(worker_log)
        if what is not None:
            raise WebtextError(f"cannot write the corpus to {config.output}: {what}; free some space or "
                               "pass --output DIR on another disk (nothing was written)") from None
        raise
    finally:
        if spill_here:
            shutil.rmtree(spill, ignore_errors=True)
    os.unlink(worker_log)
    return summary


@contextlib.contextmanager
def _quiet_worker_errors() -> Iterator[None]:
    """Workers' ERROR log records (tracebacks) are not echoed: the runner raises the same error,
    which becomes one line when it is a known one (a full disk) and keeps its traceback otherwise."""
    def drop(record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR

    echo = logging.getLogger("apache_beam.runners.portability.local_job_service")
    echo.addFilter(drop)
    try:
        yield
    finally:
        echo.removeFilter(drop)


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point for `beam run pipelines/webtext.py` and `python -m webtext.pipelines.webtext`."""
    parser = job_parser("beam run pipelines/webtext.py", (__doc__ or "").split("\n\n")[0])
    args, beam_argv = parse_known_args(parser, list(sys.argv[1:] if argv is None else argv))
    return run_job(args, beam_argv)


def run_job(args: argparse.Namespace, beam_argv: Sequence[str]) -> int:
    """Run the job with its settings `args` and Beam's options `beam_argv`, and say what it made
    (also `webtext corpus`)."""
    summary = build_and_run(args, beam_argv)
    total, kept, dropped = check(summary["accounting"])
    warnings = "".join(f"; warning: {w}" for w in summary["warnings"])
    share = summary["webtext"]["share"]
    print(f"{total} records: {kept} documents kept ({kept / total:.1%}), {dropped} dropped; {share:.1%} of them "
          f"from WebText's top 1,000 domains; shards, manifest, config, report and DATACARD.md in {args.output}"
          f"{warnings}")
    return 0


if __name__ == "__main__":
    from webtext.core.entrypoint import run_main
    from webtext.core.progress import quiet_known_noise, setup_logging

    quiet_known_noise()
    setup_logging()
    sys.exit(run_main(run))
