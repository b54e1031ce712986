"""Reports as blocks: one description rendered as Markdown and as HTML, tables split to the page,
terms explained, and the provenance record every report opens with."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from webtext.core.provenance import about_blocks, command_line, file_sha256, listing_sha256, provenance
from webtext.core.render import MAX_COLUMNS, Paragraph, TableBlock, Terms, table_parts, to_html, to_markdown
from webtext.core.tables import Column, Table


def wide_table(columns: int = 13) -> Table:
    cols = [Column("model", "model"), *(Column(f"c{i}", f"column {i}", ",") for i in range(1, columns))]
    rows = [{"model": name, **{f"c{i}": 10**i for i in range(1, columns)}} for name in ("tiny@300", "mini@300")]
    return Table("wide", "A wide table", cols, rows)


def test_a_wide_table_is_split_into_parts_that_each_repeat_its_first_column() -> None:
    table = wide_table(13)
    parts = table_parts(table)
    assert len(parts) == 3  # 12 columns after the first, 5 per part
    assert all(len(p.columns) <= MAX_COLUMNS and p.columns[0].key == "model" for p in parts)
    assert [c.key for p in parts for c in p.columns[1:]] == [c.key for c in table.columns[1:]]
    assert [p.title for p in parts] == [f"A wide table ({n} of 3)" for n in (1, 2, 3)]
    markdown = to_markdown([TableBlock(table)])
    assert max(line.count(" | ") + 1 for line in markdown.splitlines() if line.startswith("|")) <= MAX_COLUMNS
    html = to_html([TableBlock(table)], "t")
    assert html.count("<table>") == 3
    assert max(row.count("<th>") for row in re.findall(r"<tr>.*?</tr>", html)) <= MAX_COLUMNS


def test_a_narrow_table_stays_whole() -> None:
    table = wide_table(MAX_COLUMNS)
    assert table_parts(table) == [table]


def test_terms_are_listed_once_each_in_both_renderings_and_escaped() -> None:
    terms = Terms((("8-gram overlap", "share of <test> 8-grams found in the training text"),
                   ("perplexity", "exp of the mean loss")))
    markdown = to_markdown([terms])
    assert "- **8-gram overlap**: share of <test> 8-grams found in the training text" in markdown
    html = to_html([terms, Paragraph("a & b")], "t")
    assert "<dt>8-gram overlap</dt><dd>share of &lt;test&gt; 8-grams found in the training text</dd>" in html
    assert "<p>a &amp; b</p>" in html


def test_provenance_names_the_command_time_and_inputs(tmp_path: Path) -> None:
    data = tmp_path / "set.jsonl"
    data.write_bytes(b'{"text": "x"}\n')
    assert file_sha256(data) == "sha256:" + hashlib.sha256(data.read_bytes()).hexdigest()
    assert listing_sha256({"b": 2, "a": 1}) == listing_sha256({"a": 1, "b": 2}) != listing_sha256({"a": 1, "b": 3})
    assert command_line(["/usr/bin/webtext", "eval", "report", "--out", "my dir"]) == \
        "webtext eval report --out 'my dir'"
    record = provenance({"evaluation set seen": f"{data} ({file_sha256(data)})"},
                        argv=["/x/webtext", "eval", "report"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["created"])
    markdown = to_markdown(about_blocks(record))
    assert markdown.startswith("## About this report\n")
    assert "- Command: webtext eval report" in markdown and f"- Made: {record['created']}" in markdown
    assert f"- evaluation set seen: {data} (sha256:" in markdown
