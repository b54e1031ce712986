"""`webtext eval overlap`: a known overlap is measured exactly, and the filter keeps its error rate."""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from webtext.cli.main import main
from webtext.dedup.bloom import NgramBloom
from webtext.eval.overlap import estimated_fp_rate
from webtext.tokenize.bpe import train_tokenizer

from tests.conftest import assert_png_drawn


def _words(rng: random.Random, count: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(count)]


@pytest.fixture(scope="module")
def constructed(tmp_path_factory: pytest.TempPathFactory, make_shards: Callable[..., Path]) -> tuple[Path, Path, Path]:
    """Training shards of random words, and an evaluation set whose 8-gram overlap is exactly 3.2%.

    The evaluation set has 10 documents and 10,000 8-grams; document 3 contains a run of 327
    consecutive training words, i.e. 320 8-grams of the training text. Everything else is fresh
    random words, whose 8-grams cannot be in the training text.
    """
    rng = random.Random(7)
    root = tmp_path_factory.mktemp("overlap")
    vocabulary = _words(rng, 5000)
    train_docs = [" ".join(rng.choice(vocabulary) for _ in range(800)) + "." for _ in range(12)]
    tokenizer = train_tokenizer(train_docs, vocab_size=400)
    shards = make_shards(root / "corpus", {"train": train_docs}, tokenizer)
    copied = train_docs[5].split()[100:427]
    docs = []
    for index in range(10):
        count = 1007 - (327 if index == 3 else 0)
        fresh = [w.capitalize() if i % 11 == 0 else w for i, w in enumerate(_words(rng, count))]
        if index == 3:
            fresh[400:400] = [w.upper() for w in copied]  # case and punctuation are normalized away
        docs.append({"text": ", ".join(fresh)})
    eval_path = root / "eval.jsonl"
    eval_path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    own_path = root / "own_train.txt"
    own_path.write_text(docs[0]["text"] + "\n\n" + " ".join(_words(rng, 50)), encoding="utf-8")
    return shards, eval_path, own_path


def test_known_overlap_measured_within_a_tenth_of_a_point(constructed: tuple[Path, Path, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    shards, eval_path, own_path = constructed
    out = tmp_path / "eval"
    status = main(["eval", "overlap", "--train", str(shards), "--eval", f"made={eval_path}",
                   "--eval-train", f"made={own_path}", "--out", str(out)])
    assert status == 0
    table = json.loads((out / "overlap.json").read_text())
    (row,) = table["rows"]
    assert capsys.readouterr().out == (f"overlap: made {row['percent']:.2f}% of 8-grams in the training text "
                                       f"(GPT-2: 3.2%); 2 tables, 1 figure, train_8grams.bloom in {out}\n")
    assert row["ngrams"] == 10_000
    assert abs(row["percent"] - 3.2) <= 0.1
    assert row["own_train_percent"] == pytest.approx(100 * 1000 / 10_000)  # document 0 is in its own split
    assert table["notes"]["fp_rate_estimated"] <= 1e-8
    with (out / "overlap_documents.csv").open() as handle:
        rates = {int(r["document"]): float(r["rate"]) for r in csv.DictReader(handle)}
    assert rates[3] == pytest.approx(320 / 1000)
    assert all(rate == 0.0 for doc, rate in rates.items() if doc != 3)
    assert "| made | 10 | 10,000 | 3.20 |" in (out / "overlap.md").read_text()
    assert_png_drawn(out / "overlap.png")
    assert main(["eval", "report", "--out", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert f"- **evaluation set made**: given as made={eval_path}; no description.\n" in report
    assert f"- own training split made: {own_path} (sha256:" in report
    assert "Not run: `webtext eval perplexity`, `webtext eval memorization`." in report

    again = tmp_path / "again"
    assert main(["eval", "overlap", "--filter", str(out / "train_8grams.bloom"), "--eval", f"made={eval_path}",
                 "--out", str(again)]) == 0
    assert json.loads((again / "overlap.json").read_text())["rows"][0]["found"] == row["found"]
    assert capsys.readouterr().out.splitlines()[-1].endswith("; 2 tables, 1 figure in " + str(again))


def _random_grams(rng: random.Random, count: int) -> list[str]:
    return [" ".join(f"{rng.getrandbits(40):x}" for _ in range(8)) for _ in range(count)]


@pytest.mark.slow
@pytest.mark.parametrize("fp_rate", [1e-3, 1e-8])
def test_empirical_false_positive_rate_matches_target(fp_rate: float) -> None:
    rng = random.Random(11)
    bloom = NgramBloom.create(100_000, fp_rate)
    bloom.add_ngrams(_random_grams(rng, 100_000))
    estimated = estimated_fp_rate(bloom)
    assert estimated <= fp_rate * 1.1
    queries = _random_grams(rng, 1_000_000)
    false_positives = sum(gram in bloom for gram in queries)
    expected = estimated * len(queries)
    # Binomial: within 5 standard deviations of the estimate (and a few hits at most for 1e-8).
    assert abs(false_positives - expected) <= 5 * math.sqrt(expected) + 3


def test_bad_evaluation_set_is_one_clear_line(constructed: tuple[Path, Path, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shards, eval_path, _ = constructed
    missing = tmp_path / "missing.jsonl"
    assert main(["eval", "overlap", "--train", str(shards), "--eval", f"made={missing}", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: evaluation set made: file not found: {missing}"
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "fine"}\nnot json\n', encoding="utf-8")
    assert main(["eval", "overlap", "--train", str(shards), "--eval", f"made={broken}", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {broken} at line 2:") and "\n" not in err
    assert not list(tmp_path.glob("overlap*"))
    assert main(["eval", "overlap", "--train", str(shards), "--eval", f"made={eval_path}",
                 "--eval-train", f"other={eval_path}", "--out", str(tmp_path)]) == 2
    assert "--eval-train names other" in capsys.readouterr().err
    for about, error in ((["other=a set"], "--about names other, which no --eval set has; use the same NAME"),
                         (["made"], "--about 'made': expected NAME=ONE_LINE")):
        assert main(["eval", "overlap", "--train", str(shards), "--eval", f"made={eval_path}", "--about", *about,
                     "--out", str(tmp_path)]) == 2
        assert capsys.readouterr().err == f"error: {error}\n"
    assert not list(tmp_path.glob("overlap*"))
