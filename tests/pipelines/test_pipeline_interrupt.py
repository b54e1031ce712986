"""One Ctrl-C stops the main job: exit 130 with one `interrupted` line, its workers gone, no output left."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

HANG = 60  # seconds: a hang detector, not a timing claim


def group_processes(group: int) -> list[int]:
    """Live (not zombie) processes of process group `group`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            found.append(int(entry.name))
    return found


def workers_started(group: int) -> bool:
    for pid in group_processes(group):
        try:
            if b"sdk_worker_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("target", [pytest.param("terminal", id=f"terminal-{n}") for n in (1, 2, 3)]  # thrice: it raced
                         + [pytest.param("process", id="process")])
def test_one_ctrl_c_stops_the_job_and_its_workers(target: str, many_warcs: Path, small_tokenizer: Path,
                                                  tmp_path: Path, job_command: Callable[..., list[str]],
                                                  leftovers: Callable[[Path], list[str]], repo_root: Path) -> None:
    output = tmp_path / "corpus"
    job = subprocess.Popen(job_command(f"{many_warcs}/*.warc.gz", output, f"--tokenizer={small_tokenizer}",
                                       "--direct_num_workers=2"),
                           cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not workers_started(job.pid) and job.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.poll() is None and workers_started(job.pid), "the job's workers never started"
        if target == "terminal":  # Ctrl-C in a terminal signals the whole foreground process group
            os.killpg(job.pid, signal.SIGINT)
        else:
            job.send_signal(signal.SIGINT)
        stdout, stderr = job.communicate(timeout=HANG)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.communicate()
    assert job.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert group_processes(job.pid) == []
    assert not output.exists()
    assert leftovers(output) == []
