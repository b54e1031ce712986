"""Perplexity on the training split, on held-out splits, and on evaluation sets by overlap.

GPT-2's Figure 4 (Radford et al. 2019, section 4) plots the perplexity of WebText's training
and held-out text against model size: both fall together, so the larger models still underfit
rather than memorize. `split_perplexities` measures that for each checkpoint with the trainer's
own functions: `validation_windows` (evenly spaced windows of block_size + 1 tokens) and
`evaluate_loss` (mean next-token cross-entropy), so on the val split the evaluator's perplexity
is exactly exp of the trainer's validation loss; the train split gets windows picked the same way.

`bucket_perplexities` scores evaluation documents grouped by their own 8-gram overlap with the
training text, from clean (none) through intermediate rates to dirty, the way GPT-3 compared its
results on clean and dirty subsets of each benchmark (Brown et al. 2020, section 4): when the
model does much better on dirty documents than on clean ones, overlap inflates its scores. A
document too short to have an n-gram counts as clean. A bucket's documents are tokenized, joined
with end-of-text tokens (as training text is) and cut into windows of the model's context; the
tail shorter than one window is not scored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from webtext.core.errors import ConfigError
from webtext.core.tables import Column, Table
from webtext.eval.models import LoadedModel
from webtext.tokenize.shards import ShardSet
from webtext.train.data import evaluate_loss, validation_windows


def bucket_labels(edges: Sequence[float]) -> list[str]:
    """Names of the overlap buckets for upper `edges` (fractions): clean, ranges, dirty."""
    if any(not 0.0 < e < 1.0 for e in edges) or list(edges) != sorted(set(edges)):
        raise ConfigError(f"--buckets must be increasing fractions strictly between 0 and 1, not {list(edges)}")
    bounds = [0.0, *edges]
    ranges = [f"{100 * low:g}–{100 * high:g}%" for low, high in zip(bounds[:-1], bounds[1:], strict=True)]
    return ["clean (0%)", *ranges, f"dirty (>{100 * bounds[-1]:g}%)"]


def bucket_index(rate: float | None, edges: Sequence[float]) -> int:
    """The bucket of an overlap rate: 0 for clean (no n-gram found, or none to find)."""
    if not rate:
        return 0
    return 1 + int(np.searchsorted(np.asarray(edges), rate, side="left"))


def text_windows(documents: Sequence[Sequence[int]], eot_id: int, block_size: int) -> np.ndarray | None:
    """Documents joined by end-of-text, as consecutive windows (n, T + 1), T = block_size or less.

    None when the documents hold fewer than two tokens.
    """
    pieces = [np.asarray([*doc, eot_id], dtype=np.int64) for doc in documents]
    flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    length = min(block_size, flat.size - 1)
    if length < 1:
        return None
    count = (flat.size - 1) // length
    return np.ascontiguousarray(sliding_window_view(flat, length + 1)[::length][:count])


def perplexity(model: LoadedModel, windows: np.ndarray, batch_size: int) -> float:
    """exp of the trainer's loss (`evaluate_loss`) of `model` on `windows`."""
    return math.exp(evaluate_loss(model.model, windows, batch_size))


@dataclass
class SplitScores:
    """Perplexity per split for one checkpoint."""

    label: str
    step: int
    params: int
    perplexity: dict[str, float]  # split name -> perplexity
    windows: dict[str, int]  # split name -> windows scored


def split_perplexities(model: LoadedModel, splits: dict[str, ShardSet], windows: int,
                       batch_size: int) -> SplitScores:
    """Perplexity of `model` on evenly spaced windows of each split (see the module docstring)."""
    block = model.model.config.block_size
    scores = SplitScores(model.label, model.step, model.params, {}, {})
    for name, shards in splits.items():
        picked = validation_windows(shards, block, windows)
        scores.perplexity[name] = perplexity(model, picked, batch_size)
        scores.windows[name] = len(picked)
    return scores


@dataclass
class BucketScore:
    """Perplexity of one evaluation set's documents in one overlap bucket."""

    label: str
    eval_set: str
    bucket: str
    documents: int
    tokens: int
    perplexity: float | None  # None when the bucket has too few tokens


def bucket_perplexities(model: LoadedModel, eval_set: str, documents: Sequence[Sequence[int]],
                        rates: Sequence[float | None], edges: Sequence[float], eot_id: int,
                        batch_size: int) -> list[BucketScore]:
    """Perplexity of `model` on the documents of one evaluation set, per overlap bucket."""
    labels = bucket_labels(edges)
    grouped: list[list[Sequence[int]]] = [[] for _ in labels]
    for doc, rate in zip(documents, rates, strict=True):
        grouped[bucket_index(rate, edges)].append(doc)
    scores = []
    for name, docs in zip(labels, grouped, strict=True):
        windows = text_windows(docs, eot_id, model.model.config.block_size)
        value = perplexity(model, windows, batch_size) if windows is not None else None
        scores.append(BucketScore(model.label, eval_set, name, len(docs),
                                  sum(len(d) + 1 for d in docs), value))
    return scores


def scores_table(scores: Sequence[SplitScores]) -> Table:
    """One row per checkpoint: perplexity per split, each held-out split beside its gap to train
    (in percent), then step and parameters, so a table split to the page's width
    (`webtext.core.render.MAX_COLUMNS`) keeps the perplexities together."""
    splits = list(dict.fromkeys(name for s in scores for name in s.perplexity))
    heldout = [name for name in splits if name != "train"]
    gaps = "train" in splits
    columns = [Column("model", "model"), *([Column("ppl_train", "train perplexity", ".2f")] if gaps else [])]
    for name in heldout:
        columns.append(Column(f"ppl_{name}", f"{name} perplexity", ".2f"))
        columns += [Column(f"gap_{name}", f"{name} vs train (%)", "+,.1f")] if gaps else []
    columns += [Column("step", "step"), Column("params", "parameters", ",")]
    table = Table("perplexity", "Perplexity on the training split and held-out splits (GPT-2 Figure 4)", columns)
    for s in scores:
        row: dict[str, object] = {"model": s.label, "step": s.step, "params": s.params}
        row.update({f"ppl_{name}": value for name, value in s.perplexity.items()})
        row.update({f"windows_{name}": value for name, value in s.windows.items()})
        if "train" in s.perplexity:
            row.update({f"gap_{name}": 100.0 * (s.perplexity[name] / s.perplexity["train"] - 1.0)
                        for name in heldout if name in s.perplexity})
        table.rows.append(row)
    return table


def buckets_table(scores: Sequence[BucketScore]) -> Table:
    """One row per checkpoint, evaluation set and overlap bucket."""
    columns = [Column("model", "model"), Column("eval_set", "evaluation set"), Column("bucket", "overlap"),
               Column("documents", "documents", ","), Column("tokens", "tokens", ","),
               Column("perplexity", "perplexity", ".2f")]
    table = Table("perplexity_buckets", "Perplexity of evaluation documents by their overlap with the training text",
                  columns)
    table.rows = [{"model": s.label, "eval_set": s.eval_set, "bucket": s.bucket, "documents": s.documents,
                   "tokens": s.tokens, "perplexity": s.perplexity} for s in scores]
    return table
