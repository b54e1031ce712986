"""`webtext tokenizer ...` and `webtext shards inspect` as a user runs them."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.cli.main import main
from webtext.core.beamrun import local_runner
from webtext.core.document import Document
from webtext.core.entrypoint import run_main
from webtext.tokenize.beam import TokenizeAndWrite
from webtext.tokenize.commands import balance, read_texts
from webtext.tokenize.shards import write_manifest


def test_train_encode_decode_info(prose: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"text": text}) + "\n" for text in prose), encoding="utf-8")
    assert main(["tokenizer", "train", "--input", str(docs), "--out", str(tmp_path / "tok"),
                 "--vocab-size", "1000", "--min-frequency", "3"]) == 0
    assert "1000 tokens, end-of-text id 999" in capsys.readouterr().out
    assert json.loads((tmp_path / "tok" / "training.json").read_text())["settings"] == {
        "vocab_size": 1000, "min_frequency": 3}
    flags = ["--tokenizer", str(tmp_path / "tok")]
    assert main(["tokenizer", "encode", *flags, "Hello, wörld"]) == 0
    ids = capsys.readouterr().out.split()
    assert ids and all(word.isdigit() for word in ids)
    assert main(["tokenizer", "decode", *flags, "--engine", "tokenizers", *ids]) == 0
    assert capsys.readouterr().out == "Hello, wörld\n"
    assert main(["tokenizer", "info", *flags]) == 0
    assert "engine tiktoken" in capsys.readouterr().out


def test_training_json_fed_back_with_config_trains_the_same_tokenizer(
        prose: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs.txt"
    docs.write_text("\n\n".join(prose[:80]), encoding="utf-8")
    assert main(["tokenizer", "train", "--input", str(docs), "--out", str(tmp_path / "tok"),
                 "--vocab-size", "400", "--min-frequency", "3"]) == 0
    written = json.loads((tmp_path / "tok" / "training.json").read_text())
    assert written == {"settings": {"vocab_size": 400, "min_frequency": 3},
                       "run": {"input": [str(docs)], "out": str(tmp_path / "tok")}}
    assert main(["tokenizer", "train", "--config", str(tmp_path / "tok" / "training.json"),
                 "--out", str(tmp_path / "again")]) == 0
    first, again = capsys.readouterr().out.splitlines()
    assert first.split(": ")[1] == again.split(": ")[1]  # the same size, end-of-text id and hash


@pytest.mark.parametrize(("command", "missing"), [(["train", "--out", "tok"], "--input"),
                                                  (["train", "--input", "docs.jsonl"], "--out"),
                                                  (["encode", "text"], "--tokenizer"), (["info"], "--tokenizer")])
def test_a_missing_required_flag_is_named_in_one_line(capsys: pytest.CaptureFixture[str], command: list[str],
                                                      missing: str) -> None:
    assert main(["tokenizer", *command]) == 2
    assert capsys.readouterr().err.startswith(f"error: missing {missing}: give ")


def test_bad_input_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": broken\n', encoding="utf-8")
    assert main(["tokenizer", "train", "--input", str(bad), "--out", str(tmp_path / "tok")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad} at line 2: invalid JSON") and err.count("\n") == 1
    assert not (tmp_path / "tok").exists()


def test_training_counts_every_document_and_fails_when_they_do_not_balance(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"text": "one two"}\n\n{"text": "  "}\n{"text": "three"}\n', encoding="utf-8")
    counts: collections.Counter[str] = collections.Counter()
    used = sum(1 for _ in read_texts([docs, docs], counts))
    assert (used, counts) == (4, {"read": 6, "tokenizer:empty": 2})
    assert run_main(lambda: balance(counts, used)) == 0
    assert run_main(lambda: balance(counts, used - 1)) == 2
    assert capsys.readouterr().err == ("error: webtext tokenizer train: accounting does not balance: read 6 != "
                                       "kept 3 + dropped 2 (1 missing); no output is trustworthy\n")


@pytest.fixture(scope="module")
def corpus(prose: list[str], tokenizer_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shard directory written by `TokenizeAndWrite`: 48 train and 12 val documents."""
    out = tmp_path_factory.mktemp("corpus")
    pairs = [("val" if i % 5 == 0 else "train", Document(id=f"d{i:04d}", url="", domain="", text=text))
             for i, text in enumerate(prose[:60])]
    transform = TokenizeAndWrite(tokenizer_dir, out, str(tmp_path_factory.mktemp("spill")), shard_bytes=4096)
    options = PipelineOptions(flags=[])
    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        _ = ((pipeline | beam.Create(pairs) | transform).shards | beam.combiners.ToList()
             | beam.Map(lambda infos: write_manifest(out, infos, tokenizer_file=transform.tokenizer_file,
                                                     drops={"clean:too_short": 4})))
    return out


def test_inspect_prints_counts_histogram_and_sample(corpus: Path, prose: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shards", "inspect", str(corpus), "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "split train:" in out and "48 documents" in out and "split val:" in out and "12 documents" in out
    assert "verified: checksums" in out and "matches the shards" in out
    assert "most frequent tokens" in out and "'.'" in out
    assert repr(prose[0][:20])[:-1] in out  # the decoded start of the first val document (d0000)
    assert "dropped documents: 4 (clean:too_short 4)" in out


def test_inspect_refuses_a_damaged_shard_in_one_line(corpus: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    corpus = Path(shutil.copytree(corpus, tmp_path / "copy"))
    shard = sorted(corpus.glob("train-*.arrow"))[1]
    data = bytearray(shard.read_bytes())
    data[-30] ^= 0xFF
    shard.write_bytes(bytes(data))
    assert main(["shards", "inspect", str(corpus)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {shard}: checksum mismatch: the file differs from the one the manifest records\n"
