"""Every console command answers --help, and the pipeline file loads as its package module."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from webtext.cli.beam import load_pipeline
from webtext.cli.main import build_parser, leaf_parsers


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _commands(build_parser()), ids=lambda c: " ".join(c) or "webtext")
def test_every_subcommand_has_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: webtext" in capsys.readouterr().out


@pytest.mark.parametrize("leaf", leaf_parsers(build_parser()), ids=lambda p: p.prog)
def test_every_command_takes_a_config_file(leaf: argparse.ArgumentParser) -> None:
    assert "--config FILE" in leaf.format_help()


def test_console_scripts_answer_help() -> None:
    bindir = Path(sys.executable).parent
    for script in ("webtext", "beam"):
        out = subprocess.run([str(bindir / script), "--help"], capture_output=True, text=True, check=True)
        assert out.stdout.startswith(f"usage: {script}")


def test_beam_run_loads_a_pipeline_file_as_its_package_module(repo_root: Path) -> None:
    module = load_pipeline(str(repo_root / "pipelines" / "webtext.py"))
    assert module.__name__ == "webtext.pipelines.webtext"


def test_beam_run_refuses_a_missing_file() -> None:
    out = subprocess.run([str(Path(sys.executable).parent / "beam"), "run", "no/such/pipeline.py"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == "error: pipeline file not found: no/such/pipeline.py"
