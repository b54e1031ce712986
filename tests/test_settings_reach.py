"""Every setting is declared once and reachable: as a flag of a `webtext` command, and for the main
job from `beam run pipelines/webtext.py` and `webtext corpus` alike, with the declared default.

Settings classes are found, not listed: every dataclass with `setting()` fields in every module of
the installed packages (setup.cfg `packages`), so a class added later is covered, and a class no
command uses fails.
"""

from __future__ import annotations

import argparse
import configparser
import dataclasses
import importlib
import inspect
import pkgutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webtext.cli.main import build_parser, leaf_parsers
from webtext.core.config import settings_fields
from webtext.pipelines.options import job_parser
from webtext.pipelines.settings import JOB_SECTIONS

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config["options"]["packages"].split()


def _modules() -> Iterator[str]:
    packages = _packages()
    for name in packages:
        yield name
        for info in pkgutil.iter_modules(importlib.import_module(name).__path__, prefix=f"{name}."):
            assert not info.ispkg or info.name in packages, f"{info.name} is not listed in setup.cfg packages"
            if not info.ispkg:
                yield info.name


def _is_settings_class(cls: Any) -> bool:
    """A dataclass with a `setting()` field, itself or in a nested settings dataclass with a default."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return False
    hints = typing.get_type_hints(cls)
    return any("help" in f.metadata or (f.default_factory is not dataclasses.MISSING
                                        and _is_settings_class(hints[f.name])) for f in dataclasses.fields(cls))


def _settings_classes() -> list[type]:
    found: dict[str, type] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and _is_settings_class(cls):
                found[f"{name}.{cls.__qualname__}"] = cls
    return [found[key] for key in sorted(found)]


SETTINGS = _settings_classes()


def _declared(cls: type) -> dict[str, Any]:
    """Leaf setting name -> declared default."""
    return {f.name: f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            for f, _ in settings_fields(cls)}


def _options(parser: argparse.ArgumentParser) -> dict[str, Any]:
    """dest -> default of every argument of `parser` that is a setting (the optional flags and positionals)."""
    return {a.dest: a.default for a in parser._actions
            if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))}


def _missing(cls: type, parser: argparse.ArgumentParser) -> list[str]:
    options = _options(parser)
    return [f"{name} (default {default!r}, option default {options.get(name, '<absent>')!r})"
            for name, default in _declared(cls).items() if name not in options or options[name] != default]


LEAVES = {leaf.prog: leaf for leaf in leaf_parsers(build_parser())}


def test_settings_classes_are_found() -> None:
    names = {cls.__name__ for cls in SETTINGS}
    assert {"CleanSettings", "DedupSettings", "TrainSettings", "ShardSettings", "SplitRule", "JobSettings",
            "LinkConfig", "FetchConfig", "TrainConfig"} <= names


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_settings_class_is_one_webtext_command_s_flags(cls: type) -> None:
    best = min(LEAVES, key=lambda prog: len(_missing(cls, LEAVES[prog])))
    assert _missing(cls, LEAVES[best]) == [], f"{cls.__name__}: no webtext command takes all of its settings; " \
                                              f"closest is `{best}`"


@pytest.mark.parametrize("cls", list(JOB_SECTIONS.values()), ids=lambda c: c.__name__)
def test_the_main_job_s_settings_are_flags_of_beam_run_and_webtext_corpus(cls: type) -> None:
    assert _missing(cls, job_parser("beam run pipelines/webtext.py", "")) == []
    assert _missing(cls, LEAVES["webtext corpus"]) == []


def test_both_ways_of_running_the_job_have_the_same_options() -> None:
    assert _options(job_parser("beam run pipelines/webtext.py", "")).keys() == _options(LEAVES["webtext corpus"]).keys()


@pytest.mark.parametrize("prog", sorted(LEAVES))
def test_no_two_arguments_of_a_command_share_a_name(prog: str) -> None:
    dests = [a.dest for a in LEAVES[prog]._actions if not isinstance(a, argparse._HelpAction)]
    assert sorted({d for d in dests if dests.count(d) > 1}) == []
    assert "--config" in LEAVES[prog]._option_string_actions


@pytest.mark.parametrize(("command", "name"), [
    ([str(BIN / "webtext"), "dedup"], "webtext dedup"),
    ([str(BIN / "webtext"), "corpus"], "webtext corpus"),
    ([str(BIN / "beam"), "run", "pipelines/webtext.py"], "beam run pipelines/webtext.py"),
])
def test_a_bad_config_file_is_one_line_and_exit_status_2(command: list[str], name: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[dedup]\nthresold = 0.7\n")
    result = subprocess.run([*command, "--config", str(bad)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"error: {bad}: [dedup] thresold: not a setting of {name}"
    assert "Traceback" not in result.stderr
