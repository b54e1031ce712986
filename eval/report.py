"""`webtext eval report`: one page gathering the eval tables, figures and their reading.

The report reads what the other eval commands wrote into the output directory (their JSON tables,
PNG figures and provenance records), so it can be rebuilt at any time without a model. It opens
with what it describes (`webtext.core.provenance.about_blocks`: the command that made it, when,
each eval command's own command and time, and every input with its digest, see `sources`), then
the Reading: every finding that crosses its threshold (`findings.summarize`) and the thresholds,
then the terms it uses (`terms.glossary`), then one section per command: its table(s), its figure
and its findings. Sections whose outputs are missing are listed as not run, never silently
skipped. `report.md` and `report.html` are written atomically beside the figures they show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from webtext.core.atomic import atomic_write
from webtext.core.errors import BadFileError, ConfigError
from webtext.core.provenance import about_blocks, provenance
from webtext.core.render import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Quote,
    TableBlock,
    Terms,
    to_html,
    to_markdown,
)
from webtext.core.tables import Table, read_table
from webtext.eval import findings, reading
from webtext.eval.findings import Finding
from webtext.eval.outcome import Outcome
from webtext.eval.settings import MEMORIZATION_FIGURE, ReportSettings
from webtext.eval.terms import glossary

_SECTIONS = {"overlap": "webtext eval overlap", "perplexity": "webtext eval perplexity",
             "memorization": "webtext eval memorization"}
Section = tuple[list[Block], dict[str, list[Finding]]]  # its blocks, and its findings by summary title


def _load(out: Path, name: str) -> Table | None:
    path = out / f"{name}.json"
    return read_table(path) if path.is_file() else None


def _figure(out: Path, name: str | None, alt: str) -> list[Block]:
    return [Image(name, alt)] if name and (out / name).is_file() else []


def _texts(found: list[Finding]) -> Bullets:
    return Bullets(tuple(f.text for f in found))


def _overlap(out: Path, tables: dict[str, Table]) -> Section:
    table = tables["overlap"]
    found = reading.read_overlap(table.rows)
    notes = table.notes
    filter_note = (f"The {notes['n']}-gram Bloom filter holds about {notes['filter_approx_ngrams']:,.0f} distinct "
                   f"n-grams in {notes['filter_bits']:,} bits; its estimated false-positive rate is "
                   f"{notes['fp_rate_estimated']:.1e} (target {notes['fp_rate_target']:.0e}).")
    return ([Heading("Test-set overlap"), TableBlock(table), *_figure(out, "overlap.png", "overlap"), _texts(found),
             Paragraph(filter_note)], {"Overlap": found})


def _perplexity(out: Path, tables: dict[str, Table]) -> Section:
    found = reading.read_perplexity(tables["perplexity"].rows)
    blocks: list[Block] = [Heading("Perplexity: train versus held-out"), TableBlock(tables["perplexity"]),
                           *_figure(out, "figure4.png", "perplexity against parameters"), _texts(found)]
    groups = {"Perplexity": found}
    buckets = tables.get("perplexity_buckets")
    if buckets is not None:
        groups["Clean and dirty documents"] = reading.read_buckets(buckets.rows)
        blocks += [TableBlock(buckets), _texts(groups["Clean and dirty documents"])]
    return blocks, groups


def _memorization(out: Path, tables: dict[str, Table]) -> Section:
    table = tables["memorization"]
    found = reading.read_memorization(table.rows)
    figure = table.notes.get("figure", MEMORIZATION_FIGURE)  # tables of earlier versions do not say
    blocks: list[Block] = [Heading("Memorization: extraction of training sequences"), TableBlock(table),
                           *_figure(out, figure, "extraction rates"), _texts(found)]
    buckets = tables.get("memorization_buckets")
    if buckets is not None:
        blocks.append(TableBlock(buckets))
        repetition = reading.read_repetition(buckets.rows)
        blocks += [_texts(repetition)] if repetition else []
    for model, examples in table.notes.get("examples", {}).items():
        if examples:
            first = examples[0]
            blocks += [Paragraph(f"An extracted training sequence ({model}): the prompt, then the "
                                 "continuation the model reproduced word for word:"),
                       Quote(f"{first['prefix']}⟦{first['continuation']}⟧")]
            break
    return blocks, {"Memorization": found}


def _made_by(out: Path, sections: list[str]) -> dict[str, str]:
    """Each section's command and time, then every input once (see `sources`).

    An input two sections describe differently (the shards changed between two commands) is
    listed once per section, so the disagreement shows.
    """
    made: dict[str, str] = {}
    inputs: dict[str, str] = {}
    for section in sections:
        path = out / f"{section}_provenance.json"
        if not path.is_file():
            made[f"{section} tables"] = "made by an earlier version (no provenance record)"
            continue
        try:
            record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            made[f"{section} tables"] = f"made {record['created']} by {record['command']}"
            described = dict(record["inputs"])
        except (ValueError, KeyError, TypeError) as error:
            raise BadFileError(str(path), f"not a provenance record ({error})") from error
        for what, description in described.items():
            key = what if inputs.get(what, description) == description else f"{what} (as {section} read it)"
            inputs[key] = str(description)
    return made | inputs


def build_report(settings: ReportSettings) -> tuple[list[Block], int]:
    """The report's blocks and how many findings cross a threshold; `ConfigError` when there is nothing."""
    out = settings.out
    builders = {"overlap": _overlap, "perplexity": _perplexity, "memorization": _memorization}
    tables = {name: table for name in [*builders, "perplexity_buckets", "memorization_buckets"]
              if (table := _load(out, name)) is not None}
    ran = [name for name in builders if name in tables]
    if not ran:
        raise ConfigError(f"nothing to report in {out}: run webtext eval overlap, perplexity or memorization "
                          "with --out there first")
    sections: list[Block] = []
    groups: dict[str, list[Finding]] = {}
    for name in ran:
        blocks, found = builders[name](out, tables)
        sections += blocks
        groups |= found
    head: list[Block] = [Heading(settings.title, 1), *about_blocks(provenance(_made_by(out, ran))),
                         Heading("Reading", 2), Paragraph(findings.count_line(groups)),
                         Bullets(tuple(findings.summarize(groups))), Paragraph(findings.thresholds_line())]
    missing = [name for name in builders if name not in tables]
    if missing:
        head.append(Paragraph("Not run: " + ", ".join(f"`{_SECTIONS[m]}`" for m in missing) + "."))
    head += [Heading("Terms", 2), Terms(tuple(glossary(tables)))]
    return head + sections, sum(len(findings.crossing(found)) for found in groups.values())


def write_report(settings: ReportSettings) -> Outcome:
    """Write report.md and report.html into `settings.out`."""
    blocks, crossed = build_report(settings)
    paths = [settings.out / "report.md", settings.out / "report.html"]
    with atomic_write(paths[0], "w") as handle:
        handle.write(to_markdown(blocks))
    with atomic_write(paths[1], "w") as handle:
        handle.write(to_html(blocks, settings.title))
    return Outcome("report", findings.crossing_phrase(crossed), settings.out, paths)
