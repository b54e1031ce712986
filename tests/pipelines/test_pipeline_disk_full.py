"""A full disk during the main job: one `error:` line, exit 2, no partial file and no half output.

The disk fills for real: the job runs with `RLIMIT_FSIZE` lowered (and SIGXFSZ ignored, as Python
does), so its writes past the limit fail with EFBIG exactly where a full disk fails with ENOSPC.
"""

from __future__ import annotations

import resource
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

LIMIT = 100_000  # bytes: above every small file of a shard directory, below the sample web's train shard


def _limited() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


@pytest.mark.slow
def test_a_full_disk_is_one_error_and_no_output(sample_warc: Path, small_tokenizer: Path, tmp_path: Path,
                                                job_command: Callable[..., list[str]],
                                                leftovers: Callable[[Path], list[str]], repo_root: Path) -> None:
    output = tmp_path / "corpus"
    result = subprocess.run(job_command(f"{sample_warc}/*.warc.gz", output, f"--tokenizer={small_tokenizer}",
                                        "--direct_num_workers=1", "--shard-bytes=1000000"),
                            capture_output=True, text=True, cwd=repo_root, timeout=600, preexec_fn=_limited)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and result.stderr.strip().splitlines()[-1] == errors[0]
    assert str(output) in errors[0]
    assert not output.exists()
    assert leftovers(output) == []
