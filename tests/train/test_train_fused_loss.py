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


def _gamma(n: int) -> float:
    """Higham's gamma_n = n u / (1 - n u), u the fp32 unit roundoff (2**-24): a sum or dot product
    of n terms computed in fp32, in any order, is within gamma_n * sum(|terms|) of the exact one."""
    u = torch.finfo(torch.float32).eps / 2
    return n * u / (1 - n * u)


def _fp32_error_bounds(x: torch.Tensor, weight: torch.Tensor,
                       targets: torch.Tensor) -> tuple[float, torch.Tensor, torch.Tensor]:
    """Worst-case bounds on the rounding error of (loss, dx, dW) computed in fp32, from the data.

    N tokens, C channels, V vocabulary. Each logit z = x . w (C terms) is off by at most
    dz = gamma_C |x| . |w|. log-sum-exp, max-shifted, moves with the largest dz plus gamma_(V+4)
    for its V exps, sum, log and subtraction, so every z_j - lse is off by at most
    e = 2 max_j dz_j + gamma_(V+4): that is the loss term's error, and the relative error of each
    softmax p_j = exp(z_j - lse). The mean loss adds gamma_N of its N terms. The logits'
    gradient g = (p - onehot) / N is then off by p e / N, plus the rounding of its subtraction and
    division (2 u |g|); dx = g W is a V-term product, dW = g^T x an N-term one, so dx is off by
    (p e) |W| / N + gamma_(V+2) |g| |W| and dW by (p e)^T |x| / N + gamma_(N+2) |g|^T |x|
    (|g| <= (p + onehot) / N); the scaling by the incoming gradient adds gamma_2. Both
    implementations are within these of the exact values, so they are within twice of each
    other, whatever order a CPU's kernels sum in. A wrong gradient (a missing
    1/N, a wrong target) is off by the order of |g| |W| itself, thousands of times more.
    """
    n, c = x.shape
    v = weight.shape[0]
    x64, w64 = x.double(), weight.double()
    z = x64 @ w64.t()
    dz = _gamma(c) * (x64.abs() @ w64.abs().t())
    e = 2 * dz.max(dim=1).values + _gamma(v + 4)  # (N,)
    p = torch.softmax(z, dim=1)
    onehot = torch.nn.functional.one_hot(targets, v).double()
    terms = torch.logsumexp(z, dim=1) - z.gather(1, targets[:, None]).squeeze(1)
    loss = float((e.sum() + _gamma(n) * terms.abs().sum()) / n)
    dp = p * e[:, None]
    g_abs = p + onehot
    dx = (dp @ w64.abs() + _gamma(v + 2) * (g_abs @ w64.abs())) / n
    dw = (dp.t() @ x64.abs() + _gamma(n + 2) * (g_abs.t() @ x64.abs())) / n
    scale = 3.0 * (1 + _gamma(2))  # the loss is scaled by 3 in `_reference`
    return loss, dx * scale, dw * scale


@pytest.mark.parametrize("tokens", [1, ROWS, 3 * ROWS + 5])  # one row, one block, a ragged last block
def test_fp32_loss_and_gradients_equal_autograd(tokens: int) -> None:
    torch.manual_seed(0)
    x, weight = torch.randn(tokens, 24), torch.randn(301, 24) * 0.5
    targets = torch.randint(0, 301, (tokens,))
    ours = _reference(x, weight, targets, None, True)
    theirs = _reference(x, weight, targets, None, False)
    bounds = _fp32_error_bounds(x, weight, targets)
    for name, mine, reference, bound in zip(("loss", "dx", "dW"), ours, theirs, bounds, strict=True):
        difference = (mine.double() - reference.double()).abs()
        assert bool((difference <= 2 * torch.as_tensor(bound)).all()), \
            f"{name}: off by {float(difference.max()):.3g}, more than the fp32 rounding bound"
        assert float(difference.max()) < 1e-3 * float(reference.abs().max())  # the bound is not vacuous


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

