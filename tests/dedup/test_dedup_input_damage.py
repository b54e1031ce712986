"""Damaged document files: one `error:` line naming the file and line (exit 2), no output left.

Covers `webtext dedup`, `webtext tokenizer train` and the evaluation sets of every command (all
read through `webtext.core.docfiles`, so the same damage gives the same line), and a fuzz sweep of
that reader over truncated and corrupted files.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webtext.cli.main import main
from webtext.core.docfiles import read_documents, read_texts, write_documents
from webtext.core.document import Document
from webtext.core.errors import BadFileError

GOOD = [Document(id=f"d{i}", url=f"http://s.test/{i}", domain="s.test", text=f"Text number {i}, with ünïcode.")
        for i in range(6)]


def _line(doc: Document) -> bytes:
    return (json.dumps(doc.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")


def _jsonl(path: Path, bad: bytes, at: int = 3) -> Path:
    """GOOD as JSON Lines with `bad` as line `at` (counted from 1)."""
    lines = [_line(doc) for doc in GOOD]
    path.write_bytes(b"".join(lines[:at - 1]) + bad + b"".join(lines[at - 1:]))
    return path


BAD_LINES = {
    "invalid-utf8": (_line(GOOD[0]).replace(b"Text", b"T\xffxt"), "invalid UTF-8 (byte"),
    "not-json": (b"{\"id\": \"x\", \n", "invalid JSON"),
    "not-an-object": (b"[1, 2, 3]\n", "not a document: not a JSON object but list"),
    "missing-text": (b'{"id": "x", "url": "u", "domain": "d"}\n', "not a document: no 'text' field"),
    "text-not-string": (b'{"id": "x", "url": "u", "domain": "d", "text": 5}\n', "'text' is int, not a string"),
    "score-not-int": (b'{"id": "x", "url": "u", "domain": "d", "text": "t", "reddit": [{"post_id": "p", '
                      b'"subreddit": "s", "score": "9", "created_utc": 1}]}\n', "reddit[0] field 'score' is str"),
    "score-not-number": (b'{"id": "x", "url": "u", "domain": "d", "text": "t", "language_score": "0.9"}\n',
                         "'language_score' is str, not a number"),
    "lone-surrogate": (b'{"id": "x", "url": "u", "domain": "d", "text": "\\ud800"}\n', "lone surrogate"),
}


@pytest.mark.parametrize("damage", sorted(BAD_LINES))
def test_dedup_names_file_and_line_of_a_damaged_record(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       damage: str) -> None:
    bad, problem = BAD_LINES[damage]
    source = _jsonl(tmp_path / "docs.jsonl", bad)
    status = main(["dedup", "--input", str(source), "--output", str(tmp_path / "out" / "kept.jsonl")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"error: {source} at line 3: ") and problem in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_dedup_of_an_empty_file_is_an_empty_balanced_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_bytes(b"\n  \n")
    assert main(["dedup", "--input", str(source), "--output", str(tmp_path / "kept.parquet")]) == 0
    assert "documents: 0, kept 0, dropped: none" in capsys.readouterr().out
    assert list(read_documents(tmp_path / "kept.parquet")) == []
    report = json.loads((tmp_path / "kept.report.json").read_text())
    assert (report["documents"], report["kept"], report["dropped"]) == (0, 0, {})


@pytest.mark.parametrize(("table", "problem"), [
    (pa.table({"id": ["a"], "url": ["u"], "body": ["t"]}), "Parquet schema lacks column(s) domain, text"),
    (pa.table({"id": ["a"], "url": ["u"], "domain": ["d"], "text": [7]}), "at row 0: not a document: 'text' is int"),
])
def test_dedup_refuses_parquet_of_the_wrong_schema_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               table: pa.Table, problem: str) -> None:
    source = tmp_path / "docs.parquet"
    pq.write_table(table, source)
    assert main(["dedup", "--input", str(source), "--output", str(tmp_path / "out" / "kept.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {source}") and problem in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("damage", ["invalid-utf8", "not-an-object", "missing-text", "text-not-string"])
def test_tokenizer_train_names_file_and_line_of_a_damaged_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    source = _jsonl(tmp_path / "docs.jsonl", BAD_LINES[damage][0])
    assert main(["tokenizer", "train", "--input", str(source), "--out", str(tmp_path / "tok"),
                 "--vocab-size", "300"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {source} at line 3: ") and err.count("\n") == 1, err
    assert not (tmp_path / "tok").exists()


def test_tokenizer_train_reads_parquet_and_refuses_input_without_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "docs.parquet"
    write_documents(source, GOOD)
    assert main(["tokenizer", "train", "--input", str(source), "--out", str(tmp_path / "tok"),
                 "--vocab-size", "300", "--min-frequency", "1"]) == 0
    learned = int(capsys.readouterr().out.split(": ")[1].split()[0])
    assert learned > 257  # merges learned from the Parquet texts, beyond the 256 bytes + end-of-text
    blank = tmp_path / "blank.jsonl"
    blank.write_text('{"text": "  "}\n{"text": ""}\n')
    assert main(["tokenizer", "train", "--input", str(blank), "--out", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.startswith("error: the training input holds no text")
    assert not (tmp_path / "none").exists()


def _count_or_failure(path: Path, reader: Callable[[Path], Iterator[object]] = read_documents
                      ) -> tuple[int, BadFileError | None]:
    """How many records `reader` reads from `path`, or the `BadFileError` it raised instead."""
    try:
        return sum(1 for _ in reader(path)), None
    except BadFileError as error:
        return 0, error


def _expect_clean_or_named(path: Path, data: bytes,
                           reader: Callable[[Path], Iterator[object]] = read_documents) -> None:
    """Read `data` (written to `path`): a clean read of every non-blank line, or one BadFileError
    naming the file and a line that exists; never another exception."""
    path.write_bytes(data)
    lines = data.split(b"\n")
    count, failure = _count_or_failure(path, reader)
    if failure is None:
        assert count == sum(1 for line in lines if line.strip())
        return
    assert failure.path == str(path)
    assert failure.where is not None and failure.where.startswith("line ")
    assert 1 <= int(failure.where.split()[1]) <= len(lines)


_WHOLE = b"".join(_line(doc) for doc in GOOD)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(_WHOLE)), at=st.integers(0, len(_WHOLE)),
       junk=st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\x00", b"\n", b'"', b"}", b"\\"]))
def test_fuzz_truncated_and_corrupted_jsonl(tmp_path: Path, cut: int, at: int, junk: bytes) -> None:
    path = tmp_path / "fuzz.jsonl"
    _expect_clean_or_named(path, _WHOLE[:cut])
    _expect_clean_or_named(path, _WHOLE[:at] + junk + _WHOLE[at:])
    _expect_clean_or_named(path, _WHOLE[:at] + junk + _WHOLE[at:], read_texts)
    if junk in (b"\xff", b"\xc3", b"\xed\xa0\x80"):  # never valid UTF-8, whatever follows
        line = _WHOLE[:at].count(b"\n") + 1
        with pytest.raises(BadFileError, match=rf"at line {line}: invalid UTF-8"):
            list(read_documents(path))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                      max_size=3), max_leaves=8),
       field=st.sampled_from(["id", "url", "domain", "text", "title", "reddit", "meta", "drop_reason", None]))
def test_fuzz_wrong_types(tmp_path: Path, value: object, field: str | None) -> None:
    row = GOOD[0].to_dict() if field else value
    if field:
        row[field] = value  # type: ignore[index]
    _expect_clean_or_named(tmp_path / "types.jsonl", (json.dumps(row) + "\n").encode())


def test_fuzz_truncated_parquet(tmp_path: Path) -> None:
    source = tmp_path / "docs.parquet"
    write_documents(source, GOOD * 200)
    whole = source.read_bytes()
    for cut in sorted({0, 1, 4, 8, len(whole) - 1, len(whole) - 8, *range(0, len(whole), len(whole) // 23)}):
        damaged = tmp_path / f"cut{cut}.parquet"
        damaged.write_bytes(whole[:cut])
        with pytest.raises(BadFileError) as raised:
            list(read_documents(damaged))
        assert raised.value.path == str(damaged)


def test_fuzz_corrupted_parquet_bytes(tmp_path: Path) -> None:
    """A byte overwritten anywhere (a seeded sample of offsets): a clean read of every row, or
    one BadFileError naming the file; never fewer rows than the file's metadata counts."""
    source = tmp_path / "docs.parquet"
    write_documents(source, GOOD * 8)
    whole = source.read_bytes()
    rng = random.Random(5)
    for offset in sorted(rng.sample(range(len(whole)), 150)):
        for junk in (0x00, 0xFF):
            damaged = tmp_path / "damaged.parquet"
            damaged.write_bytes(whole[:offset] + bytes([junk]) + whole[offset + 1:])
            count, failure = _count_or_failure(damaged)
            if failure is None:
                assert count == len(GOOD) * 8, (offset, junk)
            else:
                assert failure.path == str(damaged)


_TEXT_FILE_DAMAGE = {
    "not-json": ("bad.jsonl", b'{"text": "fine"}\n{"text": broken\n', "at line 2: invalid JSON"),
    "no-text": ("bad.jsonl", b'{"text": "fine"}\n{"body": "x"}\n', "at line 2: no 'text' field"),
    "invalid-utf8": ("bad.jsonl", b'{"text": "fine"}\n{"text": "f\xffne"}\n', "at line 2: invalid UTF-8"),
    "plain-not-utf8": ("bad.txt", b"first document\n\nsec\xffond", "at byte 19: not UTF-8 text"),
}


@pytest.mark.parametrize("damage", sorted(_TEXT_FILE_DAMAGE))
def test_a_damaged_text_file_gives_one_and_the_same_line_through_every_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    name, data, problem = _TEXT_FILE_DAMAGE[damage]
    bad = tmp_path / name
    bad.write_bytes(data)
    docs = tmp_path / "docs.jsonl"
    write_documents(docs, GOOD)
    out = tmp_path / "out"
    commands = [["tokenizer", "train", "--input", str(bad), "--out", str(out / "tok")],
                ["dedup", "--input", str(docs), "--output", str(out / "kept.jsonl"), "--eval", f"probe={bad}"],
                ["eval", "overlap", "--eval", f"probe={bad}", "--out", str(out / "eval")]]
    errors = set()
    for command in commands:
        assert main(command) == 2, command
        errors.add(capsys.readouterr().err)
    assert len(errors) == 1, errors
    error = errors.pop()
    assert error.startswith(f"error: {bad} {problem}") and error.count("\n") == 1, error
    assert not out.exists()
