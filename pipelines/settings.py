"""The main job's settings: its own (input, output, tokenizer, evaluation sets) and the stages'.

`JOB_SECTIONS` lists every settings dataclass the job takes, by the section it has in the
`config.json` written beside the shards. `add_job_arguments` adds their flags, with the one naming
rule of `webtext.core.config`, to any parser: the job's own (`beam run pipelines/webtext.py`,
`webtext corpus`) and Beam's (`WebtextOptions`), so every way of running the job has the same
flags with the same defaults, declared once.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from webtext.clean.settings import CleanSettings
from webtext.core.config import add_arguments, byte_size, setting
from webtext.core.spill import SpillSettings
from webtext.core.splits import SplitRule
from webtext.dedup.settings import DedupSettings
from webtext.tokenize.settings import ShardSettings, TrainSettings

DEFAULT_INPUT = "out/crawl/warc/*.warc.gz"
DEFAULT_OUTPUT = "out/corpus"
TRAIN_TOKENIZER = "train"
DEFAULT_SAMPLE_BYTES = 2 * 2**30
DEFAULT_DOCUMENTS_BYTES = 256 * 2**20
DEFAULT_PROGRESS_SECONDS = 30
BEAM_EPILOG = ("Beam's own options go beside these, e.g. --runner=PortableRunner --job_endpoint=localhost:8099 "
               "--environment_type=EXTERNAL --environment_config=localhost:50000, or --direct_num_workers=2.")


def seconds(text: str) -> int:
    """A whole number of seconds, 0 or more, from a flag's text."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seconds cannot be negative (got {value})")
    return value


@dataclass(frozen=True)
class JobSettings:
    """What the main job reads and writes (strings, not paths: gs:// and s3:// URLs work too)."""

    input: str = setting(DEFAULT_INPUT, "WARC files to read: a glob, local or gs:// / s3://")
    output: str = setting(DEFAULT_OUTPUT, "directory for shards, manifest, config.json and report")
    overwrite: bool = setting(False, "replace the output directory even when it holds something else than this "
                                     "job's previous output (that is replaced without asking; any other non-empty "
                                     "directory is refused)")
    tokenizer: str = setting(TRAIN_TOKENIZER, "tokenizer.json or a directory with vocab.json+merges.txt; 'train' "
                                              "trains a byte-level BPE on the cleaned train split first, so the job "
                                              "runs in two phases")
    tokenizer_sample_bytes: int = setting(DEFAULT_SAMPLE_BYTES, "with --tokenizer train, bytes of train text the BPE "
                                                                "is trained on: a sample chosen by a hash of the "
                                                                "document id; units allowed, e.g. 2GiB",
                                          converter=byte_size)
    eval: list[str] = setting([], "evaluation sets to decontaminate against, as NAME=PATH (text, JSONL or "
                                  "Parquet), as in webtext dedup and webtext eval")
    progress_seconds: int = setting(DEFAULT_PROGRESS_SECONDS, "seconds between the progress lines logged on stderr "
                                                              "while the job runs (pages read, documents kept, rate, "
                                                              "stage); 0 logs none",
                                    converter=seconds)


@dataclass(frozen=True)
class DocumentSettings:
    """Whether and how the cleaned documents are kept as Parquet files in the output's `documents/`."""

    documents: bool = setting(True, "keep the cleaned documents (text and metadata) as Parquet files in documents/")
    documents_bytes: int = setting(DEFAULT_DOCUMENTS_BYTES, "bytes of text per documents/ Parquet file, which sets "
                                                            "each split's file count; units allowed, e.g. 256MiB",
                                   converter=byte_size)


JOB_SECTIONS: dict[str, type] = {"job": JobSettings, "clean": CleanSettings, "dedup": DedupSettings,
                                 "split": SplitRule, "bpe": TrainSettings, "shards": ShardSettings,
                                 "documents": DocumentSettings, "spill": SpillSettings}


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per setting of the main job to `parser`, in a group per section."""
    for section, cls in JOB_SECTIONS.items():
        add_arguments(parser.add_argument_group(f"{section} settings"), cls)
