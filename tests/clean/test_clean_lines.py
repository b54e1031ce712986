"""Line-level cleanup: whitespace and Unicode normalized, residual notices stripped, words kept."""

from __future__ import annotations

import random
import re
import sys
import unicodedata

import pytest
from webtext.clean.boilerplate import is_boilerplate_line
from webtext.clean.lines import _INVISIBLE, clean_text, normalize_line


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


EVERY_CHARACTER = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
SPACES = [" ", "\t", "\u00a0", "\u2003", "\u3000", "\u2028", "\x1f", "\x85", "\u200b", "\u00ad", "\ufeff"]
PIECES = ["word", "Caf\u0065\u0301", "\u00e9", "\u0301", "\u200d", "x", "!", "\x07", *SPACES]


def normalize_line_by_definition(line: str) -> str:
    """NFC, invisible characters removed, runs of whitespace but newlines made one space, stripped."""
    line = _INVISIBLE.sub("", unicodedata.normalize("NFC", line))
    return re.sub(r"[^\S\n]+", " ", line).strip()


def test_str_split_splits_at_the_whitespace_of_regexes() -> None:
    assert set(re.findall(r"\s", EVERY_CHARACTER)) == {c for c in EVERY_CHARACTER if c.isspace()}


def test_normalize_line_as_defined_on_random_lines() -> None:
    rng = random.Random(3)
    for _ in range(5000):
        line = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 12)))
        assert normalize_line(line) == normalize_line_by_definition(line), repr(line)
