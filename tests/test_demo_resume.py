"""The demo's training step survives an interruption: the rerun is not skipped and finishes the run.

The demo's own crawl and corpus steps build a corpus once; each test copies it and runs the
demo's training step (`Demo.train`, which runs `webtext train`) in a subprocess, interrupts it
for real once training has started (the trainer writes train_config.json just before its first
step), and runs the step again.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from webtext.core.atomic import write_json
from webtext.sampleweb.demo import Demo, _checkpoint_files
from webtext.sampleweb.server import RunningSampleWeb

STEPS = 20  # tiny-model steps asked for; the interruption is sent as the first one starts
# One run of the step (20 tiny-model steps, its torch import included) took 7 to 10 s here on 2
# busy cores and is bounded at RUN_TIMEOUT; a test waits on at most five such bounds (its start
# counts as one). The first test also builds the corpus (20 to 30 s here): each limit allows a sixth.
RUN_TIMEOUT = 180
TEST_TIMEOUT = 6 * RUN_TIMEOUT + 60

TRAIN_STEP = """
import sys
from pathlib import Path
from webtext.sampleweb.demo import Demo
from webtext.core.entrypoint import run_main
sys.exit(run_main(lambda: Demo(Path(sys.argv[1]), steps=1, port=0).train("tiny", "3e-3", int(sys.argv[2]))))
"""
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "WEBTEXT_PROGRESS": "plain"}


@pytest.fixture(scope="module")
def demo_corpus(sample_web: RunningSampleWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output root after the demo's crawl and corpus steps."""
    out = tmp_path_factory.mktemp("demo")
    demo = Demo(out, steps=2, port=sample_web.port)
    demo.crawl(sample_web)
    demo.corpus(sample_web)
    return out


@pytest.fixture
def out(demo_corpus: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo's output root, without any training."""
    shutil.copytree(demo_corpus, tmp_path / "out", ignore=shutil.ignore_patterns("crawl", "sampleweb"))
    return tmp_path / "out"


def start_training(out: Path, steps: int) -> subprocess.Popen[str]:
    """The demo's training step, in its own process group (as a terminal runs a command)."""
    return subprocess.Popen([sys.executable, "-c", TRAIN_STEP, str(out), str(steps)], env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    """`process` once it has exited, with its output."""
    stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run_training(out: Path, steps: int) -> subprocess.CompletedProcess[str]:
    return finished(start_training(out, steps))


def wait_until_training(run_dir: Path, process: subprocess.Popen[str]) -> None:
    """Return once the trainer has written its configuration, just before its first step."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (run_dir / "train_config.json").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{run_dir}/train_config.json did not appear"
        time.sleep(0.01)


def interrupted_training(out: Path, interrupt: Callable[[subprocess.Popen[str]], None]
                         ) -> subprocess.CompletedProcess[str]:
    """The demo's training step, `interrupt`ed once training has started, run to its exit."""
    demo = start_training(out, STEPS)
    wait_until_training(out / "checkpoints" / "tiny", demo)
    interrupt(demo)
    return finished(demo)


def trainer_of(demo: subprocess.Popen[str]) -> int:
    """The process id of the step's command, the demo process's only child."""
    children = Path(f"/proc/{demo.pid}/task/{demo.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def trained_steps(run_dir: Path) -> tuple[int, list[int]]:
    """(the latest checkpoint's step, the steps of metrics.jsonl)."""
    latest = json.loads((run_dir / "latest.json").read_text())["step"]
    rows = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return latest, rows


def assert_finished(result: subprocess.CompletedProcess[str], run_dir: Path, steps: int) -> None:
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "skipped" not in result.stdout
    assert trained_steps(run_dir) == (steps, list(range(1, steps + 1)))


@pytest.mark.slow
@pytest.mark.timeout(TEST_TIMEOUT)
def test_ctrl_c_during_training_then_rerun_resumes_to_the_requested_steps(out: Path) -> None:
    run_dir = out / "checkpoints" / "tiny"
    stopped = interrupted_training(out, lambda demo: os.killpg(demo.pid, signal.SIGINT))  # Ctrl-C: both get it
    assert stopped.returncode == 130, stopped.stdout[-2000:] + stopped.stderr[-3000:]
    saved, rows = trained_steps(run_dir)  # the trainer stopped cleanly and saved where it was
    assert 1 <= saved < STEPS and rows == list(range(1, saved + 1))

    rerun = run_training(out, STEPS)
    assert "--resume" in rerun.stdout
    assert_finished(rerun, run_dir, STEPS)
    again = run_training(out, STEPS)
    assert again.returncode == 0 and "up to date" in again.stdout and "skipped" in again.stdout

    fewer = run_training(out, STEPS // 2)  # other options: trained again from the start, not reused
    assert "--resume" not in fewer.stdout
    assert_finished(fewer, run_dir, STEPS // 2)


@pytest.mark.slow
@pytest.mark.timeout(TEST_TIMEOUT)
@pytest.mark.parametrize(("sent", "status", "last_line"), [
    # SIGINT to the step alone: the demo takes the step's exit 130 as its own Ctrl-C (which the kernel may
    # have handed to one of its server threads, where it interrupts no wait) and stops as interrupted
    (signal.SIGINT, 130, "interrupted"),
    # any other end of the step is a failure of the step
    (signal.SIGTERM, 2, "error: demo step failed"),
])
def test_a_training_run_stopped_by_a_signal_is_not_taken_as_finished(out: Path, sent: signal.Signals, status: int,
                                                                   last_line: str) -> None:
    run_dir = out / "checkpoints" / "tiny"
    # the step alone: it saves, writes its loss curve and exits
    stopped = interrupted_training(out, lambda demo: os.kill(trainer_of(demo), sent))
    last = stopped.stderr.rstrip().splitlines()[-1]
    assert stopped.returncode == status and last.startswith(last_line), stopped.stdout[-2000:] + stopped.stderr[-3000:]
    assert (run_dir / "loss.png").exists() and trained_steps(run_dir)[0] < STEPS

    assert_finished(run_training(out, STEPS), run_dir, STEPS)


OPTIONS = {"model": "tiny", "lr": "3e-3", "steps": STEPS, "micro_batch": 32, "corpus": "0" * 64}
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)


def _valid_record() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        write_json(Path(tmp) / "record.json", {"step": "train-tiny", "options": OPTIONS})
        return (Path(tmp) / "record.json").read_bytes()


VALID = _valid_record()


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.integers(0, len(VALID)).map(lambda n: VALID[:n]),
                 st.tuples(st.integers(0, len(VALID) - 1), st.binary(min_size=1, max_size=4)).map(
                     lambda cut: VALID[:cut[0]] + cut[1] + VALID[cut[0] + len(cut[1]):]),
                 JSON.map(lambda value: json.dumps(value).encode()),
                 JSON.map(lambda value: json.dumps({"options": value}).encode())))
def test_a_damaged_step_record_means_the_step_runs_again(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        demo = Demo(Path(tmp), steps=1, port=0)
        for state in ("done", "started"):
            demo.record("train-tiny", state).parent.mkdir(parents=True, exist_ok=True)
            demo.record("train-tiny", state).write_bytes(content)
        try:
            parsed = json.loads(content.decode("utf-8"))
        except ValueError:
            parsed = None
        whole = isinstance(parsed, dict) and parsed.get("options") == OPTIONS
        assert demo.done("train-tiny", OPTIONS, "same options") is whole  # else not done: the step runs
        assert demo.begin("train-tiny", OPTIONS) is whole  # a damaged start record: train from the start
        assert not demo.record("train-tiny").exists() and demo.record("train-tiny", "started").read_bytes() == VALID
        pointer = Path(tmp) / "checkpoints" / "tiny" / "latest.json"
        pointer.parent.mkdir(parents=True)
        pointer.write_bytes(content)
        assert _checkpoint_files(pointer.parent)[0] == pointer
