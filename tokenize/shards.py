"""Write token shards: documents in, `{split}-{index:05d}-of-{count:05d}.arrow` files out.

`ShardWriter` takes tokenized documents one at a time and rolls a new shard when the current
one would pass `shard_bytes` of tokens. Each shard is one Arrow record batch (so its tokens are
one contiguous, memory-mappable buffer; see `shard_format`), written under a hidden temporary
name with `atomic_write`; the final names carry the shard count, which is known only at the end,
so `close()` renames every shard into place and removes older shards of the same split. A crash
or an exception inside `with ShardWriter(...)` leaves no shard file behind under a final name.

Every document ends with the end-of-text token: `write` appends it when the tokens given do not
already end with it (GPT-2 paper, §2.2: documents are joined with `<|endoftext|>`).

This module is the shard API other stages import: `ShardWriter`, `ShardInfo`, `write_manifest`
and the reader `ShardSet`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
from webtext.core.atomic import atomic_write
from webtext.tokenize.manifest import ShardInfo, read_manifest, write_manifest
from webtext.tokenize.shard_format import (
    DEFAULT_SHARD_BYTES,
    check_split_name,
    list_shards,
    shard_name,
    shard_schema,
    token_dtype,
)
from webtext.tokenize.shard_reader import ShardSet

__all__ = ["DEFAULT_SHARD_BYTES", "ShardInfo", "ShardSet", "ShardWriter", "read_manifest", "write_manifest"]

_MAX_SHARD_TOKENS = 2**31 - 1  # Arrow list offsets are int32


class ShardWriter:
    """Writes the shards of one split of a shard directory (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike[str], split: str, tokenizer_hash: str,
                 vocab_size: int, shard_bytes: int = DEFAULT_SHARD_BYTES, *,
                 eot_id: int | None = None) -> None:
        self.directory = Path(directory)
        self.split = check_split_name(split)
        self.tokenizer_hash = tokenizer_hash
        self.vocab_size = vocab_size
        self.eot_id = vocab_size - 1 if eot_id is None else eot_id
        if not 0 <= self.eot_id < vocab_size:
            raise ValueError(f"end-of-text id {self.eot_id} is outside the vocabulary of {vocab_size}")
        self.dtype = token_dtype(vocab_size)
        self.shard_tokens = max(1, min(shard_bytes // self.dtype.itemsize, _MAX_SHARD_TOKENS))
        self._schema = shard_schema(self.dtype, tokenizer_hash, vocab_size, self.eot_id, split)
        self._ids: list[str] = []
        self._tokens: list[np.ndarray] = []
        self._buffered = 0
        self._written: list[tuple[Path, int, int, int, str]] = []  # (temp, docs, tokens, bytes, sha)
        self._closed: list[ShardInfo] | None = None
        self.directory.mkdir(parents=True, exist_ok=True)

    def write(self, doc_id: str, tokens: Sequence[int] | np.ndarray) -> None:
        """Add one document; the end-of-text token is appended unless `tokens` ends with it."""
        if self._closed is not None:
            raise ValueError("write() after close()")
        array = np.asarray(tokens)
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise ValueError(f"tokens of {doc_id!r} must be a flat sequence of integers")
        if array.size and (int(array.min()) < 0 or int(array.max()) >= self.vocab_size):
            raise ValueError(f"tokens of {doc_id!r} fall outside the vocabulary of {self.vocab_size}")
        array = array.astype(self.dtype, copy=False)
        if not array.size or array[-1] != self.eot_id:
            array = np.append(array, self.dtype.type(self.eot_id))
        if array.size > _MAX_SHARD_TOKENS:
            raise ValueError(f"document {doc_id!r} has {array.size} tokens, more than a shard holds")
        if self._ids and self._buffered + array.size > self.shard_tokens:
            self._flush()
        self._ids.append(doc_id)
        self._tokens.append(array)
        self._buffered += array.size

    def _flush(self) -> None:
        """Write the buffered documents as the next shard, under a temporary name."""
        lengths = np.fromiter((t.size for t in self._tokens), dtype=np.int32, count=len(self._tokens))
        offsets = np.zeros(lengths.size + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        values = np.concatenate(self._tokens)
        batch = pa.record_batch(
            [pa.array(self._ids, pa.string()), pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))],
            schema=self._schema)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self._schema) as stream:
            stream.write_batch(batch)
        data = sink.getvalue()
        temp = self.directory / f".{self.split}-{len(self._written):05d}.arrow.pending"
        with atomic_write(temp) as handle:
            handle.write(data)
        digest = hashlib.sha256(memoryview(data)).hexdigest()
        self._written.append((temp, len(self._ids), int(values.size), data.size, digest))
        self._ids, self._tokens, self._buffered = [], [], 0

    def close(self) -> list[ShardInfo]:
        """Finish the last shard, rename all into place and return their descriptions."""
        if self._closed is not None:
            return self._closed
        if self._ids:
            self._flush()
        count = len(self._written)
        infos = []
        for index, (temp, n_docs, n_tokens, n_bytes, digest) in enumerate(self._written):
            name = shard_name(self.split, index, count)
            os.replace(temp, self.directory / name)
            infos.append(ShardInfo(split=self.split, index=index, count=count, file=name, n_docs=n_docs,
                                   n_tokens=n_tokens, n_bytes=n_bytes, sha256=digest,
                                   dtype=self.dtype.name, tokenizer_hash=self.tokenizer_hash,
                                   vocab_size=self.vocab_size, eot_id=self.eot_id))
        current = {info.file for info in infos}
        for stale in list_shards(self.directory, self.split):
            if stale.name not in current:
                stale.unlink()
        self._closed = infos
        return infos

    def abort(self) -> None:
        """Discard everything written so far (no shard appears under a final name)."""
        for temp, *_ in self._written:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        self._written, self._ids, self._tokens, self._buffered = [], [], [], 0
        self._closed = []

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _traceback: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
