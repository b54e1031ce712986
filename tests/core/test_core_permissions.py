"""Outputs get the mode a plain `open()` or `mkdir()` would give them under the process's umask:
files 0666 and directories 0777 less the umask, whether written atomically or staged whole."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from webtext.cli.main import main
from webtext.core.atomic import atomic_write, write_json
from webtext.core.docfiles import write_documents
from webtext.core.document import Document
from webtext.core.tables import Column, Table
from webtext.crawl.warc.write import Fetched, RollingWarcWriter
from webtext.sampleweb.corpus import prose_pool
from webtext.sampleweb.server import RunningSampleWeb
from webtext.tokenize.bpe import train_tokenizer
from webtext.tokenize.shards import ShardWriter, write_manifest
from webtext.train.checkpoint import save_checkpoint
from webtext.train.model import GPT, GPTConfig

BEAM = str(Path(sys.executable).parent / "beam")


@pytest.fixture(params=[0o022, 0o077], ids=["umask-022", "umask-077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process's umask for the test (and the commands it starts), restored afterwards."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def assert_modes(root: Path, umask: int) -> None:
    """Every file and directory under `root` (and `root` itself) has the umask's mode."""
    assert root.is_dir() and any(root.iterdir()), f"{root} holds no output"
    wrong = []
    for path in [root, *sorted(root.rglob("*"))]:
        expected = (0o777 if path.is_dir() else 0o666) & ~umask
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode != expected:
            wrong.append(f"{path.relative_to(root.parent)}: {mode:04o}, not {expected:04o}")
    assert not wrong, "\n".join(wrong)


def test_atomic_writes(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "out"
    with atomic_write(out / "data.bin") as handle:
        handle.write(b"bytes")
    with atomic_write(out / "nested" / "text.txt", "w") as handle:
        handle.write("text")
    write_json(out / "data.json", {"a": 1})
    assert_modes(out, umask)


def test_eval_table(tmp_path: Path, umask: int) -> None:
    table = Table("perplexity", "Perplexity", [Column("set", "Set"), Column("ppl", "PPL", ".2f")],
                  [{"set": "val", "ppl": 12.5}])
    table.write(tmp_path / "tables")
    assert_modes(tmp_path / "tables", umask)


def test_tokenizer_save(tmp_path: Path, umask: int) -> None:
    train_tokenizer(list(prose_pool())[:200], vocab_size=300).save(tmp_path / "tokenizer")
    assert_modes(tmp_path / "tokenizer", umask)


def test_shards_and_manifest(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "shards"
    rng = np.random.default_rng(0)
    with ShardWriter(out, "train", "h" * 64, 1001, 4096) as writer:
        for index in range(50):
            writer.write(f"doc{index}", rng.integers(0, 1000, 100))
    write_manifest(out, writer.close())
    assert (out / "manifest.json").is_file()
    assert_modes(out, umask)


def test_checkpoint_and_hugging_face_export(tmp_path: Path, umask: int) -> None:
    torch.manual_seed(0)
    model = GPT(GPTConfig(n_layer=1, n_head=2, n_embd=16, block_size=8, vocab_size=97))
    optimizer = torch.optim.AdamW(model.parameters())
    for step in (1, 2):
        save_checkpoint(tmp_path / "checkpoints", model, optimizer, step=step, data_position=step, keep=2)
    tokenizer = tmp_path / "tokenizer.json"
    tokenizer.write_text(json.dumps({"version": "1.0", "model": {"type": "BPE"}}))
    assert main(["export-hf", "--checkpoint", str(tmp_path / "checkpoints"), "--tokenizer", str(tokenizer),
                 "--out", str(tmp_path / "hf")]) == 0
    assert_modes(tmp_path / "checkpoints", umask)
    assert_modes(tmp_path / "hf", umask)


@pytest.mark.slow
def test_dedup_outputs(tmp_path: Path, umask: int) -> None:
    texts = [" ".join(f"word{i * 7 + j}" for j in range(60)) for i in range(6)]
    docs = [Document(id=f"doc{i}", url=f"http://site.test/{i}", domain="site.test", text=texts[i % 4])
            for i in range(6)]
    write_documents(tmp_path / "docs.jsonl", docs)
    assert main(["dedup", "--input", str(tmp_path / "docs.jsonl"), "--output", str(tmp_path / "out/kept.jsonl")]) == 0
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"kept.jsonl", "kept.dropped.jsonl", "kept.report.json"}
    assert_modes(tmp_path / "out", umask)


@pytest.mark.slow
def test_main_job_output(sample_web: RunningSampleWeb, tmp_path: Path, repo_root: Path, umask: int) -> None:
    warc = tmp_path / "warc"
    writer = RollingWarcWriter(warc)
    for _, page in zip(range(20), sample_web.site.fetched_pages(), strict=False):
        writer.write(Fetched(link_url=page.url, url=page.url, status=200, reason="OK", headers=list(page.headers),
                             body=page.body, request_headers=[], fetched_at=page.fetched_at,
                             reddit_json=json.dumps([p.to_dict() for p in page.reddit])))
    writer.close()
    out = tmp_path / "corpus"
    done = subprocess.run([BEAM, "run", "pipelines/webtext.py", f"--input={warc}/*.warc.gz", f"--output={out}",
                           "--vocab-size=300", "--direct_num_workers=1"],
                          capture_output=True, text=True, cwd=repo_root, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "manifest.json").is_file() and (out / "report.json").is_file()
    assert_modes(out, umask)
