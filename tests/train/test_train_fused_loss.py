"""The fused output layer and cross-entropy gives autograd's loss and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from webtext.train.fused_loss import ROWS, linear_cross_entropy
from webtext.train.model import GPT, GPTConfig


def _reference(x: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, dtype: torch.dtype | None,
               fused: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    x, weight = x.clone().requires_grad_(), weight.clone().requires_grad_()
    with torch.autocast("cpu", dtype=dtype or torch.float32, enabled=dtype is not None):
        if fused:
            loss = linear_cross_entropy(x, weight, targets)
        else:
            loss = F.cross_entropy((x @ weight.t()).float(), targets)
    (loss * 3.0).backward()  # a scaled loss, as with gradient accumulation
    assert x.grad is not None and weight.grad is not None
    return loss.detach(), x.grad, weight.grad


@pytest.mark.parametrize("tokens", [1, ROWS, 3 * ROWS + 5])  # one row, one block, a ragged last block
def test_fp32_loss_and_gradients_equal_autograd(tokens: int) -> None:
    torch.manual_seed(0)
    x, weight = torch.randn(tokens, 24), torch.randn(301, 24) * 0.5
    targets = torch.randint(0, 301, (tokens,))
    for ours, theirs in zip(_reference(x, weight, targets, None, True), _reference(x, weight, targets, None, False),
                            strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-7)


def test_bf16_autocast_matches_autograd_within_bf16_precision() -> None:
    torch.manual_seed(1)
    x, weight = torch.randn(70, 64), torch.randn(500, 64) * 0.1
    targets = torch.randint(0, 500, (70,))
    ours = _reference(x, weight, targets, torch.bfloat16, True)
    theirs = _reference(x, weight, targets, torch.bfloat16, False)
    assert ours[1].dtype == torch.float32 and ours[2].dtype == torch.float32
    torch.testing.assert_close(ours[0], theirs[0], rtol=1e-3, atol=1e-3)
    for mine, reference in zip(ours[1:], theirs[1:], strict=True):
        torch.testing.assert_close(mine, reference, rtol=2e-2, atol=2e-2 * float(reference.abs().max()))


def test_model_gradients_are_those_of_the_plain_loss() -> None:
    torch.manual_seed(2)
    model = GPT(GPTConfig(n_layer=2, n_head=2, n_embd=32, block_size=16, vocab_size=97))
    idx, targets = torch.randint(0, 97, (3, 16)), torch.randint(0, 97, (3, 16))
    _, loss = model(idx, targets)
    loss.backward()
    fused = {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()
    logits, _ = model(idx)  # no targets: the logits, and autograd's loss below
    F.cross_entropy(logits.view(-1, 97), targets.view(-1)).backward()
    for name, p in model.named_parameters():
        torch.testing.assert_close(fused[name], p.grad, rtol=1e-4, atol=1e-6, msg=name)

