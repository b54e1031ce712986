"""Export to and import from the Hugging Face GPT-2 layout.

A Hugging Face GPT-2 directory holds `config.json` (model_type "gpt2"), `model.safetensors`
and, optionally, tokenizer files (`tokenizer.json` + `tokenizer_config.json`); it is what
`transformers.GPT2LMHeadModel.from_pretrained` and `GPT2TokenizerFast.from_pretrained` load.

Our module names are OpenAI's, so the tensors are the same except that OpenAI's code (and so
Hugging Face's `Conv1D`) stores projection matrices as (in, out) where `nn.Linear` stores
(out, in): those four matrices per block are transposed on the way in and out. The tied output
matrix is stored once, as `transformer.wte.weight`. Import reads only safetensors (never a
pickled `pytorch_model.bin`), and accepts keys with or without the `transformer.` prefix (the
Hub's `gpt2` has none).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save
from webtext.core.atomic import atomic_write, write_json
from webtext.core.errors import BadFileError, ConfigError
from webtext.train.checkpoint_state import model_config_from
from webtext.train.model import GPT, GPTConfig
from webtext.train.tensor_files import check_finite, read_tensors, require_shapes

# Matrices that Hugging Face's Conv1D keeps as (in, out).
_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
EOT_TOKEN = "<|endoftext|>"


def hf_config(config: GPTConfig, eot_id: int) -> dict[str, Any]:
    """The `config.json` of a `GPT2LMHeadModel` with the shape of `config`."""
    if not config.bias:
        raise ConfigError("the Hugging Face GPT-2 layout needs biases; this model has bias=False")
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "activation_function": "gelu_new",  # the tanh form of GELU
        "n_layer": config.n_layer,
        "n_head": config.n_head,
        "n_embd": config.n_embd,
        "n_positions": config.block_size,
        "n_ctx": config.block_size,
        "vocab_size": config.vocab_size,
        "layer_norm_epsilon": config.layer_norm_epsilon,
        "initializer_range": 0.02,
        "resid_pdrop": config.dropout,
        "embd_pdrop": config.dropout,
        "attn_pdrop": config.dropout,
        "bos_token_id": eot_id,
        "eos_token_id": eot_id,
        "tie_word_embeddings": True,
        "scale_attn_weights": True,
        "scale_attn_by_inverse_layer_idx": config.scale_attn_by_inverse_layer_idx,
        "reorder_and_upcast_attn": False,
    }


def to_hf_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """Our weights under Hugging Face names, projection matrices transposed, tied matrix once."""
    tensors = {}
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight":
            continue  # tied to transformer.wte.weight
        tensor = tensor.detach().cpu()
        tensors[name] = (tensor.t() if name.endswith(_TRANSPOSED) else tensor).contiguous()
    return tensors


def export_hf(model: GPT, directory: str | Path, eot_id: int | None = None,
              tokenizer_file: str | Path | None = None) -> Path:
    """Write `model` (and `tokenizer_file`, a `tokenizer.json`, when given) as a HF GPT-2 directory."""
    out = Path(directory)
    eot = model.config.vocab_size - 1 if eot_id is None else eot_id
    write_json(out / "config.json", hf_config(model.config, eot))
    with atomic_write(out / "model.safetensors") as handle:
        handle.write(save(to_hf_state_dict(model), metadata={"format": "pt"}))
    if tokenizer_file is not None:
        with atomic_write(out / "tokenizer.json") as handle, open(tokenizer_file, "rb") as source:
            shutil.copyfileobj(source, handle)
        write_json(out / "tokenizer_config.json", {
            "tokenizer_class": "GPT2TokenizerFast", "model_max_length": model.config.block_size,
            "bos_token": EOT_TOKEN, "eos_token": EOT_TOKEN, "unk_token": EOT_TOKEN,
            "add_prefix_space": False})
    return out


def config_from_hf(data: Any, source: str) -> GPTConfig:
    """Our `GPTConfig` for a HF GPT-2 `config.json` (`source` names the file in errors).

    Options our model computes differently are refused with a ConfigError (an untied output
    layer, unscaled attention, another activation or inner width); missing or mistyped sizes
    are a BadFileError.
    """
    if not isinstance(data, dict):
        raise BadFileError(source, "not a JSON object")
    if data.get("model_type") != "gpt2":
        raise ConfigError(f"{source}: model_type is {data.get('model_type')!r}, not 'gpt2'")
    if data.get("activation_function", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh"):
        raise ConfigError(f"{source}: activation {data['activation_function']!r} is not GPT-2's tanh GELU")
    refused = {"tie_word_embeddings": (True, "a separate output matrix (tie_word_embeddings false)"),
               "scale_attn_weights": (True, "attention scores not scaled by 1/sqrt(head size)"),
               "add_cross_attention": (False, "cross-attention layers")}
    for key, (supported, what) in refused.items():
        if data.get(key, supported) != supported:
            raise ConfigError(f"{source}: {key} {data[key]!r}: this model has no {what}; "
                              "it cannot be imported without changing its outputs")
    names = {"n_layer": "n_layer", "n_head": "n_head", "n_embd": "n_embd", "n_positions": "block_size",
             "vocab_size": "vocab_size", "layer_norm_epsilon": "layer_norm_epsilon",
             "scale_attn_by_inverse_layer_idx": "scale_attn_by_inverse_layer_idx"}
    values = {ours: data[theirs] for theirs, ours in names.items() if theirs in data}
    dropout = data.get("resid_pdrop", 0.0)
    values["dropout"] = float(dropout) if isinstance(dropout, (int, float)) and not isinstance(dropout, bool) \
        else dropout
    for theirs in ("n_layer", "n_head", "n_embd", "n_positions", "vocab_size"):
        if theirs not in data:
            raise BadFileError(source, f"{theirs} is missing")
    config = model_config_from({**values, "bias": True}, source)
    if data.get("n_inner") not in (None, 4 * config.n_embd):
        raise ConfigError(f"{source}: n_inner {data['n_inner']} is not 4 x n_embd")
    return config


def import_hf(directory: str | Path) -> GPT:
    """A `GPT` with the weights of the HF GPT-2 directory `directory` (safetensors only)."""
    root = Path(directory)
    config_path, weights_path = root / "config.json", root / "model.safetensors"
    for path in (config_path, weights_path):
        if not path.is_file():
            raise ConfigError(f"{path} not found: a Hugging Face GPT-2 directory needs config.json "
                              "and model.safetensors (pickled .bin files are not read)")
    try:
        data = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BadFileError(str(config_path), f"not JSON ({str(error)[:200]})") from error
    config = config_from_hf(data, str(config_path))
    tensors = read_tensors(weights_path, "cpu", None)
    model = GPT(config)
    state = {}
    for name, tensor in tensors.items():
        key = name if name.startswith(("transformer.", "lm_head.")) else f"transformer.{name}"
        if key.endswith((".attn.bias", ".attn.masked_bias")):
            continue  # old checkpoints store the causal mask as a buffer
        state[key] = tensor.t() if key.endswith(_TRANSPOSED) else tensor
    wte = state.get("transformer.wte.weight", torch.empty(0))
    head = state.setdefault("lm_head.weight", wte)
    if head is not wte and not torch.equal(head, wte):
        raise ConfigError(f"{weights_path}: lm_head.weight differs from transformer.wte.weight; this model "
                          "ties them and cannot hold a separate output matrix")
    require_shapes(weights_path, {name: tuple(tensor.shape) for name, tensor in state.items()},
                   {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}, "GPT-2's config")
    check_finite(weights_path, state)
    model.load_state_dict(state)
    return model
