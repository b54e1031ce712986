"""The Arrow token shard format: file names, schema, token type and checksums (ARCHITECTURE §3).

A shard is an Arrow IPC *stream* file (the format Hugging Face `datasets` reads with
`Dataset.from_file`) named `{split}-{index:05d}-of-{count:05d}.arrow`, holding one row per
document: `id` (string) and `tokens` (list of `uint16` while the vocabulary has at most 65,536
entries, `uint32` otherwise). The writer puts a whole shard in one record batch, so the token
values of a shard are one contiguous buffer of the file and a memory map of it is a flat,
zero-copy NumPy array. The schema's metadata names the tokenizer (hash, vocabulary size,
end-of-text id) and the split, so a shard found on its own still says what it holds.

A split written in parallel (`webtext.tokenize.beam`) has `shard_count` shards, enough for its
tokens at `tokens_per_shard`, and a document lands in shard `shard_of(id, count)`: a stable hash
of its id (BLAKE2b, as for the split itself in `webtext.core.splits`, with its own
personalization so the two choices are independent), so its shard never depends on the runner,
the number of workers or the order documents arrive in.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
from webtext.core.splits import id_point, index_of

FORMAT: Final = "webtext-shards/1"
MANIFEST_NAME: Final = "manifest.json"
DEFAULT_SHARD_BYTES: Final = 256 * 1024 * 1024  # 128 M uint16 tokens per shard
MAX_SHARD_TOKENS: Final = 2**31 - 1  # Arrow list offsets are int32

META_TOKENIZER_HASH: Final = b"webtext.tokenizer_hash"
META_VOCAB_SIZE: Final = b"webtext.vocab_size"
META_EOT_ID: Final = b"webtext.eot_id"
META_SPLIT: Final = b"webtext.split"

_SPLIT_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_ANY_SHARD_NAME = re.compile(r"^([A-Za-z0-9_]+)-(\d{5,})-of-(\d{5,})\.arrow$")
_HASH_CHUNK = 8 * 1024 * 1024


def check_split_name(split: str) -> str:
    """`split` if it is usable in a shard file name (letters, digits, `_`), else `ValueError`."""
    if not _SPLIT_NAME.match(split):
        raise ValueError(f"split name must be letters, digits or '_', not {split!r}")
    return split


def token_dtype(vocab_size: int) -> np.dtype:
    """The smallest unsigned integer type that holds every id of a `vocab_size` vocabulary."""
    if vocab_size < 1 or vocab_size > 2**32:
        raise ValueError(f"vocabulary size out of range: {vocab_size}")
    return np.dtype(np.uint16) if vocab_size <= 2**16 else np.dtype(np.uint32)


def tokens_per_shard(shard_bytes: int, dtype: np.dtype) -> int:
    """How many tokens of `dtype` a shard of `shard_bytes` holds (at least 1, at most what Arrow allows)."""
    return max(1, min(shard_bytes // dtype.itemsize, MAX_SHARD_TOKENS))


def shard_count(n_tokens: int, per_shard: int) -> int:
    """The number of shards of a split of `n_tokens` tokens at `per_shard` tokens each (at least 1)."""
    return max(1, -(-n_tokens // per_shard))


def shard_point(doc_id: str) -> float:
    """The document's point in [0, 1) that chooses its shard: a stable hash of its id."""
    return id_point(doc_id, b"webtext-shard")


def shard_of(doc_id: str, count: int) -> int:
    """The shard (0 to `count - 1`) of the document with id `doc_id` in a split of `count` shards."""
    return index_of(shard_point(doc_id), count)


def shard_name(split: str, index: int, count: int) -> str:
    """The file name of shard `index` (0-based) of the `count` shards of `split`."""
    return f"{split}-{index:05d}-of-{count:05d}.arrow"


def parse_shard_name(name: str) -> tuple[str, int, int] | None:
    """(split, index, count) of a shard file name, or None when `name` is not one."""
    match = _ANY_SHARD_NAME.match(name)
    return (match[1], int(match[2]), int(match[3])) if match else None


def shard_pattern(split: str) -> re.Pattern[str]:
    """Matches the file names of `split`'s shards, whatever their count."""
    return re.compile(rf"^{re.escape(split)}-\d{{5}}-of-\d{{5}}\.arrow$")


def shard_schema(dtype: np.dtype, tokenizer_hash: str, vocab_size: int, eot_id: int,
                 split: str) -> pa.Schema:
    """The schema of a shard of `split` written with the named tokenizer."""
    metadata = {
        META_TOKENIZER_HASH: tokenizer_hash.encode(),
        META_VOCAB_SIZE: str(vocab_size).encode(),
        META_EOT_ID: str(eot_id).encode(),
        META_SPLIT: split.encode(),
    }
    return pa.schema([pa.field("id", pa.string(), nullable=False),
                      pa.field("tokens", pa.list_(pa.from_numpy_dtype(dtype)), nullable=False)],
                     metadata=metadata)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def list_shards(directory: Path, split: str) -> list[Path]:
    """The shard files of `split` present in `directory`, sorted by name."""
    pattern = shard_pattern(split)
    return sorted(p for p in directory.iterdir() if pattern.match(p.name)) if directory.is_dir() else []
