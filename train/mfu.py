"""Model FLOPs utilization (MFU): achieved training FLOP/s over the device's peak.

FLOPs per token follow Kaplan et al. 2020 (§2.1) and PaLM (Chowdhery et al. 2022, Appendix B):
6N for the matrix multiplies of a forward and backward pass over N non-embedding-position
parameters, plus 12 * n_layer * n_embd * T for attention scores and their weighted sum at context
T. Peaks are dense (no sparsity) tensor-core figures from the vendors' data sheets; a CPU has no
entry, so MFU is reported only on known GPUs.
"""

from __future__ import annotations

import torch
from webtext.train.model import GPT

# Device-name fragment (as torch.cuda.get_device_name reports it) -> peak FLOP/s by compute dtype.
# First match wins, so more specific names come first.
PEAK_FLOPS: tuple[tuple[str, dict[torch.dtype, float]], ...] = (
    ("H100 PCIe", {torch.bfloat16: 756e12, torch.float32: 378e12}),  # fp32 = TF32 tensor cores
    ("H100 NVL", {torch.bfloat16: 835e12, torch.float32: 418e12}),
    ("H100", {torch.bfloat16: 989e12, torch.float32: 495e12}),  # SXM
    ("H200", {torch.bfloat16: 989e12, torch.float32: 495e12}),
    ("GH200", {torch.bfloat16: 989e12, torch.float32: 495e12}),
    ("B200", {torch.bfloat16: 2250e12, torch.float32: 1100e12}),
    ("A100", {torch.bfloat16: 312e12, torch.float32: 156e12}),
    ("A10G", {torch.bfloat16: 70e12, torch.float32: 35e12}),
    ("A10", {torch.bfloat16: 125e12, torch.float32: 62.5e12}),
    ("L40S", {torch.bfloat16: 362e12, torch.float32: 183e12}),
    ("L4", {torch.bfloat16: 121e12, torch.float32: 60e12}),
    ("RTX 4090", {torch.bfloat16: 165e12, torch.float32: 82.6e12}),
    ("V100", {torch.float16: 125e12, torch.float32: 15.7e12}),
    ("T4", {torch.float16: 65e12, torch.float32: 8.1e12}),
)


def peak_flops(device: torch.device, dtype: torch.dtype) -> float | None:
    """Peak FLOP/s of `device` computing in `dtype`, or None when unknown (every CPU)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for fragment, peaks in PEAK_FLOPS:
        if fragment in name:
            return peaks.get(dtype)
    return None


def flops_per_token(model: GPT) -> float:
    """Training FLOPs (forward + backward) per token at the model's full context."""
    config = model.config
    return 6.0 * model.num_params(non_embedding=True) + 12.0 * config.n_layer * config.n_embd * config.block_size


def mfu(tokens_per_second: float, flops_token: float, peak: float | None) -> float | None:
    """The fraction of `peak` achieved at `tokens_per_second` (None without a peak)."""
    if peak is None:
        return None
    return tokens_per_second * flops_token / peak
