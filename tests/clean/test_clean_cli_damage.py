"""`webtext clean` on damaged WARC files and on records that give no page: every record read is
shown kept, dropped with a reason, or unreadable, the counts balance, and damage ends the command
with one `error:` line naming the file and offset after everything readable was shown."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from webtext.cli.main import main
from webtext.crawl.warc import record as warcrecord

DATE = "2017-06-01T10:00:00Z"


def response(url: str, body: bytes, headers: Sequence[tuple[str, str]] = (("Content-Type", "text/html"),),
             compress: bool = True) -> bytes:
    return warcrecord.response(DATE, warcrecord.http_block("HTTP/1.1 200 OK", headers), body,
                               [("WARC-Target-URI", url)], compress=compress)


def counts(err: str) -> tuple[int, dict[str, int]]:
    """(records read, outcome counts) from the summary line `pages: N (kept 1, too_short 2, ...)`."""
    match = re.search(r"^pages: (\d+) \((.*)\)$", err, re.MULTILINE)
    assert match, err
    parts = [part.rsplit(" ", 1) for part in match.group(2).split(", ") if part != "none"]
    return int(match.group(1)), {name: int(count) for name, count in parts}


def test_a_valid_uncompressed_warc_is_read_without_error(
        tmp_path: Path, article_html: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    warc = tmp_path / "pages.warc"
    warc.write_bytes(b"".join(response(f"http://a.example.com/{i}.html", article_html().encode(), compress=False)
                              for i in range(2)))
    assert main(["clean", str(warc)]) == 0
    out, err = capsys.readouterr()
    assert out.count("\nkept |") == 2
    assert counts(err) == (2, {"kept": 2})
    assert "error" not in err


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_a_record_cut_in_its_headers_fails_with_one_line_after_the_records_before(
        tmp_path: Path, compress: bool, article_html: Callable[..., str],
        capsys: pytest.CaptureFixture[str]) -> None:
    first = response("http://a.example.com/0.html", article_html().encode(), compress=compress)
    text = response("http://a.example.com/1.html", article_html().encode(), compress=False)
    head_end = text.index(b"\r\n\r\n")
    cuts = [m.end() for m in re.finditer(rb"\r\n|: ", text[:head_end])]  # every line and every field value
    assert len(cuts) > 10
    warc = tmp_path / ("cut.warc.gz" if compress else "cut.warc")
    for cut in cuts:
        warc.write_bytes(first + (gzip.compress(text[:cut]) if compress else text[:cut]))  # a member ends, or the file
        assert main(["clean", str(warc)]) == 2, cut
        out, err = capsys.readouterr()
        assert out.startswith("=== http://a.example.com/0.html\nkept |"), cut
        assert "=== http://a.example.com/1.html" not in out, cut
        assert err.strip().splitlines()[-1].startswith(f"error: {warc} at offset {len(first)}: truncated"), (cut, err)
        assert counts(err) == (2, {"kept": 1, "unreadable": 1}), cut


def test_damage_inside_a_gzip_file_shows_every_readable_record_then_fails(
        tmp_path: Path, article_html: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    first, last = (response(f"http://a.example.com/{i}.html", article_html().encode()) for i in range(2))
    broken = response("http://a.example.com/broken.html", article_html().encode())
    warc = tmp_path / "damaged.warc.gz"
    warc.write_bytes(first + broken[:len(broken) // 2] + last)
    assert main(["clean", str(warc), "--jsonl"]) == 2
    out, err = capsys.readouterr()
    assert [json.loads(line)["url"] for line in out.splitlines()] == ["http://a.example.com/0.html",
                                                                      "http://a.example.com/1.html"]
    assert err.strip().splitlines()[-1].startswith(f"error: {warc} at offset {len(first)}: ")
    assert counts(err) == (3, {"kept": 2, "unreadable": 1})


def test_records_that_give_no_page_are_shown_and_counted(
        tmp_path: Path, article_html: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    html = article_html().encode()
    bomb = gzip.compress(bytes(20_000_000), 9)
    warc = tmp_path / "mixed.warc.gz"
    warc.write_bytes(response("http://a.example.com/ok.html", html)
                     + response("dns:a.example.com", b"192.0.2.1\r\n")
                     + response("http://a.example.com/bomb.html", bomb, [("Content-Encoding", "gzip")])
                     + response("http://a.example.com/stub.html", article_html(paragraphs=["Back soon."]).encode()))
    assert main(["clean", str(warc), "--jsonl", "--max-bytes", str(len(html) + 1000)]) == 0
    out, err = capsys.readouterr()
    assert [(d["url"], d["drop_reason"]) for d in map(json.loads, out.splitlines())] == [
        ("http://a.example.com/ok.html", None), ("dns:a.example.com", "not_http"),
        ("http://a.example.com/bomb.html", "too_large"), ("http://a.example.com/stub.html", "too_short")]
    read, outcomes = counts(err)
    assert (read, outcomes) == (4, {"kept": 1, "not_http": 1, "too_large": 1, "too_short": 1})
    assert read == sum(outcomes.values())


def test_an_empty_warc_file_reads_no_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warc = tmp_path / "empty.warc.gz"
    warc.write_bytes(b"")
    assert main(["clean", str(warc)]) == 0
    assert counts(capsys.readouterr().err) == (0, {})
