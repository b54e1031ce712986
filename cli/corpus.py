"""`webtext corpus`: the main job, as `beam run pipelines/webtext.py` runs it.

The same flags, from the same settings declaration (`webtext.pipelines.settings`), and the same
function (`webtext.pipelines.webtext.run_job`); the options the job does not know are Beam's
(`--runner`, `--direct_num_workers`, ...) and are passed on to it.
"""

from __future__ import annotations

import argparse
from typing import Any

from webtext.pipelines.settings import BEAM_EPILOG, add_job_arguments


def _run(args: argparse.Namespace) -> int:
    from webtext.pipelines.webtext import run_job

    return run_job(args, args.beam_options)


def register(subparsers: Any) -> None:
    """Add `webtext corpus`."""
    parser = subparsers.add_parser(
        "corpus", help="build the corpus from WARC files: clean, dedup, split, tokenize, shard (the main job)",
        description="WARC files -> extracted, filtered, de-duplicated, decontaminated, split and tokenized "
                    "documents in Arrow shards, with manifest.json, config.json and a report. The same job as "
                    "`beam run pipelines/webtext.py`.", epilog=BEAM_EPILOG, allow_abbrev=False)
    add_job_arguments(parser)
    parser.set_defaults(func=_run, beam_options=[])
