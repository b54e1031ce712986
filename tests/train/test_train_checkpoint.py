"""Checkpoints: round trip without pickle, atomic replacement, refusal of another model or
tokenizer, one clear error for a damaged file."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch
from webtext.core.errors import BadFileError, ConfigError
from webtext.train.checkpoint import find_checkpoint, load_model, load_training_state, save_checkpoint
from webtext.train.model import GPT, GPTConfig
from webtext.train.optim import adamw

CONFIG = GPTConfig(n_layer=2, n_head=2, n_embd=16, block_size=8, vocab_size=40)


def _trained() -> tuple[GPT, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = GPT(CONFIG)
    optimizer = adamw(model, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu"))
    x = torch.randint(0, 40, (2, 8))
    for _ in range(2):
        model(x, x)[1].backward()  # type: ignore[union-attr]
        optimizer.step()
        optimizer.zero_grad()
    return model, optimizer


def test_round_trip_restores_model_optimizer_and_rng_without_pickle(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    model, optimizer = _trained()
    rng = {"cpu.rank0": torch.get_rng_state()}
    save_checkpoint(tmp_path, model, optimizer, step=2, data_position=64, tokenizer_hash="abc",
                    shards_dir="out/corpus", eot_id=39, rng=rng, extra={"train_config": {"lr": 1e-3}})

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("unpickling")

    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    loaded, state = load_model(tmp_path)
    assert state["step"] == 2 and state["data_position"] == 64 and state["tokenizer_hash"] == "abc"
    assert state["shards_dir"] == "out/corpus" and state["train_config"] == {"lr": 1e-3}
    assert loaded.lm_head.weight is loaded.transformer.wte.weight
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    fresh = adamw(loaded, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu"))
    restored_rng = load_training_state(find_checkpoint(tmp_path), fresh)  # type: ignore[arg-type]
    assert torch.equal(restored_rng["cpu.rank0"], rng["cpu.rank0"])
    saved, restored = optimizer.state_dict()["state"], fresh.state_dict()["state"]
    assert sorted(saved) == sorted(restored)
    for index, values in saved.items():
        assert all(torch.equal(value, restored[index][key]) for key, value in values.items())


def test_newer_checkpoint_replaces_latest_and_old_ones_are_pruned(tmp_path: Path) -> None:
    model, optimizer = _trained()
    for step in (1, 2, 3):
        save_checkpoint(tmp_path, model, optimizer, step=step, data_position=step, keep=2)
    assert sorted(p.name for p in tmp_path.glob("step-*")) == ["step-00000002", "step-00000003"]
    assert json.loads((tmp_path / "latest.json").read_text()) == {"checkpoint": "step-00000003", "step": 3}
    assert not list(tmp_path.glob(".*partial*"))
    assert load_model(tmp_path)[1]["step"] == 3
    assert load_model(tmp_path / "step-00000002")[1]["step"] == 2


def test_another_config_or_tokenizer_is_refused(tmp_path: Path) -> None:
    model, optimizer = _trained()
    save_checkpoint(tmp_path, model, optimizer, step=1, data_position=0, tokenizer_hash="abc")
    other = GPTConfig(n_layer=3, n_head=2, n_embd=16, block_size=8, vocab_size=40)
    with pytest.raises(ConfigError, match="n_layer 2 vs 3"):
        load_model(tmp_path, config=other)
    with pytest.raises(ConfigError, match="tokenizer abc"):
        load_model(tmp_path, tokenizer_hash="def")
    with pytest.raises(ConfigError, match="no checkpoint"):
        load_model(tmp_path / "missing")


def test_damaged_weights_name_the_file(tmp_path: Path) -> None:
    model, optimizer = _trained()
    folder = save_checkpoint(tmp_path, model, optimizer, step=1, data_position=0)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(BadFileError, match="model.safetensors"):
        load_model(tmp_path)
