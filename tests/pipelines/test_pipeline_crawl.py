"""The whole chain over real HTTP: crawl the sample web, run the main job, get exactly the survivors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from webtext.core.urls import doc_id
from webtext.pipelines.accounting import check
from webtext.sampleweb.server import RunningSampleWeb
from webtext.tokenize.shards import ShardSet

BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_crawl_then_pipeline_keeps_exactly_the_ground_truth_survivors(
        sample_web: RunningSampleWeb, small_tokenizer: Path, tmp_path: Path, repo_root: Path) -> None:
    crawl = subprocess.run(
        [str(BIN / "webtext"), "crawl", "run", "--api-base", sample_web.api_base, "--subreddit",
         *sample_web.site.subreddits, "--sort", "new", "--dump", *map(str, sample_web.dump_files),
         "--hosts-file", str(sample_web.hosts_file), "--allow-private", "--timeout", "3", "--retries", "1",
         *sample_web.archive_flags, "--store", str(tmp_path / "links.sqlite"), "--warc-dir", str(tmp_path / "warc")],
        capture_output=True, text=True, timeout=240)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    out = tmp_path / "corpus"
    job = subprocess.run([str(BIN / "beam"), "run", "pipelines/webtext.py", f"--input={tmp_path}/warc/*.warc.gz",
                          f"--output={out}", f"--tokenizer={small_tokenizer}", "--val-fraction=0.1",
                          "--test-fraction=0.1", "--direct_num_workers=2"],
                         capture_output=True, text=True, cwd=repo_root, timeout=240)
    assert job.returncode == 0, job.stderr[-3000:]
    ids = set()
    for split in ("train", "val", "test"):
        shards = ShardSet.open(out, split)
        ids |= set(shards.doc_ids)
        ends = shards.doc_offsets[1:] - 1
        assert (shards.tokens[ends] == shards.eot_id).all()
    assert ids == {doc_id(t.final_url or t.url) for t in sample_web.truth.values() if t.kept}
    total, kept, _ = check(json.loads((out / "report.json").read_text())["accounting"])
    assert total == len({t.normalized for t in sample_web.truth.values() if t.fetched})
    assert kept == len(ids)
