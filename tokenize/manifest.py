"""`manifest.json`: what a shard directory holds and how it was made (ARCHITECTURE §3).

The manifest records the tokenizer (file and hash, vocabulary size, end-of-text id, token type),
every shard of every split with its document and token counts, byte size and SHA-256, the split
rule, the resolved pipeline options and the accounting of every dropped document by reason. The
reader trusts a shard only when it matches its manifest entry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webtext.core.atomic import write_json
from webtext.core.config import to_jsonable
from webtext.core.errors import BadFileError
from webtext.tokenize.shard_format import FORMAT, MANIFEST_NAME


@dataclass(frozen=True)
class ShardInfo:
    """One complete shard file, as the writer produced it and the manifest lists it."""

    split: str
    index: int
    count: int
    file: str  # file name, relative to the shard directory
    n_docs: int
    n_tokens: int
    n_bytes: int
    sha256: str
    dtype: str  # "uint16" or "uint32"
    tokenizer_hash: str
    vocab_size: int
    eot_id: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShardInfo:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})


_SHARD_KEYS = ("file", "n_docs", "n_tokens", "n_bytes", "sha256")


def write_manifest(directory: str | os.PathLike[str], shards: Iterable[ShardInfo], *,
                   tokenizer_file: str | os.PathLike[str] | None = None,
                   split_rule: Mapping[str, Any] | None = None,
                   options: Mapping[str, Any] | None = None,
                   drops: Mapping[str, int] | None = None) -> Path:
    """Write `directory/manifest.json` for `shards` (all splits) and return its path.

    `tokenizer_file` is recorded relative to `directory` when it lies inside it. The shards must
    all come from one tokenizer. `split_rule`, `options` and `drops` (reason key -> count) are
    the caller's, recorded as given.
    """
    root = Path(directory)
    infos = sorted(shards, key=lambda s: (s.split, s.index))
    hashes = {(s.tokenizer_hash, s.vocab_size, s.eot_id, s.dtype) for s in infos}
    if len(hashes) > 1:
        raise ValueError(f"shards of one manifest come from different tokenizers: {sorted(hashes)}")
    tokenizer: dict[str, Any] = {}
    if infos:
        first = infos[0]
        tokenizer = {"hash": first.tokenizer_hash, "vocab_size": first.vocab_size,
                     "eot_id": first.eot_id, "dtype": first.dtype}
    if tokenizer_file is not None:
        path = Path(tokenizer_file)
        with contextlib.suppress(ValueError):  # outside the directory: kept as given
            path = path.resolve().relative_to(root.resolve())
        tokenizer["file"] = os.fspath(path)
    splits: dict[str, dict[str, Any]] = {}
    for info in infos:
        entry = splits.setdefault(info.split, {"n_docs": 0, "n_tokens": 0, "shards": []})
        entry["n_docs"] += info.n_docs
        entry["n_tokens"] += info.n_tokens
        entry["shards"].append({key: getattr(info, key) for key in _SHARD_KEYS})
    manifest = {"format": FORMAT, "tokenizer": tokenizer, "splits": splits,
                "split_rule": to_jsonable(dict(split_rule or {})),
                "options": to_jsonable(dict(options or {})),
                "drops": dict(sorted((drops or {}).items()))}
    target = root / MANIFEST_NAME
    write_json(target, manifest)
    return target


def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of `directory`; `BadFileError` naming it when missing or malformed."""
    path = Path(directory) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadFileError(str(path), "missing: not a shard directory, or its writing did not finish") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadFileError(str(path), f"unreadable manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadFileError(str(path), f"not a {FORMAT} manifest")
    for split, entry in manifest.get("splits", {}).items():
        for number, shard in enumerate(entry.get("shards", [])):
            missing = [key for key in _SHARD_KEYS if key not in shard]
            if missing:
                raise BadFileError(str(path), f"entry lacks {', '.join(missing)}",
                                   where=f"splits.{split}.shards[{number}]")
    return manifest
