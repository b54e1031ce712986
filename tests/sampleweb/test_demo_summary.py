"""The demo's closing summary names the data card, the HTML report and the corpus's WebText share."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webtext.sampleweb.demo_summary import print_summary


def test_the_summary_points_at_the_data_card_and_the_webtext_share(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    webtext = {"reference_labels": 1000, "share": 0.125}
    (corpus / "report.json").write_text(json.dumps({"webtext": webtext}))
    print_summary(tmp_path, [], 60.0)
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("data card"))
    assert str(corpus / "DATACARD.md") in line and "report.html" in line
    assert "12.5% of its documents from WebText's top 1,000 domains" in line


def test_the_summary_says_so_when_the_corpus_step_did_not_run(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    print_summary(tmp_path, [], 60.0)
    assert "no WebText comparison" in capsys.readouterr().out
