"""The main job's options, as a Beam `PipelineOptions` subclass, and their validation.

Every option has a default, so `beam run pipelines/webtext.py` with no arguments reads the crawl's
WARC files from `out/crawl/warc/` and writes shards to `out/corpus/`. `resolve` checks what can
be checked before any work starts (inputs exist, the output directory is free or this job's, the
tokenizer loads, evaluation sets parse, fractions make sense) and raises one `ConfigError` line saying what to change.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.clean.settings import CleanSettings
from webtext.core.errors import ConfigError
from webtext.core.splits import SplitRule
from webtext.dedup.evalsets import EvalSet, load_eval_sets
from webtext.dedup.settings import DECONTAMINATION_MODES, DedupSettings
from webtext.pipelines.output import check_output

DEFAULT_INPUT = "out/crawl/warc/*.warc.gz"
DEFAULT_OUTPUT = "out/corpus"
TRAIN_TOKENIZER = "train"


class WebtextOptions(PipelineOptions):
    """Options of `pipelines/webtext.py` (Beam's own options, such as --runner, come beside them)."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        add = parser.add_argument
        add("--input", default=DEFAULT_INPUT,
            help=f"WARC files to read: a glob, local or gs:// / s3:// (default: {DEFAULT_INPUT})")
        add("--output", default=DEFAULT_OUTPUT,
            help=f"directory for shards, manifest and report (default: {DEFAULT_OUTPUT})")
        add("--overwrite", action="store_true",
            help="replace the output directory even when it holds something else than this job's previous "
                 "output (that is replaced without asking; any other non-empty directory is refused)")
        add("--tokenizer", default=TRAIN_TOKENIZER,
            help="tokenizer.json or a directory with vocab.json+merges.txt; 'train' trains a byte-level BPE "
                 "on the cleaned train split first, so the job runs in two phases (default: train)")
        add("--vocab-size", type=int, default=50257, help="vocabulary size of a trained tokenizer (default: 50257)")
        add("--min-frequency", type=int, default=2, help="minimum pair count of a trained tokenizer (default: 2)")
        add("--eval-set", action="append", default=[], metavar="NAME=PATH",
            help="evaluation set to decontaminate against (text, JSONL or Parquet); repeat for several")
        add("--decontaminate", default="measure", choices=DECONTAMINATION_MODES,
            help="near: drop near duplicates of evaluation documents; ngram: the GPT-3 13-gram rule; "
                 "measure: only report GPT-2's 8-gram overlap (default: measure)")
        add("--dedup-threshold", type=float, default=DedupSettings().threshold,
            help=f"Jaccard threshold of near dedup (default: {DedupSettings().threshold})")
        add("--val-fraction", type=float, default=0.01, help="fraction of documents held out as val (default: 0.01)")
        add("--test-fraction", type=float, default=0.01, help="fraction held out as test (default: 0.01)")
        add("--shard-mb", type=float, default=256.0, help="target shard size, MB of tokens (default: 256)")
        CleanSettings.add_arguments(parser)


@dataclass(frozen=True)
class JobConfig:
    """The resolved, validated configuration of one run (recorded in the manifest)."""

    input: str
    output: str
    tokenizer: str
    vocab_size: int
    min_frequency: int
    eval_sets: list[EvalSet] = field(repr=False)
    clean: CleanSettings
    dedup: DedupSettings
    split: SplitRule
    shard_bytes: int

    @property
    def trains_tokenizer(self) -> bool:
        return self.tokenizer == TRAIN_TOKENIZER

    def recorded(self) -> dict[str, Any]:
        """The options as written to the manifest: what determines the output, nothing runner-specific."""
        return {"input": self.input, "tokenizer": self.tokenizer, "vocab_size": self.vocab_size,
                "min_frequency": self.min_frequency, "eval_sets": sorted(s.name for s in self.eval_sets),
                "clean": self.clean, "dedup": self.dedup, "shard_bytes": self.shard_bytes}


def resolve(options: PipelineOptions) -> JobConfig:
    """Validate `options` before any work starts; `ConfigError` says what to change."""
    unknown = sorted(set(options.get_all_options(retain_unknown_options=True)) - set(options.get_all_options()))
    if unknown:
        raise ConfigError(f"unknown option(s): {', '.join('--' + name for name in unknown)} "
                          "(see beam run pipelines/webtext.py --help)")
    o = options.view_as(WebtextOptions)
    if not FileSystems.match([o.input])[0].metadata_list:
        raise ConfigError(f"no input matches {o.input}: run `webtext crawl run` first, or pass --input GLOB")
    try:
        split = SplitRule(o.val_fraction, o.test_fraction)
    except ValueError as error:
        raise ConfigError(f"{error}: change --val-fraction/--test-fraction") from error
    if o.tokenizer != TRAIN_TOKENIZER and not FileSystems.exists(o.tokenizer):
        raise ConfigError(f"tokenizer not found: {o.tokenizer} (pass a tokenizer.json, or --tokenizer train)")
    check_output(o.output.rstrip("/") or "/", o.overwrite)
    if not 0 < o.dedup_threshold <= 1:
        raise ConfigError(f"--dedup-threshold must be in (0, 1], not {o.dedup_threshold}")
    dedup = DedupSettings(threshold=o.dedup_threshold, decontaminate=o.decontaminate)
    return JobConfig(input=o.input, output=o.output.rstrip("/"), tokenizer=o.tokenizer, vocab_size=o.vocab_size,
                     min_frequency=o.min_frequency, eval_sets=load_eval_sets(o.eval_set),
                     clean=CleanSettings.from_namespace(argparse.Namespace(**o.get_all_options())),
                     dedup=dedup, split=split, shard_bytes=int(o.shard_mb * 1_000_000))
