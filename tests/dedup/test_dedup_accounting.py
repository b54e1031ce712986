"""`webtext dedup` accounts for every document it reads: documents = kept + Σ dropped, every run.

The command runs on Beam's local runner; a run that loses documents must fail with one `error:`
line, and repeated runs on a corpus of real prose must each balance exactly.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from webtext.cli.main import main
from webtext.core.docfiles import read_documents, write_documents
from webtext.core.document import Document, RedditPost
from webtext.core.entrypoint import run_main
from webtext.core.reasons import DEDUP_EXACT, DEDUP_NEAR, key
from webtext.pipelines.dedup_files import stage_outputs
from webtext.sampleweb.corpus import prose_pool

DOCUMENTS = 1700


def _prose_corpus(count: int) -> list[Document]:
    """`count` documents of one to four paragraphs of the sample web's prose; every 8th is an
    exact copy (case and spacing changed) of an earlier one, every 8th+3 a near copy."""
    pool = list(prose_pool())
    rng = random.Random(11)
    docs: list[Document] = []
    for index in range(count):
        if index % 8 == 7:
            text = "  " + docs[rng.randrange(len(docs))].text.upper()
        elif index % 8 == 3 and docs:
            words = docs[-1].text.split(" ")
            words[rng.randrange(len(words))] = "changed"
            text = " ".join(words)
        else:
            text = "\n\n".join(rng.sample(pool, rng.randint(1, 4)))
        docs.append(Document(id=f"doc{index:05d}", url=f"http://site{index % 13}.test/{index}",
                             domain=f"site{index % 13}.test", text=text,
                             reddit=(RedditPost(f"p{index}", "news", index % 40, 1_500_000_000),)))
    return docs


@pytest.mark.slow
def test_every_run_on_1700_documents_balances_exactly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _prose_corpus(DOCUMENTS)
    source = tmp_path / "docs.jsonl"
    write_documents(source, docs)
    ids = sorted(doc.id for doc in docs)
    outcomes = set()
    for run in range(10):
        out = tmp_path / f"run{run}"
        workers = 2 if run % 4 == 1 else 1  # in this process, or as two worker processes
        status = main(["dedup", "--input", str(source), "--output", str(out / "kept.jsonl"),
                       "--workers", str(workers)])
        assert status == 0, capsys.readouterr().err
        report = json.loads((out / "kept.report.json").read_text())
        assert report["documents"] == DOCUMENTS
        assert report["kept"] + sum(report["dropped"].values()) == DOCUMENTS, (run, workers, report)
        kept = [doc.id for doc in read_documents(out / "kept.jsonl")]
        dropped = {doc.id: doc.drop_reason for doc in read_documents(out / "kept.dropped.jsonl")}
        assert sorted(kept + list(dropped)) == ids, (run, workers)  # each document exactly once
        assert len(kept) == report["kept"]
        outcomes.add((tuple(sorted(kept)), tuple(sorted(dropped.items()))))
        assert f"documents: {DOCUMENTS}, kept {len(kept)}" in capsys.readouterr().out
    assert len(outcomes) == 1  # every run, whatever its workers, decides the same
    reasons = {reason for reason in dict(next(iter(outcomes))[1]).values()}
    assert reasons == {DEDUP_EXACT, DEDUP_NEAR}


def _pipeline_outputs(tmp: Path, kept: int, dropped: int) -> None:
    """What the dedup pipeline leaves in its scratch directory: kept and dropped JSON Lines."""
    def lines(start: int, count: int, reason: str | None) -> str:
        return "".join(json.dumps(Document(id=f"d{i}", url="", domain="", text="t", drop_reason=reason).to_dict())
                       + "\n" for i in range(start, start + count))

    (tmp / "kept").write_text(lines(0, kept, None))
    (tmp / "dropped").write_text(lines(kept, dropped, DEDUP_EXACT))


def test_balanced_outputs_are_counted_by_reason(tmp_path: Path) -> None:
    _pipeline_outputs(tmp_path, kept=3, dropped=2)
    assert stage_outputs(str(tmp_path), 5, tmp_path / "k.parquet", tmp_path / "d.jsonl") == (
        3, {key("dedup", DEDUP_EXACT): 2})
    assert len(list(read_documents(tmp_path / "k.parquet"))) == 3


@pytest.mark.parametrize(("read", "detail"), [(7, "2 missing"), (4, "1 counted twice")])
def test_outputs_that_do_not_balance_fail_with_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              read: int, detail: str) -> None:
    _pipeline_outputs(tmp_path, kept=3, dropped=2)
    status = run_main(lambda: stage_outputs(str(tmp_path), read, tmp_path / "k.jsonl", tmp_path / "d.jsonl") and 0)
    assert status == 2
    assert capsys.readouterr().err == (f"error: webtext dedup: accounting does not balance: read {read} != kept 3 "
                                       f"+ dropped 2 ({detail}); no output is trustworthy\n")
