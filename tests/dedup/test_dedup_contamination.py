"""Decontamination with planted overlaps: near and ngram remove exactly what was planted, measure
reports the planted 8-gram overlap; evaluation sets load from text, JSONL and Parquet."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from webtext.core.errors import BadFileError, ConfigError
from webtext.core.reasons import DEDUP_CONTAMINATED
from webtext.dedup.contamination import NgramIndex, cut_ngrams
from webtext.dedup.decontaminate import Decontaminate
from webtext.dedup.evalsets import EvalSet, load_eval_sets
from webtext.dedup.settings import DedupSettings


def _words(rng: random.Random, tag: str, count: int) -> str:
    return " ".join(f"{tag}{rng.randrange(10**6)}" for _ in range(count))


@pytest.fixture
def planted(corpus_factory):
    """20 evaluation documents; training documents with known overlaps."""
    rng = random.Random(11)
    evals = EvalSet("qa", "qa.jsonl", tuple(_words(rng, "e", 120) for _ in range(20)))
    docs = corpus_factory(seed=5, originals=30).docs[:30]
    planted_near = {}
    for i in range(3):  # near copies of eval documents 0..2 (one word changed)
        words = evals.texts[i].split()
        words[10] = "changed"
        docs[i] = dataclasses.replace(docs[i], text=" ".join(words))
        planted_near[docs[i].id] = "qa"
    cut = {}
    for i in range(3, 6):  # one 20-word eval passage inside 300 words of other text: cut, kept
        passage = " ".join(evals.texts[10 + i].split()[:20])
        text = docs[i].text
        docs[i] = dataclasses.replace(docs[i], text=text[:900] + " " + passage + " " + text[900:])
        cut[docs[i].id] = passage
    shredded = set()
    for i in range(6, 8):  # eleven separate eval passages: more than 10 pieces, dropped
        parts = [_words(rng, "f", 70) + " " + " ".join(evals.texts[k].split()[30:45]) for k in range(11)]
        docs[i] = dataclasses.replace(docs[i], text=" ".join(parts) + " " + _words(rng, "f", 70))
        shredded.add(docs[i].id)
    return evals, docs, planted_near, cut, shredded


def _run(collect, docs, mode, evals, workers=1):
    settings = DedupSettings(decontaminate=mode)

    def build(pcoll):
        out = pcoll | Decontaminate(settings, [evals])
        return {"kept": out.kept, "dropped": out.dropped, "report": out.report}

    result = collect(docs, build, workers)
    return result["kept"], result["dropped"], dict(result["report"])


def test_near_mode_drops_exactly_the_planted_near_copies(planted, collect) -> None:
    evals, docs, planted_near, _, _ = planted
    kept, dropped, report = _run(collect, docs, "near", evals)
    assert {d.id for d in dropped} == set(planted_near)
    assert {d.drop_reason for d in dropped} == {DEDUP_CONTAMINATED}
    assert all(d.meta["contamination"]["jaccard"]["qa"] >= 0.8 for d in dropped)
    assert report == {"qa/documents_dropped": 3}
    assert len(kept) + len(dropped) == len(docs)


def test_ngram_mode_cuts_planted_passages_and_drops_shredded_documents(planted, collect) -> None:
    evals, docs, planted_near, cut, shredded = planted
    kept, dropped, report = _run(collect, docs, "ngram", evals, workers=2)
    # The near copies share every 13-gram: nothing is left, so they are dropped too.
    assert {d.id for d in dropped} == shredded | set(planted_near)
    changed = {d.id: d for d in kept if d.meta.get("decontaminated")}
    assert set(changed) == set(cut)
    originals = {d.id: d for d in docs}
    for doc_id, passage in cut.items():
        text = changed[doc_id].text
        assert passage not in text
        assert len(text) < len(originals[doc_id].text) - len(passage) - 300  # 200 characters each side
    untouched = {d.id for d in kept} - set(cut)
    assert all(d.text == originals[d.id].text for d in kept if d.id in untouched)
    assert report["qa/documents_cut"] == 3
    assert report["qa/documents_dropped"] == 5


def test_gpt3_rule_pieces_and_margins() -> None:
    passage = " ".join(f"p{i}" for i in range(13))
    index = NgramIndex([EvalSet("s", "s.txt", (passage,))], 13)
    settings = DedupSettings()
    left, right = "L" * 500, "R" * 150
    result = cut_ngrams(f"{left} {passage} {right}", index, settings)
    assert (result.matches, result.pieces, result.contaminated) == (1, 1, False)
    assert result.text == "L" * 301  # the 200 characters before the match go; the tail is too short
    assert cut_ngrams("nothing to see " * 30, index, settings).matches == 0


def test_measure_mode_reports_the_planted_overlap_and_keeps_everything(collect) -> None:
    rng = random.Random(3)
    evals = EvalSet("lm", "lm.txt", tuple(_words(rng, "m", 100) for _ in range(40)))
    docs = [dataclasses.replace(d, text=d.text + " " + evals.texts[i]) if i < 10 else d
            for i, d in enumerate(_docs_from(rng, 60))]
    kept, dropped, report = _run(collect, docs, "measure", evals, workers=2)
    assert len(kept) == len(docs)
    assert not dropped
    assert report["lm/ngrams_total"] == 40 * 93
    assert abs(100 * report["lm/ngrams_found"] / report["lm/ngrams_total"] - 25.0) <= 0.5


def _docs_from(rng: random.Random, count: int):
    from webtext.core.document import Document

    return [Document(id=f"t{i}", url=f"http://t.test/{i}", domain="t.test", text=_words(rng, "t", 200))
            for i in range(count)]


def test_eval_sets_load_from_text_jsonl_and_parquet(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("First document\nstill first.\n\n\nSecond document.\n \n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": "one"}) + "\n\n" + json.dumps({"text": "two"}) + "\n")
    pq.write_table(pa.table({"text": ["x", "", "y"]}), tmp_path / "c.parquet")
    sets = load_eval_sets([f"a={tmp_path / 'a.txt'}", f"b={tmp_path / 'b.jsonl'}", f"c={tmp_path / 'c.parquet'}"])
    assert [s.texts for s in sets] == [("First document\nstill first.", "Second document."), ("one", "two"),
                                       ("x", "y")]


def test_bad_eval_sets_fail_with_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"text": "fine"}\n{"title": "no text"}\n')
    with pytest.raises(BadFileError, match=r"bad.jsonl at line 2"):
        load_eval_sets([f"bad={tmp_path / 'bad.jsonl'}"])
    with pytest.raises(ConfigError, match="NAME=PATH"):
        load_eval_sets(["no-equals-sign"])
    with pytest.raises(ConfigError, match="file not found"):
        load_eval_sets([f"x={tmp_path / 'missing.txt'}"])
