"""A report as a list of blocks, rendered both as Markdown and as a standalone HTML page.

Blocks are few on purpose (heading, paragraph, bullet list, table, image, quote), so both
renderings come from one description and say the same thing; the HTML needs no Markdown library
and escapes every piece of text. Images are referenced by relative path, so the report and its
PNG files travel together.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from webtext.eval.tables import Table


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
class TableBlock:
    table: Table


@dataclass(frozen=True)
class Image:
    path: str  # relative to the report
    alt: str


@dataclass(frozen=True)
class Quote:
    text: str


Block = Heading | Paragraph | Bullets | TableBlock | Image | Quote


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
        elif isinstance(block, TableBlock):
            parts.append(f"**{block.table.title}**\n\n{block.table.to_markdown().rstrip()}")
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


_STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
table{border-collapse:collapse;margin:1rem 0}caption{font-weight:bold;text-align:left;padding:.3rem 0}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}
img{max-width:100%}blockquote{border-left:4px solid #ccc;margin:1rem 0;padding:.2rem 1rem;white-space:pre-wrap}"""


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
        elif isinstance(block, TableBlock):
            body.append(_html_table(block.table))
        elif isinstance(block, Image):
            body.append(f'<img src="{html.escape(block.path)}" alt="{html.escape(block.alt)}">')
        else:
            body.append(f"<blockquote>{html.escape(block.text)}</blockquote>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
