"""`webtext`: the command-line entry point, one subcommand per stage.

Subcommands are contributed by the sibling modules of this package: each defines
`register(subparsers)` and sets `func` on its parsers to a callable taking the parsed
arguments and returning an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from webtext.core.cli import run_main
from webtext.core.progress import setup_logging

_NOT_COMMANDS = {"main", "beam"}


def build_parser() -> argparse.ArgumentParser:
    """The full `webtext` parser, with every stage's subcommands registered."""
    parser = argparse.ArgumentParser(
        prog="webtext",
        description="Build a GPT-2-style WebText corpus and train GPT-2 on it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module("webtext.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name not in _NOT_COMMANDS and not info.name.startswith("_"):
            importlib.import_module(f"webtext.cli.{info.name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen subcommand."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    setup_logging(args.verbose)
    return run_main(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
