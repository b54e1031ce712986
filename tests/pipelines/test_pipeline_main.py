"""The main job end to end: WARC files in, exactly the ground truth's survivors out, every record counted."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from webtext.core.urls import doc_id
from webtext.pipelines.accounting import check
from webtext.sampleweb.server import RunningSampleWeb
from webtext.tokenize.shards import ShardSet

BEAM = str(Path(sys.executable).parent / "beam")


def run_job(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BEAM, "run", "pipelines/webtext.py", *args], capture_output=True, text=True, timeout=270)


def shard_bytes(directory: Path) -> dict[str, bytes]:
    """The bytes of every output that must not depend on the runner: shards, documents files and their records."""
    files = [*directory.iterdir(), *(directory / "documents").iterdir()]
    return {p.name: p.read_bytes() for p in sorted(files)
            if p.suffix in (".arrow", ".parquet") or p.name in ("manifest.json", "tokenizer.json",
                                                                 "dead-letters.jsonl", "_index.json")}


def survivors(web: RunningSampleWeb) -> set[str]:
    return {doc_id(t.final_url or t.url) for t in web.truth.values() if t.kept}


def shard_ids(directory: Path) -> set[str]:
    ids: set[str] = set()
    for split in ("train", "val", "test"):
        ids |= set(ShardSet.open(directory, split).doc_ids)
    return ids


@pytest.fixture(scope="module")
def direct_run(sample_warc: Path, small_tokenizer: Path, tmp_path_factory: pytest.TempPathFactory,
               repo_root: Path) -> Path:
    out = tmp_path_factory.mktemp("direct")
    result = subprocess.run([BEAM, "run", "pipelines/webtext.py", f"--input={sample_warc}/*.warc.gz",
                             f"--output={out}", f"--tokenizer={small_tokenizer}", "--val-fraction=0.1",
                             "--test-fraction=0.1", "--shards-per-split=3", "--direct_num_workers=2"],
                            capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.mark.slow
def test_shards_hold_exactly_the_survivors(direct_run: Path, sample_web: RunningSampleWeb) -> None:
    assert shard_ids(direct_run) == survivors(sample_web)
    manifest = json.loads((direct_run / "manifest.json").read_text())
    report = json.loads((direct_run / "report.json").read_text())
    total, kept, dropped = check(report["accounting"])
    assert report["runner"] == "FnApiRunner"  # the local runner itself, never the DirectRunner's Prism download
    assert total == len(list(sample_web.site.fetched_pages()))
    assert kept == len(survivors(sample_web))
    assert sum(manifest["drops"].values()) == dropped
    expected_drops = {f"clean:{t.clean_drop}" for t in sample_web.truth.values() if t.fetched and t.clean_drop}
    expected_drops |= {f"dedup:{t.dedup_drop}" for t in sample_web.truth.values() if t.fetched and t.dedup_drop}
    assert set(manifest["drops"]) == expected_drops
    assert {split: len(entry["shards"]) for split, entry in manifest["splits"].items()} == {
        "train": 3, "val": 3, "test": 3}  # --shards-per-split, written in parallel, empty ones included
    for name in ("report.md", "report.png", "dead-letters.jsonl", "documents/_index.json"):
        assert (direct_run / name).exists()


@pytest.mark.slow
def test_the_report_counts_languages_before_and_after_the_clean_filters(direct_run: Path) -> None:
    report = json.loads((direct_run / "report.json").read_text())
    cleaned = next(row["documents"] for row in report["stages"] if row["stage"] == "clean")
    dropped_by_clean = sum(n for reason, n in report["accounting"].items() if reason.startswith("clean:"))
    assert report["languages"]["kept"] == {"en": cleaned}  # the sample web is written in English
    assert cleaned < sum(report["languages"]["extracted"].values()) <= cleaned + dropped_by_clean
    table = (direct_run / "report.md").read_text().split("## Languages")[1]
    assert f"| en | {report['languages']['extracted']['en']:,} | {cleaned:,} |" in table


@pytest.mark.slow
def test_one_and_two_workers_give_identical_bytes(direct_run: Path, sample_warc: Path, small_tokenizer: Path,
                                                  tmp_path: Path, repo_root: Path) -> None:
    result = subprocess.run([BEAM, "run", "pipelines/webtext.py", f"--input={sample_warc}/*.warc.gz",
                             f"--output={tmp_path}", f"--tokenizer={small_tokenizer}", "--val-fraction=0.1",
                             "--test-fraction=0.1", "--shards-per-split=3", "--direct_num_workers=1"],
                            capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]
    assert shard_bytes(tmp_path) == shard_bytes(direct_run)


@pytest.mark.slow
def test_damaged_warc_files_go_to_dead_letters(sample_warc: Path, small_tokenizer: Path, tmp_path: Path,
                                               repo_root: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    files = sorted(sample_warc.glob("*.warc.gz"))
    good, victim = files[0], files[1]
    (inputs / good.name).write_bytes(good.read_bytes())
    data = victim.read_bytes()
    (inputs / "truncated.warc.gz").write_bytes(data[: len(data) * 2 // 3])
    (inputs / "garbage.warc.gz").write_bytes(gzip.compress(b"this is not a WARC record\r\n\r\n" * 50))
    out = tmp_path / "out"
    result = subprocess.run([BEAM, "run", "pipelines/webtext.py", f"--input={inputs}/*.warc.gz", f"--output={out}",
                             f"--tokenizer={small_tokenizer}", "--direct_num_workers=2"],
                            capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]
    dead = [json.loads(line) for line in (out / "dead-letters.jsonl").read_text().splitlines()]
    sources = {d["source"].split(":")[0].rsplit("/", 1)[-1] for d in dead}
    assert sources == {"truncated.warc.gz", "garbage.warc.gz"}
    assert all(":" in d["source"] and d["error"] for d in dead)
    report = json.loads((out / "report.json").read_text())
    total, kept, _ = check(report["accounting"])
    assert report["accounting"]["read:unreadable"] == 2
    assert kept > 0 and total > kept


def test_help_lists_the_pipeline_options(repo_root: Path) -> None:
    result = subprocess.run([BEAM, "run", "pipelines/webtext.py", "--help"], capture_output=True, text=True,
                            cwd=repo_root)
    assert result.returncode == 0
    for option in ("--input", "--output", "--tokenizer", "--eval", "--decontaminate", "--threshold", "--config",
                   "--val-fraction", "--test-fraction", "--shard-bytes", "--min-words", "PortableRunner",
                   "--no-documents", "--documents-bytes", "--tokenizer-sample-bytes"):
        assert option in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--input=/nonexistent/*.warc.gz"], "error: no input matches /nonexistent/*.warc.gz"),
    (["--tokenizer=/nonexistent/tokenizer.json"], "error: tokenizer not found: /nonexistent/tokenizer.json"),
    (["--val-fraction=0.7", "--test-fraction=0.5"], "error: split fractions must be"),
    (["--eval=oops"], "error: evaluation set 'oops' must be given as NAME=PATH"),
    (["--shard-bytes=12parsecs"], "beam run pipelines/webtext.py: error: argument --shard-bytes: not a size"),
    (["--shard-bytes=0"], "error: --shard-bytes must be at least 1 (got 0)"),
    (["--shards-per-split=0"], "error: --shards-per-split must be at least 1 (got 0)"),
    (["--documents-bytes=0"], "error: --documents-bytes must be at least 1 (got 0)"),
    (["--tokenizer-sample-bytes=2 parsecs"], "beam run pipelines/webtext.py: error: argument --tokenizer-sample-bytes: "
                                            "not a size"),
    (["--threshold=1.5"], "error: --threshold must be between 0 and 1, both excluded (got 1.5)"),
    (["--threshold=1"], "error: --threshold must be between 0 and 1, both excluded (got 1.0)"),
    (["--min-wrods=3"], "error: unknown option(s): --min-wrods (see"),  # as typed, not as Beam renames it
])
def test_bad_configuration_fails_before_work_with_one_line(args: list[str], message: str, sample_warc: Path,
                                                            repo_root: Path) -> None:
    result = subprocess.run([BEAM, "run", "pipelines/webtext.py", f"--input={sample_warc}/*.warc.gz", *args],
                            capture_output=True, text=True, cwd=repo_root)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(message)
    assert "Traceback" not in result.stderr and "Discarding" not in result.stderr


@pytest.mark.slow
def test_config_json_beside_the_shards_reproduces_the_run_through_webtext_corpus(
        direct_run: Path, tmp_path: Path, repo_root: Path) -> None:
    config = json.loads((direct_run / "config.json").read_text())
    assert config["split"] == {"val_fraction": 0.1, "test_fraction": 0.1}
    assert config["job"]["output"] == str(direct_run)
    assert config["dedup"]["threshold"] == 0.8 and config["shards"]["shard_bytes"] == 256 * 2**20
    again = tmp_path / "again"
    result = subprocess.run([str(Path(BEAM).parent / "webtext"), "corpus", "--config", str(direct_run / "config.json"),
                             f"--output={again}", "--direct_num_workers=1"],
                            capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]
    assert shard_bytes(again) == shard_bytes(direct_run)
    assert json.loads((again / "config.json").read_text()) == {**config, "job": {**config["job"], "output": str(again)}}


def test_flags_override_the_config_file_of_the_job(sample_warc: Path, tmp_path: Path, repo_root: Path) -> None:
    settings = tmp_path / "job.toml"
    settings.write_text(f'input = "{sample_warc}/*.warc.gz"\n[split]\nval_fraction = 0.25\ntest_fraction = 0.5\n')
    result = run_job("--config", str(settings), "--test-fraction=0.75")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == ("error: split fractions must be non-negative and leave room "
                                                      "for train (val 0.25, test 0.75): change "
                                                      "--val-fraction/--test-fraction")
