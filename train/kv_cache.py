"""Key/value cache for generation: each layer's keys and values of the tokens seen so far.

Without it, producing token t recomputes attention over all t-1 earlier tokens in every layer;
with it, a step runs the model on one token and attends to the stored keys and values
(the standard incremental decoding of Transformer decoders, Vaswani et al. 2017 §3.2).
Buffers are allocated once for the whole context, so a step never copies the past.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from webtext.train.model import GPTConfig


class KVCache:
    """Preallocated (B, H, block_size, D) key and value buffers for every layer."""

    def __init__(self, n_layer: int, batch: int, n_head: int, block_size: int, head_dim: int,
                 device: torch.device, dtype: torch.dtype) -> None:
        shape = (n_layer, batch, n_head, block_size, head_dim)
        self.keys = torch.empty(shape, device=device, dtype=dtype)
        self.values = torch.empty(shape, device=device, dtype=dtype)
        self.length = 0  # tokens stored so far

    @classmethod
    def for_model(cls, config: GPTConfig, batch: int, device: torch.device, dtype: torch.dtype) -> KVCache:
        """A cache for `batch` sequences of a model shaped by `config`."""
        return cls(config.n_layer, batch, config.n_head, config.block_size,
                   config.n_embd // config.n_head, device, dtype)

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store `k`, `v` (B, H, T, D) after the cached tokens; return all keys and values so far."""
        end = self.length + k.shape[2]
        self.keys[layer, :, :, self.length:end] = k
        self.values[layer, :, :, self.length:end] = v
        return self.keys[layer, :, :, :end], self.values[layer, :, :, :end]

    def advance(self, n_tokens: int) -> None:
        """Mark `n_tokens` more positions as stored (after every layer has appended them)."""
        self.length += n_tokens
