"""The evaluator on a model really trained on a corpus with one passage repeated 100 times.

Perplexity must equal exp of the trainer's validation loss on the same windows; the memorized
passage must be extracted while held-out sequences are not; the report must say both. All tests
share one trained model, so they run on one test worker (`xdist_group`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from webtext.cli.main import main

PREFIX, CONTINUATION = 16, 16  # the tiny preset's context is 64 tokens
Corpus = TrainedModel = Any  # the fixtures' types, defined in conftest.py

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("eval_trained_model")]


@pytest.fixture(scope="module")
def eval_set(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Evaluation documents: held-out topics (clean) and training topics (dirty)."""
    path = tmp_path_factory.mktemp("evalset") / "docs.jsonl"
    docs = corpus.val_texts + corpus.train_texts[:8]
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def outputs(corpus: Corpus, trained: TrainedModel, eval_set: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every eval command run on the trained model's run directory, as a user would."""
    out = tmp_path_factory.mktemp("eval")
    shards, run = str(corpus.shards), str(trained.run)
    assert main(["eval", "overlap", "--train", shards, "--eval", f"docs={eval_set}", "--out", str(out)]) == 0
    assert main(["eval", "perplexity", "--checkpoint", run, "--all-steps", "--shards", shards,
                 "--windows", str(trained.config.eval_windows), "--eval", f"docs={eval_set}", "--device", "cpu",
                 "--out", str(out)]) == 0
    assert main(["eval", "memorization", "--checkpoint", run, "--all-steps", "--shards", shards, "--samples", "128",
                 "--prefix", str(PREFIX), "--continuation", str(CONTINUATION), "--device", "cpu",
                 "--out", str(out)]) == 0
    assert main(["eval", "report", "--out", str(out)]) == 0
    return out


def _rows(out: Path, name: str) -> list[dict]:
    return json.loads((out / f"{name}.json").read_text())["rows"]


def test_perplexity_is_exp_of_the_trainers_validation_loss(outputs: Path, trained: TrainedModel) -> None:
    rows = {row["step"]: row for row in _rows(outputs, "perplexity")}
    assert set(rows) == {150, 300}
    final = rows[300]
    assert trained.result.val_loss is not None
    assert final["ppl_val"] == pytest.approx(math.exp(trained.result.val_loss), rel=1e-5)
    assert final["windows_val"] == trained.config.eval_windows
    assert final["ppl_train"] < final["ppl_val"]  # the model has seen the train split
    assert rows[300]["ppl_train"] < rows[150]["ppl_train"]  # and learns more with more steps
    assert (outputs / "figure4.png").stat().st_size > 0


def test_dirty_documents_score_better_than_clean_ones(outputs: Path) -> None:
    buckets = {row["bucket"]: row for row in _rows(outputs, "perplexity_buckets") if row["model"].endswith("@300")}
    clean, dirty = buckets["clean (0%)"], buckets["dirty (>50%)"]
    assert dirty["documents"] >= 8  # the copied training topics (a held-out topic may overlap too)
    assert dirty["perplexity"] < clean["perplexity"]
    assert sum(row["documents"] for row in buckets.values()) == len(_rows(outputs, "overlap_documents"))


def test_repeated_passage_is_extracted_and_held_out_text_is_not(outputs: Path, corpus: Corpus) -> None:
    row = next(r for r in _rows(outputs, "memorization") if r["step"] == 300)
    assert row["train_sequences"] == row["heldout_sequences"] == 128
    assert row["heldout_rate"] == 0.0
    assert row["train_rate"] > 0.0
    assert row["p_value"] < 0.05
    repeated = [b for b in _rows(outputs, "memorization_buckets")
                if b["model"] == row["model"] and b["source"] == "train" and b["bucket"] == "20+"]
    assert repeated[0]["sequences"] > 0
    assert repeated[0]["rate"] == 1.0  # every sampled piece of the passage comes back word for word
    notes = json.loads((outputs / "memorization.json").read_text())["notes"]
    example = notes["examples"][row["model"]][0]
    assert example["prefix"] + example["continuation"] in corpus.passage


def test_report_gathers_tables_figures_and_reading(outputs: Path) -> None:
    markdown = (outputs / "report.md").read_text()
    html = (outputs / "report.html").read_text()
    for figure in ("overlap.png", "figure4.png", "memorization.png"):
        assert f"]({figure})" in markdown and f'src="{figure}"' in html
    assert "| evaluation set | documents | 8-grams | % in training text |" in markdown
    assert "tiny@300: " in markdown and "memorization detected" in markdown
    assert "<table>" in html and "memorization detected" in html
    assert "Not run" not in markdown


def test_report_without_outputs_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "report", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: nothing to report in {tmp_path}")
    assert not (tmp_path / "report.md").exists()


def test_prefix_longer_than_the_context_fails_before_work(corpus: Corpus, trained: TrainedModel, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "memorization", "--checkpoint", str(trained.run), "--shards", str(corpus.shards),
                 "--prefix", "64", "--out", str(tmp_path)]) == 2
    assert "--prefix 64 does not fit the context" in capsys.readouterr().err
    assert main(["eval", "perplexity", "--checkpoint", str(tmp_path / "nothing"), "--shards", str(corpus.shards),
                 "--out", str(tmp_path)]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
