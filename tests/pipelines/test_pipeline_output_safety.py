"""The main job's output directory: never a foreign directory overwritten, never a file of an older
run beside the new manifest, never a half-written folder when the input holds no page, and a
warning for every empty split."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from webtext.core.entrypoint import run_main

Job = Callable[..., list[str]]
TOKENIZER_FILES = {"tokenizer.json", "vocab.json", "merges.txt"}
JOB_FILES = {"manifest.json", "config.json", "report.json", "report.md", "report.html", "DATACARD.md", "report.png",
             "dead-letters.jsonl", "documents", "domains.csv", "domains.png", "funnel.png",
             "lengths.png"} | TOKENIZER_FILES


def run(command: list[str], repo_root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=repo_root, timeout=600)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and result.stderr.strip().splitlines()[-1] == errors[0], result.stderr[-3000:]
    return errors[0]


def manifest_files(output: Path) -> set[str]:
    manifest = json.loads((output / "manifest.json").read_text())
    return {shard["file"] for split in manifest["splits"].values() for shard in split["shards"]}


def test_a_foreign_non_empty_directory_is_refused_untouched(sample_warc: Path, small_tokenizer: Path, tmp_path: Path,
                                                            job_command: Job, leftovers: Callable[[Path], list[str]],
                                                            repo_root: Path) -> None:
    output = tmp_path / "thesis"
    output.mkdir()
    (output / "chapter1.tex").write_text("years of work\n")
    result = run(job_command(f"{sample_warc}/*.warc.gz", output, f"--tokenizer={small_tokenizer}"), repo_root)
    line = one_error_line(result)
    assert str(output) in line and "--overwrite" in line and "--output" in line
    assert sorted(p.name for p in output.iterdir()) == ["chapter1.tex"]
    assert leftovers(output) == []


@pytest.mark.slow
def test_reruns_replace_the_output_whole_and_warn_of_empty_splits(
        sample_warc: Path, small_tokenizer: Path, tmp_path: Path, job_command: Job,
        leftovers: Callable[[Path], list[str]], repo_root: Path) -> None:
    output = tmp_path / "corpus"
    output.mkdir()
    (output / "stray.txt").write_text("not the job's\n")
    warcs = f"{sample_warc}/*.warc.gz"
    first = run(job_command(warcs, output, f"--tokenizer={small_tokenizer}", "--overwrite", "--shard-bytes=20000",
                            "--val-fraction=0.1", "--test-fraction=0.1"), repo_root)
    assert first.returncode == 0, first.stderr[-3000:]
    old_shards = manifest_files(output)
    assert len([f for f in old_shards if f.startswith("train-")]) > 1
    assert {p.name for p in output.iterdir()} == JOB_FILES | old_shards
    assert "warning" not in first.stdout
    # the directory now holds this job's output: a rerun replaces it without --overwrite. A val
    # fraction of 1e-12 leaves val empty but with probability (documents x 1e-12); 1e-4 put a
    # document there in some runs, as the sample web's URLs, and so the ids, carry its free port
    second = run(job_command(warcs, output, f"--tokenizer={small_tokenizer}", "--val-fraction=1e-12",
                             "--test-fraction=0.1"), repo_root)
    assert second.returncode == 0, second.stderr[-3000:]
    new_shards = manifest_files(output)
    assert old_shards - new_shards  # the shard count changed: the old names must be gone
    assert {p.name for p in output.iterdir()} == JOB_FILES | new_shards
    assert leftovers(output) == []
    report = json.loads((output / "report.json").read_text())
    assert [w for w in report["warnings"] if "val" in w and "empty" in w]
    assert "empty" in (output / "report.md").read_text().split("## Documents per stage")[0]
    assert "val split is empty" in second.stdout and "val split is empty" in second.stderr


def _warc(records: list[tuple[str, str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for kind, uri, body in records:
        headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.com")], is_http_request=True) \
            if kind == "request" else None
        writer.write_record(writer.create_warc_record(uri, kind, payload=io.BytesIO(body), http_headers=headers,
                                                      warc_content_type="text/plain" if kind == "conversion" else None))
    return buffer.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "content"), [
    ("empty.warc.gz", b""),
    ("requests.warc.gz", _warc([("request", f"http://example.com/{i}", b"") for i in range(3)])),
    ("pages.warc.wet.gz", _warc([("conversion", f"http://example.com/{i}", b"plain text " * 50) for i in range(3)])),
])
def test_input_without_pages_is_one_error_and_no_output(name: str, content: bytes, small_tokenizer: Path,
                                                        tmp_path: Path, job_command: Job,
                                                        leftovers: Callable[[Path], list[str]],
                                                        repo_root: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / name).write_bytes(content)
    output = tmp_path / "out"
    result = run(job_command(f"{inputs}/*.gz", output, f"--tokenizer={small_tokenizer}",
                             "--direct_num_workers=1"), repo_root)
    line = one_error_line(result)
    assert f"{inputs}/*.gz" in line
    assert not output.exists()
    assert leftovers(output) == []



def test_an_unbalanced_accounting_fails_in_the_job_process_as_one_error(capsys: pytest.CaptureFixture[str]) -> None:
    from webtext.pipelines.options import JobConfig
    from webtext.pipelines.webtext import _checked

    counts = {"input": 5, "kept:train": 3, "clean:empty": 1}
    # inside a worker the summary is only gathered: a raise there would reach the user as Beam's traceback,
    # so the check runs on the gathered summary, in the job's own process
    summary = {"accounting": counts}
    config = JobConfig.__new__(JobConfig)
    object.__setattr__(config, "input", "in/*.warc.gz")
    assert run_main(lambda: _checked(summary, config) and 0) == 2
    assert capsys.readouterr().err.startswith("error: main job: accounting does not balance: read 5")
