"""Settings of the tokenize stage, as typed dataclasses that map to command-line flags.

Defaults follow GPT-2 (Radford et al. 2019): a 50,257-token byte-level BPE. The minimum pair
frequency of 2 is the `tokenizers` BpeTrainer convention (a pair seen once is noise).
"""

from __future__ import annotations

from dataclasses import dataclass

from webtext.core.config import setting
from webtext.tokenize.shard_format import DEFAULT_SHARD_BYTES


@dataclass
class TrainSettings:
    """How `webtext tokenizer train` trains the BPE."""

    vocab_size: int = setting(50257, "vocabulary size, including <|endoftext|>")
    min_frequency: int = setting(2, "minimum count of a pair for it to become a merge")


@dataclass
class ShardSettings:
    """How documents become shards (used by the pipeline around `TokenizeAndWrite`)."""

    shard_bytes: int = setting(DEFAULT_SHARD_BYTES, "bytes of tokens per shard before a new one starts")
    tokenize_batch: int = setting(256, "documents encoded per batch")
