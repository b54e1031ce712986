"""The crawl commands as a user meets them: help, the lock, bad input, and the console script."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zstandard
from webtext.cli import crawl
from webtext.core.entrypoint import run_main
from webtext.crawl.lock import StoreLock

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]


def in_process(*argv: str) -> int:
    """`webtext crawl ARGV...` in this process (only for commands that fail before crawling)."""
    parser = argparse.ArgumentParser(prog="webtext")
    crawl.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["crawl", *argv])
    return run_main(lambda: args.func(args))


@pytest.mark.parametrize("command", [["links"], ["links", "export"], ["pages"], ["run"]])
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        in_process(*command, "--help")
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert "--store" in shown
    assert ("--hosts-file" in shown) == (command[0] in ("pages", "run"))
    assert ("--min-score" in shown) == (command in (["links"], ["run"]))


def test_lock_is_exclusive_across_processes_and_reentrant_within_one(tmp_path: Path) -> None:
    store = tmp_path / "links.sqlite"
    with StoreLock(store), StoreLock(store):
        probe = subprocess.run([sys.executable, "-c", "import sys; from webtext.crawl.lock import StoreLock, LockHeld\n"
                                "try:\n    StoreLock(sys.argv[1]).acquire()\nexcept LockHeld:\n    sys.exit(3)",
                                str(store)], check=False)
        assert probe.returncode == 3
    with StoreLock(store):  # released: free again
        pass


def test_a_locked_store_skips_run_and_refuses_pages(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    store = tmp_path / "links.sqlite"
    with StoreLock(store):
        skipped = crawl_cli("run", "--store", str(store), "--warc-dir", str(tmp_path / "warc"))
        refused = crawl_cli("pages", "--store", str(store), "--warc-dir", str(tmp_path / "warc"), check=False)
    assert skipped.returncode == 0 and "another crawl holds" in skipped.stderr
    assert refused.returncode == 2 and refused.stderr.strip().splitlines()[-1].startswith("error: another crawl holds")


@pytest.mark.parametrize(("args", "message"), [
    (["links"], "give --dump FILE"),
    (["links", "--dump", "missing.zst"], "dump file not found: missing.zst"),
    (["links", "--dump", "RS.zst", "--since", "2017"], "bad date '2017'"),
    (["links", "export", "out.jsonl"], "link store not found"),
])
def test_bad_input_is_one_clear_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path, args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "RS.zst").write_bytes(b"")
    assert in_process(*args) == 2
    shown = capsys.readouterr().err.strip().splitlines()
    assert len(shown) == 1 and shown[0].startswith("error: ") and message in shown[0]


def test_bad_hosts_file_is_one_clear_line(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    (tmp_path / "hosts.txt").write_text("not-an-address host.test\n")
    done = crawl_cli("pages", "--hosts-file", "hosts.txt", check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: hosts.txt at line 1: not an IP address: 'not-an-address'"
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_console_script_runs_the_whole_job(sample_web: Any, tmp_path: Path, fast: list[str]) -> None:
    webtext = Path(sys.executable).with_name("webtext")
    done = subprocess.run([str(webtext), "crawl", "run", "--dump", *map(str, sample_web.dump_files), "--hosts-file",
                           str(sample_web.hosts_file), "--allow-private", *fast],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("crawl: ")
    assert "Scrapy stats (webtext-pages)" in done.stderr
    assert (tmp_path / "out/crawl/summary.json").is_file()
    assert list((tmp_path / "out/crawl/warc").glob("*.warc.gz"))


def test_a_summary_config_read_back_with_config_reproduces_the_settings(tmp_path: Path) -> None:
    posts = [{"id": f"p{score}", "url": f"https://s{score}.example/", "score": score, "created_utc": 1497000000}
             for score in (2, 5, 9)]
    (tmp_path / "RS.zst").write_bytes(zstandard.ZstdCompressor().compress(
        "".join(json.dumps(post) + "\n" for post in posts).encode()))
    webtext = str(Path(sys.executable).with_name("webtext"))

    def crawl_run(*args: str) -> None:  # no URL passes the threshold: nothing to fetch
        subprocess.run([webtext, "crawl", "run", *args], cwd=tmp_path, capture_output=True, check=True, timeout=120)

    crawl_run("--dump", "RS.zst", "--min-score", "10", "--max-items", "7", "--store", "a.sqlite", "--warc-dir", "w")
    summary = json.loads((tmp_path / "summary.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(summary["config"]))
    crawl_run("--config", "config.json", "--store", "b.sqlite", "--summary", "again.json")
    again = json.loads((tmp_path / "again.json").read_text())
    assert summary["config"]["links"]["min_score"] == 10 and summary["store"]["urls"] == {"below_threshold": 3}
    assert again["config"] == {**summary["config"], "store": "b.sqlite", "summary": "again.json"}
    assert again["links"] == summary["links"] and again["store"] == summary["store"]
