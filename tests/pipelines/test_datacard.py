"""DATACARD.md of a real run of the main job: Hugging Face's layout, every threshold the run used,
counts that agree with report.json, and loading snippets that run against the output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from webtext.core.render import Paragraph, to_markdown
from webtext.pipelines.datacard import datacard_blocks, size_category
from webtext.pipelines.figures import Figure
from webtext.pipelines.report_sections import percent

SECTIONS = ["Dataset Summary", "Dataset Structure", "Files", "Fields", "Splits", "Dataset Creation", "Source Data",
            "Processing", "Languages", "Domains", "Sizes", "Considerations for Using the Data", "Known Limitations",
            "Licensing Information", "How to load it", "About this card"]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reported_job")]  # one worker builds the job


def _card(job: Path) -> tuple[dict[str, Any], str]:
    """The card's YAML metadata and its Markdown."""
    _, front, body = (job / "DATACARD.md").read_text().split("---\n", 2)
    return yaml.safe_load(front), body


def _flag(name: str, value: Any) -> str:
    """How a setting is written on the command line."""
    flag = "--" + name.replace("_", "-")
    if isinstance(value, bool):
        return flag if value else "--no-" + flag[2:]
    if isinstance(value, list):
        return f"{flag}={' '.join(value)}"
    return f"{flag}={value:g}" if isinstance(value, float) else f"{flag}={value}"


def _leaves(section: dict[str, Any]) -> dict[str, Any]:
    return {k: v for name, value in section.items()
            for k, v in (_leaves(value).items() if isinstance(value, dict) else [(name, value)])}


def test_the_card_has_the_hugging_face_metadata_and_every_section(reported_job: Path) -> None:
    meta, body = _card(reported_job)
    report = json.loads((reported_job / "report.json").read_text())
    kept = sum(s["documents"] for s in report["splits"].values())
    assert meta["license"] == "other" and meta["task_categories"] == ["text-generation"]
    assert meta["language"] == ["en"] and meta["size_categories"] == [size_category(kept)] == ["n<1K"]
    assert f"{kept:,} documents" in meta["pretty_name"]
    headings = re.findall(r"^#{2,3} (.*)$", body, re.M)
    assert [h for h in headings if h in SECTIONS] == SECTIONS


def test_the_card_names_every_threshold_with_its_value_from_config(reported_job: Path) -> None:
    _, body = _card(reported_job)
    processing = body.split("### Processing\n", 1)[1].split("\n### ", 1)[0]
    config = json.loads((reported_job / "config.json").read_text())
    for section in ("clean", "dedup", "split"):
        for name, value in _leaves(config[section]).items():
            assert _flag(name, value) in processing, name


def test_the_cards_counts_are_the_reports(reported_job: Path) -> None:
    _, body = _card(reported_job)
    report = json.loads((reported_job / "report.json").read_text())
    total = report["accounting"]["input"]
    for reason, n in report["accounting"].items():
        if reason == "input" or reason.startswith("kept:"):
            continue
        line = next(line for line in body.splitlines() if line.startswith(f"- {reason}: "))
        assert line.endswith(f": {n:,} document{'' if n == 1 else 's'} ({percent(n, total)} of input)"), line
    for split, numbers in report["splits"].items():
        assert f"| {split} | {numbers['documents']:,} | " in body and f" | {numbers['tokens']:,} | " in body
    kept = sum(s["documents"] for s in report["splits"].values())
    assert f"It holds {kept:,} documents ({percent(kept, total)} of the {total:,} WARC records read)" in body


def test_the_loading_snippets_run_against_the_output(reported_job: Path, tmp_path: Path) -> None:
    _, body = _card(reported_job)
    snippets = re.findall(r"```python\n(.*?)```", body, re.S)
    assert len(snippets) == 2
    report = json.loads((reported_job / "report.json").read_text())
    train = report["splits"]["train"]
    printed = []
    for code in snippets:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        printed.append(done.stdout)
    assert printed[0].startswith(f"{train['documents']} documents, {train['tokens']} tokens\n")
    assert printed[1].startswith(f"{train['documents']} train documents; the first: http")


def test_a_card_without_documents_files_offers_no_parquet_snippet(reported_job: Path) -> None:
    report = {**json.loads((reported_job / "report.json").read_text()), "documents": None}
    sections = json.loads((reported_job / "config.json").read_text())
    figures = {name: Figure(name, None, "none") for name in ("stages", "funnel", "domains", "lengths")}
    blocks = datacard_blocks(report, sections, figures)
    card = to_markdown(blocks)
    assert "documents/*.parquet" not in card and "pyarrow" not in card and "A documents file's rows" not in card
    assert sum(1 for block in blocks if isinstance(block, Paragraph) and block.text.startswith("```python")) == 1
