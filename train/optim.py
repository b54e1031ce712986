"""AdamW with weight decay on matrices only, fused into one kernel where PyTorch has it.

Decoupled weight decay (Loshchilov & Hutter 2019) applies to weight matrices and embeddings;
biases and LayerNorm gains are left out, as in GPT-1's and GPT-3's training (Radford et al.
2018 §4.1 "modified L2 regularization ... on all non bias or gain weights"). The fused
implementation updates every parameter in one kernel per step instead of several per tensor.
"""

from __future__ import annotations

import inspect

import torch
from torch import nn


def fused_available(device: torch.device) -> bool:
    """Whether this PyTorch has a fused AdamW for `device` (CUDA; CPU since 2.4)."""
    if "fused" not in inspect.signature(torch.optim.AdamW).parameters:
        return False
    return device.type == "cuda" or (device.type == "cpu" and torch.__version__ >= "2.4")


def adamw(model: nn.Module, lr: float, weight_decay: float, betas: tuple[float, float], eps: float,
          device: torch.device) -> torch.optim.AdamW:
    """AdamW over `model`'s parameters: decay for tensors of 2+ dimensions, none for the rest."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps, fused=fused_available(device) or None)
