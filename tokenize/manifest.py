"""`manifest.json`: what a shard directory holds and how it was made (ARCHITECTURE §3).

The manifest records the tokenizer (file and hash, vocabulary size, end-of-text id, token type),
every shard of every split with its document and token counts, byte size and SHA-256, the split
rule, the resolved pipeline options and the accounting of every dropped document by reason. The
reader trusts a shard only when it matches its manifest entry.

`read_manifest` trusts the manifest itself no more than the shards: every key has its type, the
tokenizer's token type holds its vocabulary, each split lists exactly the shards
`{split}-00000-of-{count}` to `{split}-{count-1}-of-{count}` (so a deleted entry shows in the
file names of the others), the split totals are the sums of their shards, every shard file in the
directory is listed, and no path (shard or tokenizer, symbolic links followed) leaves the
directory. `write_manifest` checks what it writes the same way, and writes into a local directory
or a URL (`s3://...`, through `webtext.core.filesys`); `read_manifest` reads a local directory (a
reader of a remote corpus downloads it first: `webtext.tokenize.shard_reader.local_corpus`). A shard may
hold no document (a split written in parallel gets every shard of its count, even one its hash
leaves empty).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from webtext.core import filesys
from webtext.core.config import to_jsonable
from webtext.core.errors import BadFileError
from webtext.tokenize.shard_format import (
    FORMAT,
    MANIFEST_NAME,
    check_split_name,
    parse_shard_name,
    shard_name,
    token_dtype,
)


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


def _inside(root: Path, path: Path) -> bool:
    """Whether `path` (symbolic links followed) lies inside the directory `root`."""
    return path.resolve().is_relative_to(root.resolve())


def _relative_name(root: str | os.PathLike[str], file: str | os.PathLike[str]) -> str:
    """`file`'s name relative to the shard directory `root` (a path or URL); `ValueError` outside it."""
    relative: str | None = None
    if filesys.is_remote(root):
        prefix, name = filesys.join(root, ""), os.fspath(file)
        if name.startswith(prefix) and ".." not in name[len(prefix):].split("/"):
            relative = name[len(prefix):]
    elif _inside(Path(root), Path(file)):
        relative = os.fspath(Path(file).resolve().relative_to(Path(root).resolve()))
    if relative is None:
        raise ValueError(f"tokenizer file {os.fspath(file)} is outside the shard directory {os.fspath(root)}: "
                         "save it beside the shards")
    return relative


def write_manifest(directory: str | os.PathLike[str], shards: Iterable[ShardInfo], *,
                   tokenizer_file: str | os.PathLike[str] | None = None,
                   split_rule: Mapping[str, Any] | None = None,
                   options: Mapping[str, Any] | None = None,
                   drops: Mapping[str, int] | None = None) -> str:
    """Write `directory/manifest.json` for `shards` (all splits) and return its path (`directory` is
    a path or a URL).

    `tokenizer_file` must lie inside `directory` (a shard directory is complete on its own) and
    is recorded relative to it. The shards must all come from one tokenizer, and each split's
    shards must all be there (`ValueError` otherwise: a manifest that would be refused on reading
    is never written). `split_rule`, `options` and `drops` (reason key -> count) are the caller's,
    recorded as given.
    """
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
        tokenizer["file"] = _relative_name(directory, tokenizer_file)
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
    target = filesys.join(directory, MANIFEST_NAME)
    try:
        _Checker(target).manifest(manifest)
    except BadFileError as error:
        raise ValueError(f"refusing to write an inconsistent manifest: {error}") from None
    filesys.write_json(target, manifest)
    return target


def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked manifest of `directory` (see the module docstring); `BadFileError` naming it."""
    root = Path(directory)
    path = root / MANIFEST_NAME
    if path.exists() and not path.is_file():
        raise BadFileError(str(path), "not a regular file")
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise BadFileError(str(path), "missing: not a shard directory, or its writing did not finish") from None
    except OSError as error:
        raise BadFileError(str(path), f"unreadable manifest ({type(error).__name__}: {error})") from None
    checked = parse_manifest(data, str(path))
    _Checker(str(path)).directory(root, checked)
    return checked


def parse_manifest(data: bytes, path: str) -> dict[str, Any]:
    """The manifest in `data`, the content of `path` (named in errors), checked on its own: not yet
    against the files of its directory."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BadFileError(path, f"unreadable manifest ({type(error).__name__}: {error})") from None
    return _Checker(path).manifest(manifest)


_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


class _Checker:
    """Checks a manifest's structure and its agreement with its directory; raises `BadFileError`."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str | None, problem: str) -> NoReturn:
        raise BadFileError(str(self.path), problem, where=where)

    def obj(self, value: Any, where: str | None, keys: Iterable[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"must be an object, not {_show(value)}")
        missing = [key for key in keys if key not in value]
        if missing:
            self.fail(where, f"entry lacks {', '.join(missing)}")
        return value

    def number(self, value: Any, where: str, low: int = 0, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low \
                or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            self.fail(where, f"must be a whole number {bounds}, not {_show(value)}")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            self.fail(where, f"must be a non-empty string, not {_show(value)}")
        return value

    def relative(self, value: Any, where: str, what: str = "file") -> str:
        name = self.text(value, f"{where}.{what}")
        if Path(name).is_absolute() or ".." in Path(name).parts:
            self.fail(where, f"{what} {name!r} leaves the shard directory")
        return name

    def manifest(self, manifest: Any) -> dict[str, Any]:
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            self.fail(None, f"not a {FORMAT} manifest")
        self.obj(manifest, None, ("tokenizer", "splits"))
        splits = self.obj(manifest["splits"], "splits")
        self.tokenizer(self.obj(manifest["tokenizer"], "tokenizer"), needed=bool(splits))
        for split, entry in splits.items():
            self.split(split, entry)
        for reason, count in self.obj(manifest.get("drops", {}), "drops").items():
            self.number(count, f"drops.{reason}")
        return manifest

    def tokenizer(self, tokenizer: dict[str, Any], needed: bool) -> None:
        if "file" in tokenizer:
            self.relative(tokenizer["file"], "tokenizer")
        if not needed and not tokenizer.keys() - {"file"}:
            return
        self.obj(tokenizer, "tokenizer", ("hash", "vocab_size", "eot_id", "dtype"))
        self.text(tokenizer["hash"], "tokenizer.hash")
        vocab_size = self.number(tokenizer["vocab_size"], "tokenizer.vocab_size", 1, 2**32)
        eot_id = self.number(tokenizer["eot_id"], "tokenizer.eot_id")
        if eot_id >= vocab_size:
            self.fail("tokenizer", f"eot_id {eot_id} is outside the vocabulary of {vocab_size}")
        dtype, expected = tokenizer["dtype"], token_dtype(vocab_size).name
        if dtype != expected:
            self.fail("tokenizer", f"dtype {_show(dtype)} does not match a vocabulary of {vocab_size}: "
                                   f"the writer stores its ids as {expected}")

    def split(self, split: str, value: Any) -> None:
        where = f"splits.{split}"
        try:
            check_split_name(split)
        except ValueError as error:
            self.fail("splits", str(error))
        entry = self.obj(value, where, ("n_docs", "n_tokens", "shards"))
        shards = entry["shards"]
        if not isinstance(shards, list):
            self.fail(f"{where}.shards", f"must be a list, not {_show(shards)}")
        for number, shard in enumerate(shards):
            at = f"{where}.shards[{number}]"
            self.obj(shard, at, _SHARD_KEYS)
            self.relative(shard["file"], at)
            for key in ("n_docs", "n_tokens"):
                self.number(shard[key], f"{at}.{key}")
            self.number(shard["n_bytes"], f"{at}.n_bytes", 1)
            if not isinstance(shard["sha256"], str) or not _HEX_DIGEST.match(shard["sha256"]):
                self.fail(f"{at}.sha256", f"must be 64 hexadecimal digits, not {_show(shard['sha256'])}")
        count = len(shards)
        for shard in shards:
            parsed = parse_shard_name(shard["file"])
            if parsed is not None and parsed[0] == split and parsed[2] != count:
                self.fail(where, f"lists {count} shards, but their file names say -of-{parsed[2]:05d}: "
                                 "a shard entry was deleted or added")
        for number, shard in enumerate(shards):
            expected = shard_name(split, number, count)
            if shard["file"] != expected:
                self.fail(f"{where}.shards[{number}]", f"file {_show(shard['file'])}, expected {expected!r}")
        for key in ("n_docs", "n_tokens"):
            total, recorded = sum(shard[key] for shard in shards), self.number(entry[key], f"{where}.{key}")
            if total != recorded:
                self.fail(where, f"{key} is {recorded}, but its shards hold {total} in all")

    def directory(self, root: Path, manifest: dict[str, Any]) -> None:
        listed = {shard["file"] for entry in manifest["splits"].values() for shard in entry["shards"]}
        try:
            present = sorted(p.name for p in root.iterdir() if parse_shard_name(p.name))
        except OSError as error:
            self.fail(None, f"cannot list the shard directory ({error})")
        unlisted = [name for name in present if name not in listed]
        if unlisted:
            more = f" (and {len(unlisted) - 1} more)" if len(unlisted) > 1 else ""
            self.fail(None, f"{unlisted[0]}{more} is in the directory but not listed: a shard entry was "
                            "deleted, or the file is left from another run")
        for name in sorted(listed):
            if (root / name).is_symlink() and not _inside(root, root / name):
                raise BadFileError(str(root / name), f"a link to {(root / name).resolve()}, outside the shard "
                                                     f"directory {root}")
        tokenizer_file = manifest["tokenizer"].get("file")
        if tokenizer_file is not None and not _inside(root, root / tokenizer_file):
            self.fail("tokenizer", f"file {tokenizer_file!r} leaves the shard directory (a link to "
                                   f"{(root / tokenizer_file).resolve()})")
