"""Training windows: a seeded order over the whole shard set, the same for any process count;
a fixed validation set; `evaluate_loss` is the mean token cross-entropy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from webtext.core.errors import ConfigError
from webtext.tokenize.shards import ShardSet
from webtext.train.data import (
    WindowOrder,
    evaluate_loss,
    rank_micro_batches,
    to_inputs_targets,
    validation_windows,
)
from webtext.train.model import GPT, GPTConfig


def test_an_epoch_visits_every_window_once_in_a_seeded_order() -> None:
    order = WindowOrder(n_tokens=1001, block_size=10, seed=5)
    assert order.n_windows == 100
    first = order.starts(0, 100)
    assert sorted(first.tolist()) == list(range(0, 1000, 10))
    assert np.array_equal(first, WindowOrder(1001, 10, seed=5).starts(0, 100))
    assert not np.array_equal(first, WindowOrder(1001, 10, seed=6).starts(0, 100))
    second = order.starts(100, 100)
    assert sorted(second.tolist()) == sorted(first.tolist()) and not np.array_equal(first, second)
    assert np.array_equal(order.starts(95, 10), np.concatenate([first[95:], second[:5]]))


@pytest.mark.parametrize("world_size", [1, 2, 4])
def test_global_batch_is_the_same_windows_for_any_process_count(world_size: int) -> None:
    global_windows, micro = 16, 2
    accumulation = global_windows // (micro * world_size)
    taken = sorted(first + i for rank in range(world_size)
                   for first, count in rank_micro_batches(48, micro, accumulation, rank, world_size)
                   for i in range(count))
    assert taken == list(range(48, 64))


def test_windows_are_inputs_and_next_token_targets(text_shards: Path) -> None:
    shards = ShardSet.open(text_shards, "train")
    order = WindowOrder(shards.n_tokens, 32, seed=0)
    starts = order.starts(0, 4)
    x, y = to_inputs_targets(shards.windows(starts, 33), torch.device("cpu"))
    assert x.shape == y.shape == (4, 32) and x.dtype == torch.int64
    flat = shards.tokens.astype(np.int64)
    for row, start in enumerate(starts):
        assert x[row].tolist() == flat[start:start + 32].tolist()
        assert y[row].tolist() == flat[start + 1:start + 33].tolist()


def test_validation_windows_are_fixed_and_spread_over_the_split(text_shards: Path) -> None:
    val = ShardSet.open(text_shards, "val")
    windows = validation_windows(val, 64, 10)
    assert windows.shape == (10, 65)
    assert np.array_equal(windows, validation_windows(ShardSet.open(text_shards, "val"), 64, 10))
    assert np.array_equal(windows[-1], val.tokens[-65 - (val.n_tokens - 1) % 64:][:65])
    with pytest.raises(ConfigError, match="fewer than one window"):
        validation_windows(val, val.n_tokens, 10)


def test_evaluate_loss_is_mean_token_cross_entropy() -> None:
    torch.manual_seed(0)
    model = GPT(GPTConfig(n_layer=1, n_head=2, n_embd=16, block_size=8, vocab_size=30))
    windows = np.random.default_rng(0).integers(0, 30, size=(5, 9)).astype(np.uint16)
    tokens = torch.from_numpy(windows.astype(np.int64))
    logits, _ = model(tokens[:, :-1])
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 30), tokens[:, 1:].reshape(-1))
    assert evaluate_loss(model, windows, batch_size=2) == pytest.approx(expected.item(), rel=1e-6)
    assert model.training  # restored
