"""The evaluator on a model really trained on a corpus with one passage repeated 100 times.

Perplexity must equal exp of the trainer's validation loss on the same windows; the memorized
passage must be extracted while held-out sequences are not; the report must say both. All tests
share one trained model, so they run on one test worker (`xdist_group`).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from webtext.cli.main import main
from webtext.core.provenance import file_sha256
from webtext.core.render import table_parts
from webtext.core.tables import read_table
from webtext.eval.reading import read_buckets, read_memorization, read_overlap, read_perplexity

from tests.browser import Chromium
from tests.conftest import assert_png_drawn

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


ABOUT = "held-out topics and copied training topics"


def _run(args: list[str]) -> tuple[int, list[str]]:
    """`webtext ARGS` as a console would run it (its sys.argv), with the lines it printed."""
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(sys, "argv", ["webtext", *args])
        status = main(args)
    return status, printed.getvalue().splitlines()


@pytest.fixture(scope="module")
def printed(corpus: Corpus, trained: TrainedModel, eval_set: Path,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """Every eval command run on the trained model's run directory, as a user would, and what each printed."""
    out = tmp_path_factory.mktemp("eval")
    shards, run = str(corpus.shards), str(trained.run)
    commands = {
        "overlap": ["--train", shards, "--eval", f"docs={eval_set}", "--about", f"docs={ABOUT}"],
        "perplexity": ["--checkpoint", run, "--all-steps", "--shards", shards, "--windows",
                       str(trained.config.eval_windows), "--eval", f"docs={eval_set}", "--device", "cpu"],
        "memorization": ["--checkpoint", run, "--all-steps", "--shards", shards, "--samples", "128",
                         "--prefix", str(PREFIX), "--continuation", str(CONTINUATION), "--device", "cpu"],
        "report": [],
    }
    lines = {}
    for name, args in commands.items():
        status, lines[name] = _run(["eval", name, *args, "--out", str(out)])
        assert status == 0, name
    return out, lines


@pytest.fixture(scope="module")
def outputs(printed: tuple[Path, dict[str, list[str]]]) -> Path:
    return printed[0]


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


def test_every_figure_is_drawn(outputs: Path) -> None:
    for figure in ("overlap.png", "figure4.png", "memorization.png"):
        assert_png_drawn(outputs / figure)


def test_each_command_prints_one_line_headline_first(printed: tuple[Path, dict[str, list[str]]]) -> None:
    out, lines = printed
    (overlap,) = _rows(out, "overlap")
    assert lines["overlap"] == [f"overlap: docs {overlap['percent']:.2f}% of 8-grams in the training text "
                                f"(GPT-2: 3.2%); 2 tables, 1 figure, train_8grams.bloom in {out}"]
    scores = "; ".join(f"{r['model']} train {r['ppl_train']:.2f}, val {r['ppl_val']:.2f} ({r['gap_val']:+,.1f}%)"
                       for r in _rows(out, "perplexity"))
    assert lines["perplexity"] == [f"perplexity: {scores}; 2 tables, 1 figure in {out}"]
    extracted = "; ".join(f"{r['model']} extracted {r['train_extracted']} of 128 training, "
                          f"{r['heldout_extracted']} of 128 held-out sequences" for r in _rows(out, "memorization"))
    assert lines["memorization"] == [f"memorization: {extracted}; 2 tables, 1 figure in {out}"]
    crossing = sum(f.crosses for f in _findings(out))
    assert crossing >= 2  # the memorized passage, at both steps
    assert lines["report"] == [f"report: {crossing} findings cross a threshold; report.md, report.html in {out}"]


def _findings(out: Path) -> list:
    return (read_overlap(_rows(out, "overlap")) + read_perplexity(_rows(out, "perplexity"))
            + read_buckets(_rows(out, "perplexity_buckets")) + read_memorization(_rows(out, "memorization")))


def test_report_opens_with_what_it_describes(outputs: Path, corpus: Corpus, trained: TrainedModel,
                                             eval_set: Path) -> None:
    markdown = (outputs / "report.md").read_text()
    about = markdown.split("## About this report")[1].split("## Reading")[0]
    assert f"- Command: webtext eval report --out {outputs}\n- Made: 20" in about
    assert f" by webtext eval overlap --train {corpus.shards} --eval docs={eval_set} --about " in about
    assert f" by webtext eval memorization --checkpoint {trained.run} --all-steps" in about
    manifest = file_sha256(corpus.shards / "manifest.json")
    assert f"- shards: {corpus.shards} (manifest.json {manifest}; tokenizer {corpus.tokenizer.hash})" in about
    for step in (150, 300):
        folder = trained.run / f"step-{step:08d}"
        weights = file_sha256(folder / "model.safetensors")
        assert f"- checkpoint tiny@{step}: {folder} (step {step}; model.safetensors {weights})" in about
    assert f"- evaluation set docs: {eval_set} ({file_sha256(eval_set)})" in about
    assert f"- filter of the training text: {outputs / 'train_8grams.bloom'} (sha256:" in about
    assert manifest in (outputs / "report.html").read_text()


def test_report_explains_its_terms_and_evaluation_sets(outputs: Path) -> None:
    terms = (outputs / "report.md").read_text().split("## Terms")[1].split("\n## ")[0]
    for term in ("8-gram overlap", "Bloom filter false-positive rate", "perplexity", "train/val/test split",
                 "held-out", "overfitting gap", "clean/dirty bucket", "extractable (exact) extraction",
                 "tokens reproduced", "p-value"):
        assert f"- **{term}**: " in terms
    assert f"- **evaluation set docs**: {ABOUT}.\n" in terms


def test_reading_states_every_finding_over_a_threshold_largest_first(outputs: Path) -> None:
    text = (outputs / "report.md").read_text().split("## Reading")[1].split("## Terms")[0]
    assert "Thresholds: 8-gram overlap above GPT-2's 3.2% average; held-out perplexity more than 10%" in text
    crossing = [f for f in _findings(outputs) if f.crosses]
    for kind in dict.fromkeys(f.kind for f in crossing):
        mine = sorted((f for f in crossing if f.kind == kind), key=lambda f: -f.magnitude)
        places = [text.index(f.text if len(mine) == 1 else f.brief) for f in mine]
        assert places == sorted(places), kind


def test_tables_split_into_parts_that_read_on_their_own(outputs: Path) -> None:
    table = read_table(outputs / "memorization.json")
    assert [[c.heading for c in part.columns] for part in table_parts(table)] == [
        ["model", "step", "parameters", "training: extracted", "training: rate", "training: tokens reproduced"],
        ["model", "held out: extracted", "held out: rate", "held out: tokens reproduced", "difference (points)",
         "p-value"]]
    final = table.rows[-1]
    assert final["train_extracted_of"] == f"{final['train_extracted']} of 128"
    assert f"| {final['model']} | 300 | " in (outputs / "report.md").read_text()
    perplexity = read_table(outputs / "perplexity.json")
    assert [c.heading for c in perplexity.columns] == ["model", "train perplexity", "val perplexity",
                                                        "val vs train (%)", "step", "parameters"]
    for name in ("overlap", "perplexity_buckets", "memorization_buckets"):
        headings = [c.heading for c in read_table(outputs / f"{name}.json").columns]
        assert len(set(headings)) == len(headings), name
    assert "sampled from" in [c.heading for c in read_table(outputs / "memorization_buckets.json").columns]


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


@pytest.mark.parametrize("width", [1280, 800])
def test_report_html_fits_the_window(outputs: Path, chromium: Chromium, tmp_path: Path, width: int) -> None:
    """The memorization table once reached 1,320 px in a 1,280-px window, its last columns cut off."""
    layout = chromium.overflow(outputs / "report.html", width, tmp_path)
    assert layout.found == [] and layout.scroll <= layout.width, layout
    assert layout.images and all(natural > 0 for natural in layout.images.values()), layout.images
