"""Damaged checkpoints are refused with one line naming the file; a diverged model is never saved;
a checkpoint that cannot be written (disk full) leaves the older ones and no partial files."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file, save_file
from webtext.cli.main import main
from webtext.core.errors import BadFileError, ConfigError, WebtextError
from webtext.train.checkpoint import find_checkpoint, load_model, load_training_state, save_checkpoint
from webtext.train.model import GPT, GPTConfig
from webtext.train.optim import adamw

CONFIG = GPTConfig(n_layer=2, n_head=2, n_embd=16, block_size=8, vocab_size=40)
TRAIN = ("--model", "tiny", "--batch-tokens", "512", "--micro-batch", "8", "--eval-windows", "8",
         "--warmup-steps", "1", "--decay-steps", "10", "--no-progress")


def _saved(directory: Path, step: int = 1, keep: int | None = None) -> Path:
    torch.manual_seed(0)
    model = GPT(CONFIG)
    optimizer = adamw(model, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu"))
    model(torch.zeros(1, 8, dtype=torch.long), torch.zeros(1, 8, dtype=torch.long))[1].backward()  # type: ignore[union-attr]
    optimizer.step()
    return save_checkpoint(directory, model, optimizer, step=step, data_position=8, keep=keep,
                           rng={"cpu.rank0": torch.get_rng_state()})


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_flipped_weight_byte_fails_the_checksum(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    _flip(folder / "model.safetensors", -5)  # inside a tensor: safetensors itself cannot notice
    with pytest.raises(BadFileError, match=r"model\.safetensors.*sha256"):
        load_model(tmp_path)


def test_a_flipped_optimizer_byte_fails_the_checksum(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    _flip(folder / "trainer.safetensors", -5)
    model, _ = load_model(tmp_path)
    optimizer = adamw(model, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu"))
    with pytest.raises(BadFileError, match=r"trainer\.safetensors.*sha256"):
        load_training_state(folder, optimizer)


def _rewrite_weights(folder: Path, change: Any) -> None:
    """Replace the weights with `change(weights)` and record their new checksum, as a model that
    diverged before checksums existed would look."""
    import hashlib

    path = folder / "model.safetensors"
    weights = load_file(path)
    change(weights)
    save_file(weights, path, metadata={"format": "pt"})
    state = json.loads((folder / "state.json").read_text())
    state["checksums"]["model.safetensors"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "state.json").write_text(json.dumps(state))


def test_nan_weights_on_disk_are_refused_by_name(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    _rewrite_weights(folder, lambda w: w["transformer.h.1.mlp.c_fc.weight"].view(-1)[3:5].fill_(float("nan")))
    with pytest.raises(BadFileError, match=r"model\.safetensors.*transformer\.h\.1\.mlp\.c_fc\.weight.*not finite"):
        load_model(tmp_path)


def test_a_non_finite_model_is_never_saved_and_older_checkpoints_stay(tmp_path: Path) -> None:
    _saved(tmp_path, step=1)
    model, _ = load_model(tmp_path)
    with torch.no_grad():
        model.transformer.ln_f.weight[0] = float("inf")
    optimizer = adamw(model, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu"))
    with pytest.raises(WebtextError, match=r"transformer\.ln_f\.weight.*not finite"):
        save_checkpoint(tmp_path, model, optimizer, step=2, data_position=16, keep=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "step-00000001"]
    assert load_model(tmp_path)[1]["step"] == 1


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.pop("step"), "step"),
    (lambda s: s["model_config"].pop("n_layer"), "n_layer"),
    (lambda s: s["model_config"].update(n_layer="2"), "n_layer"),
    (lambda s: s["model_config"].update(n_embd=10**6), "n_embd"),
    (lambda s: s["model_config"].update(vocab_size=10**7, n_embd=4096), "model.safetensors"),
    (lambda s: s.update(data_position=-1), "data_position"),
    (lambda s: s.update(checksums=None), "checksums"),
    (lambda s: s.update(optimizer=[1]), "optimizer"),
])
def test_a_bad_state_json_is_refused_before_allocating(tmp_path: Path, change: Any, message: str) -> None:
    folder = _saved(tmp_path)
    state = json.loads((folder / "state.json").read_text())
    change(state)
    (folder / "state.json").write_text(json.dumps(state))
    with pytest.raises((BadFileError, ConfigError), match=message):
        _load_all(folder)


def _load_all(folder: Path) -> None:
    model, _ = load_model(folder)
    load_training_state(folder, adamw(model, 1e-3, 0.1, (0.9, 0.95), 1e-8, torch.device("cpu")))


def test_sample_and_resume_on_damaged_checkpoints_print_one_error_line(
        tmp_path: Path, text_shards: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--data", str(text_shards), "--out", str(run), "--max-steps", "2", *TRAIN]) == 0
    folder = find_checkpoint(run)
    assert folder is not None
    _rewrite_weights(folder, lambda w: w["transformer.wte.weight"].mul_(float("nan")))
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(run), "--max-new-tokens", "3", "--device", "cpu"]) == 2
    assert main(["train", "--data", str(text_shards), "--out", str(run), "--resume", "--max-steps", "4",
                 *TRAIN]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") and "not finite" in line for line in lines)


def test_a_run_that_diverges_stops_before_saving(tmp_path: Path, text_shards: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    assert main(["train", "--data", str(text_shards), "--out", str(run), "--max-steps", "2", *TRAIN]) == 0
    folder = find_checkpoint(run)
    assert folder is not None
    # finite weights whose logits overflow: the next step's loss is not finite
    _rewrite_weights(folder, lambda w: w["transformer.wte.weight"].mul_(1e30))
    capsys.readouterr()
    assert main(["train", "--data", str(text_shards), "--out", str(run), "--resume", "--max-steps", "4",
                 "--save-every", "1", *TRAIN]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "step 3: the loss is" in err and "not finite" in err
    assert sorted(p.name for p in run.glob("step-*")) == ["step-00000002"]
    assert json.loads((run / "latest.json").read_text())["step"] == 2


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_checkpoint_that_does_not_fit_leaves_no_partial_file(tmp_path: Path, text_shards: Path,
                                                               webtext: Any) -> None:
    run = tmp_path / "run"
    first = webtext.run("train", "--data", text_shards, "--out", run, "--max-steps", "2", *TRAIN)
    assert first.returncode == 0, first.stderr
    weights = (run / "step-00000002" / "model.safetensors").stat().st_size
    # every file of the run but the two tensor files fits under the limit
    assert max(p.stat().st_size for p in run.iterdir() if p.is_file()) < weights // 2
    resumed = subprocess.run(
        webtext.command("train", "--data", text_shards, "--out", run, "--resume", "--max-steps", "3", *TRAIN),
        env=webtext.env, capture_output=True, text=True, timeout=180, check=False,
        preexec_fn=lambda: _limit_file_size(weights // 2))
    assert resumed.returncode == 2, resumed.stderr
    assert "Traceback" not in resumed.stderr, resumed.stderr
    errors = [line for line in resumed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "step-00000003 not saved" in errors[0], resumed.stderr
    assert sorted(p.name for p in run.rglob("*") if "partial" in p.name) == []
    assert sorted(p.name for p in run.glob("step-*")) == ["step-00000002"]
    assert json.loads((run / "latest.json").read_text())["step"] == 2


def test_a_checkpoint_from_before_checksums_still_loads(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    state = json.loads((folder / "state.json").read_text())
    del state["checksums"]
    state["format"] = "webtext-checkpoint/1"
    (folder / "state.json").write_text(json.dumps(state))
    assert load_model(tmp_path)[1]["step"] == 1
