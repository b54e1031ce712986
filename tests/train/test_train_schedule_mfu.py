"""Learning-rate schedule and FLOPs accounting."""

from __future__ import annotations

import pytest
import torch
from webtext.train.mfu import flops_per_token, mfu, peak_flops
from webtext.train.model import GPT, PRESETS
from webtext.train.schedule import CosineSchedule


def test_warmup_then_cosine_to_the_floor() -> None:
    schedule = CosineSchedule(peak_lr=1.0, warmup_steps=10, decay_steps=110, min_lr=0.1)
    assert schedule.lr(0) == pytest.approx(0.1)
    assert schedule.lr(9) == pytest.approx(1.0)
    assert schedule.lr(10) == pytest.approx(1.0)
    assert schedule.lr(60) == pytest.approx(0.55)
    assert schedule.lr(110) == schedule.lr(10_000) == pytest.approx(0.1)
    rates = [schedule.lr(s) for s in range(10, 111)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))


def test_gpt2_flops_per_token_and_mfu() -> None:
    with torch.device("meta"):
        model = GPT(PRESETS["gpt2"])
    # 6 x 123.65M non-position parameters + 12 x 12 layers x 768 x 1024 context
    assert flops_per_token(model) == 6 * (124_439_808 - 1024 * 768) + 12 * 12 * 768 * 1024
    assert mfu(400_000, flops_per_token(model), 989e12) == pytest.approx(0.3459, abs=1e-3)
    assert peak_flops(torch.device("cpu"), torch.bfloat16) is None
    assert mfu(1.0, 1.0, None) is None
