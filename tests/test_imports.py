"""The rooms import one way: cli → pipelines/train/eval → stages → core (docs/architecture.md).

Every `import webtext.X` / `from webtext.X` line of the package is read from the source, so a new
edge (a stage importing `pipelines/`, `core/` importing a stage) fails here with the file named.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ALLOWED = {
    "core": set(),
    "crawl": {"core"},
    "dedup": {"core"},
    "tokenize": {"core"},
    "sampleweb": {"core"},
    "clean": {"core", "crawl"},
    "train": {"core", "tokenize"},
    "eval": {"core", "tokenize", "dedup", "train"},
    "pipelines": {"core", "crawl", "clean", "dedup", "tokenize"},
    "cli": {"core", "crawl", "clean", "dedup", "tokenize", "train", "eval", "pipelines", "sampleweb"},
}
IMPORT = re.compile(r"^\s*(?:from|import) webtext\.(\w+)", re.MULTILINE)


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_a_room_imports_only_the_rooms_below_it(room: str, repo_root: Path) -> None:
    wrong = [f"{path.relative_to(repo_root)} imports webtext.{target}"
             for path in sorted((repo_root / room).rglob("*.py"))
             for target in IMPORT.findall(path.read_text(encoding="utf-8"))
             if target != room and target not in ALLOWED[room]]
    assert not wrong, "\n".join(wrong)


def test_the_warc_library_and_the_link_store_need_nothing_else_of_the_crawler(repo_root: Path) -> None:
    inner = re.compile(r"^\s*(?:from|import) webtext\.crawl\.(\w+)", re.MULTILINE)
    for room in ("warc", "links"):
        for path in sorted((repo_root / "crawl" / room).rglob("*.py")):
            outside = set(inner.findall(path.read_text(encoding="utf-8"))) - {room}
            assert not outside, f"{path.relative_to(repo_root)} imports webtext.crawl.{outside}"
