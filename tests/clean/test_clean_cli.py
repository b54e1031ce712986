"""`webtext clean FILE` on an HTML file and on WARC files, including damaged ones."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from webtext.cli.main import main


def _write_warc(path: Path, pages: list[tuple[str, bytes, str]]) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, body, content_type in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


def test_html_file_prints_outcome_title_and_text(tmp_path: Path, article_html: Callable[..., str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "story.html"
    page.write_text(article_html(), encoding="utf-8")
    assert main(["clean", str(page), "--url", "http://news.example.com/story.html"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("=== http://news.example.com/story.html\nkept | title: Riverside park to grow")
    assert "The city council voted on Tuesday" in out
    assert "Contact the newsroom" not in out
    assert "pages: 1 (kept 1)" in err


def test_warc_file_prints_each_record_with_its_reason(tmp_path: Path, article_html: Callable[..., str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    warc = tmp_path / "pages.warc.gz"
    _write_warc(warc, [("http://a.example.com/1.html", article_html().encode(), "text/html"),
                       ("http://a.example.com/stub.html", article_html(paragraphs=["Back soon."]).encode(),
                        "text/html"),
                       ("http://a.example.com/file.pdf", b"%PDF-1.4", "application/pdf")])
    assert main(["clean", str(warc), "--jsonl"]) == 0
    out, err = capsys.readouterr()
    docs = [json.loads(line) for line in out.splitlines()]
    assert [(d["url"], d["drop_reason"]) for d in docs] == [
        ("http://a.example.com/1.html", None), ("http://a.example.com/stub.html", "too_short"),
        ("http://a.example.com/file.pdf", "not_html")]
    assert docs[0]["meta"]["source"].startswith(f"{warc}:")
    assert "pages: 3" in err


def test_setting_flags_change_the_outcome(tmp_path: Path, article_html: Callable[..., str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "stub.html"
    page.write_text(article_html(paragraphs=["Back soon with more news."]), encoding="utf-8")
    main(["clean", str(page)])
    assert "dropped: too_short" in capsys.readouterr().out
    main(["clean", str(page), "--min-words", "3"])
    assert "\nkept |" in capsys.readouterr().out
    main(["clean", str(page), "--no-filters"])
    assert "\nkept |" in capsys.readouterr().out


def test_truncated_warc_fails_with_one_line_naming_file_and_offset(
        tmp_path: Path, article_html: Callable[..., str], capsys: pytest.CaptureFixture[str]) -> None:
    warc = tmp_path / "cut.warc"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        for index in range(2):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"http://a.example.com/{index}.html", "response",
                payload=io.BytesIO(article_html().encode()), http_headers=headers))
    data = warc.read_bytes()
    warc.write_bytes(data[:len(data) - 300])
    assert main(["clean", str(warc)]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("=== http://a.example.com/0.html")  # the whole record before the damage
    assert err.strip().splitlines()[-1].startswith(f"error: {warc} at offset ")


def test_missing_file_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean", str(tmp_path / "nope.warc.gz")]) == 2
    assert capsys.readouterr().err.strip() == f"error: no such file: {tmp_path / 'nope.warc.gz'} " \
                                              "(give a .warc, .warc.gz or .html file)"


@pytest.mark.parametrize(("flag", "message"), [
    (["--recall-fallback-ratio", "0.5"], "--recall-fallback-ratio must be at least 1 (got 0.5)"),
    (["--recall-fallback-chars", "-5"], "--recall-fallback-chars must be 0 or more (got -5)"),
    (["--short-prose-words", "-3"], "--short-prose-words must be 0 or more (got -3)"),
])
def test_a_setting_out_of_range_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  flag: list[str], message: str) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>text</p></body></html>", encoding="utf-8")
    assert main(["clean", str(page), *flag]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


@pytest.mark.parametrize(("config", "outcome"), [
    ("[filters]\nmin_words = 3\n", "\nkept |"),  # the filter thresholds' table
    ("filters = false\n", "\nkept |"),  # the command's own switch of the same name
    ("min_words = 3\nlanguages = ['de']\n", "dropped: language |"),
])
def test_a_config_file_sets_the_command_and_stage_settings(
        tmp_path: Path, article_html: Callable[..., str], capsys: pytest.CaptureFixture[str],
        config: str, outcome: str) -> None:
    page = tmp_path / "stub.html"
    page.write_text(article_html(paragraphs=["Back soon with more news."]), encoding="utf-8")
    (tmp_path / "clean.toml").write_text(config, encoding="utf-8")
    assert main(["clean", str(page), "--config", str(tmp_path / "clean.toml")]) == 0
    assert outcome in capsys.readouterr().out
