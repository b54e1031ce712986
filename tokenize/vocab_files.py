"""Byte-level BPE definitions read from and written to their file formats.

A definition is a vocabulary (token string -> id) and an ordered merge list, in GPT-2's
byte-level spelling (`byte_level`). Three file layouts hold one:

- Hugging Face `tokenizer.json` (a BPE model with the ByteLevel pre-tokenizer);
- GPT-2's `vocab.json` + `merges.txt`, as Hugging Face `transformers` publishes it;
- GPT-2's original `encoder.json` + `vocab.bpe`, as OpenAI released it (same content, other names).

`merges.txt`/`vocab.bpe` start with a `#version` line, then one merge per line: two tokens
separated by a space. `<|endoftext|>` is appended to the vocabulary when a file lacks it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webtext.core.atomic import atomic_write, write_json
from webtext.core.errors import BadFileError, ConfigError
from webtext.tokenize.byte_level import EOT, byte_to_char

MERGES_HEADER = "#version: 0.2"
_PAIRS = (("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe"))


@dataclass(frozen=True)
class BpeDefinition:
    """A byte-level BPE vocabulary and its merges, ids dense from 0, `<|endoftext|>` included."""

    vocab: dict[str, int]
    merges: list[tuple[str, str]]

    @property
    def eot_id(self) -> int:
        return self.vocab[EOT]


def checked(vocab: dict[str, int], merges: list[tuple[str, str]], source: str) -> BpeDefinition:
    """A definition from `vocab` and `merges`, checked; `ConfigError` naming `source` if unusable."""
    vocab = dict(vocab)
    if EOT not in vocab:
        vocab[EOT] = len(vocab)
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise ConfigError(f"{source}: token ids are not distinct and dense from 0")
    missing = [char for char in byte_to_char().values() if char not in vocab]
    if missing:
        raise ConfigError(f"{source}: not a byte-level vocabulary ({len(missing)} of the 256 byte tokens missing)")
    for number, (left, right) in enumerate(merges):
        if left not in vocab or right not in vocab or left + right not in vocab:
            raise ConfigError(f"{source}: merge {number + 1} ({left} {right}) uses a token outside the vocabulary")
    return BpeDefinition(vocab, merges)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadFileError(str(path), f"unreadable JSON ({error})") from None


def read_tokenizer_json(path: Path) -> BpeDefinition:
    """The definition in a Hugging Face `tokenizer.json`, if it is GPT-2-style byte-level BPE."""
    data = _load_json(path)
    model = data.get("model") if isinstance(data, dict) else None
    pre = data.get("pre_tokenizer") if isinstance(data, dict) else None
    if not isinstance(model, dict) or model.get("type") != "BPE" or not isinstance(pre, dict) \
            or pre.get("type") != "ByteLevel" or not pre.get("use_regex", True) \
            or data.get("normalizer") or model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        raise ConfigError(f"{path}: not a GPT-2-style byte-level BPE tokenizer (BPE model, ByteLevel "
                          "pre-tokenizer, no normalizer)")
    try:
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        vocab = {str(token): int(index) for token, index in model["vocab"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BadFileError(str(path), f"malformed BPE model ({error})") from None
    added = data.get("added_tokens") or []
    if not isinstance(added, list):
        raise BadFileError(str(path), "added_tokens is not a list")
    for token in added:
        if isinstance(token, dict) and token.get("content") == EOT:
            if not isinstance(token.get("id"), int) or isinstance(token["id"], bool):
                raise BadFileError(str(path), f"the id of {EOT} is {str(token.get('id'))[:40]!r}, not a number")
            vocab.setdefault(EOT, token["id"])
    if any(len(pair) != 2 or not all(isinstance(token, str) for token in pair) for pair in merges):
        raise BadFileError(str(path), "a merge is not a pair of tokens")
    return checked(vocab, merges, str(path))  # type: ignore[arg-type]


def read_merges(path: Path) -> list[tuple[str, str]]:
    """The merges of a `merges.txt` / `vocab.bpe` file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BadFileError(str(path), f"unreadable ({error})") from None
    merges = []
    for number, line in enumerate(lines, start=1):
        if not line or (number == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise BadFileError(str(path), f"expected two tokens separated by a space, got {line!r}",
                               where=f"line {number}")
        merges.append((parts[0], parts[1]))
    return merges


def read_vocab_merges(vocab_path: Path, merges_path: Path) -> BpeDefinition:
    """The definition in GPT-2's `vocab.json` + `merges.txt` (or `encoder.json` + `vocab.bpe`)."""
    vocab = _load_json(vocab_path)
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        raise BadFileError(str(vocab_path), "expected a JSON object of token -> id")
    return checked(vocab, read_merges(merges_path), f"{vocab_path} + {merges_path.name}")


def read_definition(path: str | os.PathLike[str]) -> BpeDefinition:
    """The definition at `path`: a `tokenizer.json`, or a directory holding one of the layouts."""
    location = Path(path)
    if location.is_file():
        return read_tokenizer_json(location)
    if not location.is_dir():
        raise ConfigError(f"tokenizer not found: {location}")
    if (location / "tokenizer.json").is_file():
        return read_tokenizer_json(location / "tokenizer.json")
    for vocab_name, merges_name in _PAIRS:
        if (location / vocab_name).is_file() and (location / merges_name).is_file():
            return read_vocab_merges(location / vocab_name, location / merges_name)
    raise ConfigError(f"{location} holds no tokenizer.json, vocab.json + merges.txt, or encoder.json + vocab.bpe")


def write_vocab_merges(directory: Path, definition: BpeDefinition) -> None:
    """Write `vocab.json` and `merges.txt` in GPT-2's layout."""
    write_json(directory / "vocab.json", dict(sorted(definition.vocab.items(), key=lambda item: item[1])))
    with atomic_write(directory / "merges.txt", "w") as handle:
        handle.write(MERGES_HEADER + "\n")
        handle.writelines(f"{left} {right}\n" for left, right in definition.merges)
