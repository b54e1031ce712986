"""Result tables of the eval commands, written as Markdown, CSV and JSON.

A `Table` is a list of rows (dicts) with an ordered column list and a format per column. The
same rows are written three ways: `NAME.md` for people and the report, `NAME.csv` for
spreadsheets, `NAME.json` (full precision, plus any notes) for programs, so every figure in the
report can be traced back to a machine-readable file. Every file is written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webtext.core.atomic import atomic_write, write_json
from webtext.core.errors import BadFileError


@dataclass(frozen=True)
class Column:
    """One column: the row key, its heading and how its values print (a format spec)."""

    key: str
    heading: str
    spec: str = ""


@dataclass
class Table:
    """Rows under named columns, with a title and notes (free-form, kept in the JSON)."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def cell(self, column: Column, row: Mapping[str, Any]) -> str:
        """The printed form of `row`'s value in `column` (empty when missing or not a number)."""
        value = row.get(column.key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return format(value, column.spec) if column.spec else str(value)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
        lines = ["| " + " | ".join(c.heading for c in self.columns) + " |",
                 "| " + " | ".join("---" for _ in self.columns) + " |"]
        for row in self.rows:
            cells = (self.cell(c, row).replace("|", "\\|") for c in self.columns)
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """CSV with the column keys as header and raw (unformatted) values."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.key for c in self.columns])
        for row in self.rows:
            writer.writerow(["" if row.get(c.key) is None else row[c.key] for c in self.columns])
        return buffer.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title,
                "columns": [{"key": c.key, "heading": c.heading, "spec": c.spec} for c in self.columns],
                "rows": self.rows, "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Table:
        columns = [Column(c["key"], c["heading"], c.get("spec", "")) for c in data["columns"]]
        return cls(data["name"], data["title"], columns, list(data["rows"]), dict(data.get("notes", {})))

    def write(self, directory: Path) -> list[Path]:
        """Write NAME.md, NAME.csv and NAME.json into `directory`; return their paths."""
        paths = [directory / f"{self.name}.{suffix}" for suffix in ("md", "csv", "json")]
        with atomic_write(paths[0], "w") as handle:
            handle.write(f"### {self.title}\n\n{self.to_markdown()}")
        with atomic_write(paths[1], "w") as handle:
            handle.write(self.to_csv())
        write_json(paths[2], self.to_dict())
        return paths


def read_table(path: Path) -> Table:
    """A table written by `Table.write` (its JSON file); `BadFileError` when it is not one."""
    try:
        return Table.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as error:
        raise BadFileError(str(path), f"not an eval table ({error})") from error
