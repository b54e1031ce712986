"""`webtext eval overlap|perplexity|memorization|report`: memorization versus generalization.

    webtext eval overlap --train out/corpus --eval wiki=wiki.jsonl news=news.txt
    webtext eval perplexity --checkpoint out/checkpoints --shards out/corpus --eval wiki=wiki.jsonl
    webtext eval memorization --checkpoint out/checkpoints --shards out/corpus --samples 256
    webtext eval report --out out/eval
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from webtext.core.config import add_arguments, from_namespace


def _show(paths: list[Path]) -> int:
    for path in paths:
        print(path)
    return 0


def _overlap(args: argparse.Namespace) -> int:
    from webtext.eval.commands import run_overlap
    from webtext.eval.settings import OverlapSettings

    return _show(run_overlap(from_namespace(OverlapSettings, args)))


def _device(name: str) -> str:
    from webtext.train.config import resolve_device

    return str(resolve_device(name, 0))


def _perplexity(args: argparse.Namespace) -> int:
    from webtext.eval.commands import run_perplexity
    from webtext.eval.settings import PerplexitySettings

    settings = from_namespace(PerplexitySettings, args)
    return _show(run_perplexity(settings, _device(settings.device)))


def _memorization(args: argparse.Namespace) -> int:
    from webtext.eval.commands import run_memorization
    from webtext.eval.settings import MemorizationSettings

    settings = from_namespace(MemorizationSettings, args)
    return _show(run_memorization(settings, _device(settings.device)))


def _report(args: argparse.Namespace) -> int:
    from webtext.eval.report import write_report
    from webtext.eval.settings import ReportSettings

    return _show(write_report(from_namespace(ReportSettings, args)))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext eval` and its four subcommands."""
    from webtext.eval.settings import MemorizationSettings, OverlapSettings, PerplexitySettings, ReportSettings

    parser = subparsers.add_parser("eval", help="measure memorization versus generalization",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="eval_command", metavar="EVAL_COMMAND", required=True)
    specs: list[tuple[str, type, Callable[[argparse.Namespace], int], str]] = [
        ("overlap", OverlapSettings, _overlap,
         "8-gram overlap of evaluation sets with the training text (GPT-2 Table 6)"),
        ("perplexity", PerplexitySettings, _perplexity,
         "train and held-out perplexity per checkpoint, evaluation sets by overlap (GPT-2 Figure 4)"),
        ("memorization", MemorizationSettings, _memorization,
         "extraction rate of training versus held-out sequences (Carlini et al. 2022)"),
        ("report", ReportSettings, _report, "report.md and report.html from the other commands' outputs"),
    ]
    for name, settings, func, help_text in specs:
        command = commands.add_parser(name, help=help_text, description=help_text)
        add_arguments(command, settings)
        command.set_defaults(func=func)
