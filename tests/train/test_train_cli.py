"""`webtext train`, `sample`, `export-hf` and `import-hf` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from webtext.cli.main import main
from webtext.train.checkpoint import load_model

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def run_dir(text_shards: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--data", str(text_shards), "--model", "tiny", "--out", str(out), "--max-steps", "3",
                 "--batch-tokens", "512", "--micro-batch", "8", "--eval-windows", "8", "--no-progress"]) == 0
    return out


def test_train_writes_checkpoint_metrics_plot_and_resolved_config(run_dir: Path) -> None:
    config = json.loads((run_dir / "train_config.json").read_text())
    resolved = json.loads((run_dir / "run.json").read_text())
    assert config["train"]["model"] == "tiny" and resolved["model"]["vocab_size"] == 512
    assert resolved["batch"] == {"accumulation": 1, "global_windows": 8, "world_size": 1, "dtype": "torch.float32",
                                 "device": "cpu"}
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2, 3] and "val_loss" in rows[-1]
    assert all(row["tokens_per_s"] > 0 and "mfu" not in row for row in rows)  # no MFU on a CPU
    assert (run_dir / "loss.png").stat().st_size > 0
    assert (run_dir / "tokenizer.json").is_file()


def test_train_config_read_back_with_config_trains_the_same_run(run_dir: Path, tmp_path: Path) -> None:
    assert main(["train", "--config", str(run_dir / "train_config.json"), "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "train_config.json").read_text())["train"] == {
        **json.loads((run_dir / "train_config.json").read_text())["train"], "out": str(tmp_path)}
    losses = [[json.loads(line)["loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]
              for out in (run_dir, tmp_path)]
    assert losses[0] == losses[1]


def test_sample_prints_prompt_and_seeded_continuations(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sample", "--checkpoint", str(run_dir), "--prompt", "The list", "--max-new-tokens", "12",
            "--num-samples", "2", "--top-k", "20", "--top-p", "0.9", "--temperature", "0.8", "--seed", "3"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert first.count("--- sample") == 2 and first.count("The list") == 2
    assert main(args) == 0
    assert capsys.readouterr().out == first


def test_export_then_import_round_trips_through_transformers(run_dir: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-hf", "--checkpoint", str(run_dir), "--out", str(tmp_path / "hf")]) == 0
    hf_model = transformers.GPT2LMHeadModel.from_pretrained(tmp_path / "hf").eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")
    ids = torch.tensor([tokenizer("def f(x): return x")["input_ids"]])
    ours, _ = load_model(run_dir)
    with torch.no_grad():
        torch.testing.assert_close(hf_model(ids).logits, ours.eval()(ids)[0], atol=1e-5, rtol=0)
    assert main(["import-hf", "--hf-dir", str(tmp_path / "hf"), "--out", str(tmp_path / "back")]) == 0
    back, state = load_model(tmp_path / "back")
    assert back.config == ours.config and state["step"] == 0
    assert torch.equal(back.transformer.wte.weight, ours.transformer.wte.weight)
    assert main(["import-hf", "--hf-dir", str(tmp_path / "hf"), "--out", str(tmp_path / "back")]) == 2
    assert capsys.readouterr().err.strip().endswith("already holds a checkpoint; choose another --out")


def test_missing_shards_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--data", str(tmp_path / "none"), "--model", "tiny", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "manifest.json" in err[0]


def test_existing_run_needs_resume_and_the_same_model(run_dir: Path, text_shards: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    base = ["train", "--data", str(text_shards), "--out", str(run_dir), "--max-steps", "4", "--batch-tokens", "1024",
            "--micro-batch", "8", "--no-progress"]
    assert main([*base, "--model", "tiny"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: {run_dir} already holds a checkpoint; pass --resume to continue it, or choose another --out"]
    assert main([*base, "--model", "mini", "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: checkpoint") and "another model (n_layer 2 vs 4" in err[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is there: --device cuda works")
def test_sample_on_a_gpu_that_is_not_there_is_one_clear_line(run_dir: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--checkpoint", str(run_dir), "--device", "cuda"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: --device cuda was asked for, but torch sees no GPU; use --device cpu"]


@pytest.mark.parametrize(("args", "flag"), [
    (["sample"], "--checkpoint"), (["export-hf", "--out", "hf"], "--checkpoint"),
    (["export-hf", "--checkpoint", "run"], "--out"), (["import-hf", "--out", "run"], "--hf-dir"),
    (["import-hf", "--hf-dir", "hf"], "--out"),
])
def test_a_missing_required_flag_is_one_clear_line(args: list[str], flag: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: give {flag} ")
    assert not list(tmp_path.iterdir())  # refused before any work
