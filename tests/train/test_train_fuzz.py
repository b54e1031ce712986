"""Damaged checkpoints and tokenizer files, generated: every loader answers with one
`WebtextError` (or loads what is still whole), never another exception, never a huge allocation."""

from __future__ import annotations

import contextlib
import hashlib
import json
import resource
import shutil
from collections.abc import Iterator
from pathlib import Path
from pydoc_data.topics import topics
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file
from webtext.core.errors import WebtextError
from webtext.tokenize.bpe import load_tokenizer, train_tokenizer
from webtext.train import generate as sample
from webtext.train.checkpoint import load_model, load_training_state, save_checkpoint
from webtext.train.model import GPT, GPTConfig
from webtext.train.optim import adamw

CONFIG = GPTConfig(n_layer=1, n_head=2, n_embd=8, block_size=8, vocab_size=30)
CHECKPOINT_FILES = ("model.safetensors", "trainer.safetensors", "state.json", "../latest.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "merges.txt")
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)


def _max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory with one checkpoint of a very small model."""
    root = tmp_path_factory.mktemp("template")
    torch.manual_seed(0)
    model = GPT(CONFIG)
    optimizer = adamw(model, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu"))
    model(torch.zeros(1, 8, dtype=torch.long), torch.zeros(1, 8, dtype=torch.long))[1].backward()  # type: ignore[union-attr]
    optimizer.step()
    save_checkpoint(root, model, optimizer, step=1, data_position=8, eot_id=29, tokenizer_hash="a" * 64,
                    rng={"cpu.rank0": torch.get_rng_state()}, extra={"train_config": {"lr": 1e-3}})
    return root


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


def _fresh(template: Path, workdir: Path) -> Path:
    run = workdir / "run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(template, run)
    return run / "step-00000001"


def _load_everything(folder: Path) -> None:
    model, _ = load_model(folder.parent)
    load_training_state(folder, adamw(model, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu")))


def _damage_bytes(path: Path, data: st.DataObject) -> None:
    content = bytearray(path.read_bytes())
    if data.draw(st.booleans(), label="truncate"):
        del content[data.draw(st.integers(0, len(content) - 1), label="keep"):]
    else:
        # distinct offsets, each flipped once with a non-zero mask: the file really changes
        offsets = st.lists(st.integers(0, len(content) - 1), min_size=1, max_size=4, unique=True)
        for offset in data.draw(offsets, label="flip"):
            content[offset] ^= data.draw(st.integers(1, 255), label="mask")
    path.write_bytes(bytes(content))


@FUZZ
@given(data=st.data())
def test_damaged_checkpoint_files_give_one_error(template: Path, workdir: Path, data: st.DataObject) -> None:
    folder = _fresh(template, workdir)
    name = data.draw(st.sampled_from(CHECKPOINT_FILES), label="file")
    _damage_bytes(folder / name, data)
    before = _max_rss_bytes()
    try:
        _load_everything(folder)
    except WebtextError:
        pass
    else:
        assert name.endswith("json"), f"a damaged {name} was loaded"  # a checksum covers every tensor byte
    assert _max_rss_bytes() - before < 256 << 20


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path in a JSON value; of a large container (a vocabulary, the merges) only the
    first three entries, since they are all alike and the draws should go to the structure."""
    yield prefix
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) \
        if isinstance(value, list) else []
    for key, item in items[:3] if len(items) > 20 else items:
        yield from _paths(item, (*prefix, key))


@FUZZ
@given(data=st.data())
def test_a_state_json_with_wrong_values_gives_one_error(template: Path, workdir: Path, data: st.DataObject) -> None:
    folder = _fresh(template, workdir)
    state = json.loads((folder / "state.json").read_text())
    path = data.draw(st.sampled_from([p for p in _paths(state) if p]), label="path")
    parent = state
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(json_values | st.integers(2**20, 2**40), label="value")
    (folder / "state.json").write_text(json.dumps(state))
    before = _max_rss_bytes()
    with contextlib.suppress(WebtextError):
        _load_everything(folder)
    assert _max_rss_bytes() - before < 256 << 20


@FUZZ
@given(name=st.sampled_from(["transformer.wte.weight", "transformer.h.0.attn.c_attn.bias", "transformer.ln_f.weight"]),
       value=st.sampled_from([float("nan"), float("inf"), float("-inf")]), index=st.integers(0, 7))
def test_non_finite_weights_with_a_valid_checksum_give_one_error(template: Path, workdir: Path, name: str,
                                                                 value: float, index: int) -> None:
    folder = _fresh(template, workdir)
    weights = load_file(folder / "model.safetensors")
    weights[name].view(-1)[index] = value
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    state = json.loads((folder / "state.json").read_text())
    state["checksums"]["model.safetensors"] = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    (folder / "state.json").write_text(json.dumps(state))
    with pytest.raises(WebtextError, match=name):
        _load_everything(folder)


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tokenizer.json, vocab.json and merges.txt of a small byte-level BPE."""
    root = tmp_path_factory.mktemp("tokenizer")
    texts = [topics[name] for name in sorted(topics)[:40]]
    train_tokenizer(texts, vocab_size=300, engine="tokenizers").save(root)
    return root


@FUZZ
@given(data=st.data())
def test_damaged_tokenizer_files_give_one_error(tokenizer_dir: Path, workdir: Path, data: st.DataObject) -> None:
    root = workdir / "tokenizer"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(tokenizer_dir, root)
    name = data.draw(st.sampled_from(TOKENIZER_FILES), label="file")
    if name != "tokenizer.json":
        (root / "tokenizer.json").unlink()  # so the directory is read from vocab.json + merges.txt
    if name != "merges.txt" and data.draw(st.booleans(), label="garble"):
        content = json.loads((root / name).read_text())
        keys = [p for p in _paths(content) if p]
        path = data.draw(st.sampled_from(keys), label="path")
        parent = content
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = data.draw(json_values, label="value")
        (root / name).write_text(json.dumps(content))
    else:
        _damage_bytes(root / name, data)
    for location in (root, root / name):
        if location.suffix == ".txt":
            continue
        with contextlib.suppress(WebtextError):
            load_tokenizer(location, engine="tokenizers")
    if name == "tokenizer.json":
        with contextlib.suppress(WebtextError):
            sample.load_tokenizer({"checkpoint": str(root)}, root / name)


@pytest.mark.parametrize("name", ["tokenizer.json", "vocab.json"])
def test_every_value_of_a_tokenizer_file_replaced_gives_one_error(tokenizer_dir: Path, workdir: Path,
                                                                  name: str) -> None:
    """A seeded sweep: each key path of the file (see `_paths`) set to each kind of wrong value."""
    root = workdir / "tokenizer"
    shutil.copytree(tokenizer_dir, root)
    if name != "tokenizer.json":
        (root / "tokenizer.json").unlink()
    original = json.loads((root / name).read_text())
    for path in [p for p in _paths(original) if p]:
        for value in (None, "x", -1, 2**70, 1.5, True, [], {}, [["a", "b"]]):
            content = json.loads(json.dumps(original))
            parent = content
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            (root / name).write_text(json.dumps(content))
            with contextlib.suppress(WebtextError):
                load_tokenizer(root, engine="tokenizers")
