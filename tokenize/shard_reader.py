"""Read a shard set: memory-map the shards of one split, check them, and serve their tokens.

`ShardSet.open(directory, split)` trusts nothing it has not checked against `manifest.json`:

- the manifest itself passes `read_manifest`'s checks: typed keys, each split listing exactly
  its shards 0..count-1 of `-of-{count}` and totalling them, every shard file of the directory
  listed, no path leaving the directory;
- every listed shard is a regular file with the recorded byte size (a truncated file is refused
  before it is parsed), parses and validates as an Arrow stream with the shard schema, and holds
  the recorded numbers of documents and tokens, each document ending with the end-of-text token;
- the tokenizer hash, vocabulary size and end-of-text id in the manifest and in every shard's
  schema agree (and the shard's split is the one it is listed under), and the hash equals the
  one the caller expects (`tokenizer_hash`), so a model never trains on ids of another vocabulary;
- with `verify=True` (the default) every file's SHA-256 equals the manifest's (a flipped byte is
  caught) and every id is inside the vocabulary. Hashing reads each file once (about 1 GB/s);
  `verify=False` skips it for a set already verified.

Any failure raises `BadFileError` naming the file.

A corpus at a URL (`s3://bucket/corpus`, `gs://...`) is downloaded first (`local_corpus`): its
manifest, its tokenizer file and the shards of the split opened, into a local cache folder,
`$WEBTEXT_CACHE_DIR/corpora/<scheme>/<bucket>/<path>` (default cache: `$XDG_CACHE_HOME/webtext`,
else `~/.cache/webtext`), where they are memory-mapped and checked as any local set. Each opening
fetches the manifest again; a shard the previous manifest listed with the same SHA-256, and whose
copy has its recorded size, is not downloaded again. The checks run on the copy, so a shard
damaged in the store or on the way is refused as a local one is.

The memory layout, chosen so training reads never copy more than the window it asks for:

- each shard is one memory map; `.shard_tokens[i]` is a zero-copy NumPy view of shard i's
  tokens (one Arrow buffer). Separate files cannot be one NumPy array without copying, so the
  set keeps a concatenation index (`chunk_bounds`) over the per-shard views;
- `.tokens` is that flat view: zero-copy when the split is one shard (the common case up to
  `DEFAULT_SHARD_BYTES` of tokens), otherwise a concatenated copy made once, on first use;
- `.windows(starts, length)` gathers windows from the per-shard views directly (kept per length), crossing shard
  boundaries where needed, so it never builds `.tokens` (see `windows`);
- `.doc_offsets[i]:.doc_offsets[i+1]` are document i's tokens in the flat view, and
  `.document(i)` returns them as a zero-copy slice of its shard.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from webtext.core import filesys
from webtext.core.errors import BadFileError, ConfigError
from webtext.tokenize.manifest import parse_manifest, read_manifest
from webtext.tokenize.shard_format import (
    MANIFEST_NAME,
    META_EOT_ID,
    META_SPLIT,
    META_TOKENIZER_HASH,
    META_VOCAB_SIZE,
    file_sha256,
    parse_shard_name,
)
from webtext.tokenize.windows import TokenWindows

log = logging.getLogger(__name__)
CACHE_ENV = "WEBTEXT_CACHE_DIR"


def cache_folder(url: str) -> Path:
    """The local folder that holds the downloaded copy of the corpus at `url` (see the module docstring)."""
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "webtext")
    scheme, _, rest = url.partition("://")
    return Path(base, "corpora", scheme, *(part for part in rest.split("/") if part not in ("", ".", "..")))


def _previous(path: Path) -> tuple[dict[str, str], Any]:
    """(shard file -> SHA-256, tokenizer entry) of the cached copy's manifest, as the last download left
    it (nothing when there is none)."""
    try:
        old = json.loads(path.read_bytes())
        return ({shard["file"]: shard["sha256"] for entry in old["splits"].values() for shard in entry["shards"]},
                old["tokenizer"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}, None


def _cached(local: Path, shard: dict[str, Any], previous: dict[str, str]) -> bool:
    """Whether the copy of `shard` is the one the manifest lists: same SHA-256 as it had, same size."""
    copy = local / shard["file"]
    return previous.get(shard["file"]) == shard["sha256"] and copy.is_file() and copy.stat().st_size == shard["n_bytes"]


def local_corpus(directory: str | os.PathLike[str], splits: Iterable[str] | None = None) -> Path:
    """`directory` itself when it is local; for a URL, its cached copy with the manifest, the
    tokenizer file and the shards of `splits` (all by default) downloaded (see the module docstring)."""
    if not filesys.is_remote(directory):
        return Path(directory)
    url = os.fspath(directory).rstrip("/")
    source = filesys.join(url, MANIFEST_NAME)
    try:
        data = filesys.read_bytes(source)
    except FileNotFoundError:
        raise BadFileError(source, "missing: not a shard directory, or its writing did not finish") from None
    manifest = parse_manifest(data, source)
    local = cache_folder(url)
    local.mkdir(parents=True, exist_ok=True)
    previous, old_tokenizer = _previous(local / MANIFEST_NAME)
    listed = {shard["file"] for entry in manifest["splits"].values() for shard in entry["shards"]}
    chosen = manifest["splits"] if splits is None else {s: manifest["splits"][s] for s in splits
                                                        if s in manifest["splits"]}
    wanted = [shard["file"] for entry in chosen.values() for shard in entry["shards"]
              if not _cached(local, shard, previous)]
    tokenizer = manifest["tokenizer"].get("file")
    if tokenizer and (old_tokenizer != manifest["tokenizer"] or not (local / tokenizer).is_file()):
        wanted.append(tokenizer)
    for stale in local.iterdir():  # shards of another version of the corpus, which its manifest refuses
        if parse_shard_name(stale.name) and stale.name not in listed:
            stale.unlink(missing_ok=True)
    if wanted:
        log.info("downloading %d files of %s into %s", len(wanted), url, local)
        filesys.download(url, wanted, local)
    filesys.write_bytes(local / MANIFEST_NAME, data)  # last: it vouches for the files above
    return local


def _metadata_number(metadata: dict[bytes, bytes], key: bytes) -> int | None:
    try:
        return int(metadata[key].decode("ascii"))
    except (KeyError, UnicodeDecodeError, ValueError):
        return None


class _Shard:
    """One memory-mapped shard file: its token values, document offsets and ids."""

    def __init__(self, path: Path, split: str, entry: dict[str, Any], tokenizer: dict[str, Any],
                 verify: bool) -> None:
        self.path = path
        name = str(path)
        if not path.exists():
            raise BadFileError(name, "missing: listed in the manifest but not on disk")
        if not path.is_file():
            raise BadFileError(name, "not a regular file")
        size = path.stat().st_size
        if size != entry["n_bytes"]:
            raise BadFileError(name, f"truncated or altered: {size} bytes, the manifest records {entry['n_bytes']}")
        if verify and file_sha256(path) != entry["sha256"]:
            raise BadFileError(name, "checksum mismatch: the file differs from the one the manifest records")
        try:
            reader = pa.ipc.open_stream(pa.memory_map(name))
            batches = [batch for batch in reader if batch.num_rows]
            for batch in batches:
                batch.validate(full=True)
        except (pa.ArrowException, OSError) as error:
            raise BadFileError(name, f"not a readable Arrow stream ({error})") from None
        self._check_schema(reader.schema, split, tokenizer)
        self.values: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []
        self.ids: list[pa.Array] = []
        for batch in batches:
            column = batch.column(1)
            if column.null_count or batch.column(0).null_count or column.values.null_count:
                raise BadFileError(name, "null id or tokens")
            offsets = column.offsets.to_numpy()
            values = column.values.to_numpy(zero_copy_only=True)[offsets[0]:offsets[-1]]
            self.values.append(values)
            self.offsets.append(offsets.astype(np.int64) - offsets[0])
            self.ids.append(batch.column(0))
        n_docs = sum(o.size - 1 for o in self.offsets)
        n_tokens = sum(v.size for v in self.values)
        if (n_docs, n_tokens) != (entry["n_docs"], entry["n_tokens"]):
            raise BadFileError(name, f"holds {n_docs} documents and {n_tokens} tokens, the manifest "
                                     f"records {entry['n_docs']} and {entry['n_tokens']}")
        eot = tokenizer["eot_id"]
        for number, (values, offsets) in enumerate(zip(self.values, self.offsets, strict=True)):
            if np.any(offsets[1:] == offsets[:-1]) or np.any(values[offsets[1:] - 1] != eot):
                raise BadFileError(name, "a document does not end with the end-of-text token",
                                   where=f"record batch {number}")
        if verify:
            self.check_token_ids(tokenizer["vocab_size"])

    def _check_schema(self, schema: pa.Schema, split: str, tokenizer: dict[str, Any]) -> None:
        """The shard's schema is the writer's, for this split and the manifest's tokenizer."""
        name = str(self.path)
        expected = pa.list_(pa.from_numpy_dtype(np.dtype(tokenizer["dtype"])))
        try:
            names = schema.names
        except UnicodeDecodeError:
            names = None  # a field name that is not UTF-8
        tokens = schema.field("tokens").type if names == ["id", "tokens"] else None
        if tokens is None or schema.field("id").type != pa.string() or tokens.id != expected.id \
                or tokens.value_type != expected.value_type:
            raise BadFileError(name, f"unexpected schema {schema.types}; expected id: string, tokens: {expected}")
        metadata = schema.metadata or {}
        written_by = metadata.get(META_TOKENIZER_HASH, b"").decode(errors="replace")
        if written_by != tokenizer["hash"]:
            raise BadFileError(name, f"written by tokenizer {written_by[:12] or '(none)'}, "
                                     f"but the manifest records {tokenizer['hash'][:12]}")
        for key, what in ((META_VOCAB_SIZE, "vocab_size"), (META_EOT_ID, "eot_id")):
            written = _metadata_number(metadata, key)
            if written != tokenizer[what]:
                label = "a vocabulary of" if what == "vocab_size" else "end-of-text id"
                raise BadFileError(name, f"written for {label} {'(none)' if written is None else written}, "
                                         f"but the manifest records {tokenizer[what]}")
        written_split = metadata.get(META_SPLIT, b"").decode(errors="replace")
        if written_split != split:
            raise BadFileError(name, f"written for split {written_split!r}, but listed under {split!r}")

    def check_token_ids(self, vocab_size: int) -> None:
        """`BadFileError` naming the file when an id is outside the vocabulary (reads every token)."""
        for number, values in enumerate(self.values):
            largest = int(values.max()) if values.size else 0
            if largest >= vocab_size:
                raise BadFileError(str(self.path), f"token id {largest} outside the vocabulary of {vocab_size}",
                                   where=f"record batch {number}")


class ShardSet:
    """The memory-mapped, verified shards of one split (see the module docstring)."""

    def __init__(self, directory: Path, split: str, manifest: dict[str, Any], shards: list[_Shard]) -> None:
        self.directory = directory
        self.split = split
        self.manifest = manifest
        tokenizer = manifest["tokenizer"]
        self.tokenizer_hash: str = tokenizer["hash"]
        self.vocab_size: int = tokenizer["vocab_size"]
        self.eot_id: int = tokenizer["eot_id"]
        self.dtype = np.dtype(tokenizer["dtype"])
        self._shards = shards
        self.shard_tokens: list[np.ndarray] = [v for s in shards for v in s.values]
        self._windows = TokenWindows(self.shard_tokens)
        self.chunk_bounds = self._windows.bounds
        pieces = [np.zeros(1, dtype=np.int64)]
        for base, chunk_offsets in zip(self.chunk_bounds[:-1],
                                       (o for s in shards for o in s.offsets), strict=True):
            pieces.append(chunk_offsets[1:] + base)
        self.doc_offsets: np.ndarray = np.concatenate(pieces)
        self.n_tokens = int(self.chunk_bounds[-1])
        self.n_docs = int(self.doc_offsets.size - 1)

    @classmethod
    def open(cls, directory: str | os.PathLike[str], split: str, verify: bool = True,
             tokenizer_hash: str | None = None) -> ShardSet:
        """Memory-map and check the shards of `split` in `directory`, a path or a URL (see the module docstring)."""
        root = local_corpus(directory, [split])
        manifest = read_manifest(root)
        manifest_path = str(root / MANIFEST_NAME)
        splits = manifest["splits"]
        if split not in splits:
            raise ConfigError(f"{manifest_path} has no split {split!r} (it has: {', '.join(sorted(splits)) or 'none'})")
        tokenizer = manifest["tokenizer"]
        if tokenizer_hash is not None and tokenizer_hash != tokenizer["hash"]:
            raise BadFileError(manifest_path, f"shards written by tokenizer {tokenizer['hash'][:12]}, not by the "
                                              f"expected {tokenizer_hash[:12]}: use the tokenizer the manifest "
                                              "names, or tokenize again")
        shards = [_Shard(root / entry["file"], split, entry, tokenizer, verify) for entry in splits[split]["shards"]]
        return cls(root, split, manifest, shards)

    @functools.cached_property
    def tokens(self) -> np.ndarray:
        """All tokens of the split, flat: zero-copy for one shard, a copy made once otherwise."""
        if len(self.shard_tokens) == 1:
            return self.shard_tokens[0]
        if not self.shard_tokens:
            return np.zeros(0, dtype=self.dtype)
        return np.concatenate(self.shard_tokens)

    @functools.cached_property
    def doc_ids(self) -> list[str]:
        """The document ids, in shard order (the order of `doc_offsets`)."""
        return [doc_id for shard in self._shards for ids in shard.ids for doc_id in ids.to_pylist()]

    def document(self, index: int) -> np.ndarray:
        """The tokens of document `index` (ending with the end-of-text token), zero-copy."""
        if not 0 <= index < self.n_docs:
            raise IndexError(f"document {index} out of range for {self.n_docs} documents")
        start, end = int(self.doc_offsets[index]), int(self.doc_offsets[index + 1])
        chunk = int(np.searchsorted(self.chunk_bounds, start, side="right")) - 1
        base = int(self.chunk_bounds[chunk])
        return self.shard_tokens[chunk][start - base:end - base]

    def check_token_ids(self) -> None:
        """`BadFileError` naming the shard when an id is outside the vocabulary (reads every token).

        `open(verify=True)` has done this already; a summary of a set opened without it calls it.
        """
        for shard in self._shards:
            shard.check_token_ids(self.vocab_size)

    def windows(self, starts: np.ndarray, length: int) -> np.ndarray:
        """Token windows `[s, s + length)` of the flat view, shape `(len(starts), length)`."""
        return self._windows.gather(starts, length)
