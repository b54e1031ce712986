"""The README and docs/ keep their promises: runnable blocks run, links lead somewhere, the front
door stays short.

Every shell block marked ```bash runnable, in the README and in every docs/*.md (README first,
then the docs files in name order), runs as written after the demo: the fixture runs the demo
(with fewer training steps) in a scratch directory laid out like the repository root, then each
block runs there with bash, in order, and must succeed. The fast tests check the README's first
block and length, that it links every docs file, and that every relative link in the README and
docs/ names a file that exists and, with a `#fragment`, a heading of that file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from webtext.sampleweb.server import free_port

pytestmark = pytest.mark.xdist_group("readme")  # one worker runs the demo once for every block
BLOCK = re.compile(r"^```bash runnable\n(.*?)^```", re.DOTALL | re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
README_MAX_LINES = 250
# Measured here on 2 cores shared with other work: `webtext demo --steps 40` took 150 s at a load
# average of 2 and 370 s at 4; the slowest block (a second run of the main job) took 17 s. The
# demo's bound is four times its slower figure; a block's is wider, as most of its time is
# interpreter and Beam start-up, which a busy machine slows the most. The first block's test also
# runs the demo (the module fixture), so its pytest limit holds both bounds and a margin.
DEMO_TIMEOUT = 4 * 370
BLOCK_TIMEOUT = 300
BLOCK_TEST_TIMEOUT = DEMO_TIMEOUT + BLOCK_TIMEOUT + 120
ROOT = Path(__file__).resolve().parent.parent


def documents(root: Path) -> list[Path]:
    """The README, then every docs/*.md in name order: the order their runnable blocks run in."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def runnable_blocks(root: Path) -> list[tuple[str, str]]:
    """(file relative to `root`, block) for every ```bash runnable block, in running order."""
    return [(path.relative_to(root).as_posix(), block) for path in documents(root)
            for block in BLOCK.findall(path.read_text(encoding="utf-8"))]


def prose(text: str) -> str:
    """Markdown without its fenced blocks and code spans, where headings and links are read."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def anchors(text: str) -> set[str]:
    """The fragment of every heading as GitHub writes it: lower case, punctuation removed, spaces
    to hyphens, and `-1`, `-2`, ... after a repeated one."""
    seen: dict[str, int] = {}
    result = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(f"{slug}-{count}" if count else slug)
    return result


def relative_links(path: Path) -> list[str]:
    """The link targets of `path` that are neither web addresses nor mail."""
    return [target for target in LINK.findall(prose(path.read_text(encoding="utf-8")))
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


@pytest.fixture(scope="module")
def after_demo(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    workdir = tmp_path_factory.mktemp("readme")
    for name in ("pipelines", "README.md", "docs"):
        (workdir / name).symlink_to(repo_root / name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    demo = subprocess.run(["webtext", "demo", "--steps", "40", "--port", str(free_port())], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=DEMO_TIMEOUT)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
    assert "webtext demo finished" in demo.stdout
    return workdir, env


def test_the_readme_starts_with_the_two_commands(repo_root: Path) -> None:
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.*?)```", text, re.DOTALL)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_the_readme_is_a_front_door(repo_root: Path) -> None:
    lines = (repo_root / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move reference text to docs/"


def test_the_readme_links_every_docs_file(repo_root: Path) -> None:
    readme = repo_root / "README.md"
    linked = {(readme.parent / target.split("#")[0]).resolve() for target in relative_links(readme)}
    docs = sorted((repo_root / "docs").glob("*.md"))
    assert docs, "docs/ holds no Markdown file"
    assert [path.name for path in docs if path.resolve() not in linked] == []


@pytest.mark.parametrize("document", documents(ROOT), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(document: Path, repo_root: Path) -> None:
    broken = []
    for target in relative_links(document):
        name, _, fragment = target.partition("#")
        path = (document.parent / name).resolve() if name else document
        if not path.exists() or repo_root.resolve() not in (path, *path.parents):
            broken.append(f"{target}: no such file in the repository")
        elif fragment and (path.suffix != ".md" or fragment not in anchors(path.read_text(encoding="utf-8"))):
            broken.append(f"{target}: no heading #{fragment} in {path.name}")
    assert broken == []


def test_anchors_are_written_as_github_writes_them() -> None:
    text = "# Crawl: links\n## The main job (`pipelines/webtext.py`, Apache Beam)\n## Commands\n## Commands\n" \
           "```bash\n# a comment, not a heading\n```\n"
    assert anchors(text) == {"crawl-links", "the-main-job-pipelineswebtextpy-apache-beam", "commands", "commands-1"}


@pytest.mark.slow
@pytest.mark.timeout(BLOCK_TEST_TIMEOUT)
@pytest.mark.parametrize("block", [pytest.param(block, id=f"{name}-{index}") for index, (name, block)
                                   in enumerate(runnable_blocks(ROOT))])
def test_runnable_block(block: str, after_demo: tuple[Path, dict[str, str]]) -> None:
    workdir, env = after_demo
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=workdir, env=env, capture_output=True,
                            text=True, timeout=BLOCK_TIMEOUT)
    assert result.returncode == 0, f"{block}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
