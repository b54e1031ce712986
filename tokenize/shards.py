"""Write token shards: documents in, `{split}-{index:05d}-of-{count:05d}.arrow` files out.

`ShardWriter` takes tokenized documents one at a time and rolls a new shard when the current
one would pass `shard_bytes` of tokens. Each shard is one Arrow record batch (so its tokens are
one contiguous, memory-mappable buffer; see `shard_format`), written under a hidden temporary
name with `atomic_write`; the final names carry the shard count, which is known only at the end,
so `close()` renames every shard into place and removes older shards of the same split. A crash
or an exception inside `with ShardWriter(...)` leaves no shard file behind under a final name.

Every document ends with the end-of-text token: `write` appends it when the tokens given do not
already end with it (GPT-2 paper, §2.2: documents are joined with `<|endoftext|>`).

`write_shard` writes one shard whose index and count are known beforehand, under its final name,
into a local directory or a URL (`s3://...`, written whole or not at all by `webtext.core.filesys`):
the Beam transform (`webtext.tokenize.beam`) writes each shard of a split on whichever worker
holds its documents. `ShardWriter` writes a local directory. Both check and encode documents with
the same `ShardEncoder`.

This module is the shard API other stages import: `ShardWriter`, `write_shard`, `ShardInfo`,
`write_manifest` and the reader `ShardSet`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import numpy as np
import pyarrow as pa
from webtext.core import filesys
from webtext.tokenize.manifest import ShardInfo, read_manifest, write_manifest
from webtext.tokenize.shard_format import (
    DEFAULT_SHARD_BYTES,
    MAX_SHARD_TOKENS,
    check_split_name,
    list_shards,
    shard_name,
    shard_schema,
    token_dtype,
    tokens_per_shard,
)
from webtext.tokenize.shard_reader import ShardSet

__all__ = ["DEFAULT_SHARD_BYTES", "ShardEncoder", "ShardInfo", "ShardSet", "ShardWriter", "read_manifest",
           "write_manifest", "write_shard"]

Tokens = Sequence[int] | np.ndarray


class ShardEncoder:
    """What the shards of one split share: their tokenizer, token type and schema.

    `tokens` checks one document and ends it with the end-of-text token; `write` writes checked
    documents as one shard file; `describe` names a written shard once its index and count are known.
    """

    def __init__(self, split: str, tokenizer_hash: str, vocab_size: int, eot_id: int | None = None) -> None:
        self.split = check_split_name(split)
        self.tokenizer_hash = tokenizer_hash
        self.vocab_size = vocab_size
        self.eot_id = vocab_size - 1 if eot_id is None else eot_id
        if not 0 <= self.eot_id < vocab_size:
            raise ValueError(f"end-of-text id {self.eot_id} is outside the vocabulary of {vocab_size}")
        self.dtype = token_dtype(vocab_size)
        self.schema = shard_schema(self.dtype, tokenizer_hash, vocab_size, self.eot_id, split)

    def tokens(self, doc_id: str, tokens: Tokens) -> np.ndarray:
        """`tokens` as the shard's token type, ending with the end-of-text token; `ValueError` when
        they are not a flat sequence of ids inside the vocabulary."""
        array = np.asarray(tokens)
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise ValueError(f"tokens of {doc_id!r} must be a flat sequence of integers")
        if array.size and (int(array.min()) < 0 or int(array.max()) >= self.vocab_size):
            raise ValueError(f"tokens of {doc_id!r} fall outside the vocabulary of {self.vocab_size}")
        array = array.astype(self.dtype, copy=False)
        if not array.size or array[-1] != self.eot_id:
            array = np.append(array, self.dtype.type(self.eot_id))
        if array.size > MAX_SHARD_TOKENS:
            raise ValueError(f"document {doc_id!r} has {array.size} tokens, more than a shard holds")
        return array

    def write(self, path: str | os.PathLike[str], ids: list[str], tokens: list[np.ndarray]) -> _Written:
        """Write documents `ids` with their checked `tokens`, in that order, as one record batch to
        `path` (a path or URL, whole or not at all); what was written, for `describe`."""
        lengths = np.fromiter((t.size for t in tokens), dtype=np.int64, count=len(tokens))
        n_tokens = int(lengths.sum())
        if n_tokens > MAX_SHARD_TOKENS:
            raise ValueError(f"{path}: a shard of {n_tokens} tokens is more than the {MAX_SHARD_TOKENS} "
                             "an Arrow shard holds; use more shards")
        offsets = np.zeros(lengths.size + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        values = np.concatenate(tokens) if tokens else np.zeros(0, dtype=self.dtype)
        batch = pa.record_batch(
            [pa.array(ids, pa.string()), pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))],
            schema=self.schema)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self.schema) as stream:
            stream.write_batch(batch)
        data = sink.getvalue()
        filesys.write_bytes(path, memoryview(data))
        return _Written(len(ids), n_tokens, data.size, hashlib.sha256(memoryview(data)).hexdigest())

    def describe(self, index: int, count: int, written: _Written) -> ShardInfo:
        """The `ShardInfo` of `written` as shard `index` of `count`."""
        return ShardInfo(split=self.split, index=index, count=count, file=shard_name(self.split, index, count),
                         n_docs=written.n_docs, n_tokens=written.n_tokens, n_bytes=written.n_bytes,
                         sha256=written.sha256, dtype=self.dtype.name, tokenizer_hash=self.tokenizer_hash,
                         vocab_size=self.vocab_size, eot_id=self.eot_id)


class _Written(NamedTuple):
    n_docs: int
    n_tokens: int
    n_bytes: int
    sha256: str


def write_shard(directory: str | os.PathLike[str], encoder: ShardEncoder, index: int, count: int,
                documents: Iterable[tuple[str, Tokens]]) -> ShardInfo:
    """Write `documents` ((id, tokens) pairs, in the order given) as shard `index` of the `count`
    shards of `encoder.split`, whole under its final name in `directory` (a path or URL), and return
    its description. No document gives a shard of none, so a split's file names always run from 0 to
    `count - 1`."""
    if not 0 <= index < count:
        raise ValueError(f"shard index {index} is outside 0 to {count - 1}")
    ids: list[str] = []
    arrays: list[np.ndarray] = []
    for doc_id, tokens in documents:
        ids.append(doc_id)
        arrays.append(encoder.tokens(doc_id, tokens))
    path = filesys.join(directory, shard_name(encoder.split, index, count))
    return encoder.describe(index, count, encoder.write(path, ids, arrays))


class ShardWriter:
    """Writes the shards of one split of a shard directory (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike[str], split: str, tokenizer_hash: str,
                 vocab_size: int, shard_bytes: int = DEFAULT_SHARD_BYTES, *,
                 eot_id: int | None = None) -> None:
        self.directory = Path(directory)
        self._encoder = ShardEncoder(split, tokenizer_hash, vocab_size, eot_id)
        self.split = split
        self.tokenizer_hash = tokenizer_hash
        self.vocab_size = vocab_size
        self.eot_id = self._encoder.eot_id
        self.dtype = self._encoder.dtype
        self.shard_tokens = tokens_per_shard(shard_bytes, self.dtype)
        self._ids: list[str] = []
        self._tokens: list[np.ndarray] = []
        self._buffered = 0
        self._written: list[tuple[Path, _Written]] = []  # under temporary names until close()
        self._closed: list[ShardInfo] | None = None
        self.directory.mkdir(parents=True, exist_ok=True)

    def write(self, doc_id: str, tokens: Tokens) -> None:
        """Add one document; the end-of-text token is appended unless `tokens` ends with it."""
        if self._closed is not None:
            raise ValueError("write() after close()")
        array = self._encoder.tokens(doc_id, tokens)
        if self._ids and self._buffered + array.size > self.shard_tokens:
            self._flush()
        self._ids.append(doc_id)
        self._tokens.append(array)
        self._buffered += array.size

    def _flush(self) -> None:
        """Write the buffered documents as the next shard, under a temporary name."""
        temp = self.directory / f".{self.split}-{len(self._written):05d}.arrow.pending"
        self._written.append((temp, self._encoder.write(temp, self._ids, self._tokens)))
        self._ids, self._tokens, self._buffered = [], [], 0

    def close(self) -> list[ShardInfo]:
        """Finish the last shard, rename all into place and return their descriptions."""
        if self._closed is not None:
            return self._closed
        if self._ids:
            self._flush()
        count = len(self._written)
        infos = []
        for index, (temp, written) in enumerate(self._written):
            info = self._encoder.describe(index, count, written)
            os.replace(temp, self.directory / info.file)
            infos.append(info)
        current = {info.file for info in infos}
        for stale in list_shards(self.directory, self.split):
            if stale.name not in current:
                stale.unlink()
        self._closed = infos
        return infos

    def abort(self) -> None:
        """Discard everything written so far (no shard appears under a final name)."""
        for temp, _ in self._written:
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
