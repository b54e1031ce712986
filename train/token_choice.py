"""Choosing the next token from a model's logits: greedy, temperature, top-k and nucleus (top-p).

- temperature divides the logits (Ackley, Hinton & Sejnowski 1985; < 1 sharpens, > 1 flattens);
- top-k keeps the k most likely tokens (Fan, Lewis & Dauphin 2018, used for GPT-2's samples);
- top-p keeps the smallest set of tokens whose probability reaches p (Holtzman et al. 2019,
  "The Curious Case of Neural Text Degeneration");
- greedy takes the arg-max, the decoding used to test memorization (Carlini et al. 2021).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def filter_logits(logits: torch.Tensor, top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """`logits` (B, V) with the tokens outside top-k / top-p set to -inf."""
    if top_k is not None and top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and 0.0 < top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        cumulative = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        # drop a token when the tokens before it already reach top_p (the first always stays)
        drop_sorted = (cumulative - F.softmax(sorted_logits, dim=-1)) >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def next_token(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
               top_p: float | None = None, greedy: bool = False,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """One token id per row of `logits` (B, V), as a (B, 1) tensor."""
    if greedy or temperature == 0.0:
        return torch.argmax(logits, dim=-1, keepdim=True)
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, not {temperature}")
    probs = F.softmax(filter_logits(logits.float() / temperature, top_k, top_p), dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator)
