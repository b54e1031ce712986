"""tokenize/ is a namespace portion: the standard library's `tokenize` still wins (ARCHITECTURE §2)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path


def test_stdlib_tokenize_wins_from_the_repository_root(repo_root: Path) -> None:
    assert not (repo_root / "tokenize" / "__init__.py").exists()
    code = ("import tokenize, inspect, traceback; print(tokenize.__file__); "
            "import webtext.tokenize.bpe, webtext.tokenize.shards, webtext.tokenize.beam; "
            "print(webtext.tokenize.shards.__file__)")
    result = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True,
                            check=True)
    stdlib_file, shards_file = result.stdout.split()
    assert Path(stdlib_file) == Path(sysconfig.get_paths()["stdlib"]) / "tokenize.py"
    assert Path(shards_file) == repo_root / "tokenize" / "shards.py"
