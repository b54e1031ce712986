"""Checkpoints resume exactly: a run killed with SIGKILL and resumed repeats the straight run's
losses at every step (with dropout on, so RNG states must be restored too); SIGTERM saves first."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

# Same flags for every run; the schedule is pinned so that --max-steps does not change it.
FLAGS = ("--model", "tiny", "--batch-tokens", "2048", "--micro-batch", "16", "--dropout", "0.1",
         "--warmup-steps", "3", "--decay-steps", "40", "--eval-every", "10", "--eval-windows", "16",
         "--no-progress")


def _wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.01)


def test_sigkill_then_resume_repeats_every_loss(webtext: Any, text_shards: Path, tmp_path: Path) -> None:
    straight = webtext.run("train", "--data", text_shards, "--out", tmp_path / "straight", "--max-steps", "40",
                           "--save-every", "0", *FLAGS)
    assert straight.returncode == 0, straight.stderr
    expected = webtext.losses(tmp_path / "straight")

    killed = tmp_path / "killed"
    process = webtext.start("train", "--data", text_shards, "--out", killed, "--max-steps",
                            "100000", "--save-every", "10", *FLAGS)
    _wait_for(killed / "latest.json", process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    saved = json.loads((killed / "latest.json").read_text())["step"]
    assert 10 <= saved <= 30

    resumed = webtext.run("train", "--data", text_shards, "--out", killed, "--resume", "--max-steps",
                          str(saved + 10), "--save-every", "0", *FLAGS)
    assert resumed.returncode == 0, resumed.stderr
    got = webtext.losses(killed)
    assert sorted(got) == list(range(1, saved + 11))
    assert got == {step: expected[step] for step in got}  # bit-identical, step by step


def test_sigterm_saves_a_checkpoint_and_exits_143(webtext: Any, text_shards: Path, tmp_path: Path) -> None:
    process = webtext.start("train", "--data", text_shards, "--out", tmp_path, "--max-steps",
                            "100000", "--save-every", "0", *FLAGS)
    _wait_for(tmp_path / "train_config.json", process)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert f"stopped by SIGTERM at step {latest['step']}" in stdout
    assert sorted(webtext.losses(tmp_path)) == list(range(1, latest["step"] + 1))
