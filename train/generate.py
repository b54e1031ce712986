"""Text from a checkpoint: encode a prompt, generate continuations, decode them.

The tokenizer is the Hugging Face `tokenizer.json` the model was trained with: the copy the
trainer keeps in the run directory (`keep_tokenizer`), else the one the shards' manifest names, else an explicit
file. An empty prompt starts from the end-of-text token, as GPT-2's unconditional samples do
(paper §3.9 / OpenAI's sampling code).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer
from webtext.core.atomic import atomic_write
from webtext.core.errors import BadFileError, ConfigError
from webtext.tokenize.shards import ShardSet
from webtext.train.model import GPT


def keep_tokenizer(shards: ShardSet, data: Path, run_dir: Path) -> Path | None:
    """Copy the shards' tokenizer file into the run directory, so checkpoints are self-contained."""
    name = shards.manifest.get("tokenizer", {}).get("file")
    if not name:
        return None
    source = Path(name) if Path(name).is_absolute() else data / name
    if not source.is_file():
        return None
    target = run_dir / "tokenizer.json"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        with atomic_write(target) as handle, source.open("rb") as original:
            shutil.copyfileobj(original, handle)
    return target


def tokenizer_candidates(state: dict[str, Any]) -> list[Path]:
    """Where a checkpoint's tokenizer may be, most specific first."""
    checkpoint = Path(state["checkpoint"])
    candidates = [checkpoint / "tokenizer.json", checkpoint.parent / "tokenizer.json"]
    shards = state.get("shards_dir")
    if shards:
        manifest = Path(shards) / "manifest.json"
        try:
            name = json.loads(manifest.read_text(encoding="utf-8")).get("tokenizer", {}).get("file")
        except (OSError, ValueError):
            name = None
        if name:
            candidates.append(Path(name) if Path(name).is_absolute() else Path(shards) / name)
    return candidates


def load_tokenizer(state: dict[str, Any], explicit: Path | None = None) -> Tokenizer:
    """The tokenizer of the checkpoint whose state.json is `state` (or the file `explicit`)."""
    candidates = [explicit] if explicit is not None else tokenizer_candidates(state)
    for path in candidates:
        if path.is_file():
            try:
                return Tokenizer.from_file(str(path))
            except Exception as error:  # tokenizers raises a plain Exception for bad JSON
                raise BadFileError(str(path), f"not a tokenizer.json ({error})") from error
    raise ConfigError(f"no tokenizer found for checkpoint {state['checkpoint']} (looked at "
                      f"{', '.join(map(str, candidates))}); pass --tokenizer tokenizer.json")


def sample_texts(model: GPT, tokenizer: Tokenizer, prompt: str, eot_id: int, *, num_samples: int = 1,
                 max_new_tokens: int = 100, temperature: float = 1.0, top_k: int | None = None,
                 top_p: float | None = None, seed: int = 0) -> list[str]:
    """`num_samples` continuations of `prompt` (the generated text only, cut at end-of-text)."""
    device = next(model.parameters()).device
    ids = tokenizer.encode(prompt).ids if prompt else [eot_id]
    block = model.config.block_size
    if len(ids) >= block:
        ids = ids[-(block - 1):]  # keep room to generate inside one context
    prompts = torch.tensor([ids] * num_samples, dtype=torch.long, device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    out = model.generate(prompts, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                         greedy=temperature == 0.0, generator=generator)
    texts = []
    for row in out[:, len(ids):].tolist():
        if eot_id in row:
            row = row[:row.index(eot_id)]
        texts.append(tokenizer.decode(row))
    return texts
