"""Typed configuration: dataclasses with defaults that map to command-line flags.

Each stage declares its settings once, as a dataclass whose fields carry a `help` string in
their metadata. `add_arguments` turns the fields into argparse flags (`max_chars` becomes
`--max-chars`, a bool becomes `--flag/--no-flag`), `from_namespace` builds the dataclass back
from parsed arguments, and `save_config` writes the resolved values beside an output so every
result says how it was made (ARCHITECTURE §4).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from webtext.core.atomic import write_json

C = TypeVar("C")


def setting(default: Any, help: str, **kwargs: Any) -> Any:  # noqa: A002 - argparse's name
    """A dataclass field with a default and the help text its command-line flag shows."""
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: type(default)(default),
                                 metadata={"help": help, **kwargs})
    return dataclasses.field(default=default, metadata={"help": help, **kwargs})


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _base_type(annotation: Any) -> tuple[Any, bool]:
    """(element type, is_list) for a field annotation, unwrapping `X | None`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0])
    if origin in (list, tuple):
        return typing.get_args(annotation)[0], True
    return annotation, False


def add_arguments(parser: argparse.ArgumentParser, cls: type, prefix: str = "") -> None:
    """Add one flag per field of dataclass `cls` to `parser`."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind, is_list = _base_type(hints[f.name])
        default = f.default
        if default is dataclasses.MISSING and f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        help_text = f.metadata.get("help", "")
        dest = prefix + f.name
        if kind is bool:
            parser.add_argument(_flag(dest), dest=dest, action=argparse.BooleanOptionalAction,
                                default=default, help=help_text)
            continue
        converter = Path if kind is Path else kind
        parser.add_argument(_flag(dest), dest=dest, type=converter, default=default,
                            nargs="*" if is_list else None, metavar=f.name.upper(),
                            choices=f.metadata.get("choices"),
                            help=help_text if "default" in help_text else f"{help_text} (default: {default})")


def from_namespace(cls: type[C], namespace: argparse.Namespace, prefix: str = "") -> C:
    """Build dataclass `cls` from the flags `add_arguments` added."""
    values = {f.name: getattr(namespace, prefix + f.name) for f in dataclasses.fields(cls)  # type: ignore[arg-type]
              if hasattr(namespace, prefix + f.name)}
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
    """Write the resolved configuration (one key per section) as JSON, atomically."""
    write_json(path, {name: to_jsonable(value) for name, value in sections.items()})
