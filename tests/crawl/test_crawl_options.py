"""Crawl options that cannot work are refused before any work, with one `error:` line and exit 2."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import zstandard
from webtext.cli import crawl
from webtext.core.entrypoint import run_main
from webtext.core.errors import BadFileError
from webtext.crawl.spiders.addresses import read_hosts_file


def in_process(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="webtext")
    crawl.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["crawl", *argv])
    return run_main(lambda: args.func(args))


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    shown = capsys.readouterr().err.strip().splitlines()
    assert len(shown) == 1 and shown[0].startswith("error: "), shown
    return shown[0]


@pytest.mark.parametrize("command", ["pages", "run"])
@pytest.mark.parametrize(("flag", "value"), [
    ("--per-domain", "0"), ("--concurrency", "0"), ("--batch", "0"), ("--max-size", "-1"), ("--max-size", "0"),
    ("--timeout", "0"), ("--timeout", "-5"), ("--timeout", "nan"), ("--warc-size", "0"), ("--retries", "-1"),
    ("--backoff", "-1"), ("--throttle-start", "-0.5"),
])
def test_fetch_options_that_cannot_work_are_refused(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path, command: str, flag: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert in_process(command, flag, value) == 2
    line = one_error_line(capsys)
    assert flag in line and value in line
    assert not (tmp_path / "out").exists()  # refused before any work: no store was created


@pytest.mark.parametrize(("flag", "value"), [("--max-items", "0"), ("--max-requests", "0"),
                                             ("--max-requests", "-3"), ("--api-base", "ftp://example.com")])
def test_link_options_that_cannot_work_are_refused(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path, flag: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert in_process("links", flag, value, "--subreddit", "news") == 2
    line = one_error_line(capsys)
    assert flag in line and value in line
    assert not (tmp_path / "out").exists()


def test_fetching_from_a_store_that_does_not_exist_is_an_error(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "links.sqlite"
    assert in_process("pages", "--store", str(missing)) == 2
    assert f"link store not found: {missing}" in one_error_line(capsys)
    assert not missing.exists()


def test_a_binary_hosts_file_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    path.write_bytes(b"127.0.0.1 a.test\n# fine\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\n")
    with pytest.raises(BadFileError, match=rf"^{path} at line 3: not UTF-8 text"):
        read_hosts_file(path)


def test_a_binary_hosts_file_fails_the_command_before_any_work(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    store = tmp_path / "links.sqlite"
    post = {"id": "a", "url": "https://a.example/", "score": 5, "created_utc": 1497000000}
    (tmp_path / "RS.zst").write_bytes(zstandard.ZstdCompressor().compress(json.dumps(post).encode() + b"\n"))
    (tmp_path / "hosts").write_bytes(b"\xff\xfe\x00binary")
    assert in_process("run", "--store", str(store), "--dump", str(tmp_path / "RS.zst"),
                      "--hosts-file", str(tmp_path / "hosts")) == 2
    assert f"{tmp_path / 'hosts'} at line 1: not UTF-8 text" in one_error_line(capsys)
    assert not store.exists()


def test_crawl_links_takes_a_config_file_although_it_has_a_subcommand(tmp_path: Path) -> None:
    from webtext.cli.main import build_parser
    from webtext.core.config_file import parse_args

    config = tmp_path / "links.toml"
    config.write_text('min_score = 5\nsubreddit = ["science", "books"]\n', encoding="utf-8")
    args = parse_args(build_parser("crawl"), ["crawl", "links", "--config", str(config), "--subreddit", "news"])
    assert (args.min_score, args.subreddit) == (5, ["news"])  # the file below the defaults, the flag above it
