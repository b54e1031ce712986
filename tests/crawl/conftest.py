"""Helpers for the crawl tests: run `webtext crawl ...` in a subprocess against the sample web.

Twisted's reactor cannot restart inside one process, so every crawl runs in its own subprocess.
The helper loads only the crawl commands (not every stage's), which keeps start-up short.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_ENTRY = (
    "import argparse, sys\n"
    "from webtext.cli import crawl\n"
    "from webtext.core.entrypoint import run_main\n"
    "from webtext.core.progress import setup_logging\n"
    "parser = argparse.ArgumentParser(prog='webtext')\n"
    "crawl.register(parser.add_subparsers(dest='command'))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "setup_logging()\n"
    "sys.exit(run_main(lambda: args.func(args)))\n"
)

# Fast settings for the sample web: its timeout page sleeps 6 s, longer than the 2.5 s allowed here.
# No web archive: the default one is on the internet; a test that wants one adds the sample web's
# (`RunningSampleWeb.archive_flags`, which come after these and win).
FAST = ["--timeout", "2.5", "--retries", "1", "--throttle-start", "0.05", "--backoff", "0.1",
        "--max-size", str(1 << 20), "--archive", "never"]



def crawl_command(*args: str) -> list[str]:
    return [sys.executable, "-c", _ENTRY, "crawl", *args]


@pytest.fixture(scope="session")
def crawl_argv() -> Callable[..., list[str]]:
    """The command line of `webtext crawl ARGS...` (for `subprocess.Popen`)."""
    return crawl_command


@pytest.fixture(scope="session")
def fast() -> list[str]:
    """Crawl flags that keep the sample web crawl quick."""
    return list(FAST)


@pytest.fixture
def crawl_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `webtext crawl ARGS...`; returns the completed process (text output)."""

    def run(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(crawl_command(*args), capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
        if check and done.returncode != 0:
            raise AssertionError(f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr[-4000:]}")
        return done

    return run
