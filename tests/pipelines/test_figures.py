"""The corpus report's figures: each one drawn with real content, or no file and a caption saying why."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from webtext.pipelines.fidelity import compare
from webtext.pipelines.figures import draw_figures, drawings

from tests.conftest import assert_png_drawn

COUNTS = {"nytimes.com": 40, "bbc.co.uk": 20, "github.io": 30, "archive.org": 5, "google.com": 5,
          "theguardian.com": 12, "daily-chronicle.test": 100}


def _summary(counts: dict[str, int], **changes: Any) -> dict[str, Any]:
    kept = sum(counts.values())
    summary = {
        "accounting": {"input": kept + 30, "clean:too_short": 12, "clean:not_html": 3, "dedup:exact_duplicate": 9,
                       "dedup:near_duplicate": 6, "kept:train": kept - 20, "kept:val": 10, "kept:test": 10},
        "stages": [{"stage": "read", "documents": kept + 27, "words": 0, "bytes": 10_000},
                   {"stage": "clean", "documents": kept + 15, "words": 9_000, "bytes": 8_000},
                   {"stage": "exact_dedup", "documents": kept + 6, "words": 8_500, "bytes": 7_600},
                   {"stage": "near_dedup", "documents": kept, "words": 8_000, "bytes": 7_000},
                   {"stage": "decontaminate", "documents": kept, "words": 8_000, "bytes": 7_000}],
        "lengths": {"words": [[16, 32, 20], [32, 64, 90], [64, 128, 80], [512, 1024, 22]],
                    "tokens": [[16, 32, 5], [32, 64, 60], [64, 128, 100], [128, 256, 40], [1024, 2048, 7]]},
        "webtext": compare(counts)}
    return {**summary, **changes}


def _write_domains(out: Path, counts: dict[str, int]) -> None:
    with (out / "domains.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["domain", "documents", "share"])
        total = sum(counts.values())
        writer.writerows([domain, n, n / total] for domain, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def test_every_figure_is_drawn_with_content(tmp_path: Path) -> None:
    _write_domains(tmp_path, COUNTS)
    figures = draw_figures(str(tmp_path), _summary(COUNTS))
    assert [f.name for f in figures] == ["stages", "funnel", "domains", "lengths"]
    assert [f.file for f in figures] == ["report.png", "funnel.png", "domains.png", "lengths.png"]
    for figure in figures:
        assert figure.file is not None and figure.caption.endswith(".")
        assert_png_drawn(tmp_path / figure.file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["domains.csv", "domains.png", "funnel.png", "lengths.png",
                                                          "report.png"]  # no temporary file left


def test_without_domains_csv_the_domains_figure_shows_the_largest_differences(tmp_path: Path) -> None:
    figures = {f.name: f for f in draw_figures(str(tmp_path), _summary(COUNTS))}
    assert figures["domains"].file == "domains.png"
    assert_png_drawn(tmp_path / "domains.png")


def test_a_figure_with_nothing_to_draw_has_no_file_and_says_why(tmp_path: Path) -> None:
    outside = {"daily-chronicle.test": 8, "evening-post.test": 6}
    _write_domains(tmp_path, outside)
    summary = _summary(outside, lengths={"words": [], "tokens": []})
    summary["accounting"] = {"input": 14, "kept:train": 14}  # nothing dropped: the stages figure has one panel
    figures = {f.name: f for f in draw_figures(str(tmp_path), summary)}
    assert figures["domains"] == type(figures["domains"])(
        "domains", None, "No kept document comes from WebText's top 1,000 domains: nothing to plot.")
    assert figures["lengths"].file is None and "nothing to plot" in figures["lengths"].caption
    assert "no document was dropped" in figures["stages"].caption
    assert_png_drawn(tmp_path / "report.png")
    assert not (tmp_path / "domains.png").exists() and not (tmp_path / "lengths.png").exists()


def test_one_length_histogram_is_drawn_alone(tmp_path: Path) -> None:
    summary = _summary(COUNTS, lengths={"words": [[4, 8, 3], [8, 16, 9]]})
    lengths = next(f for f in draw_figures(str(tmp_path), summary) if f.name == "lengths")
    assert lengths.file == "lengths.png" and "words" in lengths.caption and "tokens" not in lengths.caption
    assert_png_drawn(tmp_path / "lengths.png")


def test_every_panel_names_its_axes_and_counts_tick_in_whole_numbers(tmp_path: Path) -> None:
    """report.png's right chart once had no axis label and ticks at 0.5 documents."""
    few = {"nytimes.com": 3, "bbc.co.uk": 2, "github.io": 1, "daily-chronicle.test": 1}
    _write_domains(tmp_path, few)
    summary = _summary(few)
    summary["accounting"] = {"input": 9, "clean:too_short": 1, "dedup:exact_duplicate": 1, "kept:train": 7}
    for drawn in drawings(str(tmp_path), summary):
        assert drawn.drawing is not None, drawn.figure.caption
        drawn.drawing.canvas.draw()
        for axes in drawn.drawing.axes:
            assert axes.get_xlabel() and axes.get_ylabel(), (drawn.figure.name, axes.get_title())
            for axis, label in ((axes.xaxis, axes.get_xlabel()), (axes.yaxis, axes.get_ylabel())):
                if label.startswith("documents"):  # a count of documents: whole numbers only
                    ticks = axis.get_majorticklocs()
                    assert all(float(t).is_integer() for t in ticks), (drawn.figure.name, label, ticks)
