"""Line-level cleanup: whitespace and Unicode normalized, residual notices stripped, words kept."""

from __future__ import annotations

import unicodedata

import pytest
from webtext.clean.boilerplate import is_boilerplate_line
from webtext.clean.lines import clean_text, normalize_line


def test_nfc_and_whitespace() -> None:
    decomposed = unicodedata.normalize("NFD", "Café  au\u00a0lait\t\u200bserved ")
    assert normalize_line(decomposed) == "Café au lait served"
    assert normalize_line(decomposed) == unicodedata.normalize("NFC", normalize_line(decomposed))


def test_invisible_characters_go_but_emoji_joiners_stay() -> None:
    assert normalize_line("co\u00adop\x07era\ufefftion") == "cooperation"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert normalize_line(f"A {family} family") == f"A {family} family"


def test_blank_lines_and_notice_lines_are_removed() -> None:
    text = "First paragraph.\n\n   \nWe use cookies to improve your experience.\nAdvertisement\nSecond paragraph."
    cleaned = clean_text(text)
    assert cleaned.text == "First paragraph.\nSecond paragraph."
    assert cleaned.lines_kept == 2
    assert cleaned.boilerplate_lines == 2


@pytest.mark.parametrize("line", [
    "We use cookies to give you the best experience on our website.",
    "Please enable JavaScript to view the comments powered by Disqus.",
    "JavaScript is disabled in your browser.",
    "Sign up for our newsletter",
    "© 2017 Example Media. All rights reserved.",
    "ADVERTISEMENT",
    "Skip to main content",
])
def test_notices_are_boilerplate(line: str) -> None:
    assert is_boilerplate_line(line)


@pytest.mark.parametrize("line", [
    "JavaScript is the language of the web, and its tooling has changed a great deal since 2010.",
    "Facebook changed its terms of use last week, and regulators in Europe have taken notice.",
    "The advertisement ran for three weeks before the company withdrew it after complaints.",
    "Browsers store cookies for each site, and this article explains how that works in detail: " * 2,
])
def test_prose_about_the_same_topics_is_kept(line: str) -> None:
    assert not is_boilerplate_line(line)
