"""Character encodings: header, then meta tag, then detection; bad bytes never raise."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st
from webtext.clean.encoding import charset_from_meta, decode_body, guess_charset

FRENCH = "Les élèves du lycée ont présenté leurs travaux à la fête de la science."
RUSSIAN = "Студенты подготовили подробный доклад о компьютерных сетях и языковых моделях."


def test_header_charset_wins_over_meta() -> None:
    body = f'<meta charset="utf-8"><p>{FRENCH}</p>'.encode("iso-8859-1")
    text, encoding = decode_body(body, "text/html; charset=ISO-8859-1")
    assert FRENCH in text
    assert encoding == "cp1252"  # WHATWG: iso-8859-1 means windows-1252


def test_meta_charset_used_without_header_charset() -> None:
    body = f'<html><head><meta charset="windows-1251"></head><body><p>{RUSSIAN}</p>'.encode("cp1251")
    text, encoding = decode_body(body, "text/html")
    assert RUSSIAN in text
    assert encoding == "cp1251"


def test_http_equiv_meta_is_read() -> None:
    body = (f'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>{RUSSIAN}</p>'
            .encode("koi8-r"))
    assert RUSSIAN in decode_body(body)[0]


def test_undeclared_encoding_is_detected() -> None:
    body = f"<html><body><p>{FRENCH} {FRENCH}</p></body></html>".encode("cp1252")
    text, _ = decode_body(body, "text/html")
    assert FRENCH in text


def test_undeclared_utf8_is_utf8() -> None:
    assert decode_body(f"<p>{RUSSIAN}</p>".encode())[1] == "utf-8"


def test_byte_order_mark_wins() -> None:
    body = codecs.BOM_UTF8 + f"<p>{FRENCH}</p>".encode()
    text, encoding = decode_body(body, "text/html; charset=iso-8859-1")
    assert encoding == "utf-8"
    assert text.startswith("<p>") and FRENCH in text


@pytest.mark.parametrize("content_type", ["text/html; charset=no-such-codec", "text/html; charset=utf-16"])
def test_unknown_or_impossible_labels_fall_back(content_type: str) -> None:
    text, encoding = decode_body(f"<p>{FRENCH}</p>".encode(), content_type)
    assert FRENCH in text
    assert encoding == "utf-8"


@given(st.binary(max_size=2000), st.sampled_from(["", "text/html", "text/html; charset=utf-8",
                                                  "text/html; charset=shift_jis"]))
def test_any_bytes_decode_without_error(body: bytes, content_type: str) -> None:
    text, encoding = decode_body(body, content_type)
    assert isinstance(text, str)
    assert codecs.lookup(encoding)


@given(st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(str.encode)))
def test_undeclared_bodies_decode_as_their_detected_charset(body: bytes) -> None:
    """Undeclared bodies: strict UTF-8 when valid, else charset-normalizer's guess (WHATWG order)."""
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or charset_from_meta(body):
        return
    try:
        body.decode("utf-8")
        detected = "utf-8"
    except UnicodeDecodeError:
        detected = guess_charset(body)
    assert decode_body(body, "text/html") == (body.decode(detected, errors="replace"), detected)
