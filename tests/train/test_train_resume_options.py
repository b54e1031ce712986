"""A resume keeps the run's schedule: options that would change the learning rate at a step,
the tokens per step or the restored optimizer state are refused by name, saved and new value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webtext.cli.main import main

BASE = ("--model", "tiny", "--micro-batch", "8", "--eval-windows", "8", "--no-progress")
FIRST = ("--max-steps", "2", "--batch-tokens", "512", "--lr", "0.001")


@pytest.fixture(scope="module")
def trained(text_shards: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--data", str(text_shards), "--out", str(out), *BASE, *FIRST]) == 0
    return out


@pytest.mark.parametrize(("changed", "expected"), [
    (("--max-steps", "4", "--batch-tokens", "512", "--lr", "0.001"), "--max-steps 2 (now 4)"),
    (("--max-steps", "2", "--batch-tokens", "1024", "--lr", "0.001"), "--batch-tokens 512 (now 1024)"),
    (("--max-steps", "2", "--batch-tokens", "512", "--lr", "0.002"), "--lr 0.001 (now 0.002)"),
    (("--max-steps", "2", "--batch-tokens", "512", "--lr", "0.001", "--min-lr", "0"), "--min-lr None (now 0.0)"),
    (("--max-steps", "2", "--batch-tokens", "512", "--lr", "0.001", "--weight-decay", "0"),
     "--weight-decay 0.1 (now 0.0)"),
    (("--max-steps", "2", "--batch-tokens", "512", "--lr", "0.001", "--seed", "1"), "--seed 1337 (now 1)"),
])
def test_a_resume_that_changes_the_schedule_is_refused(trained: Path, text_shards: Path, changed: tuple[str, ...],
                                                       expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["train", "--data", str(text_shards), "--out", str(trained), "--resume", *BASE, *changed]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and expected in err, err
    assert json.loads((trained / "latest.json").read_text())["step"] == 2


def test_max_steps_may_grow_when_the_schedule_is_pinned(text_shards: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    pinned = ("--warmup-steps", "2", "--decay-steps", "6")
    assert main(["train", "--data", str(text_shards), "--out", str(tmp_path), *BASE, *pinned,
                 "--batch-tokens", "512", "--max-steps", "2"]) == 0
    capsys.readouterr()
    assert main(["train", "--data", str(text_shards), "--out", str(tmp_path), "--resume", *BASE, "--max-steps",
                 "4", "--batch-tokens", "512"]) == 2  # the default schedule follows --max-steps
    err = capsys.readouterr().err
    assert "--max-steps 2 (now 4)" in err and "pin --warmup-steps 2 --decay-steps 6" in err, err
    assert main(["train", "--data", str(text_shards), "--out", str(tmp_path), "--resume", *BASE, *pinned,
                 "--batch-tokens", "1024", "--max-steps", "4"]) == 2
    assert main(["train", "--data", str(text_shards), "--out", str(tmp_path), "--resume", *BASE, *pinned,
                 "--batch-tokens", "512", "--max-steps", "4"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [row["tokens"] for row in rows] == [512, 1024, 1536, 2048]
