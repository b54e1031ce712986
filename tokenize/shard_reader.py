"""Read a shard set: memory-map the shards of one split, check them, and serve their tokens.

`ShardSet.open(directory, split)` trusts nothing it has not checked against `manifest.json`:

- every listed shard exists and has the recorded byte size (a truncated file is refused before
  it is parsed), parses as an Arrow stream with the shard schema, and holds the recorded
  numbers of documents and tokens, each document ending with the end-of-text token;
- the tokenizer hash in the manifest and in every shard's schema equals the one the caller
  expects (`tokenizer_hash`), so a model never trains on ids of another vocabulary;
- with `verify=True` (the default) every file's SHA-256 equals the manifest's (a flipped byte is
  caught) and every id is inside the vocabulary. Hashing reads each file once (about 1 GB/s);
  `verify=False` skips it for a set already verified.

Any failure raises `BadFileError` naming the file. The memory layout, chosen so training reads
never copy more than the window it asks for:

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
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from webtext.core.errors import BadFileError, ConfigError
from webtext.tokenize.manifest import read_manifest
from webtext.tokenize.shard_format import MANIFEST_NAME, META_TOKENIZER_HASH, file_sha256
from webtext.tokenize.windows import TokenWindows


class _Shard:
    """One memory-mapped shard file: its token values, document offsets and ids."""

    def __init__(self, path: Path, entry: dict[str, Any], tokenizer: dict[str, Any], verify: bool) -> None:
        name = str(path)
        if not path.is_file():
            raise BadFileError(name, "missing: listed in the manifest but not on disk")
        size = path.stat().st_size
        if size != entry["n_bytes"]:
            raise BadFileError(name, f"truncated or altered: {size} bytes, the manifest records {entry['n_bytes']}")
        if verify and file_sha256(path) != entry["sha256"]:
            raise BadFileError(name, "checksum mismatch: the file differs from the one the manifest records")
        try:
            reader = pa.ipc.open_stream(pa.memory_map(name))
            batches = [batch for batch in reader if batch.num_rows]
        except (pa.ArrowException, OSError) as error:
            raise BadFileError(name, f"not a readable Arrow stream ({error})") from None
        schema = reader.schema
        dtype = np.dtype(tokenizer["dtype"])
        expected = pa.list_(pa.from_numpy_dtype(dtype))
        if schema.names != ["id", "tokens"] or schema.field("tokens").type.id != expected.id \
                or schema.field("tokens").type.value_type != expected.value_type:
            raise BadFileError(name, f"unexpected schema {schema.types}; expected id: string, tokens: {expected}")
        written_by = (schema.metadata or {}).get(META_TOKENIZER_HASH, b"").decode()
        if written_by != tokenizer["hash"]:
            raise BadFileError(name, f"written by tokenizer {written_by[:12] or '(none)'}, "
                                     f"but the manifest records {tokenizer['hash'][:12]}")
        self.values: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []
        self.ids: list[pa.Array] = []
        for batch in batches:
            column = batch.column(1)
            if column.null_count or batch.column(0).null_count:
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
        eot, vocab_size = tokenizer["eot_id"], tokenizer["vocab_size"]
        for number, (values, offsets) in enumerate(zip(self.values, self.offsets, strict=True)):
            ends = values[offsets[1:] - 1]
            if np.any(offsets[1:] == offsets[:-1]) or np.any(ends != eot):
                raise BadFileError(name, "a document does not end with the end-of-text token",
                                   where=f"record batch {number}")
            if verify and values.size and int(values.max()) >= vocab_size:
                raise BadFileError(name, f"token id outside the vocabulary of {vocab_size}",
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
        """Memory-map and check the shards of `split` in `directory` (see the module docstring)."""
        root = Path(directory)
        manifest = read_manifest(root)
        manifest_path = str(root / MANIFEST_NAME)
        splits = manifest.get("splits", {})
        if split not in splits:
            raise ConfigError(f"{manifest_path} has no split {split!r} (it has: {', '.join(sorted(splits)) or 'none'})")
        tokenizer = manifest.get("tokenizer", {})
        if not all(key in tokenizer for key in ("hash", "vocab_size", "eot_id", "dtype")):
            raise BadFileError(manifest_path, "the tokenizer entry lacks hash, vocab_size, eot_id or dtype")
        if tokenizer_hash is not None and tokenizer_hash != tokenizer["hash"]:
            raise BadFileError(manifest_path, f"shards written by tokenizer {tokenizer['hash'][:12]}, not by the "
                                              f"expected {tokenizer_hash[:12]}: use the tokenizer the manifest "
                                              "names, or tokenize again")
        shards = [_Shard(root / entry["file"], entry, tokenizer, verify) for entry in splits[split]["shards"]]
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

    def windows(self, starts: np.ndarray, length: int) -> np.ndarray:
        """Token windows `[s, s + length)` of the flat view, shape `(len(starts), length)`."""
        return self._windows.gather(starts, length)
