"""`webtext dedup` end to end on files: outputs, report, Parquet round trip, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webtext.cli.main import main
from webtext.core.docfiles import read_documents, write_documents


@pytest.mark.slow
def test_dedup_command_writes_kept_dropped_and_report(corpus, tmp_path: Path, capsys) -> None:
    source = tmp_path / "docs.parquet"
    write_documents(source, corpus.docs)
    evals = tmp_path / "eval.jsonl"
    evals.write_text(json.dumps({"text": corpus.docs[0].text}) + "\n")
    status = main(["dedup", "--input", str(source), "--output", str(tmp_path / "out.jsonl"),
                   "--eval", f"probe={evals}", "--decontaminate", "near"])
    assert status == 0
    assert "9 bands x 13 rows" in capsys.readouterr().out
    kept = list(read_documents(tmp_path / "out.jsonl"))
    dropped = {d.id: d for d in read_documents(tmp_path / "out.dropped.jsonl")}
    assert len(kept) + len(dropped) == len(corpus.docs)
    assert corpus.docs[0].id in dropped  # the evaluation document's training copy
    for doc_id, kept_id in {**corpus.exact_of, **corpus.near_of}.items():
        assert dropped[doc_id].duplicate_of == kept_id
    report = json.loads((tmp_path / "out.report.json").read_text())
    assert report["documents"] == len(corpus.docs)
    assert report["dropped"]["dedup:contaminated"] == 1
    assert report["decontamination"]["probe"]["documents_dropped"] == 1
    assert json.loads((tmp_path / "out.config.json").read_text())["dedup"]["threshold"] == 0.8


def test_bad_input_line_is_named_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "a", "url": "http://a.test/", "domain": "a.test", "text": "x"}\n{broken\n')
    status = main(["dedup", "--input", str(source), "--output", str(tmp_path / "out.jsonl")])
    assert status == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {source} at line 2: invalid JSON")
    assert not list(tmp_path.glob("out*"))


def test_the_written_configuration_reproduces_the_run(corpus, tmp_path: Path, capsys) -> None:
    source = tmp_path / "docs.jsonl"
    write_documents(source, corpus.docs[:40])
    first = tmp_path / "first" / "kept.jsonl"
    assert main(["dedup", "--input", str(source), "--output", str(first), "--no-exact", "--threshold", "0.6",
                 "--num-perm", "64", "--eval", f"probe={source}"]) == 0
    config = first.with_name("kept.config.json")
    written = json.loads(config.read_text())
    assert written["run"] == {"input": str(source), "output": str(first), "dropped": None, "exact": False,
                              "near": True, "eval": [f"probe={source}"], "workers": 1}
    assert (written["dedup"]["threshold"], written["dedup"]["num_perm"]) == (0.6, 64)
    again = tmp_path / "again" / "kept.jsonl"
    assert main(["dedup", "--config", str(config), "--output", str(again)]) == 0, capsys.readouterr().err
    assert json.loads(again.with_name("kept.report.json").read_text()) == json.loads(
        first.with_name("kept.report.json").read_text())
    assert again.read_text() == first.read_text()
    assert json.loads(again.with_name("kept.config.json").read_text()) == {
        **written, "run": {**written["run"], "output": str(again)}}


@pytest.mark.parametrize(("given", "missing"), [(["--output", "out.jsonl"], "--input"),
                                                (["--input", "docs.jsonl"], "--output")])
def test_a_missing_required_flag_is_named_in_one_line(tmp_path: Path, capsys, given: list[str],
                                                      missing: str) -> None:
    assert main(["dedup", *given]) == 2
    assert capsys.readouterr().err.startswith(f"error: missing {missing}: give ")


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--threshold", "1", "--threshold must be between 0 and 1, both excluded (got 1.0)"),
    ("--threshold", "0", "--threshold must be between 0 and 1, both excluded (got 0.0)"),
    ("--num-perm", "0", "--num-perm must be 1 or more (got 0)"),
    ("--shingle-size", "-1", "--shingle-size must be 1 or more (got -1)"),
    ("--max-pieces", "-1", "--max-pieces must be 0 or more (got -1)"),
])
def test_a_setting_out_of_range_is_one_error_line_before_any_work(corpus, tmp_path: Path, capsys, flag: str,
                                                                  value: str, message: str) -> None:
    source = tmp_path / "docs.jsonl"
    write_documents(source, corpus.docs[:5])
    assert main(["dedup", "--input", str(source), "--output", str(tmp_path / "out.jsonl"), f"{flag}={value}"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"
    assert not list(tmp_path.glob("out*"))
