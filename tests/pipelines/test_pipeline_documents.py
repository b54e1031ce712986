"""The main job's cleaned documents as Parquet files in documents/, and the bounded sample of the train
split its tokenizer is trained on."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import datasets
import pandas as pd
import pytest
from webtext.core.urls import doc_id
from webtext.pipelines.documents import file_count, in_sample, sample_fraction
from webtext.sampleweb.server import RunningSampleWeb
from webtext.tokenize.shards import ShardSet

SPLITS = ("train", "val", "test")
FILE_BYTES = 20_000
SAMPLE_BYTES = 10_000
Job = Callable[..., list[str]]
COLUMNS = {"id", "url", "domain", "title", "date", "language", "language_score", "fetched_at", "reddit", "split",
           "text"}


def _run(job_command: Job, sample_warc: Path, output: Path, repo_root: Path, *args: str) -> None:
    command = job_command(f"{sample_warc}/*.warc.gz", output, "--vocab-size=512", "--val-fraction=0.1",
                          "--test-fraction=0.1", *args)
    result = subprocess.run(command, capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def trained(sample_warc: Path, job_command: Job, tmp_path_factory: pytest.TempPathFactory,
            repo_root: Path) -> dict[int, Path]:
    """The job with a trained tokenizer, a tiny sample budget and small documents files, on 1 and 2 workers."""
    outputs = {}
    for workers in (2, 1):
        outputs[workers] = tmp_path_factory.mktemp(f"workers{workers}") / "corpus"
        _run(job_command, sample_warc, outputs[workers], repo_root, f"--tokenizer-sample-bytes={SAMPLE_BYTES}",
             f"--documents-bytes={FILE_BYTES // 1000}kB", f"--direct_num_workers={workers}")
    return outputs


def _frame(output: Path) -> pd.DataFrame:
    return pd.read_parquet(output / "documents")  # the whole directory, its index file skipped


@pytest.mark.slow
def test_documents_load_with_datasets_and_pandas_one_row_per_kept_document(
        trained: dict[int, Path], sample_web: RunningSampleWeb) -> None:
    output = trained[2]
    frame = _frame(output)
    assert set(frame.columns) >= COLUMNS
    kept = {doc_id(t.final_url or t.url) for t in sample_web.truth.values() if t.kept}
    assert sorted(frame["id"]) == sorted(kept)
    files = {split: sorted(str(f) for f in (output / "documents").glob(f"{split}-*.parquet")) for split in SPLITS}
    loaded = datasets.load_dataset("parquet", data_files=files, cache_dir=str(output.parent / "hf-cache"))
    for split in SPLITS:
        rows = loaded[split]
        assert set(rows.column_names) >= COLUMNS
        assert set(rows["split"]) <= {split}
        assert sorted(rows["id"]) == sorted(ShardSet.open(output, split).doc_ids)
    with_posts = [posts for posts in frame["reddit"] if len(posts)]
    assert with_posts and {"post_id", "subreddit", "score", "created_utc"} <= set(with_posts[0][0])
    assert frame["text"].str.len().min() > 0 and frame["url"].str.startswith("http").all()


@pytest.mark.slow
def test_documents_files_are_sized_by_split_sorted_and_identical_on_one_and_two_workers(
        trained: dict[int, Path]) -> None:
    output = trained[2]
    index = json.loads((output / "documents" / "_index.json").read_text())
    frame = _frame(output)
    for split in SPLITS:
        text_bytes = sum(len(t.encode("utf-8")) for t in frame[frame["split"] == split]["text"])
        count = file_count(text_bytes, FILE_BYTES)
        assert count > 1 or split != "train"
        expected = [f"{split}-{i:05d}-of-{count:05d}.parquet" for i in range(count)]
        assert sorted(p.name for p in (output / "documents").glob(f"{split}-*")) == expected  # empty ones too
    for entry in index["files"]:
        path = output / "documents" / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        ids = list(pd.read_parquet(path)["id"])
        assert ids == sorted(ids) and len(ids) == entry["documents"]
    one = {p.name: p.read_bytes() for p in sorted((trained[1] / "documents").iterdir())}
    two = {p.name: p.read_bytes() for p in sorted((output / "documents").iterdir())}
    assert one == two


@pytest.mark.slow
def test_the_tokenizer_learns_from_a_bounded_sample_chosen_by_id(trained: dict[int, Path]) -> None:
    output = trained[2]
    report = json.loads((output / "report.json").read_text())
    sample = report["tokenizer_sample"]
    train = _frame(output).query("split == 'train'")
    train_bytes = sum(len(t.encode("utf-8")) for t in train["text"])
    assert sample["budget_bytes"] == SAMPLE_BYTES and sample["train_bytes"] == train_bytes > SAMPLE_BYTES
    fraction = sample_fraction(SAMPLE_BYTES, train_bytes)
    assert sample["fraction"] == fraction
    chosen = train[[in_sample(i, fraction) for i in train["id"]]]
    assert 0 < sample["documents"] == len(chosen) < len(train)
    assert sample["bytes"] == sum(len(t.encode("utf-8")) for t in chosen["text"])
    assert "Tokenizer training sample" in (output / "report.md").read_text()
    config = json.loads((output / "config.json").read_text())
    assert config["job"]["tokenizer_sample_bytes"] == SAMPLE_BYTES
    assert config["documents"] == {"documents": True, "documents_bytes": FILE_BYTES}
    manifests = [json.loads((trained[w] / "manifest.json").read_text()) for w in (1, 2)]
    assert manifests[0]["tokenizer"] == manifests[1]["tokenizer"]
    assert (trained[1] / "tokenizer.json").read_bytes() == (output / "tokenizer.json").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("tokenizer", ["train", "given"])
def test_no_documents_leaves_no_documents_folder(tokenizer: str, sample_warc: Path, small_tokenizer: Path,
                                                 job_command: Job, tmp_path: Path, repo_root: Path) -> None:
    output = tmp_path / "corpus"
    choice = "train" if tokenizer == "train" else str(small_tokenizer)
    _run(job_command, sample_warc, output, repo_root, "--no-documents", f"--tokenizer={choice}")
    assert not (output / "documents").exists() and not (output / ".staging").exists()
    assert sum(len(ShardSet.open(output, split).doc_ids) for split in SPLITS) > 0
    report = json.loads((output / "report.json").read_text())
    assert report["documents"] is None
    assert (report["tokenizer_sample"] is None) == (tokenizer == "given")
