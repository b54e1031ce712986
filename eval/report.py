"""`webtext eval report`: one page gathering the eval tables, figures and their reading.

The report reads what the other eval commands wrote into the output directory (their JSON tables
and PNG figures), so it can be rebuilt at any time without a model. Each section has the
table(s), the figure and a few plain-language sentences (`reading`); a summary at the top
repeats the sentences. Sections whose outputs are missing are listed as not run, never silently
skipped. `report.md` and `report.html` are written atomically beside the figures they show.
"""

from __future__ import annotations

from pathlib import Path

from webtext.core.atomic import atomic_write
from webtext.core.errors import ConfigError
from webtext.eval import reading
from webtext.core.render import Block, Bullets, Heading, Image, Paragraph, Quote, TableBlock, to_html, to_markdown
from webtext.eval.settings import ReportSettings
from webtext.core.tables import Table, read_table

_SECTIONS = {"overlap": "webtext eval overlap", "perplexity": "webtext eval perplexity",
             "memorization": "webtext eval memorization"}


def _load(out: Path, name: str) -> Table | None:
    path = out / f"{name}.json"
    return read_table(path) if path.is_file() else None


def _figure(out: Path, name: str, alt: str) -> list[Block]:
    return [Image(name, alt)] if (out / name).is_file() else []


def _overlap(out: Path, table: Table) -> tuple[list[Block], list[str]]:
    sentences = reading.read_overlap(table.rows)
    notes = table.notes
    filter_note = (f"The {notes['n']}-gram Bloom filter holds about {notes['filter_approx_ngrams']:,.0f} distinct "
                   f"n-grams in {notes['filter_bits']:,} bits; its estimated false-positive rate is "
                   f"{notes['fp_rate_estimated']:.1e} (target {notes['fp_rate_target']:.0e}).")
    blocks: list[Block] = [Heading("Test-set overlap"), TableBlock(table), *_figure(out, "overlap.png", "overlap"),
                           Paragraph(" ".join(sentences)), Paragraph(filter_note)]
    return blocks, sentences


def _perplexity(out: Path, table: Table) -> tuple[list[Block], list[str]]:
    sentences = reading.read_perplexity(table.rows)
    blocks: list[Block] = [Heading("Perplexity: train versus held-out"), TableBlock(table),
                           *_figure(out, "figure4.png", "perplexity against parameters"),
                           Bullets(tuple(sentences))]
    buckets = _load(out, "perplexity_buckets")
    if buckets is not None:
        bucket_sentences = reading.read_buckets(buckets.rows)
        blocks += [TableBlock(buckets), Bullets(tuple(bucket_sentences))] if bucket_sentences else [TableBlock(buckets)]
        sentences = sentences + bucket_sentences
    return blocks, sentences


def _memorization(out: Path, table: Table) -> tuple[list[Block], list[str]]:
    sentences = reading.read_memorization(table.rows)
    blocks: list[Block] = [Heading("Memorization: extraction of training sequences"), TableBlock(table),
                           *_figure(out, "memorization.png", "extraction rates"), Bullets(tuple(sentences))]
    buckets = _load(out, "memorization_buckets")
    if buckets is not None:
        repetition = reading.read_repetition(buckets.rows)
        blocks.append(TableBlock(buckets))
        if repetition:
            blocks.append(Bullets(tuple(repetition)))
    for model, examples in table.notes.get("examples", {}).items():
        if examples:
            first = examples[0]
            blocks += [Paragraph(f"An extracted training sequence ({model}): the prompt, then the "
                                 "continuation the model reproduced word for word:"),
                       Quote(f"{first['prefix']}⟦{first['continuation']}⟧")]
            break
    return blocks, sentences


def build_report(settings: ReportSettings) -> list[Block]:
    """The report's blocks from the tables in `settings.out`; `ConfigError` when there are none."""
    out = settings.out
    builders = {"overlap": _overlap, "perplexity": _perplexity, "memorization": _memorization}
    sections: list[Block] = []
    summary: list[str] = []
    missing = []
    for name, build in builders.items():
        table = _load(out, name)
        if table is None:
            missing.append(name)
            continue
        blocks, sentences = build(out, table)
        sections += blocks
        summary += sentences[:2]
    if len(missing) == len(builders):
        raise ConfigError(f"nothing to report in {out}: run webtext eval overlap, perplexity or memorization "
                          "with --out there first")
    head: list[Block] = [Heading(settings.title, 1), Heading("Reading", 2), Bullets(tuple(summary))]
    if missing:
        head.append(Paragraph("Not run: " + ", ".join(f"`{_SECTIONS[m]}`" for m in missing) + "."))
    return head + sections


def write_report(settings: ReportSettings) -> list[Path]:
    """Write report.md and report.html into `settings.out`; return their paths."""
    blocks = build_report(settings)
    paths = [settings.out / "report.md", settings.out / "report.html"]
    with atomic_write(paths[0], "w") as handle:
        handle.write(to_markdown(blocks))
    with atomic_write(paths[1], "w") as handle:
        handle.write(to_html(blocks, settings.title))
    return paths
