"""Fixtures of the pipeline tests: the sample web's pages in WARC files, a tokenizer, and one run of
the main job whose output the report and data card tests read."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from webtext.crawl.warc.write import Fetched, RollingWarcWriter
from webtext.sampleweb.server import RunningSampleWeb
from webtext.tokenize.bpe import train_tokenizer


@pytest.fixture(scope="session")
def sample_warc(sample_web: RunningSampleWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every page the sample web's truth says is fetched, written by the crawler's WARC writer."""
    directory = tmp_path_factory.mktemp("warc")
    writer = RollingWarcWriter(directory, max_bytes=200_000)
    for page in sample_web.site.fetched_pages():
        writer.write(Fetched(link_url=page.url, url=page.url, status=200, reason="OK", headers=list(page.headers),
                             body=page.body, request_headers=[("User-Agent", "webtext-tests")],
                             fetched_at=page.fetched_at, reddit_json=json.dumps([p.to_dict() for p in page.reddit])))
        if writer.full:
            writer.close()
    writer.close()
    return directory


@pytest.fixture(scope="session")
def small_tokenizer(sample_web: RunningSampleWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,024-token byte-level BPE trained on the sample web's article text."""
    texts = [t.article_text for t in sample_web.truth.values() if t.article_text]
    directory = tmp_path_factory.mktemp("tokenizer")
    train_tokenizer(texts, vocab_size=1024).save(directory)
    return directory / "tokenizer.json"



BEAM = str(Path(sys.executable).parent / "beam")


def _job_command(warcs: str, output: Path, *args: str) -> list[str]:
    return [BEAM, "run", "pipelines/webtext.py", f"--input={warcs}", f"--output={output}", *args]


def _leftovers(output: Path) -> list[str]:
    found = [p.name for p in output.parent.glob(f".{output.name}*")]
    return sorted(found + [str(p) for p in output.parent.rglob("*partial*")])


@pytest.fixture(scope="session")
def job_command() -> Callable[..., list[str]]:
    """`job_command(glob, output, *options)`: the `beam run pipelines/webtext.py` command line."""
    return _job_command


@pytest.fixture(scope="session")
def leftovers() -> Callable[[Path], list[str]]:
    """`leftovers(output)`: hidden in-progress siblings of `output` and `.partial` files beside it."""
    return _leftovers


@pytest.fixture(scope="session")
def many_warcs(sample_warc: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty copies of the sample web's WARC files: a job that runs long enough to be interrupted."""
    directory = tmp_path_factory.mktemp("many")
    for copy in range(40):
        for warc in sorted(sample_warc.glob("*.warc.gz")):
            shutil.copyfile(warc, directory / f"copy{copy:02d}-{warc.name}")
    return directory


@pytest.fixture(scope="session")
def reported_job(sample_web: RunningSampleWeb, sample_warc: Path,
                 tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """The output of one run of the main job on the sample web's WARC files with its evaluation sets, in
    two phases (a trained tokenizer) on two workers: shards, documents files, report and data card, read
    by the tests of what the job reports (marked `xdist_group("reported_job")`, so one worker runs it)."""
    out = tmp_path_factory.mktemp("reported") / "corpus"
    command = _job_command(f"{sample_warc}/*.warc.gz", out, "--vocab-size=512", "--val-fraction=0.1",
                           "--test-fraction=0.1", "--direct_num_workers=2", "--eval", *sample_web.eval_sets)
    result = subprocess.run(command, capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]
    (out.parent / "stdout.txt").write_text(result.stdout, encoding="utf-8")  # the job's summary line
    return out
