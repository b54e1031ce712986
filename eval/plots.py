"""The report's figures, drawn with matplotlib as PNG files.

- `figure4`: perplexity against parameter count, training split and held-out splits, as GPT-2's
  Figure 4 (Radford et al. 2019) draws WebText train and test perplexity against model size.
  When every checkpoint has the same size (one run, several steps) the x-axis is the step;
- `memorization_plot`: exact-match (extraction) rate of training and held-out sequences per
  checkpoint, and the training rate by occurrence count when counts were taken (the view of
  Carlini et al. 2022, Figure 1);
- `overlap_plot`: each evaluation set's 8-gram overlap beside GPT-2's 3.2% average (Table 6).

Figures are built on matplotlib's object API with the Agg canvas (no pyplot, no display, no
global state), so they draw the same on a headless server.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from webtext.core.atomic import atomic_write


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    return path


def figure4(rows: Sequence[dict[str, Any]], splits: Sequence[str], path: Path) -> Path:
    """Perplexity per split against parameters (or step); one line per split."""
    by_size = len({r["params"] for r in rows}) > 1
    key = "params" if by_size else "step"
    ordered = sorted(rows, key=lambda r: (r[key], r["step"]))
    figure = Figure(figsize=(6.4, 4.2))
    axes = figure.subplots()
    for split in splits:
        points = [(r[key], r[f"ppl_{split}"]) for r in ordered if r.get(f"ppl_{split}") is not None]
        style = "o-" if split == "train" else "s--"
        axes.plot([p[0] for p in points], [p[1] for p in points], style, label=split)
    if by_size:
        axes.set_xscale("log")
    axes.set_xlabel("parameters" if by_size else "training step")
    axes.set_ylabel("perplexity")
    axes.set_title("Train and held-out perplexity")
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, path)


def memorization_plot(rows: Sequence[dict[str, Any]], buckets: Sequence[dict[str, Any]], path: Path) -> Path:
    """Extraction rates per checkpoint, and per occurrence bucket of the training sequences."""
    panels = 2 if buckets else 1
    figure = Figure(figsize=(6.4 * panels, 4.2))
    axes_list = figure.subplots(1, panels, squeeze=False)
    axes = axes_list[0][0]
    labels = [r["model"] for r in rows]
    positions = range(len(labels))
    axes.bar([p - 0.2 for p in positions], [100 * r["train_rate"] for r in rows], 0.4, label="training sequences")
    axes.bar([p + 0.2 for p in positions], [100 * r["heldout_rate"] for r in rows], 0.4, label="held-out sequences")
    axes.set_xticks(list(positions), labels, rotation=20, ha="right")
    axes.set_ylabel("extracted exactly (%)")
    axes.set_title("Extractable memorization")
    axes.legend()
    if buckets:
        axes = axes_list[0][1]
        for model in labels:
            points = [b for b in buckets if b["model"] == model and b["source"] == "train" and b["sequences"]]
            axes.plot([b["occurrences"] for b in points], [100 * b["rate"] for b in points], "o-", label=model)
        axes.set_xlabel("occurrences in the training split")
        axes.set_ylabel("training sequences extracted (%)")
        axes.set_title("Extraction by repetition")
        axes.legend()
    return _save(figure, path)


def overlap_plot(rows: Sequence[dict[str, Any]], reference: float, path: Path) -> Path:
    """Horizontal bars: each set's overlap percentage, with GPT-2's average as a line."""
    sets = [r for r in rows if r["eval_set"] != "average" and r.get("percent") is not None]
    figure = Figure(figsize=(6.4, 0.5 * len(sets) + 1.6))
    axes = figure.subplots()
    axes.barh([r["eval_set"] for r in sets], [r["percent"] for r in sets])
    axes.axvline(reference, color="grey", linestyle="--", label=f"GPT-2 average ({reference}%)")
    axes.set_xlabel("8-grams found in the training text (%)")
    axes.legend()
    return _save(figure, path)
