"""Hugging Face interop: logits equal GPT2LMHeadModel's within 1e-5 (fp32), both directions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from webtext.core.errors import ConfigError
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
