"""Hugging Face interop: logits equal GPT2LMHeadModel's within 1e-5 (fp32), both directions; configs
that cannot be represented are refused; an import keeps the tokenizer's identity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from webtext.cli.main import main
from webtext.core.errors import BadFileError, ConfigError
from webtext.tokenize.bpe import load_tokenizer
from webtext.tokenize.shards import ShardSet
from webtext.train.checkpoint import load_model
from webtext.train.hf import export_hf, import_hf
from webtext.train.model import GPT, GPTConfig

transformers = pytest.importorskip("transformers")

CONFIG = GPTConfig(n_layer=3, n_head=4, n_embd=64, block_size=32, vocab_size=97)


def _ids() -> torch.Tensor:
    return torch.randint(0, CONFIG.vocab_size, (3, 32), generator=torch.Generator().manual_seed(0))


def test_exported_model_loads_in_transformers_with_equal_logits(tmp_path: Path) -> None:
    torch.manual_seed(0)
    ours = GPT(CONFIG).eval()
    tokenizer = tmp_path / "tokenizer.json"
    tokenizer.write_text(json.dumps({"version": "1.0", "model": {"type": "BPE"}}))
    export_hf(ours, tmp_path / "hf", tokenizer_file=tokenizer)
    theirs = transformers.GPT2LMHeadModel.from_pretrained(tmp_path / "hf").eval()
    with torch.no_grad():
        torch.testing.assert_close(theirs(_ids()).logits, ours(_ids())[0], atol=1e-5, rtol=0)
    assert (tmp_path / "hf" / "tokenizer.json").read_bytes() == tokenizer.read_bytes()


def test_imported_transformers_model_has_equal_logits(tmp_path: Path) -> None:
    torch.manual_seed(1)
    hf_config = transformers.GPT2Config(n_layer=3, n_head=4, n_embd=64, n_positions=32, vocab_size=97,
                                        bos_token_id=96, eos_token_id=96)
    theirs = transformers.GPT2LMHeadModel(hf_config).eval()
    theirs.save_pretrained(tmp_path)
    ours = import_hf(tmp_path).eval()
    assert ours.config == GPTConfig(n_layer=3, n_head=4, n_embd=64, block_size=32, vocab_size=97,
                                    dropout=0.1)
    with torch.no_grad():
        torch.testing.assert_close(ours(_ids())[0], theirs(_ids()).logits, atol=1e-5, rtol=0)


def test_round_trip_keeps_weights(tmp_path: Path) -> None:
    torch.manual_seed(2)
    model = GPT(CONFIG)
    again = import_hf(export_hf(model, tmp_path))
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


def test_pickled_weights_are_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    (tmp_path / "pytorch_model.bin").write_bytes(b"not read")
    with pytest.raises(ConfigError, match="model.safetensors"):
        import_hf(tmp_path)


def _hf_model(tmp_path: Path, **options: object) -> torch.nn.Module:
    torch.manual_seed(3)
    hf_config = transformers.GPT2Config(n_layer=3, n_head=4, n_embd=64, n_positions=32, vocab_size=97,
                                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, **options)
    model = transformers.GPT2LMHeadModel(hf_config).eval()
    with torch.no_grad():  # LayerNorms off their initial 1 and 0, attention far from uniform
        for name, param in model.named_parameters():
            if "ln_" in name:
                param.uniform_(0.5, 1.5) if name.endswith("weight") else param.normal_(0, 0.1)
            elif "c_attn.weight" in name:
                param.normal_(0, 0.3)
    model.save_pretrained(tmp_path)
    return model


@pytest.mark.parametrize("options", [
    {"layer_norm_epsilon": 1e-2},
    {"scale_attn_by_inverse_layer_idx": True},
    {"reorder_and_upcast_attn": True, "scale_attn_by_inverse_layer_idx": True},
])
def test_imported_model_with_these_options_has_equal_logits(tmp_path: Path, options: dict[str, object]) -> None:
    theirs = _hf_model(tmp_path, **options)
    ours = import_hf(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(_ids())[0], theirs(_ids()).logits, atol=1e-5, rtol=0)
    back = transformers.GPT2LMHeadModel.from_pretrained(export_hf(ours, tmp_path / "again")).eval()
    with torch.no_grad():
        torch.testing.assert_close(back(_ids()).logits, theirs(_ids()).logits, atol=1e-5, rtol=0)


@pytest.mark.parametrize(("options", "message"), [
    ({"tie_word_embeddings": False}, "tie_word_embeddings"),
    ({"scale_attn_weights": False}, "scale_attn_weights"),
    ({"activation_function": "relu"}, "activation"),
    ({"n_inner": 100}, "n_inner"),
])
def test_configs_that_cannot_be_represented_are_refused(tmp_path: Path, options: dict[str, object],
                                                        message: str) -> None:
    _hf_model(tmp_path, **options)
    with pytest.raises(ConfigError, match=message):
        import_hf(tmp_path)


@pytest.mark.parametrize("damage", [
    lambda c: c.pop("n_layer"), lambda c: c.update(n_embd="64"), lambda c: c.update(n_head=0),
    lambda c: c.update(layer_norm_epsilon="x"), lambda c: c.update(n_positions=10**9),
])
def test_a_damaged_config_json_is_one_error(tmp_path: Path, damage: Any) -> None:
    _hf_model(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    damage(config)
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises((BadFileError, ConfigError), match="config.json"):
        import_hf(tmp_path)


@pytest.mark.parametrize("layout", ["the shards' file", "vocab.json + merges.txt"])
def test_import_with_the_shards_tokenizer_is_accepted_for_training(tmp_path: Path, text_shards: Path,
                                                                   layout: str) -> None:
    torch.manual_seed(4)
    hf_config = transformers.GPT2Config(n_layer=2, n_head=2, n_embd=64, n_positions=64, vocab_size=512,
                                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    transformers.GPT2LMHeadModel(hf_config).save_pretrained(tmp_path / "hf")
    if layout == "the shards' file":
        (tmp_path / "hf" / "tokenizer.json").write_bytes((text_shards / "tokenizer.json").read_bytes())
    else:  # the same vocabulary and merges in GPT-2's other file layout
        load_tokenizer(text_shards / "tokenizer.json", engine="tokenizers").save(tmp_path / "hf")
        (tmp_path / "hf" / "tokenizer.json").unlink()
    assert main(["import-hf", "--hf-dir", str(tmp_path / "hf"), "--out", str(tmp_path / "run")]) == 0
    expected = ShardSet.open(text_shards, "train").tokenizer_hash
    assert load_model(tmp_path / "run", tokenizer_hash=expected)[1]["tokenizer_hash"] == expected
    assert main(["train", "--data", str(text_shards), "--model", "tiny", "--out", str(tmp_path / "run"),
                 "--resume", "--max-steps", "1", "--batch-tokens", "512", "--micro-batch", "8",
                 "--eval-windows", "8", "--no-progress"]) == 0
