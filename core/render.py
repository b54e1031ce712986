"""A report as a list of blocks, rendered both as Markdown and as a standalone HTML page.

Blocks are few on purpose (heading, paragraph, bullet list, terms, table, image, quote), so both
renderings come from one description and say the same thing; the HTML needs no Markdown library
and escapes every piece of text. Images are referenced by relative path, so the report and its
PNG files travel together.

Nothing is wider than the page: a table of more than `MAX_COLUMNS` columns is split into parts
that each repeat its first column (`table_parts`), in both renderings, and the page's style lets
long words and numbers wrap inside a cell rather than push it past the margin.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from webtext.core.tables import Table


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Terms:
    """Terms and their one-line explanations (a glossary)."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TableBlock:
    table: Table


@dataclass(frozen=True)
class Image:
    path: str  # relative to the report
    alt: str


@dataclass(frozen=True)
class Quote:
    text: str


Block = Heading | Paragraph | Bullets | Terms | TableBlock | Image | Quote
MAX_COLUMNS = 6  # a table of more columns is split into parts, each repeating the first column


def table_parts(table: Table) -> list[Table]:
    """`table` as parts of at most `MAX_COLUMNS` columns, each starting with its first column."""
    if len(table.columns) <= MAX_COLUMNS:
        return [table]
    first, rest = table.columns[0], list(table.columns[1:])
    width = MAX_COLUMNS - 1
    chunks = [rest[i:i + width] for i in range(0, len(rest), width)]
    return [Table(table.name, f"{table.title} ({number} of {len(chunks)})", [first, *chunk], table.rows, table.notes)
            for number, chunk in enumerate(chunks, 1)]


def to_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown."""
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Terms):
            parts.append("\n".join(f"- **{term}**: {meaning}" for term, meaning in block.items))
        elif isinstance(block, TableBlock):
            parts += [f"**{part.title}**\n\n{part.to_markdown().rstrip()}" for part in table_parts(block.table)]
        elif isinstance(block, Image):
            parts.append(f"![{block.alt}]({block.path})")
        else:
            parts.append("\n".join(f"> {line}" if line else ">" for line in block.text.splitlines()))
    return "\n\n".join(parts) + "\n"


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c.heading)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(table.cell(c, row))}</td>" for c in table.columns) + "</tr>"
                   for row in table.rows)
    return (f"<table><caption>{html.escape(table.title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


_STYLE = """*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;
overflow-wrap:anywhere}
table{border-collapse:collapse;margin:1rem 0;max-width:100%}caption{font-weight:bold;text-align:left;padding:.3rem 0}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}
dt{font-weight:bold}dd{margin:0 0 .4rem 1.5rem}
img{max-width:100%;height:auto}
blockquote{border-left:4px solid #ccc;margin:1rem 0;padding:.2rem 1rem;white-space:pre-wrap}"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    """The blocks as a standalone HTML5 page."""
    body = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Terms):
            body.append("<dl>" + "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>"
                                         for term, meaning in block.items) + "</dl>")
        elif isinstance(block, TableBlock):
            body += [_html_table(part) for part in table_parts(block.table)]
        elif isinstance(block, Image):
            body.append(f'<img src="{html.escape(block.path)}" alt="{html.escape(block.alt)}">')
        else:
            body.append(f"<blockquote>{html.escape(block.text)}</blockquote>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
