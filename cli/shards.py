"""`webtext shards inspect DIR`: counts, token histogram, a decoded sample, and verification.

    webtext shards inspect out/corpus
    webtext shards inspect out/corpus --split val --no-verify --top 20

The manifest is checked first (every shard of each split listed, totals that add up, no path
leaving the directory, every shard file of the directory listed), then every split is opened and
checked (checksums unless `--no-verify`), and the tokenizer file, when there is one, must have the
vocabulary the manifest records. A damaged or foreign manifest or shard ends the command with one
line naming the file and exit status 2. The work is `webtext.tokenize.commands`.
"""

from __future__ import annotations

import argparse

from webtext.cli._parsers import add_command, add_group
from webtext.core.config import from_namespace
from webtext.tokenize.commands import ShardInspection, inspect_shards


def _inspect(args: argparse.Namespace) -> int:
    for lines in inspect_shards(from_namespace(ShardInspection, args)):
        print(lines)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext shards inspect`."""
    commands = add_group(subparsers, "shards", "inspect and verify token shards", __doc__)
    add_command(commands, "inspect", "counts, token histogram, decoded sample, verification", _inspect,
                ShardInspection)
