"""Atomic writes, typed configuration, documents and one-line errors."""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from webtext.core.atomic import atomic_write, write_json
from webtext.core.config import add_arguments, from_namespace, save_config, setting
from webtext.core.document import Document, RedditPost
from webtext.core.entrypoint import run_main
from webtext.core.errors import BadFileError, ConfigError


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"

    def crash_mid_write() -> None:
        with atomic_write(target) as handle:
            handle.write(b"half")
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        crash_mid_write()
    assert list(tmp_path.iterdir()) == []
    with atomic_write(target) as handle:
        handle.write(b"whole")
    assert target.read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_write_is_invisible_until_closed(tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    with atomic_write(target, "w") as handle:
        handle.write("{}")
        assert not target.exists()
    assert target.exists()


@dataclasses.dataclass
class Example:
    max_chars: int = setting(100, "longest document")
    ratio: float = setting(0.5, "a fraction")
    name: str = setting("x", "a name", choices=["x", "y"])
    strict: bool = setting(True, "be strict")
    paths: list[Path] = setting([], "input paths")
    limit: int | None = setting(None, "optional limit")


def test_config_flags_round_trip(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser, Example)
    args = parser.parse_args(["--max-chars", "7", "--no-strict", "--paths", "a", "b", "--name", "y", "--limit", "3"])
    config = from_namespace(Example, args)
    assert config.max_chars == 7  # the flag's dashes are the field's underscores
    assert config == Example(max_chars=7, ratio=0.5, name="y", strict=False, paths=[Path("a"), Path("b")], limit=3)
    assert from_namespace(Example, parser.parse_args([])) == Example()
    save_config(tmp_path / "config.json", example=config)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved == {"example": {"max_chars": 7, "ratio": 0.5, "name": "y", "strict": False,
                                 "paths": ["a", "b"], "limit": 3}}
    with pytest.raises(SystemExit):
        parser.parse_args(["--name", "z"])


def test_document_round_trips_through_json() -> None:
    doc = Document(id="1", url="http://a.test/", domain="a.test", text="hello",
                   reddit=(RedditPost("p1", "python", 12, 1500000000), RedditPost("p2", "science", 40, 1500000001)))
    again = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert again == doc
    assert again.score == 40
    dropped = doc.dropped("exact_duplicate", duplicate_of="0")
    assert (dropped.drop_reason, dropped.duplicate_of, doc.drop_reason) == ("exact_duplicate", "0", None)


def test_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def bad_file() -> int:
        raise BadFileError("shards/train-00000-of-00001.arrow", "checksum mismatch", where="record 12")

    assert run_main(bad_file) == 2
    assert capsys.readouterr().err == "error: shards/train-00000-of-00001.arrow at record 12: checksum mismatch\n"

    def bad_config() -> int:
        raise ConfigError("no input matches out/crawl/warc/*.warc.gz:\n run `webtext crawl run` first")

    assert run_main(bad_config) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_write_json_is_sorted_and_complete(tmp_path: Path) -> None:
    write_json(tmp_path / "m.json", {"b": 1, "a": [1, 2]})
    assert (tmp_path / "m.json").read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'


def test_stdlib_tokenize_wins_from_the_repository_root(repo_root: Path) -> None:
    code = "import tokenize, sysconfig; print(tokenize.__file__); print(sysconfig.get_paths()['stdlib'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True)
    module, stdlib = out.stdout.split()
    assert module.startswith(stdlib)
