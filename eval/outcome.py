"""What an eval command prints: one line, its headline figures first, then where its files went.

    overlap: seen 73.60%, mixed 38.33%, unseen 2.82% of 8-grams in the training text (GPT-2: 3.2%);
    2 tables, 1 figure, train_8grams.bloom in out/eval

Files are counted rather than listed: a table is written three ways (`webtext.core.tables`),
figures are PNG files, and the resolved configuration and provenance record every command
writes go unmentioned; any other file is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_QUIET = ("_config.json", "_provenance.json")


def _count(number: int, noun: str) -> str:
    return f"{'no' if number == 0 else number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class Outcome:
    """An eval command's headline figures and the files it wrote into `out`."""

    command: str
    headline: str
    out: Path
    files: list[Path] = field(default_factory=list)

    def line(self) -> str:
        """The one line the command prints."""
        tables = {p.stem for p in self.files if p.suffix == ".csv"}
        figures = [p for p in self.files if p.suffix == ".png"]
        others = [p.name for p in self.files if p.stem not in tables and p not in figures
                  and not p.name.endswith(_QUIET)]
        parts = [_count(len(tables), "table"), _count(len(figures), "figure")] if tables else []
        return f"{self.command}: {self.headline}; {', '.join(parts + others)} in {self.out}"


def overlap_headline(rows: Sequence[dict[str, Any]], reference: float) -> str:
    """Each set's overlap, as `eval overlap` prints it."""
    sets = ", ".join(f"{r['eval_set']} {r['percent']:.2f}%" for r in rows if r["eval_set"] != "average")
    return f"{sets} of 8-grams in the training text (GPT-2: {reference}%)"


def perplexity_headline(rows: Sequence[dict[str, Any]]) -> str:
    """Each checkpoint's perplexity per split, with held-out splits' gap to train."""
    def split(row: dict[str, Any], key: str) -> str:
        name = key[len("ppl_"):]
        gap = row.get(f"gap_{name}")
        return f"{name} {row[key]:.2f}" + (f" ({gap:+,.1f}%)" if gap is not None else "")

    return "; ".join(f"{r['model']} " + ", ".join(split(r, k) for k in r if k.startswith("ppl_")) for r in rows)


def memorization_headline(rows: Sequence[dict[str, Any]]) -> str:
    """Each checkpoint's extracted sequences, training against held out."""
    return "; ".join(f"{r['model']} extracted {r['train_extracted']:,} of {r['train_sequences']:,} training, "
                     f"{r['heldout_extracted']:,} of {r['heldout_sequences']:,} held-out sequences" for r in rows)
