"""Fixtures of the eval tests: a real corpus of shards, and a tiny model really trained on it.

The text is Python's documentation topics (`pydoc_data.topics`, shipped with every Python): every
fifth topic goes to the val split, the rest to train. The train split also holds one passage
repeated `REPEATS` times as separate documents, so a model trained on it memorizes that passage
and nothing else. Shards are written with the tokenize stage's tokenizer and `ShardWriter`; the
model is trained with the trainer itself (`webtext.train.trainer.train`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pydoc_data.topics import topics
from webtext.tokenize.bpe import Tokenizer, train_tokenizer
from webtext.tokenize.shards import ShardWriter, write_manifest
from webtext.train.config import TrainConfig
from webtext.train.trainer import TrainResult, train

PASSAGE = ("The lighthouse keeper on Varrow Island wrote one line in his log every evening for forty years: "
           "wind from the north, seven ships passed, the lamp was trimmed at dusk, and the gulls were quiet "
           "over the black rocks until the morning tide came in.")
REPEATS = 150
PREFIX, CONTINUATION = 16, 16


def topic_texts() -> list[str]:
    return [topics[name] for name in sorted(topics)]


def write_shards(directory: Path, splits: dict[str, list[str]], tokenizer: Tokenizer) -> Path:
    """Shards of `splits` (name -> texts) in `directory`, with the tokenizer and manifest."""
    tokenizer_file = tokenizer.save(directory)
    infos = []
    for split, texts in splits.items():
        with ShardWriter(directory, split, tokenizer.hash, tokenizer.vocab_size, eot_id=tokenizer.eot_id,
                         shard_bytes=64 * 1024) as writer:
            for index, tokens in enumerate(tokenizer.encode_batch(texts)):
                writer.write(f"{split}-{index}", tokens)
        infos.extend(writer.close())
    write_manifest(directory, infos, tokenizer_file=tokenizer_file)
    return directory


@dataclass(frozen=True)
class Corpus:
    shards: Path
    tokenizer: Tokenizer
    train_texts: list[str]
    val_texts: list[str]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Train (topics + the repeated passage) and val (other topics) shards, several shards per split."""
    texts = topic_texts()
    train_texts = [t for i, t in enumerate(texts) if i % 5] + [PASSAGE] * REPEATS
    val_texts = [t for i, t in enumerate(texts) if not i % 5]
    tokenizer = train_tokenizer(texts + [PASSAGE], vocab_size=512)
    directory = write_shards(tmp_path_factory.mktemp("corpus"), {"train": train_texts, "val": val_texts}, tokenizer)
    return Corpus(directory, tokenizer, train_texts, val_texts)


@dataclass(frozen=True)
class TrainedModel:
    run: Path
    result: TrainResult
    config: TrainConfig


@pytest.fixture(scope="session")
def trained(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """The `tiny` preset trained for a few seconds on `corpus`, checkpointed in a run directory."""
    run = tmp_path_factory.mktemp("checkpoints") / "tiny"
    config = TrainConfig(data=corpus.shards, model="tiny", out=run, max_steps=250, micro_batch=16,
                         batch_tokens=16 * 64, lr=3e-3, warmup_steps=20, eval_every=0, eval_windows=24,
                         save_every=125, keep=3, device="cpu", dtype="float32", progress=False)
    result = train(config)
    return TrainedModel(run, result, config)
