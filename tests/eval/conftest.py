"""Fixtures of the eval tests: a real corpus of shards, and a tiny model really trained on it.

The text is the start of Python's documentation topics (`pydoc_data.topics`, shipped with every
Python): every fifth topic goes to the val split, the rest to train. The train split also holds
one passage repeated `REPEATS` times as separate documents, so a model trained on it memorizes
that passage and little else. The tokenizer is trained on the train split (as the tokenize stage
does), shards are written with `ShardWriter`, and the model is trained with the trainer itself
(`webtext.train.trainer.train`) on one thread, in about 20 seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from pydoc_data.topics import topics

import pytest
import torch
from webtext.tokenize.bpe import Tokenizer, train_tokenizer
from webtext.tokenize.shards import ShardWriter, write_manifest
from webtext.train.config import TrainConfig
from webtext.train.trainer import TrainResult, train

PASSAGE = ("The lighthouse keeper on Varrow Island wrote one line in his log every evening for forty years: "
           "wind from the north, seven ships passed, the lamp was trimmed at dusk, and the gulls were quiet "
           "over the black rocks until the morning tide came in. When he retired, the harbour board bound the "
           "logs in green leather and kept them in the reading room above the old customs house.")
REPEATS = 100
TOPICS = 50  # topics used, each cut to TOPIC_CHARS characters
TOPIC_CHARS = 1500


def topic_texts() -> list[str]:
    return [topics[name][:TOPIC_CHARS] for name in sorted(topics)[:TOPICS]]


def write_shards(directory: Path, splits: dict[str, list[str]], tokenizer: Tokenizer) -> Path:
    """Shards of `splits` (name -> texts) in `directory`, with the tokenizer and manifest."""
    tokenizer_file = tokenizer.save(directory)
    infos = []
    for split, texts in splits.items():
        with ShardWriter(directory, split, tokenizer.hash, tokenizer.vocab_size, eot_id=tokenizer.eot_id,
                         shard_bytes=16 * 1024) as writer:
            for index, tokens in enumerate(tokenizer.encode_batch(texts)):
                writer.write(f"{split}-{index}", tokens)
        infos.extend(writer.close())
    write_manifest(directory, infos, tokenizer_file=tokenizer_file)
    return directory


ShardMaker = Callable[[Path, dict[str, list[str]], Tokenizer], Path]


@pytest.fixture(scope="session")
def make_shards() -> ShardMaker:
    """`write_shards`, for tests that build their own corpus."""
    return write_shards


@dataclass(frozen=True)
class Corpus:
    shards: Path
    tokenizer: Tokenizer
    train_texts: list[str]
    val_texts: list[str]
    passage: str


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Train (topics + the repeated passage) and val (other topics) shards, several shards per split."""
    texts = topic_texts()
    train_texts = [t for i, t in enumerate(texts) if i % 5] + [PASSAGE] * REPEATS
    val_texts = [t for i, t in enumerate(texts) if not i % 5]
    tokenizer = train_tokenizer(train_texts, vocab_size=512)
    directory = write_shards(tmp_path_factory.mktemp("corpus"), {"train": train_texts, "val": val_texts}, tokenizer)
    return Corpus(directory, tokenizer, train_texts, val_texts, PASSAGE)


@dataclass(frozen=True)
class TrainedModel:
    run: Path
    result: TrainResult
    config: TrainConfig


@pytest.fixture(scope="session")
def trained(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """The `tiny` preset trained on `corpus`, with checkpoints at steps 150 and 300 in a run directory."""
    torch.set_num_threads(1)  # two test workers share two cores
    run = tmp_path_factory.mktemp("checkpoints") / "tiny"
    config = TrainConfig(data=corpus.shards, model="tiny", out=run, max_steps=300, micro_batch=8,
                         batch_tokens=8 * 64, lr=5e-3, warmup_steps=10, eval_every=0, eval_windows=24,
                         save_every=150, keep=3, device="cpu", dtype="float32", progress=False)
    result = train(config)
    return TrainedModel(run, result, config)
