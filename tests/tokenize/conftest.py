"""Fixtures of the tokenize tests: a byte-level BPE trained on real English prose, and shards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from webtext.sampleweb.corpus import prose_pool
from webtext.tokenize.bpe import Tokenizer, train_tokenizer
from webtext.tokenize.shards import ShardInfo, ShardWriter, write_manifest


@pytest.fixture(scope="session")
def prose() -> list[str]:
    """Paragraphs of English prose from the Python documentation (about 370 kB)."""
    return list(prose_pool())


@pytest.fixture(scope="session")
def tokenizer(prose: list[str]) -> Tokenizer:
    """A 2,000-token byte-level BPE trained on `prose`."""
    return train_tokenizer(prose, vocab_size=2000)


@pytest.fixture(scope="session")
def tokenizer_dir(tokenizer: Tokenizer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`tokenizer` saved as tokenizer.json + vocab.json + merges.txt."""
    directory = tmp_path_factory.mktemp("tokenizer")
    tokenizer.save(directory)
    return directory


def _write_split(directory: Path, split: str, docs: list[np.ndarray], tokenizer_hash: str = "h" * 64,
                vocab_size: int = 1001, shard_bytes: int = 1 << 20) -> list[ShardInfo]:
    """Write `docs` as the shards of `split` (ids doc00000, doc00001, ...)."""
    with ShardWriter(directory, split, tokenizer_hash, vocab_size, shard_bytes) as writer:
        for index, tokens in enumerate(docs):
            writer.write(f"doc{index:05d}", tokens)
    return writer.close()


def _random_docs(seed: int, count: int, vocab_size: int = 1001, longest: int = 200) -> list[np.ndarray]:
    """`count` documents of random ids below `vocab_size - 1` (the end-of-text id is the last)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, vocab_size - 1, int(rng.integers(0, longest))) for _ in range(count)]


@pytest.fixture(scope="session")
def write_split() -> Callable[..., list[ShardInfo]]:
    """`write_split(directory, split, docs, tokenizer_hash=..., vocab_size=1001, shard_bytes=...)`."""
    return _write_split


@pytest.fixture(scope="session")
def random_docs() -> Callable[..., list[np.ndarray]]:
    """`random_docs(seed, count)`: random documents without their end-of-text token."""
    return _random_docs


@pytest.fixture
def shard_dir(tmp_path: Path) -> Path:
    """A shard directory: 300 random documents in several train shards, 30 in one val shard."""
    infos = _write_split(tmp_path, "train", _random_docs(0, 300), shard_bytes=4096)
    infos += _write_split(tmp_path, "val", _random_docs(1, 30))
    write_manifest(tmp_path, infos, split_rule={"val": "every tenth"}, options={"seed": 0},
                   drops={"clean:too_short": 3})
    return tmp_path
