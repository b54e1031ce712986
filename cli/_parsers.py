"""A `webtext` subcommand built from settings dataclasses: every flag is declared once, as a field.

`add_command` adds one subcommand whose options are the fields of the given dataclasses
(`webtext.core.config.add_arguments`) and whose `func` runs it, so that a command module holds no
flag of its own: it names its settings, calls the work of its room and prints the result.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from webtext.core.config import add_arguments


def add_command(subparsers: argparse._SubParsersAction, name: str, help_text: str,
                func: Callable[[argparse.Namespace], int], *settings: type,
                description: str | None = None) -> argparse.ArgumentParser:
    """Add subcommand `name` with one option per field of each dataclass in `settings`."""
    parser = subparsers.add_parser(name, help=help_text, description=description or help_text,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    for cls in settings:
        add_arguments(parser, cls)
    parser.set_defaults(func=func)
    return parser


def add_group(subparsers: argparse._SubParsersAction, name: str, help_text: str,
              description: str) -> argparse._SubParsersAction:
    """Add command `name` that only holds subcommands (`webtext NAME COMMAND ...`); returns the
    action to add them to with `add_command`."""
    parser = subparsers.add_parser(name, help=help_text, description=description,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)
