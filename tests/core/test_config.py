"""Settings dataclasses as flags: nesting, lists, positionals, sizes, and `--config FILE` files."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest
from webtext.core.config import add_arguments, byte_size, from_namespace, save_config, setting
from webtext.core.config_file import add_config_option, parse_args
from webtext.core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Inner:
    max_bytes: int = setting(100, "largest page")
    strict: bool = setting(True, "be strict")


@dataclasses.dataclass(frozen=True)
class Outer:
    inner: Inner = dataclasses.field(default_factory=Inner)
    names: list[str] = setting(["a"], "names")
    ratio: float = setting(0.5, "a fraction")
    mode: str = setting("x", "a mode", choices=("x", "y"))
    limit: int | None = setting(None, "optional limit")
    size: int = setting(1024, "a size", converter=byte_size)
    where: Path = setting(Path("out"), "a directory")


@dataclasses.dataclass(frozen=True)
class Files:
    inputs: list[Path] = setting([], "input files", positional=True)
    out: Path | None = setting(None, "output file (required: no default)", positional=True)


@dataclasses.dataclass(frozen=True)
class OneFile:
    out: Path = setting(Path("out.txt"), "output file", positional=True)


def parser_of(cls: type) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webtext demo")
    add_arguments(parser, cls)
    add_config_option(parser)
    return parser


def parsed(cls: type, *words: str) -> object:
    return from_namespace(cls, parse_args(parser_of(cls), words))


def test_nested_settings_become_flags_of_their_leaf_names() -> None:
    assert parsed(Outer) == Outer()
    assert parsed(Outer, "--max-bytes", "7", "--no-strict") == Outer(inner=Inner(max_bytes=7, strict=False))


def test_a_list_flag_replaces_the_default_once_then_extends() -> None:
    assert parsed(Outer, "--names", "b", "--names", "c").names == ["b", "c"]  # type: ignore[attr-defined]
    assert parsed(Outer, "--names", "b", "c").names == ["b", "c"]  # type: ignore[attr-defined]
    assert parsed(Outer, "--names").names == []  # type: ignore[attr-defined]
    assert Outer().names == ["a"]


def test_positional_settings() -> None:
    assert parsed(Files, "a", "b", "c") == Files(inputs=[Path("a"), Path("b")], out=Path("c"))
    assert parsed(Files, "c") == Files(inputs=[], out=Path("c"))
    with pytest.raises(SystemExit):
        parsed(Files)
    assert parsed(OneFile) == OneFile()
    assert parsed(OneFile, "x") == OneFile(Path("x"))


def test_sizes_take_units() -> None:
    assert [byte_size(t) for t in ("256MiB", "1GB", "1.5 kB", "12")] == [256 * 2**20, 10**9, 1500, 12]
    assert parsed(Outer, "--size", "2KiB").size == 2048  # type: ignore[attr-defined]
    with pytest.raises(argparse.ArgumentTypeError, match="not a size"):
        byte_size("12 parsecs")


def test_config_file_sits_between_defaults_and_flags(tmp_path: Path) -> None:
    toml = tmp_path / "settings.toml"
    toml.write_text('names = ["t"]\nmode = "y"\nsize = "1MiB"\nwhere = "elsewhere"\n'
                    "[inner]\nmax_bytes = 9\nstrict = false\n")
    from_file = parsed(Outer, "--config", str(toml))
    assert from_file == Outer(inner=Inner(9, False), names=["t"], mode="y", size=2**20, where=Path("elsewhere"))
    flags_win = parsed(Outer, "--max-bytes", "3", "--config", str(toml), "--names", "u", "--strict")
    assert flags_win == Outer(inner=Inner(3, True), names=["u"], mode="y", size=2**20, where=Path("elsewhere"))


def test_saved_config_is_accepted_back(tmp_path: Path) -> None:
    chosen = Outer(inner=Inner(5, False), names=[], ratio=0.25, limit=4, size=3)
    save_config(tmp_path / "config.json", outer=chosen)
    assert parsed(Outer, "--config", str(tmp_path / "config.json")) == chosen
    save_config(tmp_path / "none.json", outer=Outer())
    assert json.loads((tmp_path / "none.json").read_text())["outer"]["limit"] is None
    assert parsed(Outer, "--config", str(tmp_path / "none.json")) == Outer()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("c.toml", "[inner]\nmax_byte = 3\n", "c.toml: [inner] max_byte: not a setting of webtext demo"),
    ("c.toml", "config = 'x.toml'\n", "c.toml: config: not a setting of webtext demo"),
    ("c.toml", "ratio = 'high'\n", "c.toml: ratio: expected a number, got 'high'"),
    ("c.toml", "max_bytes = 1.5\n", "c.toml: max_bytes: expected an integer, got 1.5"),
    ("c.toml", "strict = 1\n", "c.toml: strict: expected true or false, got 1"),
    ("c.toml", "names = 'a'\n", "c.toml: names: expected a list, got 'a'"),
    ("c.toml", "mode = 'z'\n", "c.toml: mode: 'z' is not one of x, y"),
    ("c.toml", "size = '3 parsecs'\n", "c.toml: size: not a size: '3 parsecs'"),
    ("c.toml", "max_bytes = 1\n[inner]\nmax_bytes = 2\n", "c.toml: [inner] max_bytes: given twice with different "
                                                         "values (also as max_bytes)"),
    ("c.toml", "ratio = [\n", "c.toml: not valid TOML"),
    ("c.json", '{"ratio": null}', "c.json: ratio: null is not a value of this setting"),
    ("c.json", "[1, 2]", "c.json: a config file must hold a table of settings, not a list"),
    ("c.yaml", "ratio: 1", "c.yaml: a config file must be .toml or .json"),
])
def test_bad_config_files_fail_with_one_line_naming_file_and_key(name: str, content: str, message: str,
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(content)
    with pytest.raises(ConfigError) as error:
        parsed(Outer, "--config", name)
    assert str(error.value).startswith(message)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^.*absent\.toml: cannot read the config file \(No such file"):
        parsed(Outer, "--config", str(tmp_path / "absent.toml"))


def test_a_config_file_may_set_a_positional_that_has_a_default(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('out = "from-file.txt"\n')
    assert parsed(OneFile, "--config", str(tmp_path / "c.toml")) == OneFile(Path("from-file.txt"))
    assert parsed(OneFile, "--config", str(tmp_path / "c.toml"), "given.txt") == OneFile(Path("given.txt"))


def test_null_is_accepted_where_the_setting_takes_none(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('{"limit": null, "ratio": 1}')
    assert parsed(Outer, "--limit", "3", "--config", str(tmp_path / "c.json")) == Outer(limit=3, ratio=1.0)
    assert parsed(Outer, "--config", str(tmp_path / "c.json")) == Outer(limit=None, ratio=1.0)
