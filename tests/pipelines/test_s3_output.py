"""The main job with `--output s3://...` against a real S3 server (moto's, on 127.0.0.1): every
output lands in the bucket, none on the local disk; `webtext shards inspect` and `webtext train`
read the corpus from there; a rerun replaces it whole; a prefix of someone else's is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from webtext.cli.main import main
from webtext.core.entrypoint import run_main
from webtext.pipelines.webtext import run as run_job_in_process
from webtext.tokenize.shard_reader import ShardSet, cache_folder

from tests.s3server import S3Server, s3_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("s3")]  # the tests take turns with one bucket

Job = Callable[..., list[str]]
OUTPUT = "s3://bucket/out"
OPTIONS = ("--val-fraction=0.25", "--test-fraction=0.1", "--direct_num_workers=1")
JOB_FILES = {"manifest.json", "config.json", "report.json", "report.md", "report.html", "DATACARD.md", "report.png",
             "dead-letters.jsonl", "tokenizer.json", "vocab.json", "merges.txt", "documents/_index.json",
             "domains.csv", "domains.png", "funnel.png", "lengths.png"}


def local_env() -> dict[str, str]:
    """This process's environment without AWS settings: the job reaches S3 through its --s3_* options only."""
    return {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def expected_keys(manifest: dict, documents: dict, prefix: str = "out/") -> set[str]:  # type: ignore[type-arg]
    shards = {shard["file"] for split in manifest["splits"].values() for shard in split["shards"]}
    return {prefix + name for name in JOB_FILES | shards | {f"documents/{f['file']}" for f in documents["files"]}}


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        server.create_bucket("bucket")
        yield server


@pytest.fixture(scope="module")
def local_run(sample_warc: Path, small_tokenizer: Path, job_command: Job, repo_root: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("local") / "corpus"
    result = run(job_command(f"{sample_warc}/*.warc.gz", output, f"--tokenizer={small_tokenizer}", *OPTIONS),
                 repo_root, local_env())
    assert result.returncode == 0, result.stderr[-3000:]
    return output


@pytest.fixture(scope="module")
def s3_run(s3: S3Server, sample_warc: Path, small_tokenizer: Path, job_command: Job,
           repo_root: Path) -> subprocess.CompletedProcess[str]:
    """The job of `local_run`, into the bucket."""
    assert not (repo_root / "s3:").exists()
    return run(job_command(f"{sample_warc}/*.warc.gz", OUTPUT, f"--tokenizer={small_tokenizer}", *OPTIONS,
                           *s3.beam_options), repo_root, local_env())


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def reader_env(s3: S3Server, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """boto3's environment for this process (readers take the server from it) and the tests' cache folder."""
    for name, value in {**s3.environ, "WEBTEXT_CACHE_DIR": str(cache)}.items():
        monkeypatch.setenv(name, value)
    return cache


def test_every_output_of_the_job_is_in_the_bucket_and_none_on_disk(s3_run: subprocess.CompletedProcess[str],
                                                                   s3: S3Server, local_run: Path,
                                                                   repo_root: Path) -> None:
    assert s3_run.returncode == 0, s3_run.stderr[-3000:]
    assert f"in {OUTPUT}" in s3_run.stdout
    assert not (repo_root / "s3:").exists()
    manifest = json.loads(s3.get("bucket", "out/manifest.json"))
    documents = json.loads(s3.get("bucket", "out/documents/_index.json"))
    assert set(s3.objects("bucket")) == expected_keys(manifest, documents)  # no staging or partial prefix left
    for name in ("manifest.json", "tokenizer.json", "dead-letters.jsonl", "domains.csv", *manifest_shards(manifest)):
        assert s3.get("bucket", f"out/{name}") == (local_run / name).read_bytes(), name  # the same corpus
    config = json.loads(s3.get("bucket", "out/config.json"))
    assert config["job"]["output"] == OUTPUT
    assert json.loads(s3.get("bucket", "out/report.json"))["splits"] == json.loads(
        (local_run / "report.json").read_text())["splits"]


def manifest_shards(manifest: dict) -> list[str]:  # type: ignore[type-arg]
    return [shard["file"] for split in manifest["splits"].values() for shard in split["shards"]]


def test_shards_inspect_downloads_the_corpus_once_and_shows_what_a_local_run_shows(
        s3_run: subprocess.CompletedProcess[str], local_run: Path, reader_env: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def figures(directory: str) -> list[str]:
        assert main(["shards", "inspect", directory]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].startswith(f"{directory}: ")
        return [line for line in lines[1:] if not line.startswith("tokenizer ")]  # which names its file

    assert figures(OUTPUT) == figures(str(local_run))
    copy = cache_folder(OUTPUT)
    assert copy.is_relative_to(reader_env)
    files = {path.name: path.stat().st_ino for path in copy.iterdir()}
    assert "tokenizer.json" in files and any(name.endswith(".arrow") for name in files)
    assert figures(OUTPUT) == figures(str(local_run))
    assert {path.name: path.stat().st_ino for path in copy.iterdir() if path.name != "manifest.json"} == {
        name: inode for name, inode in files.items() if name != "manifest.json"}  # nothing downloaded again


def test_the_trainer_reads_the_corpus_from_the_bucket(s3_run: subprocess.CompletedProcess[str], reader_env: Path,
                                                       tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    assert main(["train", "--data", OUTPUT, "--model", "tiny", "--block-size", "32", "--out", str(run_dir),
                 "--max-steps", "2", "--batch-tokens", "256", "--micro-batch", "8", "--eval-windows", "4",
                 "--no-progress"]) == 0
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2] and "val_loss" in rows[-1]
    assert (run_dir / "tokenizer.json").read_bytes() == (cache_folder(OUTPUT) / "tokenizer.json").read_bytes()


def test_a_second_run_replaces_the_first_and_leaves_nothing_of_it(
        s3_run: subprocess.CompletedProcess[str], s3: S3Server, sample_warc: Path, job_command: Job,
        repo_root: Path, reader_env: Path) -> None:
    """This time the tokenizer is trained (from a sample the job keeps in the bucket), the documents
    files are not kept and each split has two shards: what the first run wrote under other names goes."""
    old_tokenizer = s3.get("bucket", "out/tokenizer.json")
    result = run(job_command(f"{sample_warc}/*.warc.gz", OUTPUT, "--vocab-size=300", "--no-documents",
                             "--shards-per-split=2", *OPTIONS, *s3.beam_options), repo_root, local_env())
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads(s3.get("bucket", "out/manifest.json"))
    assert all(len(split["shards"]) == 2 for split in manifest["splits"].values())
    assert set(s3.objects("bucket")) == expected_keys(manifest, {"files": []}) - {"out/documents/_index.json"}
    assert s3.get("bucket", "out/tokenizer.json") != old_tokenizer
    assert json.loads(s3.get("bucket", "out/report.json"))["tokenizer_sample"]["documents"] > 0
    # the cached copy of the first corpus is brought up to date: its shards go, the new ones come
    assert ShardSet.open(OUTPUT, "train").n_docs == manifest["splits"]["train"]["n_docs"]
    assert {p.name for p in cache_folder(OUTPUT).glob("train-*")} == {
        shard["file"] for shard in manifest["splits"]["train"]["shards"]}


def test_a_prefix_holding_foreign_objects_is_refused(s3: S3Server, sample_warc: Path, job_command: Job,
                                                     repo_root: Path) -> None:
    s3.put("bucket", "thesis/chapter1.tex", b"years of work\n")
    result = run(job_command(f"{sample_warc}/*.warc.gz", "s3://bucket/thesis", *OPTIONS, *s3.beam_options),
                 repo_root, local_env())
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "s3://bucket/thesis" in errors[0] and "--overwrite" in errors[0]
    assert s3.objects("bucket", "thesis") == {"thesis/chapter1.tex": 14}
    assert not s3.objects("bucket", ".thesis")


def test_without_boto3_an_s3_output_is_one_error_line_naming_the_extra(
        sample_warc: Path, small_tokenizer: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` raises ImportError
    assert run_main(lambda: run_job_in_process([f"--input={sample_warc}/*.warc.gz", "--output=s3://bucket/none",
                                                f"--tokenizer={small_tokenizer}"])) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("error: s3://bucket/none") and "pip install 'webtext[aws]'" in lines[-1]
    assert "Traceback" not in "\n".join(lines)
