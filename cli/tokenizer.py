"""`webtext tokenizer train|encode|decode|info`: the byte-level BPE tokenizer from the shell.

    webtext tokenizer train --input out/docs.jsonl --out out/tokenizer --vocab-size 50257
    webtext tokenizer encode --tokenizer out/tokenizer "Hello, world"
    webtext tokenizer decode --tokenizer out/tokenizer 15496 11 995
    webtext tokenizer info --tokenizer out/tokenizer

Training input files are documents (`.jsonl`: one JSON object with a string "text" field per line,
as the clean stage writes them; `.parquet`: a string `text` column), otherwise UTF-8 text, one
document per file. A damaged file (invalid UTF-8, a line that is not a JSON object, a missing or
non-string "text") fails with one `error:` line naming the file and line. Blank documents are
skipped and counted; the command checks that every document read was used or skipped, and fails
when the input holds no text at all. The work is `webtext.tokenize.commands`, where the flags are
declared.
"""

from __future__ import annotations

import argparse
import sys

from webtext.cli._parsers import add_command, add_group
from webtext.core.config import from_namespace
from webtext.tokenize import commands
from webtext.tokenize.settings import TrainSettings


def _train(args: argparse.Namespace) -> int:
    saved, tokenizer = commands.train(from_namespace(commands.TrainFiles, args), from_namespace(TrainSettings, args))
    print(f"{saved}: {tokenizer.vocab_size} tokens, end-of-text id {tokenizer.eot_id}, hash {tokenizer.hash}")
    return 0


def _encode(args: argparse.Namespace) -> int:
    text = from_namespace(commands.EncodeText, args).text
    tokenizer = commands.load(from_namespace(commands.TokenizerChoice, args))
    print(" ".join(map(str, tokenizer.encode(text if text is not None else sys.stdin.read()))))
    return 0


def _decode(args: argparse.Namespace) -> int:
    words = from_namespace(commands.DecodeIds, args).ids or sys.stdin.read().split()
    sys.stdout.write(commands.decode(commands.load(from_namespace(commands.TokenizerChoice, args)), words) + "\n")
    return 0


def _info(args: argparse.Namespace) -> int:
    tokenizer = commands.load(from_namespace(commands.TokenizerChoice, args))
    print(f"vocabulary {tokenizer.vocab_size}, end-of-text id {tokenizer.eot_id}, "
          f"engine {tokenizer.engine}, hash {tokenizer.hash}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext tokenizer` and its four subcommands."""
    subcommands = add_group(subparsers, "tokenizer", "train, use and inspect the byte-level BPE tokenizer", __doc__)
    add_command(subcommands, "train", "train a byte-level BPE on text files", _train,
                commands.TrainFiles, TrainSettings)
    add_command(subcommands, "encode", "print the token ids of a text", _encode,
                commands.TokenizerChoice, commands.EncodeText)
    add_command(subcommands, "decode", "print the text of token ids", _decode,
                commands.TokenizerChoice, commands.DecodeIds)
    add_command(subcommands, "info", "print a tokenizer's size, end-of-text id, engine and hash", _info,
                commands.TokenizerChoice)
