"""DDP: two CPU processes under torchrun (gloo) reach the same losses as one process with the
same global batch, within 1e-5, and the data order does not depend on the process count."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

FLAGS = ("--model", "tiny", "--batch-tokens", "1024", "--micro-batch", "8", "--max-steps", "8",
         "--eval-every", "4", "--eval-windows", "16", "--save-every", "0", "--no-progress")


def _val_losses(run_dir: Path) -> dict[int, float]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return {row["step"]: row["val_loss"] for row in rows if "val_loss" in row}


def test_two_processes_match_one(webtext: Any, text_shards: Path, tmp_path: Path) -> None:
    single = webtext.run("train", "--data", text_shards, "--out", tmp_path / "one", *FLAGS)
    assert single.returncode == 0, single.stderr
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun is not None
    command = [torchrun, "--standalone", "--nproc-per-node", "2", "-m", "webtext.cli.main",
               "train", "--data", str(text_shards), "--out", str(tmp_path / "two"), *FLAGS]
    double = subprocess.run(command, env=webtext.env, capture_output=True, text=True, timeout=180, check=False)
    assert double.returncode == 0, double.stderr[-3000:]
    one, two = webtext.losses(tmp_path / "one"), webtext.losses(tmp_path / "two")
    assert sorted(one) == sorted(two) == list(range(1, 9))
    for step in one:
        assert two[step] == pytest.approx(one[step], abs=1e-5), step
    assert one[8] < one[1]  # it trained
    val_one, val_two = _val_losses(tmp_path / "one"), _val_losses(tmp_path / "two")
    assert sorted(val_one) == [4, 8]
    assert val_two == pytest.approx(val_one, abs=1e-5)
    config = (tmp_path / "two" / "run.json").read_text()
    assert '"world_size": 2' in config and '"accumulation": 1' in config
    assert '"accumulation": 2' in (tmp_path / "one" / "run.json").read_text()
