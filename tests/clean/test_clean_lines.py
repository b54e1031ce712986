"""Line-level cleanup: whitespace and Unicode normalized, residual notices stripped, words kept."""

from __future__ import annotations

import random
import re
import sys
import unicodedata

import pytest
from webtext.clean.boilerplate import is_boilerplate_line
from webtext.clean.lines import _INVISIBLE, clean_text, normalize_line, normalized_lines


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


BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029", "\n\n"]


def test_normalized_lines_as_defined_on_random_texts() -> None:
    rng = random.Random(4)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES + BREAKS) for _ in range(rng.randrange(0, 30)))
        expected = [line for raw in text.splitlines() if (line := normalize_line_by_definition(raw))]
        assert normalized_lines(text) == expected, repr(text)


def test_a_paragraph_printed_twice_keeps_its_first_copy(article: list[str]) -> None:
    credit = "Photo: Agencies"
    text = "\n".join([article[0], credit, article[0], article[1], credit, article[2]])
    assert clean_text(text).text == "\n".join([article[0], credit, article[1], credit, article[2]])


def test_lines_repeated_three_times_are_left_to_the_filters(article: list[str]) -> None:
    question = "What inspired you to start a cooking page of your own?"
    text = "\n".join(line for answer in article for line in (question, answer))
    assert clean_text(text).text == text


def test_a_further_reading_list_at_the_end_is_cut(article: list[str]) -> None:
    body = "\n".join(article)
    english = ["Read more:", "Council approves new cycle lanes on the ring road", "Market traders plan a protest",
               "- Ten parks to visit this summer"]
    assert clean_text("\n".join([*article, *english])).text == body
    german = ["Lesen Sie auch die folgenden Beitr\u00e4ge:",
              "- Warum Sie diese drei HR-Prozesse digitalisieren sollten", "- Der Jobmarkt bleibt vital"]
    assert clean_text("\n".join([*article, *german])).text == body
    assert clean_text("\n".join([*article, "Mehr Themen:"])).text == body
    inline = [article[0], "Related: The 15 Weirdest Galaxies in Our Universe", article[1], article[2]]
    assert clean_text("\n".join(inline)).text == body


def test_real_article_endings_are_kept(article: list[str]) -> None:
    recipe = [*article, "Ingredients:", "- 200 g flour", "- 2 eggs", "- a pinch of salt"]
    assert clean_text("\n".join(recipe)).text == "\n".join(recipe)
    steps = [*article, "So geht's:", "1. Zwei Gl\u00e4ser kaufen.", "2. Den Kassenbon hochladen."]
    assert clean_text("\n".join(steps)).text == "\n".join(steps)
    essay = [*article, "See also the council's report, which the mayor presented on Monday evening and which "
             "sets out the costs of each of the three options in detail."]
    assert clean_text("\n".join(essay)).text == "\n".join(essay)
