"""A tiny model trained on real text for a few hundred steps brings its validation loss well
below the unigram entropy of the data, and the trainer's validation loss is `evaluate_loss` on
the fixed validation windows of the saved model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from webtext.tokenize.shards import ShardSet
from webtext.train.checkpoint import load_model
from webtext.train.config import TrainConfig
from webtext.train.data import evaluate_loss, validation_windows
from webtext.train.trainer import train

pytestmark = pytest.mark.slow


def unigram_entropy(tokens: np.ndarray, vocab_size: int) -> float:
    """Entropy in nats of the token frequencies: the loss of the best context-free model."""
    counts = np.bincount(tokens, minlength=vocab_size).astype(np.float64)
    probs = counts[counts > 0] / counts.sum()
    return float(-(probs * np.log(probs)).sum())


def test_validation_loss_falls_well_below_unigram_entropy(text_shards: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    config = TrainConfig(data=text_shards, model="tiny", out=tmp_path, max_steps=300, batch_tokens=2048,
                         micro_batch=32, lr=3e-3, warmup_steps=20, eval_every=100, eval_windows=100,
                         save_every=0, progress=False)
    result = train(config)
    train_split = ShardSet.open(text_shards, "train")
    entropy = unigram_entropy(train_split.tokens, train_split.vocab_size)
    assert result.val_loss is not None
    assert result.val_loss < 0.8 * entropy, (result.val_loss, entropy)

    model, state = load_model(tmp_path)
    assert state["step"] == 300 and state["tokenizer_hash"] == train_split.tokenizer_hash
    windows = validation_windows(ShardSet.open(text_shards, "val"), model.config.block_size, 100)
    assert evaluate_loss(model, windows, batch_size=7) == pytest.approx(result.val_loss, rel=1e-5)
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG")
