"""The GPT-2 model: published parameter counts, initialisation, causality, KV-cache generation."""

from __future__ import annotations

import math

import pytest
import torch
from webtext.train.model import GPT, PRESETS, GPTConfig
from webtext.train.token_choice import filter_logits

SMALL = GPTConfig(n_layer=2, n_head=2, n_embd=32, block_size=16, vocab_size=61)


@pytest.mark.parametrize(("preset", "count"), [
    ("gpt2", 124_439_808), ("gpt2-medium", 354_823_168),
    ("gpt2-large", 774_030_080), ("gpt2-xl", 1_557_611_200)])
def test_preset_parameter_counts_match_openai_checkpoints(preset: str, count: int) -> None:
    with torch.device("meta"):
        model = GPT(PRESETS[preset])
    assert model.num_params() == count
    assert PRESETS[preset].block_size == 1024
    assert PRESETS[preset].vocab_size == 50257


def test_embeddings_are_tied_and_residual_projections_scaled() -> None:
    torch.manual_seed(0)
    config = GPTConfig(n_layer=8, n_head=4, n_embd=256, block_size=64, vocab_size=500)
    model = GPT(config)
    assert model.lm_head.weight is model.transformer.wte.weight
    assert model.transformer.h[0].attn.c_attn.weight.std().item() == pytest.approx(0.02, rel=0.05)
    residual = 0.02 / math.sqrt(2 * config.n_layer)
    assert model.transformer.h[0].mlp.c_proj.weight.std().item() == pytest.approx(residual, rel=0.05)
    assert model.transformer.h[3].attn.c_proj.weight.std().item() == pytest.approx(residual, rel=0.05)
    assert torch.count_nonzero(model.transformer.h[0].attn.c_attn.bias) == 0


def test_future_tokens_do_not_change_past_logits() -> None:
    torch.manual_seed(0)
    model = GPT(SMALL).eval()
    idx = torch.randint(0, SMALL.vocab_size, (2, 12))
    changed = idx.clone()
    changed[:, 8:] = (changed[:, 8:] + 1) % SMALL.vocab_size
    a, _ = model(idx)
    b, _ = model(changed)
    torch.testing.assert_close(a[:, :8], b[:, :8])
    assert not torch.allclose(a[:, 8:], b[:, 8:])


def test_loss_is_mean_cross_entropy_and_starts_near_uniform() -> None:
    torch.manual_seed(0)
    model = GPT(SMALL)
    idx = torch.randint(0, SMALL.vocab_size, (4, 16))
    targets = torch.randint(0, SMALL.vocab_size, (4, 16))
    with torch.no_grad():
        logits, loss = model(idx, targets)
    assert logits.shape == (4, 16, SMALL.vocab_size)
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, SMALL.vocab_size), targets.reshape(-1))
    assert loss is not None
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    training_logits, training_loss = model(idx, targets)  # the fused path: no logits kept
    assert training_logits is None and training_loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert loss.item() == pytest.approx(math.log(SMALL.vocab_size), rel=0.05)


def _greedy_without_cache(model: GPT, idx: torch.Tensor, steps: int) -> torch.Tensor:
    for _ in range(steps):
        logits, _ = model(idx[:, -model.config.block_size:])
        idx = torch.cat((idx, logits[:, -1].argmax(-1, keepdim=True)), dim=1)
    return idx


def test_cached_greedy_generation_equals_full_recomputation_past_the_context() -> None:
    torch.manual_seed(1)
    model = GPT(SMALL).eval()
    prompts = torch.randint(0, SMALL.vocab_size, (3, 5))
    out = model.generate(prompts, 20, greedy=True)  # 25 tokens: runs past block_size 16
    assert out.shape == (3, 25)
    assert torch.equal(out[:, :5], prompts)
    assert torch.equal(out, _greedy_without_cache(model, prompts, 20))


def test_batched_greedy_rows_equal_single_rows() -> None:
    torch.manual_seed(2)
    model = GPT(SMALL).eval()
    prompts = torch.randint(0, SMALL.vocab_size, (4, 6))
    batched = model.generate(prompts, 8, greedy=True)
    for row in range(4):
        assert torch.equal(batched[row], model.generate(prompts[row:row + 1], 8, greedy=True)[0])


def test_sampling_is_seeded_and_respects_top_k() -> None:
    torch.manual_seed(3)
    model = GPT(SMALL).eval()
    prompt = torch.zeros(1, 1, dtype=torch.long)
    first = model.generate(prompt, 10, temperature=0.8, top_k=5, generator=torch.Generator().manual_seed(7))
    again = model.generate(prompt, 10, temperature=0.8, top_k=5, generator=torch.Generator().manual_seed(7))
    assert torch.equal(first, again)
    logits = torch.tensor([[0.0, 1.0, 2.0, 3.0, 4.0]])
    assert torch.isinf(filter_logits(logits, top_k=2)).tolist() == [[True, True, True, False, False]]


def test_top_p_keeps_smallest_set_reaching_p() -> None:
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    kept = ~torch.isinf(filter_logits(probs.log(), top_p=0.8))
    assert kept.tolist() == [[True, True, False, False]]
    kept = ~torch.isinf(filter_logits(probs.log(), top_p=0.81))
    assert kept.tolist() == [[True, True, True, False]]
