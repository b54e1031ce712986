"""Extraction of one page: the Document it makes, and a drop reason instead of any exception."""

from __future__ import annotations

import codecs
import gzip
import random
import re
import time
from collections.abc import Callable

import pytest
import trafilatura
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.etree import tostring
from lxml.html import HtmlElement
from trafilatura.utils import load_html
from webtext.clean import extract
from webtext.clean.encoding import decode_body
from webtext.clean.extract import declared_language, extract_page, main_text, parse_html, utf8_body
from webtext.clean.settings import ExtractSettings
from webtext.clean.stage import clean_page
from webtext.core import reasons
from webtext.core.document import Page
from webtext.core.urls import doc_id

PageMaker = Callable[..., Page]
HtmlMaker = Callable[..., str]


def test_article_becomes_document_with_provenance_and_metadata(
        make_page: PageMaker, article_html: HtmlMaker, article: list[str]) -> None:
    page = make_page(article_html())
    doc = extract_page(page)
    assert doc.drop_reason is None
    assert doc.text.splitlines()[-3:] == article  # after the headline
    assert doc.id == doc_id(page.url)
    assert doc.domain == "news.example.com"
    assert doc.url == page.url
    assert doc.reddit == page.reddit
    assert doc.fetched_at == page.fetched_at
    assert doc.title == "Riverside park to grow"
    assert doc.date == "2017-06-01"
    assert doc.meta["declared_language"] == "en"
    assert doc.language == ""  # the language of the text is detected by the stage, not declared
    assert doc.meta["source"] == "pages.warc.gz:1234"
    assert doc.meta["encoding"] == "utf-8"


def test_navigation_and_footer_are_left_out(make_page: PageMaker, article_html: HtmlMaker) -> None:
    text = extract_page(make_page(article_html())).text
    assert "Home" not in text
    assert "Contact the newsroom" not in text


def test_residual_notice_lines_are_stripped_unless_cleanup_is_off(
        make_page: PageMaker, article_html: HtmlMaker) -> None:
    notice = "<p>We use cookies to improve your experience on this site.</p>"
    page = make_page(article_html(extra_body=notice))
    assert "cookies" not in extract_page(page).text
    assert "We use cookies" in extract_page(page, ExtractSettings(line_cleanup=False)).text


def test_page_of_only_notices_is_boilerplate_after_filters(
        make_page: PageMaker, article_html: HtmlMaker) -> None:
    notices = ["We use cookies to improve your experience on this site.",
               "Please enable JavaScript to view the comments.",
               "Subscribe to our newsletter for the latest updates."]
    page = make_page(article_html(paragraphs=notices))
    assert extract_page(page).text == "Riverside park to grow"  # only the headline is left
    assert clean_page(page).drop_reason == reasons.CLEAN_BOILERPLATE
    no_headline = make_page(article_html(paragraphs=notices).replace("<h1>Riverside park to grow</h1>", ""))
    assert extract_page(no_headline).drop_reason == reasons.CLEAN_BOILERPLATE


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (b"", "text/html", reasons.CLEAN_EMPTY),
    (b"  \n\t ", "text/html", reasons.CLEAN_EMPTY),
    (b"%PDF-1.5\n" + bytes(range(256)) * 8, "text/html", reasons.CLEAN_NOT_HTML),
    (b"%PDF-1.4\n1 0 obj\n", "application/pdf", reasons.CLEAN_NOT_HTML),
    (b"plain words", "text/plain", reasons.CLEAN_NOT_HTML),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "", reasons.CLEAN_NOT_HTML),
    (b"<html><body><ul><li><a href='/a'>A</a></li></ul></body></html>", "text/html",
     reasons.CLEAN_NO_MAIN_TEXT),
])
def test_unusable_pages_get_their_reason(
        body: bytes, content_type: str, reason: str, make_page: PageMaker) -> None:
    assert extract_page(make_page(body, content_type=content_type)).drop_reason == reason


def test_utf16_page_with_byte_order_mark_is_html(make_page: PageMaker, article_html: HtmlMaker) -> None:
    body = article_html().encode("utf-16")  # little-endian, with BOM
    doc = extract_page(make_page(body, content_type="text/html"))
    assert doc.drop_reason is None
    assert "riverside park" in doc.text


def test_html_without_content_type_is_sniffed(make_page: PageMaker, article_html: HtmlMaker) -> None:
    assert extract_page(make_page(article_html(), content_type="")).drop_reason is None


def test_page_over_the_size_limit_is_too_large(make_page: PageMaker, article_html: HtmlMaker) -> None:
    page = make_page(article_html())
    doc = extract_page(page, ExtractSettings(max_bytes=len(page.body) - 1))
    assert doc.drop_reason == reasons.CLEAN_TOO_LARGE
    assert extract_page(page, ExtractSettings(max_bytes=len(page.body))).drop_reason is None


def test_extraction_past_the_time_limit_is_dropped_as_timeout(slow_page: Page) -> None:
    started = time.perf_counter()
    finished = extract_page(slow_page, ExtractSettings(timeout_s=120))
    took = time.perf_counter() - started
    assert finished.drop_reason is None  # the page extracts when given the time
    assert "Paragraph 1999" in finished.text
    # a tenth of what the page just took on this machine, however fast or loaded it is
    limit = min(0.1, took / 10)
    assert extract_page(slow_page, ExtractSettings(timeout_s=limit)).drop_reason == reasons.CLEAN_TIMEOUT


def test_undecodable_bytes_become_replacement_characters(
        make_page: PageMaker, article_html: HtmlMaker) -> None:
    html = article_html().replace("kilometres", "kilom\udcffetres")
    body = html.encode("utf-8", errors="surrogateescape")
    doc = extract_page(make_page(body))
    assert doc.drop_reason is None
    assert "kilom\ufffdetres" in doc.text


def test_truncated_html_still_yields_the_text_before_the_cut(
        make_page: PageMaker, article_html: HtmlMaker, article: list[str]) -> None:
    html = article_html()
    cut = html.index(article[2][:30]) + 10
    doc = extract_page(make_page(html[:cut]))
    assert doc.drop_reason is None
    assert article[0] in doc.text


@pytest.mark.slow
def test_deeply_nested_and_huge_pages_do_not_raise(
        make_page: PageMaker, article_html: HtmlMaker, article: list[str]) -> None:
    deep = "<html><body>" + "<div>" * 20000 + "<p>deep words</p>" * 20 + "</div>" * 20000 + "</body></html>"
    huge = article_html(paragraphs=article * 3000)  # about 1.6 MB
    for body in (deep, huge, "<" * 100000, "<html>" + "<p>unclosed " * 20000):
        doc = extract_page(make_page(body), ExtractSettings(timeout_s=20))
        assert doc.drop_reason in (None, reasons.CLEAN_NO_MAIN_TEXT, reasons.CLEAN_TIMEOUT)


def test_gzip_bytes_labelled_html_are_not_html(make_page: PageMaker, article_html: HtmlMaker) -> None:
    body = gzip.compress(article_html().encode() * 20)
    assert extract_page(make_page(body)).drop_reason == reasons.CLEAN_NOT_HTML


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=4000),
       content_type=st.sampled_from(["text/html", "", "application/xhtml+xml", "text/html; charset=utf-16"]))
def test_random_bytes_never_raise(body: bytes, content_type: str, make_page: PageMaker) -> None:
    doc = extract_page(make_page(body, content_type=content_type))
    assert doc.drop_reason is not None or doc.text


def test_random_mutations_of_real_html_never_raise(make_page: PageMaker, article_html: HtmlMaker) -> None:
    rng = random.Random(7)
    html = article_html().encode()
    for _ in range(40):
        mutated = bytearray(html)
        for _ in range(rng.randrange(1, 60)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        start, end = sorted(rng.sample(range(len(mutated)), 2))
        doc = extract_page(make_page(bytes(mutated[:start] + mutated[end:])))
        assert doc.drop_reason is not None or doc.text


def declared_language_by_definition(tree: HtmlElement) -> str:
    """The first valid code of all declarations in order: `<html lang>`, `xml:lang`, meta tags."""
    candidates = [tree.get("lang", ""), tree.get("{http://www.w3.org/XML/1998/namespace}lang", "")]
    candidates += [str(value) for value in tree.xpath(
        '//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content'
        ' | //meta[@property="og:locale"]/@content')]
    for value in candidates:
        primary = re.split(r"[-_,;\s]", value.strip().lower(), maxsplit=1)[0]
        if primary.isalpha() and 2 <= len(primary) <= 3:
            return primary
    return ""


@pytest.mark.parametrize(("root", "head", "language"), [
    ('lang="en-GB"', '<meta http-equiv="content-language" content="de">', "en"),
    ('lang="x"', '<meta http-equiv="content-language" content="de-AT">', "de"),
    ('lang="12"', '<meta property="og:locale" content="pt_BR">', "pt"),
    ('lang=""', '<meta property="og:locale" content="fr_FR"><meta http-equiv="Content-Language" content="it">',
     "fr"),  # document order among the meta tags
    ('lang="toolong"', '<meta http-equiv="content-language" content="??"><meta property="og:locale" content="ja">',
     "ja"),
    ("", '<meta http-equiv="content-language" content="">', ""),
])
def test_declared_language_takes_the_first_valid_declaration(root: str, head: str, language: str) -> None:
    tree = load_html(f"<!DOCTYPE html><html {root}><head>{head}<title>t</title></head>"
                     f"<body><p>Some words here.</p><p>More words.</p></body></html>")
    assert declared_language(tree) == declared_language_by_definition(tree) == language


@pytest.mark.parametrize(("lang", "language"), [("en", "en"), ("", "nl"), ("x", "nl")])
def test_xml_lang_comes_after_html_lang_and_before_meta_tags(lang: str, language: str) -> None:
    tree = load_html(f'<html lang="{lang}"><head><meta http-equiv="content-language" content="de"></head>'
                     "<body><p>Some words here.</p><p>More words.</p></body></html>")
    tree.set("{http://www.w3.org/XML/1998/namespace}lang", "nl")  # as XHTML parsed as XML has it
    assert declared_language(tree) == declared_language_by_definition(tree) == language


def test_declared_language_as_defined_on_whole_pages(whole_pages: list[Page]) -> None:
    for page in whole_pages:
        tree = load_html(page.body.decode("utf-8", "replace"))
        if tree is not None:
            assert declared_language(tree) == declared_language_by_definition(tree), page.url


def test_without_metadata_there_is_no_title_date_or_declared_language(
        make_page: PageMaker, article_html: HtmlMaker) -> None:
    doc = extract_page(make_page(article_html()), ExtractSettings(with_metadata=False))
    assert doc.drop_reason is None
    assert (doc.title, doc.date, "declared_language" in doc.meta) == ("", "", False)


@pytest.mark.parametrize("html", [
    "<!DOCTYPE html><html><head><title>t</title></head><body><p>Plain page.</p></body></html>",
    "<html><body><p>Form\x0cfeed and \x00 null \ufffe</p><p>b</p></body></html>",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/'
    'xhtml1-strict.dtd">\n<html><head></head><body><p>XHTML</p></body></html>',
    '<!doctype html><html lang="en"/>\n<head></head><body><p>self-closed root</p></body></html>',
    "<p>a fragment</p>",
    "",
])
def test_parsed_tree_is_the_one_trafilatura_parses(html: str) -> None:
    expected = load_html(html)
    tree = parse_html(html)
    assert (tree is None) == (expected is None)
    if tree is not None and expected is not None:
        assert tostring(tree) == tostring(expected)


def test_parsed_tree_is_the_one_trafilatura_parses_on_whole_pages(whole_pages: list[Page]) -> None:
    from_body = 0
    for page in whole_pages:
        html, encoding = decode_body(page.body, page.header("Content-Type"))
        data = utf8_body(page, html, encoding)
        from_body += data is not None
        expected = load_html(html)
        for tree in (parse_html(html), parse_html(html, data)):
            assert (tree is None) == (expected is None), page.url
            if tree is not None and expected is not None:
                assert tostring(tree) == tostring(expected), page.url
    assert from_body >= len(whole_pages) // 2  # most real pages are parsed from their own bytes


@pytest.mark.parametrize(("body", "content_type", "own_bytes"), [
    ("<p>caf\u00e9 \u4e2d\u6587</p>".encode(), "text/html; charset=utf-8", True),
    ("<p>caf\u00e9</p>".encode(), "text/html", True),  # undeclared, valid UTF-8
    (codecs.BOM_UTF8 + b"<p>bom</p>", "text/html", False),  # decoded without its byte order mark
    (b"<p>bad \xff byte</p>", "text/html; charset=utf-8", False),  # the byte became U+FFFD
    ("<p>caf\u00e9</p>".encode("cp1252"), "text/html; charset=windows-1252", False),
])
def test_a_page_is_parsed_from_its_own_bytes_only_where_they_are_its_text_in_utf8(
        body: bytes, content_type: str, own_bytes: bool) -> None:
    page = Page(url="http://x.test/", status=200, headers=(("Content-Type", content_type),), body=body,
                fetched_at="")
    html, encoding = decode_body(page.body, content_type)
    data = utf8_body(page, html, encoding)
    assert (data is not None) == own_bytes
    if data is not None:
        assert data == html.encode("utf-8")


def test_extraction_on_the_tree_itself_equals_bare_extraction(whole_pages: list[Page]) -> None:
    # The extraction cascade is trafilatura's internal `trafilatura_sequence`, run without
    # `bare_extraction`'s copy of the tree: it must stay there and give bare_extraction's text.
    assert extract.trafilatura_sequence is not None
    settings = ExtractSettings()
    for page in whole_pages:
        html = page.body.decode("utf-8", "replace")
        tree = parse_html(html)
        if tree is None:
            continue
        text, mode = main_text(html, tree, page.url, settings)
        precision = trafilatura.bare_extraction(
            html, url=page.url, favor_precision=True, include_comments=False, with_metadata=False)
        expected = precision.text if isinstance(precision, trafilatura.settings.Document) else ""
        if mode == "precision":
            assert text == expected, page.url
        else:
            assert mode == "fallback" and len(text) > len(expected), page.url
