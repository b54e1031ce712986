"""`webtext`: the command-line entry point, one subcommand per stage.

Subcommands are contributed by the sibling modules of this package: each defines
`register(subparsers)` and sets `func` on its parsers to a callable taking the parsed
arguments and returning an exit status. A command that runs a Beam pipeline sets the default
`beam_options=[]`: the arguments it does not know are Beam's and arrive there. Every command
also takes `--config FILE` (`webtext.core.config_file`): its settings sit between the defaults
and the flags given.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from webtext.core.config_file import add_config_option, parse_known_args
from webtext.core.entrypoint import run_main
from webtext.core.progress import setup_logging

_NOT_COMMANDS = {"main", "beam"}
# Commands registered by a module of another name (every other command is its module's name).
_MODULE_OF = {"sample": "train", "export-hf": "train", "import-hf": "train"}


def _command_modules(only: str | None = None) -> list[str]:
    """Names of the command modules; just the one that defines `only`, when it is known.

    Importing every stage (Beam, torch, Scrapy) takes seconds, so a run of one command imports
    only its own module; `webtext --help` imports them all.
    """
    package = importlib.import_module("webtext.cli")
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                   if m.name not in _NOT_COMMANDS and not m.name.startswith("_"))
    wanted = _MODULE_OF.get(only or "", only)
    return [wanted] if wanted in names else names


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `webtext` parser with every stage's subcommands (or only those of command `only`)."""
    parser = argparse.ArgumentParser(
        prog="webtext",
        description="Build a GPT-2-style WebText corpus and train GPT-2 on it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _command_modules(only):
        importlib.import_module(f"webtext.cli.{name}").register(subparsers)
    for leaf in leaf_parsers(parser):
        add_config_option(leaf)
    return parser


def leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of `parser`'s commands that run something (those without subcommands of their own)."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        return [parser]
    children = {id(p): p for group in groups for p in group.choices.values()}  # aliases share a parser
    return [leaf for child in children.values() for leaf in leaf_parsers(child)]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen subcommand."""
    words = list(sys.argv[1:] if argv is None else argv)
    command = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(command)

    def body() -> int:
        args, rest = parse_known_args(parser, words)
        if rest and not hasattr(args, "beam_options"):
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        if rest:
            args.beam_options = rest
        if not getattr(args, "func", None):
            parser.print_help()
            return 0 if args.command is None else 2
        setup_logging(args.verbose)
        return int(args.func(args) or 0)

    return run_main(body)


if __name__ == "__main__":
    sys.exit(main())
