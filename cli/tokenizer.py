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
when the input holds no text at all.
"""

from __future__ import annotations

import argparse
import collections
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from webtext.core.accounting import check_balance
from webtext.core.config import add_arguments, from_namespace, save_config
from webtext.core.errors import BadFileError, ConfigError
from webtext.core.reasons import TOKENIZER_EMPTY, key
from webtext.dedup.docfiles import read_texts as read_document_texts

if TYPE_CHECKING:
    from webtext.tokenize.bpe import Tokenizer


def read_texts(paths: list[Path], counts: collections.Counter[str]) -> Iterator[str]:
    """The non-blank documents of the training input files (see the module docstring); counts
    every document read under "read" and every one skipped under its reason."""
    for path in paths:
        if path.suffix.lower() in (".jsonl", ".parquet"):
            texts: Iterable[str] = read_document_texts(path)
        else:
            try:
                texts = [path.read_text(encoding="utf-8")]
            except UnicodeDecodeError as error:
                raise BadFileError(str(path), "not UTF-8 text", f"byte {error.start}") from None
        for text in texts:
            counts["read"] += 1
            if text.strip():
                yield text
            else:
                counts[key("tokenizer", TOKENIZER_EMPTY)] += 1


def balance(counts: collections.Counter[str], used: int) -> None:
    """The accounting identity of a training run: documents read = used + skipped by reason."""
    skipped = {name: count for name, count in counts.items() if name != "read"}
    check_balance("webtext tokenizer train", counts["read"], used, skipped)


def _counted(texts: Iterable[str], tally: list[int]) -> Iterator[str]:
    for text in texts:
        tally[0] += 1
        yield text


def _train(args: argparse.Namespace) -> int:
    from webtext.tokenize.bpe import train_tokenizer
    from webtext.tokenize.settings import TrainSettings

    settings = from_namespace(TrainSettings, args)
    for path in args.input:
        if not path.is_file():
            raise ConfigError(f"training input not found: {path}")
    counts: collections.Counter[str] = collections.Counter()
    used = [0]
    tokenizer = train_tokenizer(_counted(read_texts(args.input, counts), used), settings.vocab_size,
                                settings.min_frequency, show_progress=sys.stderr.isatty())
    balance(counts, used[0])
    if not used[0]:
        raise ConfigError("the training input holds no text: give files with non-blank documents")
    saved = tokenizer.save(args.out)
    save_config(args.out / "training.json", settings=settings, inputs=args.input)
    print(f"{saved}: {tokenizer.vocab_size} tokens, end-of-text id {tokenizer.eot_id}, hash {tokenizer.hash}")
    return 0


def _load(args: argparse.Namespace) -> Tokenizer:
    from webtext.tokenize.bpe import load_tokenizer

    return load_tokenizer(args.tokenizer, args.engine)


def _encode(args: argparse.Namespace) -> int:
    text = args.text if args.text is not None else sys.stdin.read()
    print(" ".join(map(str, _load(args).encode(text))))
    return 0


def _decode(args: argparse.Namespace) -> int:
    words = args.ids or sys.stdin.read().split()
    try:
        ids = [int(word) for word in words]
        text = _load(args).decode(ids)
    except ValueError as error:
        raise ConfigError(f"token ids must be integers inside the vocabulary: {error}") from None
    sys.stdout.write(text + "\n")
    return 0


def _info(args: argparse.Namespace) -> int:
    tokenizer = _load(args)
    print(f"vocabulary {tokenizer.vocab_size}, end-of-text id {tokenizer.eot_id}, "
          f"engine {tokenizer.engine}, hash {tokenizer.hash}")
    return 0


def _tokenizer_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokenizer", type=Path, required=True,
                        help="tokenizer.json, or a directory with it, vocab.json + merges.txt, "
                             "or encoder.json + vocab.bpe")
    parser.add_argument("--engine", choices=("auto", "tiktoken", "tokenizers"), default="auto",
                        help="encoding engine; auto uses tiktoken when proven identical (default: auto)")


def register(subparsers: argparse._SubParsersAction) -> None:
    from webtext.tokenize.settings import TrainSettings

    parser = subparsers.add_parser("tokenizer", help="train, use and inspect the byte-level BPE tokenizer",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="tokenizer_command", metavar="COMMAND", required=True)
    train = commands.add_parser("train", help="train a byte-level BPE on text files")
    train.add_argument("--input", type=Path, nargs="+", required=True,
                       help="training files: .jsonl (a text field per line), .parquet (a text column) "
                            "or plain text (one document each)")
    train.add_argument("--out", type=Path, required=True,
                       help="directory for tokenizer.json, vocab.json, merges.txt and training.json")
    add_arguments(train, TrainSettings)
    train.set_defaults(func=_train)
    encode = commands.add_parser("encode", help="print the token ids of a text")
    _tokenizer_flags(encode)
    encode.add_argument("text", nargs="?", help="the text (default: standard input)")
    encode.set_defaults(func=_encode)
    decode = commands.add_parser("decode", help="print the text of token ids")
    _tokenizer_flags(decode)
    decode.add_argument("ids", nargs="*", help="token ids (default: read from standard input)")
    decode.set_defaults(func=_decode)
    info = commands.add_parser("info", help="print a tokenizer's size, end-of-text id, engine and hash")
    _tokenizer_flags(info)
    info.set_defaults(func=_info)
