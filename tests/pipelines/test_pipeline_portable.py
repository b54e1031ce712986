"""The path Flink, Spark and Dataflow take: PortableRunner, Beam's job service, an external worker pool.

Both services run as separate processes on 127.0.0.1, the topology of a Flink or Spark cluster
with Python worker-pool sidecars; the shards must be byte-identical to the DirectRunner's. Beam's
local job service runs every job on one SDK worker, so the shards written by several external
workers at once are compared too: the Fn API runner drives two workers started by the same pool.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.transforms.environments import ExternalEnvironment
from webtext.core.document import Document
from webtext.sampleweb.corpus import prose_pool
from webtext.sampleweb.server import free_port
from webtext.tokenize.beam import TokenizeAndWrite
from webtext.tokenize.manifest import write_manifest

BEAM = str(Path(sys.executable).parent / "beam")


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _start(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            **options)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def worker_pool() -> Iterator[int]:
    """The port of an external SDK worker pool; each worker it starts is a process of its own."""
    port = free_port()
    # The pool starts SDK workers as `python -c ...`: the environment's python must have webtext installed.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    pool = _start(["apache_beam.runners.worker.worker_pool_main", f"--service_port={port}"], env=env)
    try:
        wait_for_port(port)
        yield port
    finally:
        _stop(pool)


@pytest.fixture
def portable_services(worker_pool: int) -> Iterator[tuple[int, int]]:
    job_port = free_port()
    job = _start(["apache_beam.runners.portability.local_job_service_main", f"--port={job_port}"])
    try:
        wait_for_port(job_port)
        yield job_port, worker_pool
    finally:
        _stop(job)


@pytest.mark.slow
@pytest.mark.timeout(900)  # two jobs of 240 s, the services' start (2 x 60 s) and stop (2 x 30 s)
def test_portable_runner_with_external_worker_pool_matches_direct(
        portable_services: tuple[int, int], sample_warc: Path, small_tokenizer: Path, tmp_path: Path,
        repo_root: Path) -> None:
    job_port, worker_port = portable_services
    common = [f"--input={sample_warc}/*.warc.gz", f"--tokenizer={small_tokenizer}", "--val-fraction=0.1",
              "--test-fraction=0.1"]
    portable = subprocess.run(
        [BEAM, "run", "pipelines/webtext.py", *common, f"--output={tmp_path / 'portable'}", "--runner=PortableRunner",
         f"--job_endpoint=localhost:{job_port}", "--environment_type=EXTERNAL",
         f"--environment_config=localhost:{worker_port}"],
        capture_output=True, text=True, cwd=repo_root, timeout=240)
    assert portable.returncode == 0, portable.stderr[-3000:]
    direct = subprocess.run([BEAM, "run", "pipelines/webtext.py", *common, f"--output={tmp_path / 'direct'}"],
                            capture_output=True, text=True, cwd=repo_root, timeout=240)
    assert direct.returncode == 0, direct.stderr[-3000:]
    names = sorted(p.name for p in (tmp_path / "direct").iterdir()
                   if p.suffix == ".arrow" or p.name in ("manifest.json", "dead-letters.jsonl"))
    assert any(name.startswith("train-") for name in names)
    for name in names:
        assert (tmp_path / "portable" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes(), name


def _mark_worker(pair: tuple[str, Document], directory: str) -> tuple[str, Document]:
    """`pair`, after leaving a file named after the process that handles it in `directory`."""
    Path(directory, str(os.getpid())).touch()
    return pair


def _write_shards(runner: fn_runner.FnApiRunner, workers: int, tokenizer: Path, output: Path, seen: Path) -> None:
    pairs = [("val" if index % 10 == 0 else "train",
              Document(id=f"{index * 7919 % 1000:03d}-{index}", url=f"http://site.test/{index}", domain="site.test",
                       text=text)) for index, text in enumerate(list(prose_pool())[:200])]
    transform = TokenizeAndWrite(tokenizer, output, f"{output}-spill", shard_bytes=4096)
    with beam.Pipeline(runner=runner, options=PipelineOptions(flags=[], direct_num_workers=workers)) as pipeline:
        _ = ((pipeline | beam.Create(pairs) | beam.Map(_mark_worker, os.fspath(seen)) | transform).shards
             | beam.combiners.ToList()
             | beam.Map(lambda infos: write_manifest(output, infos, tokenizer_file=transform.tokenizer_file)))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_external_workers_write_the_same_shards_as_one_in_process_worker(
        worker_pool: int, small_tokenizer: Path, tmp_path: Path) -> None:
    for name in ("seen-external", "seen-in-process"):
        (tmp_path / name).mkdir()
    external = fn_runner.FnApiRunner(default_environment=ExternalEnvironment(f"localhost:{worker_pool}"))
    _write_shards(external, 2, small_tokenizer, tmp_path / "external", tmp_path / "seen-external")
    _write_shards(fn_runner.FnApiRunner(), 1, small_tokenizer, tmp_path / "in-process", tmp_path / "seen-in-process")
    workers = {int(p.name) for p in (tmp_path / "seen-external").iterdir()}
    assert len(workers) == 2 and os.getpid() not in workers  # two processes of the pool did the work
    assert [p.name for p in (tmp_path / "seen-in-process").iterdir()] == [str(os.getpid())]
    names = sorted(p.name for p in (tmp_path / "in-process").iterdir())
    assert sum(name.startswith("train-") for name in names) > 2 and "manifest.json" in names
    assert names == sorted(p.name for p in (tmp_path / "external").iterdir())
    for name in names:
        assert (tmp_path / "external" / name).read_bytes() == (tmp_path / "in-process" / name).read_bytes(), name
