"""Evaluation sets named on the command line as `name=path`, loaded as lists of texts.

Decontamination and the evaluator's overlap measurement both start from "these are the test
documents". The format follows the file name:

- `*.jsonl`: one JSON object per line with a string `text` field; blank lines are skipped;
- `*.parquet`: a `text` column of strings (no nulls);
- anything else is UTF-8 text with one document per block, blocks separated by one or more blank
  lines (so a file without blank lines is a single document; for one document per line use JSONL).

Every file is read by `webtext.core.docfiles`, the reader of every command's documents, so a
damaged line gives the same error whichever command reads it. Documents whose text is
empty after trimming are skipped and counted (every document read is in the set or skipped). A
malformed file fails with a `BadFileError` naming the file and the line, row or byte; a bad
`name=path` with a `ConfigError`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from webtext.core.accounting import check_balance
from webtext.core.docfiles import file_texts, non_blank
from webtext.core.errors import ConfigError
from webtext.core.reasons import EVAL_EMPTY, key

_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class EvalSet:
    """One named evaluation set: its file and its documents' texts."""

    name: str
    path: str
    texts: tuple[str, ...]


def parse_spec(spec: str) -> tuple[str, Path]:
    """Split `name=path`; `ConfigError` if either part is missing or the file does not exist."""
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        raise ConfigError(f"evaluation set {spec!r} must be given as NAME=PATH")
    if not _NAME.match(name):
        raise ConfigError(f"evaluation set name {name!r} may use only letters, digits, '.', '_' and '-'")
    if not Path(path).is_file():
        raise ConfigError(f"evaluation set {name}: file not found: {path}")
    return name, Path(path)


def _blocks(content: str) -> list[str]:
    return _BLANK_LINES.split(content.replace("\r\n", "\n"))


def read_texts(path: Path) -> list[str]:
    """The non-empty document texts of one evaluation file (format from its name)."""
    counts: Counter[str] = Counter()
    skipped = key("eval", EVAL_EMPTY)
    kept = [text.strip() for text in non_blank(file_texts(path, _blocks), counts, skipped)]
    check_balance(f"evaluation set {path}", counts["read"], len(kept), {skipped: counts[skipped]})
    return kept


def load_eval_set(spec: str) -> EvalSet:
    """Load one `name=path` evaluation set."""
    name, path = parse_spec(spec)
    return EvalSet(name, str(path), tuple(read_texts(path)))


def load_eval_sets(specs: Iterable[str]) -> list[EvalSet]:
    """Load several `name=path` sets; names must be distinct."""
    sets = [load_eval_set(spec) for spec in specs]
    names = [s.name for s in sets]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(f"evaluation set name used twice: {', '.join(duplicated)}")
    return sets
