"""`--config FILE`: settings from a TOML or JSON file, below the flags given on the command line.

A config file holds the same settings as the flags, by the setting's name (`max_bytes` for
`--max-bytes`). Tables are flattened to their leaf keys, so `[dedup] threshold = 0.7`, a flat
`threshold = 0.7` and the sectioned `config.json` written beside an output all work; writing that
file back with `--config` reproduces the run. Precedence: defaults < config file < flags.

Every key must be a setting of the command, given once (or twice with the same value), with a
value of the setting's type; null only where the setting accepts None. Anything else is one
`ConfigError` naming the file and the key, before any work starts (ARCHITECTURE §5).

The file is read while the command line is parsed (`ConfigFileAction`), and becomes the parser's
defaults; `parse_args` then parses the command line again, so flags win.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from webtext.core.config import ListAction
from webtext.core.errors import ConfigError

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

CONFIG_HELP = ("TOML or JSON file of settings, keyed by setting name (tables allowed, e.g. the config.json "
               "written beside an output); flags given on the command line override it")
_BOOL_ACTIONS = (argparse.BooleanOptionalAction, argparse._StoreTrueAction, argparse._StoreFalseAction)
_LIST_ACTIONS = (ListAction, argparse._AppendAction, argparse._ExtendAction)
_NOT_SETTINGS = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)


class ConfigFileAction(argparse.Action):
    """`--config FILE`: reads FILE and makes its settings the defaults of `command_parser`."""

    def __init__(self, option_strings: Sequence[str], dest: str, command_parser: argparse.ArgumentParser,
                 **kwargs: Any) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.command_parser = command_parser
        self.applied: str | None = None

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        path = str(values)
        if path != self.applied:  # read once: the second parse keeps the defaults the first one set
            self.command_parser.set_defaults(**read_config(path, self.command_parser))
            self.applied = path
        setattr(namespace, self.dest, Path(path))


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """Give `parser` a `--config FILE` option (a no-op when it has one)."""
    if "--config" not in parser._option_string_actions:
        parser.add_argument("--config", action=ConfigFileAction, command_parser=parser, metavar="FILE",
                            default=None, help=CONFIG_HELP)


def parse_known_args(parser: argparse.ArgumentParser,
                     words: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """`parser.parse_known_args(words)`; when a `--config` file was named, parsed again so flags win
    over the file."""
    args, rest = parser.parse_known_args(list(words))
    if getattr(args, "config", None) is not None:
        args, rest = parser.parse_known_args(list(words))
    return args, rest


def parse_args(parser: argparse.ArgumentParser, words: Sequence[str]) -> argparse.Namespace:
    """`parser.parse_args(words)`, with the settings of a `--config` file below the flags."""
    args, rest = parse_known_args(parser, words)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args


def settable_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The arguments of `parser` a config file may set, by dest: optional flags, and positionals
    that may be left out (so a default can stand in for them)."""
    return {a.dest: a for a in parser._actions
            if not isinstance(a, (*_NOT_SETTINGS, ConfigFileAction)) and a.dest != argparse.SUPPRESS
            and (a.option_strings or a.nargs in ("?", "*"))}


def read_config(path: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The settings in config file `path`, checked against the arguments of `parser` and converted."""
    actions = settable_actions(parser)
    values: dict[str, Any] = {}
    where: dict[str, str] = {}
    for section, key, raw in _leaves(_load(path), ()):
        name = f"[{'.'.join(section)}] {key}" if section else key
        action = actions.get(key)
        if action is None:
            raise ConfigError(f"{path}: {name}: not a setting of {parser.prog}")
        try:
            value = _convert(action, raw)
        except (TypeError, ValueError, argparse.ArgumentTypeError) as error:
            raise ConfigError(f"{path}: {name}: {error}") from None
        if key in values and values[key] != value:
            raise ConfigError(f"{path}: {name}: given twice with different values (also as {where[key]})")
        values[key], where[key] = value, name
    return values


def _load(path: str) -> dict[str, Any]:
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (".toml", ".json"):
        raise ConfigError(f"{path}: a config file must be .toml or .json")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file ({error.strerror or error})") from None
    try:
        if suffix == ".json":
            loaded = json.loads(data)
        elif tomllib is None:
            raise ConfigError(f"{path}: reading TOML needs Python 3.11 or later; write the settings as JSON")
        else:
            loaded = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid {suffix[1:].upper()}: {error}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: a config file must hold a table of settings, not a {type(loaded).__name__}")
    return loaded


def _leaves(table: dict[str, Any], section: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*section, key))
        else:
            yield section, key, value


def _convert(action: argparse.Action, value: Any) -> Any:
    """`value` as the setting of `action` holds it; TypeError/ValueError say why it cannot be."""
    if value is None:
        if getattr(action, "accepts_none", action.default is None):
            return None
        raise TypeError("null is not a value of this setting")
    if isinstance(action, _BOOL_ACTIONS):
        if not isinstance(value, bool):
            raise TypeError(f"expected true or false, got {value!r}")
        return value
    if isinstance(action, argparse._CountAction):
        return _element(int, value)
    if isinstance(action, (argparse._StoreConstAction, argparse._AppendConstAction)):
        if value not in (action.const, action.default):
            raise ValueError(f"expected {action.const!r} or {action.default!r}, got {value!r}")
        return value
    if isinstance(action, _LIST_ACTIONS) or action.nargs in ("*", "+") or isinstance(action.nargs, int):
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {value!r}")
        return [_checked(action, _element(action.type, item)) for item in value]
    return _checked(action, _element(action.type, value))


def _checked(action: argparse.Action, value: Any) -> Any:
    if action.choices is not None and value not in action.choices:
        raise ValueError(f"{value!r} is not one of {', '.join(map(str, action.choices))}")
    return value


def _element(kind: Callable[[str], Any] | str | None, value: Any) -> Any:
    """One value converted by the argument's `type`, strictly: no number from a string, no int from a float."""
    if isinstance(value, (dict, list)):
        raise TypeError(f"expected a single value, got {value!r}")
    if kind in (None, str, Path):
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {value!r}")
        return Path(value) if kind is Path else value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an integer, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"expected a number, got {value!r}")
        return float(value)
    if isinstance(value, bool) or not callable(kind):
        raise TypeError(f"unexpected value {value!r}")
    return kind(str(value))
