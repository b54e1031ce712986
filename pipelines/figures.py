"""The corpus report's figures, drawn from the job's summary as PNG files beside the shards.

- `stages` (report.png): documents after each stage, and the dropped documents by reason;
- `funnel` (funnel.png): WARC records in, pages read, and the documents after clean, exact dedup,
  near dedup and decontamination, each bar with its count and its share of the records in;
- `domains` (domains.png): the corpus's domain mix against WebText's 1,000 most frequent domains
  (`webtext.pipelines.fidelity`): each label both hold, its share of the corpus documents in
  reference labels against its share of WebText's (log axes, the diagonal where they agree), from
  `domains.csv` beside the shards; and the labels whose shares differ most;
- `lengths` (lengths.png): the documents per power-of-two bucket of words and of tokens (log-2 x
  axis, as document lengths of web text spread over several orders of magnitude).

`drawings` builds one `Drawn` per figure (the matplotlib figure, not yet written) and `draw_figures`
writes them; one with nothing to draw (no kept document from WebText's domains, for instance) has no
file and a caption saying why: no empty plot is written.
Figures are built on matplotlib's object API with the Agg canvas (no pyplot, no global state), as
in `webtext.eval.plots`, imported when drawing (the job's workers load this package and never plot),
and written through `webtext.core.filesys` (the output may be remote). Count axes have integer ticks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from webtext.core import filesys
from webtext.pipelines.accounting import INPUT
from webtext.pipelines.fidelity import label_counts, read_domains, reference_shares
from webtext.pipelines.profile import DOMAINS_CSV

_BLUE, _RED, _GREEN = "#4477aa", "#cc6677", "#228833"
_FUNNEL = (("read", "pages read"), ("clean", "after clean"), ("exact_dedup", "after exact dedup"),
           ("near_dedup", "after near dedup"), ("decontaminate", "after decontaminate"))
_NAMED = 12  # labels named on the domains scatter


@dataclass(frozen=True)
class Figure:
    """One figure: its name, its PNG file in the output directory (None: nothing to draw) and a caption."""

    name: str
    file: str | None
    caption: str


def _panels(count: int, width: float, height: float) -> tuple[Any, list[Any]]:
    """A matplotlib figure on the Agg canvas with `count` panels side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as Drawing

    drawing = Drawing(figsize=(width * count, height), layout="constrained")
    FigureCanvasAgg(drawing)
    return drawing, list(drawing.subplots(1, count, squeeze=False)[0])


def _integer_ticks(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


@dataclass(frozen=True)
class Drawn:
    """A figure and its matplotlib drawing (None when there is nothing to draw), not yet written."""

    figure: Figure
    drawing: Any | None = None


def _nothing(name: str, caption: str) -> Drawn:
    return Drawn(Figure(name, None, caption))


def _stages(out: str, summary: Mapping[str, Any]) -> Drawn:
    stages = summary.get("stages") or []
    drops = sorted(((k, v) for k, v in summary.get("accounting", {}).items()
                    if k != INPUT and not k.startswith("kept:") and v), key=lambda kv: kv[1])
    if not stages:
        return _nothing("stages", "The summary holds no stage: nothing to plot.")
    drawing, axes = _panels(2 if drops else 1, 6.0, 4.2)
    left = axes[0]
    left.bar([s["stage"] for s in stages], [s["documents"] for s in stages], color=_BLUE)
    left.set_xlabel("stage")
    left.set_ylabel("documents kept")
    left.set_title("Documents after each stage")
    left.tick_params(axis="x", rotation=30)
    _integer_ticks(left.yaxis)
    if drops:
        right = axes[1]
        right.barh([k for k, _ in drops], [v for _, v in drops], color=_RED)
        right.set_xlabel("documents dropped")
        right.set_ylabel("stage:reason")
        right.set_title("Dropped documents by reason")
        _integer_ticks(right.xaxis)
    caption = ("Documents after each stage" + (", and the dropped documents by reason." if drops
                                                 else "; no document was dropped."))
    return Drawn(Figure("stages", "report.png", caption), drawing)


def _funnel(out: str, summary: Mapping[str, Any]) -> Drawn:
    records = summary.get("accounting", {}).get(INPUT, 0)
    if not records:
        return _nothing("funnel", "The input held no WARC record: nothing to plot.")
    kept = {s["stage"]: s["documents"] for s in summary.get("stages", [])}
    bars = [("WARC records in", records), *((label, kept[stage]) for stage, label in _FUNNEL if stage in kept)]
    drawing, (axes,) = _panels(1, 7.5, 0.45 * len(bars) + 1.4)
    shown = axes.barh([label for label, _ in bars][::-1], [n for _, n in bars][::-1], color=_BLUE)
    axes.bar_label(shown, labels=[f"{n:,} ({n / records:.1%})" for _, n in bars][::-1], padding=3)
    axes.set_xlim(0, records * 1.3)
    axes.set_xlabel("documents (share of the WARC records in)")
    axes.set_ylabel("stage")
    axes.set_title("From WARC records to kept documents")
    _integer_ticks(axes.xaxis)
    return Drawn(Figure("funnel", "funnel.png",
                        "WARC records in, pages read, and documents after each stage, with their share of the "
                        "records in."), drawing)


def _scatter(axes: Any, shares: Mapping[str, tuple[float, float]], labels: Mapping[str, int]) -> None:
    common = sorted((label for label, (ours, _) in shares.items() if ours), key=lambda lb: (-labels[lb], lb))
    xs, ys = [shares[lb][1] for lb in common], [shares[lb][0] for lb in common]
    axes.scatter(xs, ys, color=_BLUE, s=28, zorder=3)
    for label in common[:_NAMED]:
        axes.annotate(label or "(no label)", (shares[label][1], shares[label][0]), fontsize=8,
                      xytext=(4, 2), textcoords="offset points")
    low, high = min(xs + ys) / 2, max(xs + ys) * 2
    axes.plot([low, high], [low, high], color="grey", linestyle="--", linewidth=1, label="equal shares")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_xlabel("share of WebText's documents in its top 1,000 domains")
    axes.set_ylabel("share of the corpus's documents in those domains")
    axes.set_title(f"The {len(common):,} labels in both")
    axes.legend(loc="upper left")


def _differences(axes: Any, largest: Sequence[Mapping[str, Any]]) -> None:
    positions = range(len(largest))
    names = [row["label"] or "(no label)" for row in largest]
    axes.barh([p + 0.2 for p in positions], [100 * row["corpus_share"] for row in largest], 0.4,
              color=_BLUE, label="corpus")
    axes.barh([p - 0.2 for p in positions], [100 * row["webtext_share"] for row in largest], 0.4,
              color=_GREEN, label="WebText")
    axes.set_yticks(list(positions), names)
    axes.invert_yaxis()
    axes.set_xlabel("share within the reference labels (%)")
    axes.set_ylabel("label")
    axes.set_title("The largest differences")
    axes.legend(loc="lower right")


def _domains(out: str, summary: Mapping[str, Any]) -> Drawn:
    webtext = summary.get("webtext") or {}
    if not webtext.get("in_reference"):
        return _nothing("domains", "No kept document comes from WebText's top 1,000 domains: nothing to plot.")
    path = filesys.join(out, DOMAINS_CSV)
    labels = label_counts(read_domains(path)) if filesys.exists(path) else {}
    shares = reference_shares(labels)
    drawing, axes = _panels(2 if shares else 1, 6.4, 5.0)
    if shares:
        _scatter(axes[0], shares, labels)
    _differences(axes[-1], webtext["largest"])
    return Drawn(Figure("domains", "domains.png",
                        f"The corpus against WebText's top 1,000 domains: {webtext['share']:.1%} of the kept documents "
                        f"come from them; shares per label, and the labels whose shares differ most."), drawing)


def _histogram(axes: Any, rows: Sequence[Sequence[int]], what: str, colour: str) -> None:
    axes.bar([low for low, _, _ in rows], [n for _, _, n in rows], width=[high - low for low, high, _ in rows],
             align="edge", color=colour, edgecolor="white")
    axes.set_xscale("log", base=2)
    axes.set_xlabel(f"{what} per document (power-of-two buckets)")
    axes.set_ylabel("documents")
    axes.set_title(f"Document lengths in {what}")
    _integer_ticks(axes.yaxis)


def _lengths(out: str, summary: Mapping[str, Any]) -> Drawn:
    lengths = summary.get("lengths") or {}
    shown = [(what, lengths[what], colour) for what, colour in (("words", _BLUE), ("tokens", _GREEN))
             if lengths.get(what)]
    if not shown:
        return _nothing("lengths", "The summary holds no document length: nothing to plot.")
    drawing, axes = _panels(len(shown), 6.0, 4.2)
    for panel, (what, rows, colour) in zip(axes, shown, strict=True):
        _histogram(panel, rows, what, colour)
    whats = " and of their ".join(what for what, _, _ in shown)
    return Drawn(Figure("lengths", "lengths.png", f"Kept documents per power-of-two bucket of their {whats}."), drawing)


_DRAWERS: tuple[Callable[[str, Mapping[str, Any]], Drawn], ...] = (_stages, _funnel, _domains, _lengths)


def drawings(out: str, summary: Mapping[str, Any]) -> list[Drawn]:
    """Every figure of `summary`, drawn but not written, in the order stages, funnel, domains, lengths
    (`out`, a path or a URL, is where `domains.csv` is read from)."""
    return [draw(out, summary) for draw in _DRAWERS]


def draw_figures(out: str, summary: Mapping[str, Any]) -> list[Figure]:
    """Draw every figure of `summary` and write it into `out` (a path or a URL); one `Figure` each."""
    for drawn in (found := drawings(out, summary)):
        if drawn.drawing is not None and drawn.figure.file is not None:
            with filesys.open_write(filesys.join(out, drawn.figure.file)) as handle:
                drawn.drawing.savefig(handle, format="png", dpi=110, bbox_inches="tight")
    return [drawn.figure for drawn in found]
