"""GPT-2 as published, in one readable file.

The architecture follows Radford et al. 2019, "Language Models are Unsupervised Multitask
Learners" (§2.3), which is GPT-1 (Radford et al. 2018) with these changes, each marked below:

- LayerNorm moved to the input of each sub-block (pre-activation, He et al. 2016), and one more
  LayerNorm after the final block;
- residual projections initialised with weights scaled by 1/sqrt(N), N the number of residual
  layers (two per block: attention and MLP);
- context 1024 tokens and vocabulary 50,257.

Kept from GPT-1: learned position embeddings, GELU in its tanh form (Hendrycks & Gimpel 2016),
input and output embeddings tied (Press & Wolf 2017), weights initialised N(0, 0.02).

Module names mirror OpenAI's released checkpoint (`transformer.h.0.attn.c_attn`, ...) so that
`webtext.train.hf` converts to and from the Hugging Face layout with transposes only.

Shapes in comments: B batch, T time (tokens), C channels (n_embd), H heads, D = C / H.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from webtext.train.fused_loss import linear_cross_entropy
from webtext.train.kv_cache import KVCache
from webtext.train.token_choice import next_token


@dataclass(frozen=True)
class GPTConfig:
    """The shape of a GPT-2 model."""

    n_layer: int
    n_head: int
    n_embd: int
    block_size: int = 1024  # context length (GPT-2: 1024)
    vocab_size: int = 50257  # GPT-2's byte-level BPE: 256 bytes + 50,000 merges + <|endoftext|>
    dropout: float = 0.0  # GPT-2 trained with 0.1; 0 is the better choice for one pass over data
    bias: bool = True  # biases in Linear layers and LayerNorms, as in GPT-2
    layer_norm_epsilon: float = 1e-5  # added to the variance in every LayerNorm (GPT-2: 1e-5)
    # attention scores also divided by the layer number (1, 2, ...), as Stanford CRFM's GPT-2s do
    scale_attn_by_inverse_layer_idx: bool = False


# The four published sizes (paper Table 2) and two that train on a CPU in seconds.
PRESETS: dict[str, GPTConfig] = {
    "gpt2": GPTConfig(n_layer=12, n_head=12, n_embd=768),  # 124M
    "gpt2-medium": GPTConfig(n_layer=24, n_head=16, n_embd=1024),  # 355M
    "gpt2-large": GPTConfig(n_layer=36, n_head=20, n_embd=1280),  # 774M
    "gpt2-xl": GPTConfig(n_layer=48, n_head=25, n_embd=1600),  # 1558M
    "mini": GPTConfig(n_layer=4, n_head=4, n_embd=128, block_size=128),
    "tiny": GPTConfig(n_layer=2, n_head=2, n_embd=64, block_size=64),
}


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where a token sees only itself and earlier tokens."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"n_embd {config.n_embd} is not a multiple of n_head {config.n_head}")
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.scale_by_layer = config.scale_attn_by_inverse_layer_idx
        # query, key and value for all heads in one matmul
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        # output projection back into the residual stream (scaled at init, see GPT._init_weights)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
        # (B, T, C) -> (B, H, T, D): heads become a batch dimension
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        causal = True
        if cache is not None:
            k, v = cache.append(layer, k, v)  # (B, H, past + T, D)
            # One new token attends to every cached position; a prompt (no past) is causal.
            causal = T > 1
        # softmax(q k^T / sqrt(D)) v; flash / memory-efficient kernels where the device has them
        scale = 1.0 / (math.sqrt(q.shape[-1]) * (layer + 1)) if self.scale_by_layer else None
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=causal, dropout_p=self.dropout if self.training else 0.0, scale=scale)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble heads side by side
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward network with a 4x inner width (GPT-1 §4.1)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # GELU in the tanh approximation, the form OpenAI's code uses ("gelu_new" in HF)
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    """One transformer block, LayerNorm at the input of each sub-block (GPT-2 §2.3)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    """Embeddings, the stack of blocks and the final LayerNorm (OpenAI's `model` scope)."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embeddings
        self.wpe = nn.Embedding(config.block_size, config.n_embd)  # learned position embeddings
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        # the extra final LayerNorm
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon, bias=config.bias)


class GPT(nn.Module):
    """The GPT-2 language model: token ids in, next-token logits out."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.transformer = Transformer(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Tied embeddings: the output layer reuses the input embedding matrix.
        self.lm_head.weight = self.transformer.wte.weight
        self.apply(self._init_weights)
        # N residual layers = 2 per block; their projections start scaled by 1/sqrt(N).
        residual_std = 0.02 / math.sqrt(2 * config.n_layer)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, mean=0.0, std=residual_std)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_params(self, non_embedding: bool = False) -> int:
        """Parameters counted once each (the tied matrix once), as OpenAI's checkpoints count them.

        With `non_embedding`, position embeddings are left out (the count used for FLOPs).
        """
        total = sum(p.numel() for p in self.parameters())
        return total - self.transformer.wpe.weight.numel() if non_embedding else total

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                cache: KVCache | None = None) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Logits (B, T, vocab) for token ids `idx` (B, T); with `targets` (B, T) also the mean
        cross-entropy. With a `cache`, `idx` continues the cached sequence.

        When training on a CPU (targets given, gradients on, eager mode) the logits are not
        kept: the loss and its gradients come from `linear_cross_entropy` and the first value
        is None. Elsewhere the plain form is used (`torch.compile` fuses it itself).
        """
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        if start + T > self.config.block_size:
            raise ValueError(f"sequence of {start + T} tokens exceeds the context {self.config.block_size}")
        pos = torch.arange(start, start + T, dtype=torch.long, device=idx.device)  # (T,)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))  # (B, T, C)
        for layer, block in enumerate(self.transformer.h):
            x = block(x, cache, layer)
        if cache is not None:
            cache.advance(T)
        x = self.transformer.ln_f(x)
        if (targets is not None and x.device.type == "cpu" and torch.is_grad_enabled()
                and not torch.compiler.is_compiling()):
            return None, linear_cross_entropy(x.view(B * T, -1), self.lm_head.weight, targets.reshape(B * T))
        logits = self.lm_head(x)  # (B, T, vocab)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(B * T, -1).float(), targets.reshape(B * T))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None, greedy: bool = False,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Continue each row of `idx` (B, T) by `max_new_tokens`; returns (B, T + max_new_tokens).

        Rows are prompts of equal length, so a batch of memorization probes runs as one
        (greedy=True picks the most likely token, deterministically). Keys and values of past
        tokens are cached; once the sequence fills the context, each step recomputes the last
        `block_size` tokens (positions are learned, so a cache cannot slide).
        """
        was_training = self.training
        self.eval()
        block = self.config.block_size
        cache = None
        if idx.shape[1] < block:
            cache = KVCache.for_model(self.config, idx.shape[0], idx.device, self.lm_head.weight.dtype)
        logits, _ = self(idx, cache=cache)
        for step in range(max_new_tokens):
            token = next_token(logits[:, -1, :], temperature, top_k, top_p, greedy, generator)
            idx = torch.cat((idx, token), dim=1)
            if step == max_new_tokens - 1:
                break
            if cache is not None and cache.length < block:
                logits, _ = self(token, cache=cache)
            else:
                cache = None
                logits, _ = self(idx[:, -block:])
        self.train(was_training)
        return idx
