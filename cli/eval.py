"""`webtext eval overlap|perplexity|memorization|report`: memorization versus generalization.

    webtext eval overlap --train out/corpus --eval wiki=wiki.jsonl news=news.txt \
        --about "wiki=Wikipedia articles" "news=news stories of 2019"
    webtext eval perplexity --checkpoint out/checkpoints --shards out/corpus --eval wiki=wiki.jsonl
    webtext eval memorization --checkpoint out/checkpoints --shards out/corpus --samples 256
    webtext eval report --out out/eval

Each command prints one line: its headline figures, then what it wrote where.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from webtext.core.config import add_arguments, from_namespace
from webtext.eval.outcome import Outcome  # a dataclass: no model code loads with it


def _command(body: Callable[[Any], Outcome], settings: type) -> Callable[[argparse.Namespace], int]:
    """A command that builds `settings` from the flags, calls `body` and prints its one-line outcome."""

    def run(args: argparse.Namespace) -> int:
        print(body(from_namespace(settings, args)).line())
        return 0

    return run


def _overlap(settings: Any) -> Outcome:
    from webtext.eval.commands import run_overlap  # torch and the stages load only when a command runs

    return run_overlap(settings)


def _perplexity(settings: Any) -> Outcome:
    from webtext.eval.commands import run_perplexity

    return run_perplexity(settings)


def _memorization(settings: Any) -> Outcome:
    from webtext.eval.memorization_command import run_memorization

    return run_memorization(settings)


def _report(settings: Any) -> Outcome:
    from webtext.eval.report import write_report

    return write_report(settings)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext eval` and its four subcommands."""
    from webtext.eval.settings import MemorizationSettings, OverlapSettings, PerplexitySettings, ReportSettings

    parser = subparsers.add_parser("eval", help="measure memorization versus generalization",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="eval_command", metavar="EVAL_COMMAND", required=True)
    specs: list[tuple[str, Callable[[Any], Outcome], type, str]] = [  # command, body, settings, help
        ("overlap", _overlap, OverlapSettings,
         "8-gram overlap of evaluation sets with the training text (GPT-2 Table 6)"),
        ("perplexity", _perplexity, PerplexitySettings,
         "train and held-out perplexity per checkpoint, evaluation sets by overlap (GPT-2 Figure 4)"),
        ("memorization", _memorization, MemorizationSettings,
         "extraction rate of training versus held-out sequences (Carlini et al. 2022)"),
        ("report", _report, ReportSettings, "report.md and report.html from the other commands' outputs"),
    ]
    for name, body, settings, help_text in specs:
        command = commands.add_parser(name, help=help_text, description=help_text)
        add_arguments(command, settings)
        command.set_defaults(func=_command(body, settings))
