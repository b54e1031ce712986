"""Typed configuration: dataclasses with defaults that map to command-line flags.

Each setting is declared once, as a field of a stage's dataclass made with `setting()` (a default
and the help its flag shows). One naming rule maps it everywhere: field `max_bytes` is the flag
`--max-bytes` (a bool is `--x/--no-x`), the Beam option of the same name, and the key `max_bytes`
in a `--config` file (`webtext.core.config_file`). `add_arguments` adds the flags of a dataclass
to an argparse parser (a field whose type is itself a settings dataclass contributes its own
fields, flattened), `from_namespace` builds the dataclass back from the parsed arguments, and
`save_config` writes the resolved values beside an output so every result says how it was made
(ARCHITECTURE §4).

Metadata a `setting()` understands besides `help`: `choices`, `positional=True` (an argparse
positional named like the field), `converter` (a function from the flag's text to the value, such
as `byte_size`); any other key is kept for the stage's own checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from webtext.core import filesys

C = TypeVar("C")

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def setting(default: Any, help: str, **meta: Any) -> Any:  # noqa: A002 - argparse's name
    """A dataclass field with a default and the help text its command-line flag shows."""
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: type(default)(default),
                                 metadata={"help": help, **meta})
    return dataclasses.field(default=default, metadata={"help": help, **meta})


def byte_size(text: str) -> int:
    """A size in bytes from `268435456`, `256MiB`, `1.5 GB` or `512kb` (SI and IEC units)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([a-zA-Z]*)\s*", str(text))
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use bytes, or units such as 256MiB or 1GB)")
    return int(float(match.group(1)) * _UNITS[unit])


class ListAction(argparse.Action):
    """A list flag (`nargs="*"`): its first use replaces the default, later uses extend it.

    So `--eval a=x --eval b=y` and `--eval a=x b=y` mean the same, and `--eval` alone is empty.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        current = getattr(namespace, self.dest, None)
        kept = [] if current is None or current is self.default else list(current)
        setattr(namespace, self.dest, kept + list(values or []))


def flag_name(name: str) -> str:
    """The command-line flag of a setting: `max_bytes` is `--max-bytes`."""
    return "--" + name.replace("_", "-")


def _base_type(annotation: Any) -> tuple[Any, bool, bool]:
    """(element type, is_list, accepts None) for a field annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        kind, is_list, _ = _base_type(args[0])
        return kind, is_list, len(args) < len(typing.get_args(annotation))
    if origin in (list, tuple):
        return typing.get_args(annotation)[0], True, False
    return annotation, False, False


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is dataclasses.MISSING and f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _is_section(kind: Any) -> bool:
    return isinstance(kind, type) and dataclasses.is_dataclass(kind)


def settings_fields(cls: type) -> Iterator[tuple[dataclasses.Field[Any], Any]]:
    """(field, annotation) of every leaf setting of `cls`, nested settings dataclasses flattened."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if _is_section(hints[f.name]):
            yield from settings_fields(hints[f.name])
        else:
            yield f, hints[f.name]


def _help(text: str, default: Any) -> str:
    return text if "default" in text else f"{text} (default: {default})"


def add_arguments(parser: argparse._ActionsContainer, cls: type, prefix: str = "") -> None:
    """Add one argument per (leaf) field of dataclass `cls` to `parser` (a parser or an argument group).

    Each added action carries `accepts_none` (the setting's type allows None), which the config
    file reader uses to accept a null value only where it means something.
    """
    for f, annotation in settings_fields(cls):
        kind, is_list, optional = _base_type(annotation)
        default, dest, meta = _default(f), prefix + f.name, f.metadata
        text = meta.get("help", "")
        common: dict[str, Any] = {"default": default, "choices": meta.get("choices"),
                                  "type": meta.get("converter", Path if kind is Path else kind)}
        if meta.get("positional"):
            if kind is bool:
                raise TypeError(f"{cls.__name__}.{f.name}: a bool setting cannot be positional")
            nargs = "*" if is_list else ("?" if default is not None else None)
            action = parser.add_argument(dest, nargs=nargs, help=text if nargs is None else _help(text, default),
                                         **common)
        elif kind is bool:
            action = parser.add_argument(flag_name(dest), dest=dest, action=argparse.BooleanOptionalAction,
                                         default=default, help=_help(text, "on" if default else "off"))
        else:
            lists: dict[str, Any] = {"action": ListAction, "nargs": "*"} if is_list else {}
            action = parser.add_argument(flag_name(dest), dest=dest, metavar=f.name.upper(), help=_help(text, default),
                                         **lists, **common)
        setattr(action, "accepts_none", optional or default is None)  # noqa: B010 - an attribute argparse lacks


def from_namespace(cls: type[C], namespace: argparse.Namespace, prefix: str = "") -> C:
    """Build dataclass `cls` (and its nested settings dataclasses) from the arguments `add_arguments` added."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if _is_section(hints[f.name]):
            values[f.name] = from_namespace(hints[f.name], namespace, prefix)
        elif hasattr(namespace, prefix + f.name):
            values[f.name] = getattr(namespace, prefix + f.name)
    return cls(**values)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, paths and containers as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return value


def save_config(path: str | os.PathLike[str], **sections: Any) -> None:
    """Write the resolved configuration (one key per section) as JSON, whole or not at all, to a path
    or a URL (`webtext.core.filesys`).

    The file is accepted back by `--config`: its sections are flattened to their leaf keys.
    """
    filesys.write_json(path, {name: to_jsonable(value) for name, value in sections.items()})
