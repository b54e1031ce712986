"""The main job's options: its parser and their validation.

The flags come from the settings dataclasses (`webtext.pipelines.settings`), declared once:
`job_parser` is what `beam run pipelines/webtext.py` parses (with `--config FILE`; `webtext corpus`
adds the same flags to its own parser). What it does not know is left to Beam (`--runner`,
`--direct_num_workers`, ...), which `resolve` checks for misspellings. Every option has a
default, so the job with no arguments reads the crawl's WARC files from `out/crawl/warc/` and
writes shards to `out/corpus/`. `resolve` checks what can be checked before any work starts
(inputs exist, the output directory is free or this job's, the tokenizer loads, evaluation sets
parse, sizes and fractions make sense, the language model is installed and knows the languages
asked for) and raises one `ConfigError` line saying what to change.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.clean.language import language_filter, model_path
from webtext.clean.settings import CleanSettings
from webtext.core.config import from_namespace
from webtext.core.config_file import add_config_option
from webtext.core.errors import ConfigError
from webtext.core.spill import SpillSettings
from webtext.core.splits import SplitRule
from webtext.dedup.evalsets import EvalSet, load_eval_sets
from webtext.dedup.settings import DedupSettings
from webtext.pipelines.output import check_output
from webtext.pipelines.settings import BEAM_EPILOG, TRAIN_TOKENIZER, DocumentSettings, JobSettings, add_job_arguments
from webtext.tokenize.settings import ShardSettings, TrainSettings


def job_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The parser of the job's own options, `--config FILE` included (Beam's options stay unparsed)."""
    parser = argparse.ArgumentParser(prog=prog, description=description, epilog=BEAM_EPILOG, allow_abbrev=False)
    add_job_arguments(parser)
    add_config_option(parser)
    return parser


@dataclass(frozen=True)
class JobConfig:
    """The resolved, validated configuration of one run (recorded in the manifest and config.json)."""

    input: str
    output: str
    tokenizer: str
    vocab_size: int
    min_frequency: int
    eval_sets: list[EvalSet] = field(repr=False)
    clean: CleanSettings
    dedup: DedupSettings
    split: SplitRule
    shards: ShardSettings
    documents: DocumentSettings
    spill_settings: SpillSettings
    tokenizer_sample_bytes: int
    progress_seconds: int
    eval: tuple[str, ...] = ()
    spill: str = ""  # where the groupings write their run files (`webtext.core.spill`), chosen by the job
    overwrite: bool = False

    @property
    def trains_tokenizer(self) -> bool:
        return self.tokenizer == TRAIN_TOKENIZER

    def recorded(self) -> dict[str, Any]:
        """The options as written to the manifest: what determines the output, nothing runner-specific."""
        return {"input": self.input, "tokenizer": self.tokenizer, "vocab_size": self.vocab_size,
                "min_frequency": self.min_frequency, "eval_sets": sorted(s.name for s in self.eval_sets),
                "clean": self.clean, "dedup": self.dedup, "shard_bytes": self.shards.shard_bytes,
                "shards_per_split": self.shards.shards_per_split,
                "tokenizer_sample_bytes": self.tokenizer_sample_bytes}

    def sections(self) -> dict[str, Any]:
        """Every setting, in the sections of `JOB_SECTIONS`, as config.json holds them and `--config` reads
        them back."""
        return {"job": JobSettings(input=self.input, output=self.output, overwrite=self.overwrite,
                                   tokenizer=self.tokenizer, eval=list(self.eval),
                                   tokenizer_sample_bytes=self.tokenizer_sample_bytes,
                                   progress_seconds=self.progress_seconds),
                "clean": self.clean, "dedup": self.dedup, "split": self.split,
                "bpe": TrainSettings(vocab_size=self.vocab_size, min_frequency=self.min_frequency),
                "shards": self.shards,
                "documents": self.documents, "spill": self.spill_settings}


def check_beam_options(beam_argv: Sequence[str]) -> None:
    """`ConfigError` for an option that neither the job nor Beam knows (a misspelling), named as it
    was typed; checked before Beam parses the options, which would only log that it discards it."""
    options = PipelineOptions(list(beam_argv))
    beam_log = logging.getLogger("apache_beam.options.pipeline_options")
    level = beam_log.level
    beam_log.setLevel(logging.ERROR)  # "Discarding unparseable args": the error below says it better
    try:
        unknown = sorted(set(options.get_all_options(retain_unknown_options=True)) - set(options.get_all_options()))
    finally:
        beam_log.setLevel(level)
    if unknown:
        typed = {word.split("=")[0].lstrip("-").replace("-", "_"): word.split("=")[0]
                 for word in beam_argv if word.startswith("--")}
        raise ConfigError(f"unknown option(s): {', '.join(typed.get(name, '--' + name) for name in unknown)} "
                          "(see beam run pipelines/webtext.py --help)")


def resolve(args: argparse.Namespace, options: PipelineOptions) -> JobConfig:
    """Validate the job's settings `args` (parsed by `job_parser` or `webtext corpus`) and Beam's
    `options` (the rest of the command line) before any work starts; `ConfigError` says what to change."""
    job = from_namespace(JobSettings, args)
    if not FileSystems.match([job.input])[0].metadata_list:
        raise ConfigError(f"no input matches {job.input}: run `webtext crawl run` first, or pass --input GLOB")
    split = from_namespace(SplitRule, args)
    if job.tokenizer != TRAIN_TOKENIZER and not FileSystems.exists(job.tokenizer):
        raise ConfigError(f"tokenizer not found: {job.tokenizer} (pass a tokenizer.json, or --tokenizer train)")
    check_output(job.output.rstrip("/") or "/", job.overwrite)
    dedup = from_namespace(DedupSettings, args)  # checks its own ranges (`DedupSettings.__post_init__`)
    shards, bpe = from_namespace(ShardSettings, args), from_namespace(TrainSettings, args)
    documents = from_namespace(DocumentSettings, args)
    for name, value in (("shard-bytes", shards.shard_bytes), ("tokenize-batch", shards.tokenize_batch),
                        ("vocab-size", bpe.vocab_size), ("documents-bytes", documents.documents_bytes),
                        ("tokenizer-sample-bytes", job.tokenizer_sample_bytes)):
        if value < 1:
            raise ConfigError(f"--{name} must be at least 1 (got {value})")
    if shards.shards_per_split is not None and shards.shards_per_split < 1:
        raise ConfigError(f"--shards-per-split must be at least 1 (got {shards.shards_per_split})")
    clean = from_namespace(CleanSettings, args)
    model_path()  # every document gets a language, in the workers: the model must be installed
    language_filter(clean.filters)  # an unknown language code fails here rather than in a worker
    return JobConfig(input=job.input, output=job.output.rstrip("/") or "/", tokenizer=job.tokenizer,
                     vocab_size=bpe.vocab_size, min_frequency=bpe.min_frequency,
                     eval_sets=load_eval_sets(job.eval), clean=clean, dedup=dedup,
                     split=split, shards=shards,
                     documents=documents, tokenizer_sample_bytes=job.tokenizer_sample_bytes, eval=tuple(job.eval),
                     overwrite=job.overwrite, progress_seconds=job.progress_seconds,
                     spill_settings=from_namespace(SpillSettings, args))
