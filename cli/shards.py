"""`webtext shards inspect DIR`: counts, token histogram, a decoded sample, and verification.

    webtext shards inspect out/corpus
    webtext shards inspect out/corpus --split val --no-verify --top 20

The manifest is checked first (every shard of each split listed, totals that add up, no path
leaving the directory, every shard file of the directory listed), then every split is opened and
checked (checksums unless `--no-verify`), and the tokenizer file, when there is one, must have the
vocabulary the manifest records. A damaged or foreign manifest or shard ends the command with one
line naming the file and exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _inspect(args: argparse.Namespace) -> int:
    from webtext.core.errors import BadFileError
    from webtext.tokenize.bpe import Tokenizer, load_tokenizer
    from webtext.tokenize.manifest import read_manifest
    from webtext.tokenize.shard_format import MANIFEST_NAME
    from webtext.tokenize.shard_reader import ShardSet
    from webtext.tokenize.shard_summary import summarize

    manifest = read_manifest(args.directory)
    splits = args.split or sorted(manifest["splits"])
    recorded = manifest["tokenizer"]
    tokenizer: Tokenizer | None = None
    source = args.tokenizer
    if source is None and recorded.get("file"):
        source = args.directory / recorded["file"]
    if source is not None and Path(source).exists():
        tokenizer = load_tokenizer(source)
        if "vocab_size" in recorded and tokenizer.vocab_size != recorded["vocab_size"]:
            raise BadFileError(str(args.directory / MANIFEST_NAME),
                               f"vocab_size is {recorded['vocab_size']}, but the tokenizer file {source} "
                               f"has {tokenizer.vocab_size} tokens", where="tokenizer")
    print(f"{args.directory}: {', '.join(splits) or 'no splits'}")
    if tokenizer is not None:
        match = "matches" if tokenizer.hash == recorded.get("hash") else "DOES NOT match"
        print(f"tokenizer {source}: {tokenizer.vocab_size} tokens, {match} the shards")
    for split in splits:
        shards = ShardSet.open(args.directory, split, verify=args.verify,
                               tokenizer_hash=tokenizer.hash if tokenizer is not None else None)
        print("\n".join(summarize(shards, tokenizer, args.verify, args.top, args.sample_tokens)))
    drops = manifest.get("drops", {})
    if drops:
        print(f"dropped documents: {sum(drops.values()):,} "
              f"({', '.join(f'{reason} {count:,}' for reason, count in drops.items())})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("shards", help="inspect and verify token shards",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="shards_command", metavar="COMMAND", required=True)
    inspect = commands.add_parser("inspect", help="counts, token histogram, decoded sample, verification")
    inspect.add_argument("directory", type=Path, help="shard directory (holds manifest.json)")
    inspect.add_argument("--split", action="append", help="split to show (repeatable; default: all)")
    inspect.add_argument("--verify", action=argparse.BooleanOptionalAction, default=True,
                         help="check every file's SHA-256 against the manifest (default: on)")
    inspect.add_argument("--tokenizer", type=Path,
                         help="tokenizer to decode with (default: the one the manifest names)")
    inspect.add_argument("--top", type=int, default=10, help="most frequent tokens to list (default: 10)")
    inspect.add_argument("--sample-tokens", type=int, default=60,
                         help="tokens of the first document to decode (default: 60)")
    inspect.set_defaults(func=_inspect)
