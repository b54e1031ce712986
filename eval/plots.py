"""The report's figures, drawn with matplotlib as PNG files.

- `figure4`: perplexity against parameter count, training split and held-out splits, as GPT-2's
  Figure 4 (Radford et al. 2019) draws WebText train and test perplexity against model size.
  When every checkpoint has the same size (one run, several steps) the x-axis is the step;
- `memorization_plot`: exact-match (extraction) rate of training and held-out sequences per
  checkpoint, and the training rate by occurrence count when counts were taken (the view of
  Carlini et al. 2022, Figure 1). When nothing was extracted, those rates are all zero and say
  nothing a sentence cannot, so the figure shows the share of continuation tokens reproduced
  instead, or is not drawn at all when that is zero too;
- `overlap_plot`: each evaluation set's 8-gram overlap beside GPT-2's 3.2% average (Table 6),
  each bar labelled with its value.

Rates start at 0; count axes (steps, occurrences) have integer ticks.

Figures are built on matplotlib's object API with the Agg canvas (no pyplot, no display, no
global state), so they draw the same on a headless server.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
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
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("parameters" if by_size else "training step")
    axes.set_ylabel("perplexity")
    axes.set_title("Train and held-out perplexity")
    axes.grid(alpha=0.3)
    axes.legend()
    return _save(figure, path)


def memorization_plot(rows: Sequence[dict[str, Any]], buckets: Sequence[dict[str, Any]], path: Path) -> Path | None:
    """`memorization_figure` saved at `path`; None, and a figure left there by an earlier run removed,
    when there is nothing to draw."""
    figure = memorization_figure(rows, buckets)
    if figure is None:
        path.unlink(missing_ok=True)
        return None
    return _save(figure, path)


def memorization_figure(rows: Sequence[dict[str, Any]], buckets: Sequence[dict[str, Any]]) -> Figure | None:
    """Extraction rates per checkpoint (and per occurrence bucket), or the share of continuation
    tokens reproduced when nothing was extracted; None when that is zero too."""
    if any(r["train_extracted"] or r["heldout_extracted"] for r in rows):
        keys, label, title = ("train_rate", "heldout_rate"), "extracted exactly (%)", "Extractable memorization"
    elif any(r["train_token_match"] or r["heldout_token_match"] for r in rows):
        keys, label = ("train_token_match", "heldout_token_match"), "continuation tokens reproduced (%)"
        title = "Nothing extracted exactly: share of continuation tokens reproduced"
    else:
        return None
    shown = [b for b in buckets if b["source"] == "train" and b["sequences"]] if keys[0] == "train_rate" else []
    panels = 2 if shown else 1
    figure = Figure(figsize=(6.4 * panels, 4.2))
    axes_list = figure.subplots(1, panels, squeeze=False)
    axes = axes_list[0][0]
    labels = [r["model"] for r in rows]
    positions = range(len(labels))
    for offset, key, name in ((-0.2, keys[0], "training sequences"), (0.2, keys[1], "held-out sequences")):
        bars = axes.bar([p + offset for p in positions], [100 * r[key] for r in rows], 0.4, label=name)
        axes.bar_label(bars, fmt="%.1f%%", padding=2, fontsize="small")
    axes.set_xticks(list(positions), labels, rotation=20, ha="right")
    axes.set_ylim(bottom=0)
    axes.set_ylabel(label)
    axes.set_title(title)
    axes.legend()
    if shown:
        axes = axes_list[0][1]
        for model in labels:
            points = [b for b in shown if b["model"] == model]
            axes.plot([b["occurrences"] for b in points], [100 * b["rate"] for b in points], "o-", label=model)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0)
        axes.set_xlabel("occurrences in the training split")
        axes.set_ylabel("training sequences extracted (%)")
        axes.set_title("Extraction by repetition")
        axes.legend()
    return figure


def overlap_plot(rows: Sequence[dict[str, Any]], reference: float, path: Path) -> Path:
    """`overlap_figure` saved at `path`."""
    return _save(overlap_figure(rows, reference), path)


def overlap_figure(rows: Sequence[dict[str, Any]], reference: float) -> Figure:
    """Horizontal bars: each set's overlap percentage, labelled, with GPT-2's average as a line."""
    sets = [r for r in rows if r["eval_set"] != "average" and r.get("percent") is not None
            and not math.isnan(r["percent"])]
    figure = Figure(figsize=(6.4, 0.5 * len(sets) + 1.6))
    axes = figure.subplots()
    bars = axes.barh([r["eval_set"] for r in sets], [r["percent"] for r in sets])
    axes.bar_label(bars, fmt="%.2f%%", padding=3)
    axes.set_xlim(0, max([reference, *(r["percent"] for r in sets)]) * 1.15)
    axes.axvline(reference, color="grey", linestyle="--", label=f"GPT-2 average ({reference}%)")
    axes.set_xlabel("8-grams found in the training text (%)")
    axes.legend()
    return figure
