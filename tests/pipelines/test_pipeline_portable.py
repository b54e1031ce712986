"""The path Flink, Spark and Dataflow take: PortableRunner, Beam's job service, an external worker pool.

Both services run as separate processes on 127.0.0.1, the topology of a Flink or Spark cluster
with Python worker-pool sidecars; the shards must be byte-identical to the DirectRunner's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from webtext.sampleweb.server import free_port

BEAM = str(Path(sys.executable).parent / "beam")


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture
def portable_services() -> Iterator[tuple[int, int]]:
    job_port, worker_port = free_port(), free_port()
    job = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main",
                            f"--port={job_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The pool starts SDK workers as `python -c ...`: the environment's python must have webtext installed.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    pool = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                             f"--service_port={worker_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    try:
        wait_for_port(job_port)
        wait_for_port(worker_port)
        yield job_port, worker_port
    finally:
        for process in (job, pool):
            process.terminate()
            process.wait(timeout=30)


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
