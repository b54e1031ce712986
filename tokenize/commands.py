"""The work behind `webtext tokenizer train|encode|decode|info` and `webtext shards inspect`.

Each command's flags are declared once here, as the dataclasses below; the functions take them
and return what the command prints. Training input files are documents (`.jsonl`: one JSON object
with a string "text" field per line, as the clean stage writes them; `.parquet`: a string `text`
column), otherwise UTF-8 text, one document per file; all of them are read by
`webtext.core.docfiles`, the reader of every command, so a damaged file fails with the same one
`error:` line naming the file and line (or byte) whichever command reads it. Blank documents are
skipped and counted; training checks that every document read was used or skipped
(`webtext.core.accounting`) and fails when the input holds no text at all. Training writes
`training.json` beside the tokenizer: the `TrainSettings` and the `TrainFiles` of the run, keys =
flag names, so `--config` takes it back.

`shards inspect` checks the manifest first (every shard of each split listed, totals that add
up, no path leaving the directory, every shard file of the directory listed), then opens and
checks every split (checksums unless `--no-verify`); the tokenizer file, when there is one, must
have the vocabulary the manifest records. A corpus at a URL (`s3://...`) is downloaded into the
local cache first (`webtext.tokenize.shard_reader.local_corpus`), the splits shown only.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webtext.core.accounting import check_balance
from webtext.core.config import save_config, setting
from webtext.core.docfiles import file_texts, non_blank
from webtext.core.errors import BadFileError, ConfigError
from webtext.core.reasons import TOKENIZER_EMPTY, key
from webtext.tokenize.bpe import ENGINES, Tokenizer, load_tokenizer, train_tokenizer
from webtext.tokenize.manifest import read_manifest
from webtext.tokenize.settings import TrainSettings
from webtext.tokenize.shard_format import MANIFEST_NAME
from webtext.tokenize.shard_reader import ShardSet, local_corpus
from webtext.tokenize.shard_summary import summarize

SKIPPED = key("tokenizer", TOKENIZER_EMPTY)


@dataclass(frozen=True)
class TrainFiles:
    """What `webtext tokenizer train` reads and where it writes (both required)."""

    input: list[Path] = setting([], "training files: .jsonl (a text field per line), .parquet (a text column) "
                                    "or plain text (one document each) (required, no default)")
    out: Path | None = setting(None, "directory for tokenizer.json, vocab.json, merges.txt and training.json "
                                     "(required, no default)")


@dataclass(frozen=True)
class TokenizerChoice:
    """The tokenizer `encode`, `decode` and `info` use (required) and its encoding engine."""

    tokenizer: Path | None = setting(None, "tokenizer.json, or a directory with it, vocab.json + merges.txt, "
                                           "or encoder.json + vocab.bpe (required, no default)")
    engine: str = setting("auto", "encoding engine: auto, tiktoken or tokenizers; auto uses tiktoken when proven "
                                  "identical (default: auto)", choices=ENGINES)


@dataclass(frozen=True)
class EncodeText:
    """The text `webtext tokenizer encode` encodes."""

    text: str | None = setting(None, "the text (default: standard input)", positional=True)


@dataclass(frozen=True)
class DecodeIds:
    """The token ids `webtext tokenizer decode` decodes."""

    ids: list[str] = setting([], "token ids (default: read from standard input)", positional=True)


@dataclass(frozen=True)
class ShardInspection:
    """What `webtext shards inspect` shows of a shard directory."""

    directory: str = setting(None, "shard directory (holds manifest.json), or its URL (s3://..., gs://...: "
                                   "downloaded into the local cache first)", positional=True)
    split: list[str] = setting([], "split to show (repeatable; default: all)")
    verify: bool = setting(True, "check every file's SHA-256 against the manifest (default: on)")
    tokenizer: Path | None = setting(None, "tokenizer to decode with (default: the one the manifest names)")
    top: int = setting(10, "most frequent tokens to list")
    sample_tokens: int = setting(60, "tokens of the first document to decode")


def read_texts(paths: list[Path], counts: collections.Counter[str]) -> Iterator[str]:
    """The non-blank documents of the training input files (see the module docstring); counts
    every document read under "read" and every one skipped under its reason."""
    for path in paths:
        yield from non_blank(file_texts(path), counts, SKIPPED)


def balance(counts: collections.Counter[str], used: int) -> None:
    """The accounting identity of a training run: documents read = used + skipped by reason."""
    skipped = {name: count for name, count in counts.items() if name != "read"}
    check_balance("webtext tokenizer train", counts["read"], used, skipped)


def _counted(texts: Iterable[str], tally: list[int]) -> Iterator[str]:
    for text in texts:
        tally[0] += 1
        yield text


def train(files: TrainFiles, settings: TrainSettings) -> tuple[Path, Tokenizer]:
    """Train the BPE on `files.input`, save it and `training.json` into `files.out`; returns the
    saved tokenizer file and the tokenizer."""
    if not files.input:
        raise ConfigError("missing --input: give the training files (.jsonl, .parquet or plain text)")
    if files.out is None:
        raise ConfigError("missing --out: give the directory to write the tokenizer into")
    for path in files.input:
        if not path.is_file():
            raise ConfigError(f"training input not found: {path}")
    counts: collections.Counter[str] = collections.Counter()
    used = [0]
    tokenizer = train_tokenizer(_counted(read_texts(files.input, counts), used), settings.vocab_size,
                                settings.min_frequency, show_progress=sys.stderr.isatty())
    balance(counts, used[0])
    if not used[0]:
        raise ConfigError("the training input holds no text: give files with non-blank documents")
    saved = tokenizer.save(files.out)
    save_config(files.out / "training.json", settings=settings, run=files)
    return saved, tokenizer


def load(choice: TokenizerChoice) -> Tokenizer:
    """The tokenizer `--tokenizer` names, on the `--engine` chosen."""
    if choice.tokenizer is None:
        raise ConfigError("missing --tokenizer: give a tokenizer.json or a directory holding one")
    return load_tokenizer(choice.tokenizer, choice.engine)


def decode(tokenizer: Tokenizer, words: list[str]) -> str:
    """The text of token ids given as words; `ConfigError` for a word that is not an id."""
    try:
        return tokenizer.decode([int(word) for word in words])
    except ValueError as error:
        raise ConfigError(f"token ids must be integers inside the vocabulary: {error}") from None


def _shard_tokenizer(inspection: ShardInspection, directory: Path,
                     recorded: dict[str, Any]) -> tuple[Path | None, Tokenizer | None]:
    """The tokenizer to decode with (the flag's, else the manifest's file in the local `directory`) and where it is."""
    source = inspection.tokenizer
    if source is None and recorded.get("file"):
        source = directory / recorded["file"]
    if source is None or not Path(source).exists():
        return source, None
    tokenizer = load_tokenizer(source)
    if "vocab_size" in recorded and tokenizer.vocab_size != recorded["vocab_size"]:
        raise BadFileError(str(directory / MANIFEST_NAME),
                           f"vocab_size is {recorded['vocab_size']}, but the tokenizer file {source} "
                           f"has {tokenizer.vocab_size} tokens", where="tokenizer")
    return source, tokenizer


def inspect_shards(inspection: ShardInspection) -> Iterator[str]:
    """The lines `webtext shards inspect` prints, each as soon as its split is checked."""
    directory = local_corpus(inspection.directory, inspection.split or None)
    manifest = read_manifest(directory)
    splits = inspection.split or sorted(manifest["splits"])
    recorded = manifest["tokenizer"]
    source, tokenizer = _shard_tokenizer(inspection, directory, recorded)
    yield f"{inspection.directory}: {', '.join(splits) or 'no splits'}"
    if tokenizer is not None:
        match = "matches" if tokenizer.hash == recorded.get("hash") else "DOES NOT match"
        yield f"tokenizer {source}: {tokenizer.vocab_size} tokens, {match} the shards"
    for split in splits:
        shards = ShardSet.open(directory, split, verify=inspection.verify,
                               tokenizer_hash=tokenizer.hash if tokenizer is not None else None)
        yield "\n".join(summarize(shards, tokenizer, inspection.verify, inspection.top, inspection.sample_tokens))
    drops = manifest.get("drops", {})
    if drops:
        yield (f"dropped documents: {sum(drops.values()):,} "
               f"({', '.join(f'{reason} {count:,}' for reason, count in drops.items())})")
