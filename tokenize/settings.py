"""Settings of the tokenize stage, as typed dataclasses that map to command-line flags.

Defaults follow GPT-2 (Radford et al. 2019): a 50,257-token byte-level BPE. The minimum pair
frequency of 2 is the `tokenizers` BpeTrainer convention (a pair seen once is noise). Shards of
256 MiB of tokens (`DEFAULT_SHARD_BYTES`) keep a split in a few memory-mappable files; a split's
shard count follows from its size unless `shards_per_split` fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from webtext.core.config import byte_size, setting
from webtext.tokenize.shard_format import DEFAULT_SHARD_BYTES


@dataclass
class TrainSettings:
    """How a byte-level BPE is trained (`webtext tokenizer train`, and the main job's `--tokenizer train`)."""

    vocab_size: int = setting(50257, "vocabulary size, including <|endoftext|>")
    min_frequency: int = setting(2, "minimum count of a pair for it to become a merge")


@dataclass
class ShardSettings:
    """How the main job writes documents into shards (`TokenizeAndWrite`)."""

    shard_bytes: int = setting(DEFAULT_SHARD_BYTES, "bytes of tokens per shard, about (a split gets as "
                                                    "many shards as its tokens fill); units allowed, e.g. "
                                                    "64MiB or 1GB", converter=byte_size)
    shards_per_split: int | None = setting(None, "shards of every split (default: as many as the split's "
                                                 "tokens fill at --shard-bytes each)")
    tokenize_batch: int = setting(256, "documents encoded per batch")
