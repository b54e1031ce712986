"""The eval report's reading and figures from tables alone (no model): what crosses a threshold is
all said, largest first; nothing extracted is said in words, never drawn as empty axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from webtext.cli.main import main
from webtext.core.tables import Column, Table
from webtext.eval.findings import LEADS, count_line, summarize
from webtext.eval.plots import memorization_figure, memorization_plot, overlap_figure
from webtext.eval.reading import read_perplexity

from tests.conftest import assert_png_drawn


def _scores(model: str, params: int, train: float, val: float, test: float) -> dict[str, Any]:
    return {"model": model, "step": 300, "params": params, "ppl_train": train, "ppl_val": val, "ppl_test": test,
            "gap_val": 100 * (val / train - 1), "gap_test": 100 * (test / train - 1)}


def _extraction(model: str, train: int, heldout: int, train_tokens: float, heldout_tokens: float) -> dict[str, Any]:
    return {"model": model, "step": 300, "params": 1000, "train_sequences": 256, "train_extracted": train,
            "train_rate": train / 256, "heldout_sequences": 256, "heldout_extracted": heldout,
            "heldout_rate": heldout / 256, "difference": 100 * (train - heldout) / 256, "p_value": 1.0,
            "train_token_match": train_tokens, "heldout_token_match": heldout_tokens}


def test_every_overfitting_checkpoint_is_read_largest_gap_first() -> None:
    rows = [_scores("tiny@300", 366_336, 112.33, 338.60, 340.80), _scores("mini@300", 1_334_016, 19.50, 663.84, 625.92)]
    sections = {"Perplexity": read_perplexity(rows)}
    (line,) = summarize(sections)
    assert line == (f"{LEADS['overfitting']}: mini@300 val +3,304.3%, test +3,109.8%; "
                    "tiny@300 test +203.4%, val +201.4%.")
    assert count_line(sections) == "2 findings cross a threshold:"


def test_nothing_over_a_threshold_says_so_and_gives_the_headline() -> None:
    sections = {"Perplexity": read_perplexity([_scores("tiny@300", 1000, 100.0, 105.0, 103.0)])}
    assert count_line(sections) == "No finding crosses a threshold; the headline figure of each section follows."
    assert summarize(sections) == ["Perplexity: nothing crosses its threshold. tiny@300: train perplexity 100.00, "
                                   "val 105.00 (+5.0%), test 103.00 (+3.0%): held-out perplexity within 10% of "
                                   "train, no sign of overfitting."]


def test_no_extraction_draws_the_tokens_reproduced_and_nothing_at_all_draws_no_figure(tmp_path: Path) -> None:
    figure = memorization_figure([_extraction("tiny@300", 0, 0, 0.02, 0.015)], [])
    assert figure is not None
    (axes,) = figure.axes
    assert axes.get_title() == "Nothing extracted exactly: share of continuation tokens reproduced"
    assert axes.get_ylim()[0] == 0
    path = memorization_plot([_extraction("tiny@300", 0, 0, 0.02, 0.015)], [], tmp_path / "memorization.png")
    assert path is not None
    assert_png_drawn(path)
    assert memorization_plot([_extraction("tiny@300", 0, 0, 0.0, 0.0)], [], path) is None
    assert not path.exists()  # the earlier run's figure is not left to be shown as this run's


def test_extraction_figure_starts_rates_at_zero_with_whole_occurrence_ticks() -> None:
    buckets = [{"model": "tiny@300", "source": "train", "bucket": label, "occurrences": low, "sequences": 10,
                "extracted": hits, "rate": hits / 10}
               for label, low, hits in (("1", 1, 0), ("2–4", 2, 3), ("5+", 5, 9))]
    figure = memorization_figure([_extraction("tiny@300", 12, 0, 0.3, 0.02)], buckets)
    assert figure is not None
    rates, repetition = figure.axes
    assert rates.get_title() == "Extractable memorization"
    assert rates.get_ylim()[0] == repetition.get_ylim()[0] == 0
    assert all(float(tick).is_integer() for tick in repetition.get_xticks())


def test_overlap_bars_carry_their_value() -> None:
    rows = [{"eval_set": "seen", "percent": 73.6}, {"eval_set": "unseen", "percent": 2.82},
            {"eval_set": "average", "percent": 38.21}]
    (axes,) = overlap_figure(rows, 3.2).axes
    assert {text.get_text() for text in axes.texts} == {"73.60%", "2.82%"}
    assert axes.get_xlim()[0] == 0


def test_report_says_nothing_extracted_and_shows_no_stale_figure(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rows = [_extraction("tiny@300", 0, 0, 0.0, 0.0), _extraction("mini@300", 0, 0, 0.0, 0.0)]
    table = Table("memorization", "Extractable memorization", [Column("model", "model")], rows)
    table.notes = {"figure": None}
    table.write(tmp_path)
    (tmp_path / "memorization.png").write_bytes(b"an earlier run's figure")
    assert main(["eval", "report", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (f"report: no finding crosses a threshold; report.md, report.html in "
                                       f"{tmp_path}\n")
    markdown = (tmp_path / "report.md").read_text()
    assert "memorization.png" not in markdown
    assert ("- Memorization: nothing crosses its threshold. Nothing was extracted: no checkpoint reproduced any of "
            "the 256 training or 256 held-out sequences exactly.") in markdown
    assert "- memorization tables: made by an earlier version (no provenance record)" in markdown
